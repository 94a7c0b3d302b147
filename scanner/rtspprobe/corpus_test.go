package rtspprobe_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/scanner/rtspprobe"
	"github.com/camsweep/camsweep/vendors"
)

// fieldsOf parses a corpus file: a whole RTSP response or an SDP alone.
func fieldsOf(t *testing.T, b []byte) map[string]string {
	t.Helper()
	if bytes.HasPrefix(bytes.TrimLeft(b, "\r\n"), []byte("RTSP/")) {
		r, err := rtspprobe.ParseResponse(b)
		if r == nil {
			t.Fatalf("not parsed: %v", err)
		}
		return r.Fields()
	}
	return rtspprobe.ParseSDP(b).Fields()
}

// TestCorpus_rtspMakers: each RTSP reply of the corpus of real replies
// (testdata/real/rtsp, provenance and stated identity in
// testdata/real/rtsp-http.yaml), alone, through the parser and the rules:
// the maker the rules name from that one reply, "" when none. A reply
// whose maker is not named by RTSP alone is listed with "" so that a rule
// that starts naming a wrong one fails here.
func TestCorpus_rtspMakers(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "real", "rtsp")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no corpus")
	}
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := fingerprint.New(fingerprint.Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"anjvision-h265-describe-200.txt":                       "anjvision",
		"anpviz-anjvision-sdp.txt":                              "anjvision",
		"axis-m1011-sdp.txt":                                    "",
		"axis-p1311-sdp.txt":                                    "",
		"bosch-live-view-sdp.txt":                               "",
		"d-link-dcs-2121-sdp.txt":                               "d-link",
		"dahua-describe-401-login-to-serial.txt":                "dahua",
		"dahua-describe-h264-aac-onvif.txt":                     "dahua",
		"dahua-describe-h265-pcma.txt":                          "dahua",
		"dahua-options-401-login-to-hex.txt":                    "dahua",
		"digital-watchdog-dwc-mv94wiat-via-wisenet-nvr-sdp.txt": "digital-watchdog",
		"flir-ir-stream-sdp.txt":                                "teledyne-flir",
		"foscam-describe-videomain.txt":                         "foscam",
		"geovision-uniview-oem-sdp.txt":                         "uniview",
		"hikvision-camera-pcm-audio-sdp.txt":                    "hikvision",
		"hikvision-describe-401-ip-camera-c1214.txt":            "hikvision",
		"hikvision-describe-channels-101.txt":                   "hikvision",
		"hikvision-hik-media-server-v3.1.3-sdp.txt":             "hikvision",
		"mercury-camera-sdp.txt":                                "",
		"reolink-bc-streaming-media-sdp.txt":                    "reolink",
		"reolink-describe-h264preview.txt":                      "reolink",
		"sanyo-vcc-hd2300p-sdp.txt":                             "",
		"sony-snc-wr630-sdp.txt":                                "sony",
		"tp-link-describe-401-basic-digest.txt":                 "tp-link",
		"tp-link-h265-sdp.txt":                                  "tp-link",
		"tp-link-smart-encoder-sdp.txt":                         "tp-link",
		"tp-link-tapo-c110-describe-401.txt":                    "tp-link",
		"tp-link-tl-ipc44aw-color-sdp.txt":                      "tp-link",
		"ubiquiti-unifi-evostream-sdp.txt":                      "ubiquiti",
		"uniview-camera-backchannel-sdp.txt":                    "uniview",
		"uniview-ipc2122lb-sf28k-a-describe-401-mac-realm.txt":  "uniview",
		"uniview-ipc2122lb-sf28k-a-sdp.txt":                     "uniview",
		"vstarcam-describe-200.txt":                             "vstarcam",
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	named := 0
	for _, p := range files {
		name := filepath.Base(p)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := fieldsOf(t, b)
		for k, v := range f {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: empty %s", name, k)
			}
		}
		id := eng.Identify(&device.Host{Evidence: []device.Evidence{{Source: device.SourceRTSP, Fields: f}}})
		if w, ok := want[name]; ok && id.Vendor != w {
			t.Errorf("%s: maker %q, want %q (fields %q)", name, id.Vendor, w, f)
		}
		if id.Vendor != "" {
			named++
		}
	}
	t.Logf("%d of %d RTSP replies name their maker alone", named, len(files))
}

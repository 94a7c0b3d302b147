package rtspprobe_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
	"github.com/camsweep/camsweep/scanner/rtspprobe"
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
// testdata/real/rtsp-http.yaml), alone, through the parser and the rules.
// No reply may get a maker other than the one the manifest gives it; the
// replies that carry a signature of this package's fields must be named.
func TestCorpus_rtspMakers(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "real", "rtsp")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no corpus")
	}
	eng := scantest.Identifier(t)
	// The maker of each device as the manifest states it ("" when it
	// states none, or only a brand).
	truth := map[string]string{
		"aiphone-describe-401-ze-pro.txt":                       "",
		"anjvision-h265-describe-200.txt":                       "anjvision",
		"anpviz-anjvision-sdp.txt":                              "anjvision",
		"avigilon-camera-sdp.txt":                               "avigilon",
		"axis-m1011-sdp.txt":                                    "axis",
		"axis-p1311-sdp.txt":                                    "axis",
		"beward-nessymediaserver-sdp.txt":                       "",
		"bosch-live-view-sdp.txt":                               "bosch",
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
		"mercury-camera-go2rtc-sdp.txt":                         "",
		"mercury-camera-sdp.txt":                                "",
		"reolink-bc-streaming-media-sdp.txt":                    "reolink",
		"reolink-describe-h264preview.txt":                      "reolink",
		"sanyo-vcc-hd2300p-sdp.txt":                             "sanyo",
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
	// Replies named by an rtsp.sdp.* or realm rule of this work.
	mustName := []string{
		"anjvision-h265-describe-200.txt", "anpviz-anjvision-sdp.txt", "d-link-dcs-2121-sdp.txt",
		"dahua-describe-h264-aac-onvif.txt", "dahua-options-401-login-to-hex.txt",
		"digital-watchdog-dwc-mv94wiat-via-wisenet-nvr-sdp.txt", "flir-ir-stream-sdp.txt",
		"foscam-describe-videomain.txt", "geovision-uniview-oem-sdp.txt", "hikvision-describe-channels-101.txt",
		"hikvision-hik-media-server-v3.1.3-sdp.txt", "reolink-bc-streaming-media-sdp.txt",
		"reolink-describe-h264preview.txt", "sony-snc-wr630-sdp.txt", "tp-link-describe-401-basic-digest.txt",
		"tp-link-h265-sdp.txt", "ubiquiti-unifi-evostream-sdp.txt", "uniview-ipc2122lb-sf28k-a-describe-401-mac-realm.txt",
		"vstarcam-describe-200.txt",
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
		if w, ok := truth[name]; ok && id.Vendor != "" && id.Vendor != w {
			t.Errorf("%s: maker %q, the device's is %q (fields %q)", name, id.Vendor, w, f)
		}
		if slices.Contains(mustName, name) && id.Vendor == "" {
			t.Errorf("%s: no maker named (fields %q)", name, f)
		}
		if id.Vendor != "" {
			named++
		}
	}
	t.Logf("%d of %d RTSP replies name their maker alone", named, len(files))
}

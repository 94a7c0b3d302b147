package onvif

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// realReply reads a file of the corpus of real replies (testdata/real, its
// manifests give the provenance); the test is skipped when the corpus does
// not hold it.
func realReply(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "real", "onvif", name))
	if os.IsNotExist(err) {
		t.Skipf("corpus file %s absent", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProber_realClockFailures: real devices whose GetSystemDateAndTime
// fails still give their GetDeviceInformation. The EZVIZ DS-2DE2C400IG-W-W
// answers it with an HTTP 401 whose body is an HTML page (2BAD/onvif
// fixtures); the DVC (TVT platform) DCN-BM2220LPR with a SOAP fault "HTTP
// Error: 401 Unauthorized", which proves a device service, so the usual
// order goes on. The fake knows no other operation (ActionNotSupported, so
// GetCapabilities is asked too and the budget ends before GetScopes).
func TestProber_realClockFailures(t *testing.T) {
	for _, tc := range []struct {
		name, clock, info   string
		clockStatus         int
		access              string
		manufacturer, model string
		firmware            string
		log                 []string
	}{
		{"ezviz", "hikvision-ezviz-ds-2de2c400ig-w-w-getsystemdateandtime-401-body.xml", "hikvision-ezviz-ds-2de2c400ig-w-w-getdeviceinformation.xml",
			http.StatusUnauthorized, "required", "EZVIZ", "DS-2DE2C400IG-W-W", "V5.3.8 build 260123",
			[]string{"GetSystemDateAndTime/", "GetDeviceInformation/", "GetServices/", "GetCapabilities/", "GetNetworkInterfaces/", "GetHostname/"}},
		{"tvt", "tvt-dvc-dcn-bm2220lpr-getsystemdateandtime-fault.xml", "tvt-dvc-dcn-bm2220lpr-getdeviceinformation.xml",
			http.StatusUnauthorized, "required", "DVC", "DCN-BM2220LPR", "",
			[]string{"GetSystemDateAndTime/", "GetServices/", "GetCapabilities/", "GetDeviceInformation/", "GetNetworkInterfaces/", "GetHostname/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &fakeDevice{t: t,
				open:   map[string][]byte{"GetDeviceInformation": realReply(t, tc.info)},
				broken: map[string]fakeBroken{"GetSystemDateAndTime": {status: tc.clockStatus, body: realReply(t, tc.clock)}},
			}
			f, err := probe(t, newProber(t, Config{}), d.start())
			if err != nil {
				t.Fatal(err)
			}
			wantLog(t, d, tc.log...)
			wantFields(t, f, map[string]string{
				"onvif.access.get_system_date_and_time": tc.access,
				"onvif.access.get_device_information":   "none",
				"onvif.manufacturer":                    tc.manufacturer,
				"onvif.model":                           tc.model,
				"onvif.clock_offset":                    "",
			})
			if tc.firmware != "" && f["onvif.firmware"] != tc.firmware {
				t.Errorf("firmware %q, want %q", f["onvif.firmware"], tc.firmware)
			}
		})
	}
}

// TestProber_realChallenge: the whole 401 an Imou (Dahua platform) camera
// sent on its ONVIF service (testdata/real/onvif.yaml: Quedale/
// OnvifDeviceManager issue #19), served for every operation, is evidence
// by its challenge alone.
func TestProber_realChallenge(t *testing.T) {
	raw := realReply(t, "dahua-login-to-realm-401-media-service.txt")
	var challenge string
	for line := range bytes.Lines(raw) {
		if v, ok := strings.CutPrefix(strings.TrimRight(string(line), "\r\n"), "WWW-Authenticate: "); ok {
			challenge = v
		}
	}
	if challenge == "" {
		t.Fatal("no challenge in the reply")
	}
	d := &fakeDevice{t: t, broken: map[string]fakeBroken{}}
	for _, op := range []string{"GetSystemDateAndTime", "GetDeviceInformation", "GetServices"} {
		d.broken[op] = fakeBroken{status: http.StatusUnauthorized, challenge: challenge}
	}
	f, err := probe(t, newProber(t, Config{}), d.start())
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, f, map[string]string{
		"onvif.realm": "Login to 0ccf58c7410332c7caa363406561b351", "onvif.auth_scheme": "Digest",
		"onvif.challenge_only": "true", "onvif.auth": "required",
	})
}

// TestCorpus_getScopes: the GetScopes replies of the corpus of real replies
// (testdata/real/onvif, provenance in testdata/real/onvif.yaml), alone,
// through the parser and the rules: no wrong maker, and the Pelco name
// scope gives the serial GetDeviceInformation states.
func TestCorpus_getScopes(t *testing.T) {
	eng := scantest.Identifier(t)
	for _, tc := range []struct{ file, maker, serial string }{
		{"axis-q6045-e-getscopes.xml", "axis", ""},
		{"hikvision-ds-2cd2012-i-getscopes.xml", "hikvision", ""},
		{"hikvision-ds-2df7276-ael-getscopes.xml", "hikvision", ""},
		{"pelco-d6230l-getscopes.xml", "pelco", "J250117"},
		{"trendnet-tv-ip320pi-getscopes.xml", "hikvision", ""}, // Hikvision platform (onvifext namespace)
		{"tvt-dvc-drn-3282r-getscopes.xml", "", ""},            // TVT: the hikvision.com topic namespace alone names no maker
		{"gsoap-camera-getscopes-exonvif.xml", "", ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			sl, err := ParseGetScopes(realReply(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			f := map[string]string{}
			noteScopes(f, sl)
			if len(sl.Hints) > 0 {
				f["onvif.hint"] = strings.Join(sl.Hints, ",")
			}
			id := eng.Identify(&device.Host{Evidence: []device.Evidence{{Source: device.SourceONVIF, Fields: f}}})
			if id.Vendor != "" && id.Vendor != tc.maker || tc.maker != "" && id.Vendor == "" {
				t.Errorf("maker %q, want %q (fields %q)", id.Vendor, tc.maker, f)
			}
			if id.Serial != tc.serial {
				t.Errorf("serial %q, want %q", id.Serial, tc.serial)
			}
		})
	}
}

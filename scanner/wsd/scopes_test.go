package wsd

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParse_selfIdentityScopes: the scopes a Uniview-platform camera
// states itself by beyond the ONVIF categories (manufacturer/, version/,
// serial/, macaddr/) reach wsd.scope.*; the rest stays in wsd.scope.other.
func TestParse_selfIdentityScopes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "uniview-oem-sc-3243-iwps-f28.xml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseProbeMatches(b)
	if err != nil || len(m.Matches) != 1 {
		t.Fatalf("%v %v", m, err)
	}
	ev := Evidence(m, netip.MustParseAddrPort("192.168.100.26:3702"), "multicast", time.Time{})
	f := ev[0].Fields
	for k, want := range map[string]string{
		"wsd.scope.manufacturer": "NONE",
		"wsd.scope.firmware":     "GIPC-B6215.1.68.NB.240617",
		"wsd.scope.serial":       "210235UEDW3247000013",
		"wsd.scope.mac":          "e4f14c776608",
		"wsd.scope.hardware":     "SC-3243-IWPS-F28",
		"wsd.scope.name":         "SC-3243-IWPS-F28",
		"wsd.scope.types":        "video_encoder audio_encoder IPC",
		"wsd.scope.profiles":     "G Streaming T",
		"wsd.scope.other":        "onvif://www.onvif.org/max_resolution/2688*1520 onvif://www.onvif.org/register_status/offline onvif://www.onvif.org/register_server/0.0.0.0:5060 onvif://www.onvif.org/regist_id/34020000001320000001 onvif://www.onvif.org/VideoSourceNumber/1",
		"wsd.epr_mac":            "e4:f1:4c:77:66:08",
		"wsd.hint":               "epr-mac-matches-scope",
	} {
		if f[k] != want {
			t.Errorf("%s = %q, want %q", k, f[k], want)
		}
	}
}

// TestParseScopes_selfIdentityVariants: the spellings of the same
// categories, first value wins, empty values are not taken.
func TestParseScopes_selfIdentityVariants(t *testing.T) {
	s := ParseScopes("onvif://www.onvif.org/Manufacturer/Tapo onvif://www.onvif.org/SerialNumber/ABC%20123 onvif://www.onvif.org/serial/second onvif://www.onvif.org/firmware/ onvif://www.onvif.org/FirmwareVersion/1.2.3 onvif://www.onvif.org/Model/C320WS onvif://www.onvif.org/hardware/C320WS")
	if s.Manufacturer != "Tapo" || s.Serial != "ABC 123" || s.Firmware != "1.2.3" || s.Hardware != "C320WS" {
		t.Errorf("%+v", s)
	}
	if len(s.Other) != 3 {
		// serial/second, the empty firmware/ and the second model scope.
		t.Errorf("other %q", s.Other)
	}
}

// TestParse_tvtExtension: TVT firmware (here relabelled DVC) names its
// product line in an Extension element of the ProbeMatch; the real
// replies are those of the corpus (testdata/real/wsd, provenance in
// testdata/real/onvif.yaml: 2BAD/onvif live fixtures).
func TestParse_tvtExtension(t *testing.T) {
	for file, want := range map[string]string{
		"tvt-dvc-dcn-bf5365-probematches.xml": "TDigitalIPC",
		"tvt-dvc-drn-3282r-probematches.xml":  "TDigitalNVR",
		"axis-m2025-le-probematches.xml":      "",
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "real", "wsd", file))
		if os.IsNotExist(err) {
			t.Logf("%s absent", file)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseProbeMatches(b)
		if err != nil || len(m.Matches) != 1 {
			t.Fatalf("%s: %v %v", file, m, err)
		}
		f := Evidence(m, netip.MustParseAddrPort("192.0.2.14:3702"), "multicast", time.Time{})[0].Fields
		if f["wsd.extension"] != want {
			t.Errorf("%s: wsd.extension %q, want %q", file, f["wsd.extension"], want)
		}
	}
	// Bounded, and only the match's own Extension.
	long := strings.Repeat("x", 3*maxExtension)
	m, err := ParseProbeMatches([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Body><d:ProbeMatches><d:ProbeMatch><d:Scopes><e:Extension xmlns:e="urn:x">inner</e:Extension></d:Scopes><d:Extension>` + long + `</d:Extension></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`))
	if err != nil || len(m.Matches) != 1 || m.Matches[0].Extension != long[:maxExtension] {
		t.Errorf("%v %+v", err, m)
	}
}

package wsd

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// FuzzParse feeds the parser mutations of the real replies: it must return
// a value or an error, within its bounds, never panic.
func FuzzParse(f *testing.F) {
	scantest.SeedFiles(f,
		filepath.Join("..", "..", "testdata", "wsd", "*.xml"),
		filepath.Join("testdata", "*.xml"),
		// Real replies of the corpus with the TVT Extension element.
		filepath.Join("..", "..", "testdata", "real", "wsd", "tvt-*.xml"))
	f.Add([]byte(probeTemplateForFuzz))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		if len(m.Matches) > MaxMatches {
			t.Fatalf("%d matches", len(m.Matches))
		}
		for _, pm := range m.Matches {
			if len(pm.Types) > MaxItems || len(pm.XAddrs) > MaxItems || len(pm.Scopes.Raw) > MaxItems {
				t.Fatal("items beyond bound")
			}
		}
		_ = Evidence(m, netip.MustParseAddrPort("198.18.0.1:3702"), "unicast", time.Time{})
	})
}

// FuzzParseScopes checks the scope splitter on its own.
func FuzzParseScopes(f *testing.F) {
	f.Add("onvif://www.onvif.org/name/HIKVISION%20DS-2CD3955FWD-IWS onvif://www.onvif.org/location/")
	f.Add("onvif://www.onvif.org/%zz onvif://www.onvif.org/ onvif://www.onvif.org")
	// The self-identity scopes of the real Uniview-platform ProbeMatches
	// (testdata/uniview-oem-sc-3243-iwps-f28.xml).
	f.Add("onvif://www.onvif.org/type/IPC onvif://www.onvif.org/manufacturer/NONE onvif://www.onvif.org/version/GIPC-B6215.1.68.NB.240617 onvif://www.onvif.org/serial/210235UEDW3247000013 onvif://www.onvif.org/macaddr/e4f14c776608  onvif://www.onvif.org/hardware/SC-3243-IWPS-F28")
	f.Fuzz(func(t *testing.T, s string) {
		_ = ParseScopes(s)
		_ = XAddrHosts([]string{s})
		_ = EPRMAC(s)
	})
}

const probeTemplateForFuzz = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><a:MessageID xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">uuid:1</a:MessageID></s:Header><s:Body><d:Probe xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>`

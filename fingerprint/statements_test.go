package fingerprint

import (
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors"
)

func statementEngine(t *testing.T) *Engine {
	t.Helper()
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// onvifInfo is the evidence of an ONVIF GetDeviceInformation answer.
func onvifInfo(manufacturer, model, firmware, serial string) device.Evidence {
	f := map[string]string{"onvif.auth": "none"}
	for k, v := range map[string]string{"onvif.manufacturer": manufacturer, "onvif.model": model,
		"onvif.firmware": firmware, "onvif.serial": serial} {
		if v != "" {
			f[k] = v
		}
	}
	return device.Evidence{Source: device.SourceONVIF, Port: 80, Fields: f}
}

func wsdNVT(name, hardware string) device.Evidence {
	return ev(device.SourceWSD, 3702, "wsd.types=dn:NetworkVideoTransmitter tds:Device",
		"wsd.scope.name="+name, "wsd.scope.hardware="+hardware)
}

// TestStatements: what a device states about itself reaches the identity
// through the one statements path, for catalogued and uncatalogued makers,
// brands and relabels alike.
func TestStatements(t *testing.T) {
	e := statementEngine(t)
	for _, tc := range []struct {
		name         string
		evidence     []device.Evidence
		vendor       string
		brand        string
		model        string
		firmware     string
		serial       string
		stated       string
		uncatalogued bool
	}{{
		// Firmware and serial of GetDeviceInformation reach the identity
		// (they were evidence only before).
		name:     "bosch onvif device information",
		evidence: []device.Evidence{onvifInfo("Bosch", "FLEXIDOME IP 5000i", "7.70.0066", "044123456789"), wsdNVT("FLEXIDOME IP 5000i", "FLEXIDOME IP 5000i")},
		vendor:   "bosch", model: "FLEXIDOME IP 5000i", firmware: "7.70.0066", serial: "044123456789", stated: "Bosch",
	}, {
		name:     "legal name as manufacturer",
		evidence: []device.Evidence{onvifInfo("Zhejiang Dahua Technology Co., Ltd.", "IPC-HDW1431T1-S4", "2.800.0000000.16.R", "6G0123PAZ12345")},
		vendor:   "dahua", model: "IPC-HDW1431T1-S4", firmware: "2.800.0000000.16.R", serial: "6G0123PAZ12345", stated: "Zhejiang Dahua Technology Co., Ltd.",
	}, {
		// A maker's own brand: the platform maker, with the brand kept.
		name:     "ezviz brand",
		evidence: []device.Evidence{onvifInfo("EZVIZ", "CS-C6N", "V5.3.0 build 210309", "")},
		vendor:   "hikvision", brand: "EZVIZ", model: "CS-C6N", firmware: "V5.3.0 build 210309", stated: "EZVIZ",
	}, {
		// A relabel brand alone proves no platform maker.
		name:     "relabel brand alone",
		evidence: []device.Evidence{onvifInfo("Amcrest", "IP2M-841B", "", "")},
		brand:    "Amcrest", model: "IP2M-841B", stated: "Amcrest",
	}, {
		// A maker the catalog does not know is kept, never dropped.
		name:     "uncatalogued maker",
		evidence: []device.Evidence{onvifInfo("Acme Optronics", "AX-100", "1.2.3", "SN0042"), wsdNVT("Front door", "AX-100")},
		brand:    "Acme Optronics", model: "AX-100", firmware: "1.2.3", serial: "SN0042", stated: "Acme Optronics", uncatalogued: true,
	}, {
		// "<MAKER> <model>" in the name scope.
		name:     "name scope maker and model",
		evidence: []device.Evidence{wsdNVT("AXIS P1435-LE", "P1435-LE")},
		vendor:   "axis", model: "P1435-LE", stated: "AXIS P1435-LE",
	}, {
		// A friendly name in the name scope states no maker.
		name:     "friendly name scope",
		evidence: []device.Evidence{wsdNVT("Lobby camera 2", "XYZ-1")},
		model:    "XYZ-1",
	}, {
		// The IEEE registrant of a maker's own brand: the brand on the
		// maker's platform (issue 13: a MAC of Hangzhou Ezviz is EZVIZ,
		// not Hikvision), weakly.
		name:     "oui of a maker's brand",
		evidence: []device.Evidence{ev(device.SourceOUI, 0, "mac.vendor=Hangzhou Ezviz Software Co.,Ltd."), wsdNVT("IPC", "CS-C6N")},
		vendor:   "hikvision", brand: "EZVIZ", model: "CS-C6N",
	}, {
		// Placeholders state nothing.
		name:     "placeholders",
		evidence: []device.Evidence{onvifInfo("General", "IPC", "1.0", "0000000000")},
	}, {
		name:     "unknown and empty",
		evidence: []device.Evidence{onvifInfo("unknown", "  ", "N/A", "123456")},
	}, {
		// An absurdly long value states nothing.
		name:     "absurdly long",
		evidence: []device.Evidence{onvifInfo(strings.Repeat("A", 500), strings.Repeat("M", 200), strings.Repeat("1", 100), strings.Repeat("S1", 50))},
	}, {
		// Control characters: a name that would write to a terminal.
		name:     "control characters",
		evidence: []device.Evidence{onvifInfo("Axis\x1b]0;pwned\x07", "P1\r\nX", "1.0\x00", "")},
	}, {
		// A statement contradicting stronger evidence does not win: the
		// device says Axis, its SADP reply and web server say Hikvision.
		name: "contradicted by stronger evidence",
		evidence: []device.Evidence{
			onvifInfo("Axis", "DS-2CD2385G1-I", "V5.6.2 build 190701", "DS-2CD2385G1-I20200414AAWRE33842150"),
			ev(device.SourceSADP, 37020, "sadp.types=inquiry", "sadp.device_description=DS-2CD2385G1-I",
				"sadp.device_sn=DS-2CD2385G1-I20200414AAWRE33842150", "sadp.firmware=V5.6.2", "sadp.software_version=V5.6.2build 190701"),
			ev(device.SourceHTTP, 80, "http.status=200", "http.server=DNVRS-Webs"),
		},
		vendor: "hikvision", model: "DS-2CD2385G1-I", serial: "DS-2CD2385G1-I20200414AAWRE33842150", stated: "Axis",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			id := e.Identify(&device.Host{Evidence: tc.evidence})
			check := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			check("vendor", id.Vendor, tc.vendor)
			check("brand", id.Brand, tc.brand)
			check("model", id.Model, tc.model)
			if tc.firmware != "" || tc.name == "placeholders" {
				check("firmware", id.Firmware, tc.firmware)
			}
			check("serial", id.Serial, tc.serial)
			check("stated maker", id.StatedMaker, tc.stated)
			if id.MakerUncatalogued != tc.uncatalogued {
				t.Errorf("uncatalogued = %v, want %v", id.MakerUncatalogued, tc.uncatalogued)
			}
			if tc.name == "contradicted by stronger evidence" && !hasConflict(id, KeyVendor, "axis") {
				t.Errorf("the device's own Axis statement is not among the conflicts: %+v", id.Conflicts)
			}
		})
	}
}

func hasConflict(id device.Identity, key, value string) bool {
	for _, c := range id.Conflicts {
		if c.Key == key && c.Value == value {
			return true
		}
	}
	return false
}

// TestStatementsFile: the loader refuses what it does not understand, with
// file:line.
func TestStatementsFile(t *testing.T) {
	fields, err := vendors.LoadFields()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadStatements(fields); err != nil {
		t.Fatalf("embedded statements.yaml: %v", err)
	}
	for _, tc := range []struct{ src, want string }{
		{"statements:\n  - {field: onvif.manufacturer, states: maker, weight: 0.8, source: s, colour: red}\n", `s.yaml:2: unknown key "colour"`},
		{"statements:\n  - {field: onvif.manufactuer, states: maker, weight: 0.8, source: s}\n", `unknown field "onvif.manufactuer"`},
		{"statements:\n  - {field: onvif.model, states: vendor, weight: 0.8, source: s}\n", `unknown states "vendor"`},
		{"statements:\n  - {field: onvif.model, states: model, weight: 1.5, source: s}\n", "weight 1.5 out of range"},
		{"statements:\n  - {field: onvif.model, states: model, weight: 0.5, source: s}\n  - {field: onvif.model, states: model, weight: 0.5, source: s}\n", "has a statement already (line 2)"},
		{"statements:\n  - {field: onvif.model, states: model, weight: 0.5}\n", `missing "source"`},
		{"max_len: {model: 0}\nstatements: []\n", "max_len model"},
	} {
		_, err := ParseStatements("s.yaml", []byte(tc.src), fields)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}

// FuzzStatementValue: no stated value makes the engine panic, and what it
// concludes is always clean (no control characters, bounded length).
func FuzzStatementValue(f *testing.F) {
	for _, s := range []string{"HIKVISION", "Zhejiang Dahua Technology Co., Ltd.", "General", "AXIS P1435-LE",
		"\x1b[2J", "\xff\xfe", "Amcrest", strings.Repeat("x", 300), "V5.6.2 build 190701"} {
		f.Add(s)
	}
	cat, err := vendors.LoadCatalog()
	if err != nil {
		f.Fatal(err)
	}
	e, err := New(Config{Catalog: cat})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id := e.Identify(&device.Host{Evidence: []device.Evidence{onvifInfo(s, s, s, s), wsdNVT(s, s)}})
		for _, v := range []string{id.Brand, id.Model, id.Firmware, id.Serial, id.StatedMaker} {
			if len(v) > 4*96 {
				t.Fatalf("concluded a %d-byte value", len(v))
			}
			for _, r := range v {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
					t.Fatalf("concluded a control character in %q", v)
				}
			}
		}
	})
}

package sadp

import (
	"errors"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// readFixture reads testdata/sadp/<name>.
var readFixture = scantest.Fixtures("sadp")

func TestParseProbeMatch_realCapture(t *testing.T) {
	m := scantest.MustParse(t, ParseProbeMatch, readFixture(t, "hikvision-ds-2cd2385g1-i.xml"))
	if m.UUID != "e8ecfe09-90e4-44c0-842b-703f46b58c81" {
		t.Errorf("UUID %q", m.UUID)
	}
	scantest.GoldenFields(t, "hikvision-ds-2cd2385g1-i.xml", m.Fields())
	if !m.IPv6Address.IsUnspecified() || m.IPv6MaskLen != "64" {
		t.Errorf("IPv6 %v /%s, want :: /64", m.IPv6Address, m.IPv6MaskLen)
	}
}

func TestParseProbeMatch_crlfSanitised(t *testing.T) {
	m := scantest.MustParse(t, ParseProbeMatch, readFixture(t, "universalscanner-virtual-crlf.xml"))
	f := m.Fields()
	scantest.WantFields(t, f, map[string]string{
		"sadp.device_description": "Virtual",
		"sadp.device_sn":          "Virtual-123456789",
		"sadp.mac":                "00:11:22:33:44:55",
		"sadp.firmware":           "V1.0",
		"sadp.firmware_build":     "200101",
		"sadp.dsp_version":        "V1.0build 200101",
		"sadp.ipv4_gateway":       "192.0.2.1",
		"sadp.dhcp":               "false",
	})
	if _, ok := f["sadp.sdk_over_tls_port"]; ok {
		t.Error("older firmware has no SDKOverTLSPort")
	}
}

func TestSplitVersion(t *testing.T) {
	for in, want := range map[string][2]string{
		"V5.6.2build 190701":  {"V5.6.2", "190701"},
		"V7.3 build 190626":   {"V7.3", "190626"},
		"V5.4.5build 170124":  {"V5.4.5", "170124"},
		"V4.1.25 build 20210": {"V4.1.25 build 20210", ""},
		"IPC_R5_EN":           {"IPC_R5_EN", ""},
		"":                    {"", ""},
	} {
		if v, b := SplitVersion(in); v != want[0] || b != want[1] {
			t.Errorf("SplitVersion(%q) = %q, %q; want %q", in, v, b, want)
		}
	}
}

func TestParseProbeMatch_notSADP(t *testing.T) {
	for name, in := range map[string]string{
		"empty":    "",
		"probe":    string(Inquiry("x")),
		"garbage":  "\x00\x01HTTP/1.1 200 OK",
		"wsd":      `<?xml version="1.0"?><Envelope><Body/></Envelope>`,
		"huge":     "<ProbeMatch>" + strings.Repeat(" ", maxMessage) + "</ProbeMatch>",
		"unclosed": "<ProbeMatch><Uuid>x</Uuid>",
	} {
		if _, err := ParseProbeMatch([]byte(in)); !errors.Is(err, ErrNotSADP) {
			t.Errorf("%s: err %v, want ErrNotSADP", name, err)
		}
	}
}

func TestParseProbeMatch_badValuesDropped(t *testing.T) {
	m, err := ParseProbeMatch([]byte(`<ProbeMatch><MAC>58-50-ed-1f-e3</MAC><IPv4Address>300.1.1.1</IPv4Address><CommandPort>99999</CommandPort><HttpPort>x</HttpPort><IPv6Address>fe80::1%eth0</IPv6Address></ProbeMatch>`))
	if err != nil {
		t.Fatal(err)
	}
	if f := m.Fields(); len(f) != 0 {
		t.Errorf("fields %v, want none", f)
	}
}

func TestInquiry(t *testing.T) {
	got := string(Inquiry("e8ecfe09-90e4-44c0-842b-703f46b58c81"))
	want := `<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>e8ecfe09-90e4-44c0-842b-703f46b58c81</Uuid><Types>inquiry</Types></Probe>`
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if got := string(Inquiry("a<b")); !strings.Contains(got, "<Uuid>a&lt;b</Uuid>") {
		t.Errorf("not escaped: %s", got)
	}
}

func FuzzParseProbeMatch(f *testing.F) {
	f.Add(readFixture(f, "hikvision-ds-2cd2385g1-i.xml"))
	f.Add(readFixture(f, "universalscanner-virtual-crlf.xml"))
	f.Add(Inquiry("x"))
	f.Add([]byte("<ProbeMatch><SoftwareVersion>Vbuild 1</SoftwareVersion></ProbeMatch>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseProbeMatch(b)
		if err != nil {
			if !errors.Is(err, ErrNotSADP) {
				t.Fatalf("error %v is not ErrNotSADP", err)
			}
			return
		}
		for k, v := range m.Fields() {
			if v == "" || !strings.HasPrefix(k, "sadp.") {
				t.Fatalf("field %q=%q", k, v)
			}
		}
		if m.MAC != "" && len(m.MAC) != 17 {
			t.Fatalf("MAC %q", m.MAC)
		}
	})
}

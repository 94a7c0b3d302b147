package wsd

import (
	"errors"
	"maps"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// fixture reads testdata/wsd/<name>.
var fixture = scantest.Fixtures("wsd")

// TestParse_realReplies parses each real reply of docs/protocols/wsd-onvif.md §1.3 to the
// evidence fields the rules read.
func TestParse_realReplies(t *testing.T) {
	tests := []struct {
		file string
		from string
		kind Kind
		rel  string
		want map[string]string
	}{
		{
			file: "hikvision-ds-2cd3955fwd-iws.xml", from: "192.168.0.218:3702", kind: KindProbeMatches,
			rel: "uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649",
			want: map[string]string{
				"wsd.message":          "ProbeMatches",
				"wsd.via":              "unicast",
				"wsd.epr":              "urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d",
				"wsd.epr_mac":          "b4:a3:82:0f:d9:2d",
				"wsd.message_id":       "urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d",
				"wsd.types":            "dn:NetworkVideoTransmitter tds:Device",
				"wsd.scopes":           "onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/Profile/G onvif://www.onvif.org/type/audio_encoder onvif://www.onvif.org/type/ptz onvif://www.onvif.org/hardware/DS-2CD3955FWD-IWS onvif://www.onvif.org/name/HIKVISION%20DS-2CD3955FWD-IWS onvif://www.onvif.org/location/city/hangzhou",
				"wsd.scope.name":       "HIKVISION DS-2CD3955FWD-IWS",
				"wsd.scope.hardware":   "DS-2CD3955FWD-IWS",
				"wsd.scope.location":   "city/hangzhou",
				"wsd.scope.profiles":   "Streaming G",
				"wsd.scope.types":      "video_encoder audio_encoder ptz",
				"wsd.xaddrs":           "http://192.168.0.218/onvif/device_service http://[fe80::b6a3:82ff:fe0f:d92d]/onvif/device_service",
				"wsd.metadata_version": "10",
				"wsd.hint":             "hikvision-ns,onvifext-ns",
			},
		},
		{
			// Sent from another address than its XAddr: a second interface.
			file: "hikvision-ds-2cd2385g1-i.xml", from: "198.18.10.5:3702", kind: KindProbeMatches,
			want: map[string]string{
				"wsd.message":          "ProbeMatches",
				"wsd.via":              "unicast",
				"wsd.epr":              "urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385",
				"wsd.epr_mac":          "58:50:ed:1f:e3:85",
				"wsd.types":            "dn:NetworkVideoTransmitter tds:Device",
				"wsd.scopes":           "onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/Profile/G onvif://www.onvif.org/Profile/T onvif://www.onvif.org/MAC/58:50:ed:1f:e3:85 onvif://www.onvif.org/hardware/DS-2CD2385G1-I onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I onvif://www.onvif.org/location/city/hangzhou",
				"wsd.scope.name":       "HIKVISION DS-2CD2385G1-I",
				"wsd.scope.hardware":   "DS-2CD2385G1-I",
				"wsd.scope.location":   "city/hangzhou",
				"wsd.scope.mac":        "58:50:ed:1f:e3:85",
				"wsd.scope.profiles":   "Streaming G T",
				"wsd.scope.types":      "video_encoder",
				"wsd.xaddrs":           "http://192.168.124.40/onvif/device_service http://[fe80::5a50:edff:fe1f:e385]/onvif/device_service",
				"wsd.metadata_version": "10",
				"wsd.hint":             "epr-mac-matches-scope",
				"wsd.other_addrs":      "192.168.124.40",
			},
		},
		{
			file: "dahua-ipc-hfw2228m-i1-v2-hello.xml", from: "192.168.1.45:3702", kind: KindHello,
			want: map[string]string{
				"wsd.message":          "Hello",
				"wsd.via":              "unicast",
				"wsd.epr":              "uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464",
				"wsd.message_id":       "uuid:7dffd1ac-a95b-4479-ae60-0128450c7104",
				"wsd.types":            "dn:NetworkVideoTransmitter tds:Device",
				"wsd.scopes":           "onvif://www.onvif.org/location/country/china onvif://www.onvif.org/name/Dahua onvif://www.onvif.org/hardware/IPC-HFW2228M-I1-V2 onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/type/Network_Video_Transmitter onvif://www.onvif.org/extension/unique_identifier",
				"wsd.scope.name":       "Dahua",
				"wsd.scope.hardware":   "IPC-HFW2228M-I1-V2",
				"wsd.scope.location":   "country/china",
				"wsd.scope.profiles":   "Streaming",
				"wsd.scope.types":      "Network_Video_Transmitter",
				"wsd.scope.other":      "onvif://www.onvif.org/extension/unique_identifier",
				"wsd.xaddrs":           "http://192.168.1.45/onvif/device_service",
				"wsd.metadata_version": "1",
				"wsd.hint":             "dahua-unique-identifier",
			},
		},
		{
			file: "amcrest-ip2m-841b.xml", from: "192.168.10.10:3702", kind: KindProbeMatches,
			rel: "urn:uuid:_PROBEUUID_",
			want: map[string]string{
				"wsd.message":          "ProbeMatches",
				"wsd.via":              "unicast",
				"wsd.epr":              "uuid:1b77a2db-c51d-44b8-bf2d-418760240ab6",
				"wsd.message_id":       "urn:uuid:_MESSAGEID_",
				"wsd.types":            "dn:NetworkVideoTransmitter tds:Device",
				"wsd.scopes":           "onvif://www.onvif.org/location/country/china onvif://www.onvif.org/name/Amcrest onvif://www.onvif.org/hardware/IP2M-841B onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/type/Network_Video_Transmitter onvif://www.onvif.org/extension/unique_identifier",
				"wsd.scope.name":       "Amcrest",
				"wsd.scope.hardware":   "IP2M-841B",
				"wsd.scope.location":   "country/china",
				"wsd.scope.profiles":   "Streaming",
				"wsd.scope.types":      "Network_Video_Transmitter",
				"wsd.scope.other":      "onvif://www.onvif.org/extension/unique_identifier",
				"wsd.xaddrs":           "http://192.168.10.10/onvif/device_service",
				"wsd.metadata_version": "1",
				"wsd.hint":             "dahua-unique-identifier",
			},
		},
		{
			file: "axis-m2036-le.xml", from: "192.168.0.90:3702", kind: KindProbeMatches,
			rel: "uuid:bd64d03b-c701-4b50-a4bc-18c4048971c3",
			want: map[string]string{
				"wsd.message":          "ProbeMatches",
				"wsd.via":              "unicast",
				"wsd.epr":              "urn:uuid:e83a0086-3fdc-4d87-b8c4-83c0a16ad9f4",
				"wsd.message_id":       "uuid:846a7224-7a5d-4b2d-9f0f-d6ab3cea6ce7",
				"wsd.types":            "tds:Device dn:NetworkVideoTransmitter",
				"wsd.scopes":           "onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/Profile/G onvif://www.onvif.org/hardware/M2036-LE onvif://www.onvif.org/name/AXIS%20M2036-LE onvif://www.onvif.org/Profile/M onvif://www.onvif.org/Profile/T onvif://www.onvif.org/location/",
				"wsd.scope.name":       "AXIS M2036-LE",
				"wsd.scope.hardware":   "M2036-LE",
				"wsd.scope.profiles":   "Streaming G M T",
				"wsd.xaddrs":           "http://192.168.0.90/onvif/device_service https://192.168.0.90/onvif/device_service http://169.254.209.66/onvif/device_service https://169.254.209.66/onvif/device_service",
				"wsd.metadata_version": "1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := fixture(t, tt.file)
			parse := ParseProbeMatches
			if tt.kind == KindHello {
				parse = ParseHello
			}
			m := scantest.MustParse(t, parse, b)
			if m.Kind != tt.kind || m.RelatesTo != tt.rel {
				t.Errorf("kind %q relatesTo %q, want %q %q", m.Kind, m.RelatesTo, tt.kind, tt.rel)
			}
			ev := Evidence(m, netip.MustParseAddrPort(tt.from), "unicast", time.Time{})
			if len(ev) != 1 {
				t.Fatalf("%d evidence items, want 1", len(ev))
			}
			if !maps.Equal(ev[0].Fields, tt.want) {
				for k, v := range ev[0].Fields {
					if tt.want[k] != v {
						t.Errorf("%s = %q, want %q", k, v, tt.want[k])
					}
				}
				for k, v := range tt.want {
					if _, ok := ev[0].Fields[k]; !ok {
						t.Errorf("%s missing, want %q", k, v)
					}
				}
			}
			if ev[0].Addr != netip.MustParseAddrPort(tt.from).Addr() || ev[0].Port != 3702 {
				t.Errorf("evidence addr %v port %d", ev[0].Addr, ev[0].Port)
			}
		})
	}
}

func TestParse_wrongKind(t *testing.T) {
	if _, err := ParseHello(fixture(t, "axis-m2036-le.xml")); !errors.Is(err, ErrWrongKind) {
		t.Errorf("ParseHello(ProbeMatches) = %v, want ErrWrongKind", err)
	}
	if _, err := ParseProbeMatches(fixture(t, "dahua-ipc-hfw2228m-i1-v2-hello.xml")); !errors.Is(err, ErrWrongKind) {
		t.Errorf("ParseProbeMatches(Hello) = %v, want ErrWrongKind", err)
	}
}

func TestParse_badInput(t *testing.T) {
	deep := strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000)
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrNotWSD},
		{"not xml", "HTTP/1.1 200 OK\r\n\r\n", ErrNotWSD},
		{"other root", `<html><body/></html>`, ErrNotWSD},
		{"other body", `<s:Envelope xmlns:s="x"><s:Body><Foo/></s:Body></s:Envelope>`, ErrNotWSD},
		{"deep", `<s:Envelope xmlns:s="x"><s:Body>` + deep + `</s:Body></s:Envelope>`, ErrMalformed},
		{"huge", `<s:Envelope a="` + strings.Repeat("x", MaxMessage) + `"/>`, ErrMalformed},
		{"truncated before match", `<s:Envelope xmlns:s="x"><s:Body><d:ProbeMatches xmlns:d="y"><d:Probe`, ErrMalformed},
		{"unbalanced", `<s:Envelope></x:Envelope>`, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Errorf("Parse = %+v, %v; want %v", m, err, tt.want)
			}
		})
	}
}

// A datagram cut inside its second match keeps the first one.
func TestParse_truncatedKeepsCompleteMatches(t *testing.T) {
	b := fixture(t, "hikvision-ds-2cd3955fwd-iws.xml")
	i := strings.Index(string(b), "</d:ProbeMatch>")
	cut := string(b[:i]) + "</d:ProbeMatch><d:ProbeMatch><wsadis:EndpointRef"
	m, err := ParseProbeMatches([]byte(cut))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Matches) != 2 || m.Matches[0].Scopes.Hardware != "DS-2CD3955FWD-IWS" {
		t.Errorf("matches %+v", m.Matches)
	}
}

func TestParse_duplicatedMatchesBounded(t *testing.T) {
	one := `<d:ProbeMatch><a:EndpointReference><a:Address>uuid:1</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types></d:ProbeMatch>`
	in := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="` + NSAddressing + `" xmlns:d="` + NSDiscovery + `"><s:Body><d:ProbeMatches>` +
		strings.Repeat(one, 100) + `</d:ProbeMatches></s:Body></s:Envelope>`
	m, err := ParseProbeMatches([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Matches) != MaxMatches {
		t.Errorf("%d matches kept, want %d", len(m.Matches), MaxMatches)
	}
}

func TestParse_windowsComputer(t *testing.T) {
	in := `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:wsdp="http://schemas.xmlsoap.org/ws/2006/02/devprof" xmlns:pub="http://schemas.microsoft.com/windows/pub/2005/07"><soap:Header><wsa:RelatesTo>urn:uuid:1</wsa:RelatesTo></soap:Header><soap:Body><wsd:ProbeMatches><wsd:ProbeMatch><wsa:EndpointReference><wsa:Address>urn:uuid:2</wsa:Address></wsa:EndpointReference><wsd:Types>wsdp:Device pub:Computer</wsd:Types><wsd:XAddrs>http://192.168.1.15:5357/3cc1b2b4-2c2f-4c5b-9a63-6f4fb0f3c1a1/</wsd:XAddrs><wsd:MetadataVersion>3</wsd:MetadataVersion></wsd:ProbeMatch></wsd:ProbeMatches></soap:Body></soap:Envelope>`
	m, err := ParseProbeMatches([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	ev := Evidence(m, netip.MustParseAddrPort("192.168.1.15:3702"), "multicast", time.Time{})
	if got := ev[0].Fields["wsd.types"]; got != "wsdp:Device pub:Computer" {
		t.Errorf("wsd.types = %q", got)
	}
	if _, ok := ev[0].Fields["wsd.other_addrs"]; ok {
		t.Errorf("own address reported as another: %v", ev[0].Fields)
	}
}

func TestParseScopes_caseAndOthers(t *testing.T) {
	s := ParseScopes("onvif://www.onvif.org/Model/421FZ onvif://www.onvif.org/Name/IPCAM onvif://www.onvif.org/Profile/Q/Operational http://example.com/x%zz onvif://www.onvif.org/extension/Honeywell_mask/37777")
	if s.Hardware != "421FZ" || s.Name != "IPCAM" || len(s.Profiles) != 1 || s.Profiles[0] != "Q/Operational" {
		t.Errorf("%+v", s)
	}
	if len(s.Other) != 2 || s.Other[0] != "http://example.com/x%zz" {
		t.Errorf("other %q", s.Other)
	}
}

func TestXAddrHosts(t *testing.T) {
	got := XAddrHosts([]string{"http://172.16.10.6:8000/onvif/device_service", "http://[fe80::1%25eth0]:8080/x", "http://cam.local/x", "http://172.16.10.6/y", "::bad"})
	want := []netip.Addr{netip.MustParseAddr("172.16.10.6"), netip.MustParseAddr("fe80::1")}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("XAddrHosts = %v, want %v", got, want)
	}
}

func TestNormalizeID(t *testing.T) {
	if NormalizeID("urn:uuid:ABC") != NormalizeID(" uuid:abc") {
		t.Error("ids differ")
	}
}

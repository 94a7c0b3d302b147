package mdns

import (
	"bytes"
	"errors"
	"maps"
	"net/netip"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"

	"github.com/miekg/dns"
)

var from = netip.MustParseAddrPort("198.18.10.21:5353")

func fieldsOf(t *testing.T, b []byte) []map[string]string {
	t.Helper()
	m := scantest.MustParse(t, Parse, b)
	var out []map[string]string
	for _, ev := range m.Evidence(from) {
		if ev.Source != "mdns" || ev.Addr != from.Addr() || ev.Port != 5353 {
			t.Errorf("evidence header %+v", ev)
		}
		out = append(out, ev.Fields)
	}
	return out
}

func TestParse_hikvisionCGI_real(t *testing.T) {
	got := fieldsOf(t, readFixture(t, "hikvision-ds-2cd2722fwd-izs.bin"))
	want := []map[string]string{{
		"mdns.service":  "_CGI._tcp",
		"mdns.instance": "HIKVISION DS-2CD2722FWD-IZS - 733050075",
		"mdns.domain":   "local",
		"mdns.host":     "DS-2CD2722FWD-IZS20170321BBWR733050075.local",
		"mdns.port":     "80",
		"mdns.txt.path": "/",
		"mdns.addrs":    "10.0.1.164,fd0e:2b24:7e05:1:1a68:cbff:fe15:b284,fe80::1a68:cbff:fe15:b284",
	}}
	if len(got) != len(want) || !maps.Equal(got[0], want[0]) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestParse_axisVideo(t *testing.T) {
	got := fieldsOf(t, readFixture(t, "axis-m5014.bin"))
	if len(got) != 2 {
		t.Fatalf("got %d evidence items, want 2 (axis-video, rtsp): %v", len(got), got)
	}
	want := map[string]string{
		"mdns.service":        "_axis-video._tcp",
		"mdns.instance":       "AXIS M5014 - ACCC8E3C0419",
		"mdns.domain":         "local",
		"mdns.host":           "axis-accc8e3c0419.local",
		"mdns.port":           "80",
		"mdns.txt.macaddress": "ACCC8E3C0419",
		"mdns.addrs":          "192.0.2.44",
	}
	if !maps.Equal(got[0], want) {
		t.Errorf("got %v\nwant %v", got[0], want)
	}
	if got[1]["mdns.instance"] != "AXIS M5014 - ACCC8E3C0419 H.264" || got[1]["mdns.service"] != "_rtsp._tcp" || got[1]["mdns.port"] != "554" {
		t.Errorf("rtsp instance: %v", got[1])
	}
}

func TestParse_enumerationAndStrayHost(t *testing.T) {
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true}}
	m.Answer = []dns.RR{
		&dns.PTR{Hdr: hdr("_services._dns-sd._udp.local.", dns.TypePTR, false, 10), Ptr: "_ipp._tcp.local."},
		&dns.PTR{Hdr: hdr("_services._dns-sd._udp.local.", dns.TypePTR, false, 10), Ptr: "_http._tcp.local."},
		&dns.PTR{Hdr: hdr("_services._dns-sd._udp.local.", dns.TypePTR, false, 10), Ptr: "not-a-type.local."},
		&dns.A{Hdr: hdr("printer.local.", dns.TypeA, true, 10), A: []byte{198, 18, 10, 50}},
		&dns.A{Hdr: hdr("printer.local.", dns.TypeA, true, 10), A: []byte{198, 18, 20, 50}},
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	got := fieldsOf(t, b)
	if len(got) != 2 || got[0]["mdns.types"] != "_http._tcp,_ipp._tcp" ||
		got[1]["mdns.host"] != "printer.local" || got[1]["mdns.addrs"] != "198.18.10.50,198.18.20.50" {
		t.Errorf("got %v", got)
	}
}

func TestParse_escapedInstanceName(t *testing.T) {
	// A dot and a backslash inside the instance label, and a non-ASCII byte.
	inst := `Cam\.1\\x\195\169._http._tcp.local.`
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true}}
	m.Answer = []dns.RR{&dns.PTR{Hdr: hdr("_http._tcp.local.", dns.TypePTR, false, 10), Ptr: inst}}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	got := fieldsOf(t, b)
	if len(got) != 1 || got[0]["mdns.instance"] != `Cam.1\xé` {
		t.Errorf("got %q", got)
	}
}

func TestParse_queryIsNoEvidence(t *testing.T) {
	q, err := Query(DefaultServices)
	if err != nil {
		t.Fatal(err)
	}
	m := scantest.MustParse(t, Parse, q)
	if m.Response || len(m.Evidence(from)) != 0 || len(m.Questions) != len(DefaultServices)+1 {
		t.Errorf("query parsed as %+v", m)
	}
	if m.Questions[0] != "_services._dns-sd._udp.local" || m.Questions[1] != "_CGI._tcp.local" {
		t.Errorf("questions %v", m.Questions)
	}
	// QU bit on every question (RFC 6762 §5.4).
	var raw dns.Msg
	if err := raw.Unpack(q); err != nil {
		t.Fatal(err)
	}
	for _, qq := range raw.Question {
		if qq.Qclass != dns.ClassINET|1<<15 || qq.Qtype != dns.TypePTR {
			t.Errorf("question %v", qq)
		}
	}
}

func TestParse_badInput(t *testing.T) {
	real := readFixture(t, "hikvision-ds-2cd2722fwd-izs.bin")
	loop := []byte{0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0,
		0xc0, 12, // name: pointer to itself
		0, 12, 0, 1, 0, 0, 0, 10, 0, 2, 0xc0, 12}
	outOfRange := []byte{0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0,
		0xc0, 0xff, 0, 12, 0, 1, 0, 0, 0, 10, 0, 2, 0xc0, 0xff}
	absurd := append([]byte{0, 0, 0x84, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, real[12:]...)
	for name, b := range map[string][]byte{
		"empty":        nil,
		"short header": {0, 0, 0x84},
		"http":         []byte("HTTP/1.1 200 OK\r\n\r\n"),
		"loop":         loop,
		"out of range": outOfRange,
		"huge":         bytes.Repeat([]byte{0}, maxMessage+1),
	} {
		if _, err := Parse(b); !errors.Is(err, ErrNotMDNS) {
			t.Errorf("%s: err %v, want ErrNotMDNS", name, err)
		}
	}
	// Counts that lie: the records present are read, the rest ignored.
	m, err := Parse(absurd)
	if err != nil {
		t.Fatalf("absurd counts: %v", err)
	}
	if len(m.Instances) > maxInstances || len(m.Hosts) > maxHosts {
		t.Errorf("absurd counts kept %+v", m)
	}
	// Truncated inside the additionals: the answer is kept, marked partial.
	m, err = Parse(real[:len(real)-20])
	if err != nil || !m.Partial || len(m.Instances) != 1 || m.Instances[0].Name != "HIKVISION DS-2CD2722FWD-IZS - 733050075" {
		t.Errorf("truncated: %+v, %v", m, err)
	}
}

func TestParse_bounds(t *testing.T) {
	long := strings.Repeat("x", 200)
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true}}
	inst := `Big._http._tcp.local.`
	var txt []string
	for i := range 200 {
		txt = append(txt, "k"+strings.Repeat("y", i%40)+"="+long)
	}
	m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr(inst, dns.TypeTXT, true, 10), Txt: txt[:30]})
	m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr(inst, dns.TypeTXT, true, 10), Txt: txt[30:60]})
	for i := range 300 {
		m.Extra = append(m.Extra, &dns.A{Hdr: hdr("h.local.", dns.TypeA, false, 10), A: []byte{10, 0, byte(i >> 8), byte(i)}})
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	got := scantest.MustParse(t, Parse, b)
	if len(got.Instances) != 1 || len(got.Instances[0].TXT) > maxTXT || len(got.Hosts[0].Addrs) > maxAddrs || !got.Partial {
		t.Errorf("bounds not applied: %d txt, %d addrs, partial %v", len(got.Instances[0].TXT), len(got.Hosts[0].Addrs), got.Partial)
	}
	for _, ev := range got.Evidence(from) {
		for k, v := range ev.Fields {
			if len(k) > 80 || len(v) > 1024 {
				t.Errorf("field %q of %d bytes", k, len(v))
			}
		}
	}
}

// TestTXTText: free-text TXT strings (no "=", not a key) are kept apart;
// the real Edimax IC-3115W announcement (IoT SENTINEL capture,
// testdata/real/mdns, discovery.yaml) states its model in one.
func TestTXTText(t *testing.T) {
	if got := TXTText([]string{"flag", "path=/", "IC-3115W Network Camera", "  ", "a b", "c d", "e f", "g h"}); got != "IC-3115W Network Camera, a b, c d, e f" {
		t.Errorf("got %q", got)
	}
	if got := TXTText([]string{"flag", "k=v"}); got != "" {
		t.Errorf("keys only: got %q", got)
	}
	b := scantest.Testdata(t, "real", "mdns", "edimax-ic-3115w-http-1.bin")
	m := scantest.MustParse(t, Parse, b)
	found := false
	for _, e := range m.Evidence(netip.MustParseAddrPort("192.0.2.1:5353")) {
		if e.Fields["mdns.txt_text"] == "IC-3115W Network Camera" {
			found = true
		}
	}
	if !found {
		t.Errorf("no mdns.txt_text in %+v", m.Evidence(netip.MustParseAddrPort("192.0.2.1:5353")))
	}
}

func TestTXTKeys(t *testing.T) {
	got := TXTKeys([]string{"MacAddress=ACCC8E3C0419", "macaddress=second", "flag", "=novalue", "bad key=x", "path=/a=b"})
	want := map[string]string{"macaddress": "ACCC8E3C0419", "flag": "", "path": "/a=b"}
	if !maps.Equal(got, want) {
		t.Errorf("got %v want %v", got, want)
	}
}

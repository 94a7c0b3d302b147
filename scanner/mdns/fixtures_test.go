package mdns

import (
	"flag"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"

	"github.com/miekg/dns"
)

var update = flag.Bool("update", false, "rewrite testdata/mdns from the record listings below")

// The fixtures are wire bytes built from record listings, because the
// sources (docs/protocols/mdns.md §7.1) give the records, not a pcap. testdata/README.md
// says where each listing comes from.

const flush = 1 << 15 // cache-flush bit in the class of a response record

func hdr(name string, t uint16, cacheFlush bool, ttl uint32) dns.RR_Header {
	c := uint16(dns.ClassINET)
	if cacheFlush {
		c |= flush
	}
	return dns.RR_Header{Name: name, Rrtype: t, Class: c, Ttl: ttl}
}

// hikvisionCGI is the DS-2CD2722FWD-IZS reply of 128keaton/hikvision-mdns
// test/cameras.json: qr=1 aa=1, one answer, seven additionals.
func hikvisionCGI() *dns.Msg {
	inst := `HIKVISION\ DS-2CD2722FWD-IZS\ -\ 733050075._CGI._tcp.local.`
	host := "DS-2CD2722FWD-IZS20170321BBWR733050075.local."
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}}
	m.Answer = []dns.RR{&dns.PTR{Hdr: hdr("_CGI._tcp.local.", dns.TypePTR, false, 4500), Ptr: inst}}
	m.Extra = []dns.RR{
		&dns.TXT{Hdr: hdr(inst, dns.TypeTXT, true, 4500), Txt: []string{"path=/"}},
		&dns.SRV{Hdr: hdr(inst, dns.TypeSRV, true, 120), Priority: 0, Weight: 0, Port: 80, Target: host},
		&dns.A{Hdr: hdr(host, dns.TypeA, true, 120), A: net.ParseIP("10.0.1.164")},
		&dns.AAAA{Hdr: hdr(host, dns.TypeAAAA, true, 120), AAAA: net.ParseIP("fd0e:2b24:7e05:1:1a68:cbff:fe15:b284")},
		&dns.AAAA{Hdr: hdr(host, dns.TypeAAAA, true, 120), AAAA: net.ParseIP("fe80::1a68:cbff:fe15:b284")},
		&dns.NSEC{Hdr: hdr(inst, dns.TypeNSEC, true, 4500), NextDomain: inst, TypeBitMap: []uint16{dns.TypeTXT, dns.TypeSRV}},
		&dns.NSEC{Hdr: hdr(host, dns.TypeNSEC, true, 120), NextDomain: host, TypeBitMap: []uint16{dns.TypeA, dns.TypeAAAA}},
	}
	return m
}

// axisVideo follows UniversalScanner's Axis.selftest shape (docs/protocols/mdns.md
// §7.1) with the real-looking M5014 name: PTR _axis-video._tcp, a second
// PTR _rtsp._tcp for the H.264 stream, TXT macaddress, SRV and a
// cache-flush A record.
func axisVideo() *dns.Msg {
	inst := `AXIS\ M5014\ -\ ACCC8E3C0419._axis-video._tcp.local.`
	rtsp := `AXIS\ M5014\ -\ ACCC8E3C0419\ H\.264._rtsp._tcp.local.`
	host := "axis-accc8e3c0419.local."
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}}
	m.Answer = []dns.RR{
		&dns.PTR{Hdr: hdr("_axis-video._tcp.local.", dns.TypePTR, false, 4500), Ptr: inst},
		&dns.PTR{Hdr: hdr("_rtsp._tcp.local.", dns.TypePTR, false, 4500), Ptr: rtsp},
	}
	m.Extra = []dns.RR{
		&dns.TXT{Hdr: hdr(inst, dns.TypeTXT, true, 4500), Txt: []string{"macaddress=ACCC8E3C0419"}},
		&dns.SRV{Hdr: hdr(inst, dns.TypeSRV, true, 120), Port: 80, Target: host},
		&dns.SRV{Hdr: hdr(rtsp, dns.TypeSRV, true, 120), Port: 554, Target: host},
		&dns.TXT{Hdr: hdr(rtsp, dns.TypeTXT, true, 4500), Txt: []string{"path=/axis-media/media.amp"}},
		&dns.A{Hdr: hdr(host, dns.TypeA, true, 120), A: net.ParseIP("192.0.2.44")},
	}
	return m
}

var fixtures = map[string]func() *dns.Msg{
	"hikvision-ds-2cd2722fwd-izs.bin": hikvisionCGI,
	"axis-m5014.bin":                  axisVideo,
}

// readFixture reads testdata/mdns/<name>.
var readFixture = scantest.Fixtures("mdns")

func TestFixtures_upToDate(t *testing.T) {
	for name, mk := range fixtures {
		m := mk()
		m.Compress = true
		b, err := m.Pack()
		if err != nil {
			t.Fatal(name, err)
		}
		path := filepath.Join("..", "..", "testdata", "mdns", name)
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(b) {
			t.Errorf("%s differs from its listing; run go test ./scanner/mdns -run Fixtures -update", name)
		}
	}
}

package emulator

import (
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/camsweep/camsweep/scanner/mdns"
	"github.com/camsweep/camsweep/scanner/ssdp"
)

func labAddrs() []netip.Addr { return []netip.Addr{netip.MustParseAddr("198.18.10.21")} }

func TestMDNS_hikvisionAnswersCGI(t *testing.T) {
	mac, _ := net.ParseMAC("44:a6:42:46:67:24")
	e, err := New(Device{Name: "hik", Profile: ProfileHikvision, MAC: mac, Model: "DS-2CD2366G2-ISU/SL", Serial: "DS-2CD2366G2-ISU/SL20210726AAWRG41390691", Realm: "C2875", Server: "webserver"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := mdns.Query(mdns.DefaultServices)
	if err != nil {
		t.Fatal(err)
	}
	h := e.mdnsHandler(labAddrs)
	for _, port := range []uint16{5353, 40000} {
		out := h(q, netip.AddrPortFrom(netip.MustParseAddr("198.18.10.2"), port))
		if len(out) != 1 {
			t.Fatalf("port %d: %d replies", port, len(out))
		}
		m, err := mdns.Parse(out[0])
		if err != nil {
			t.Fatal(err)
		}
		ev := m.Evidence(netip.MustParseAddrPort("198.18.10.21:5353"))
		var inst map[string]string
		for _, x := range ev {
			if x.Fields["mdns.service"] == "_CGI._tcp" {
				inst = x.Fields
			}
		}
		if inst["mdns.instance"] != "HIKVISION DS-2CD2366G2-ISU/SL - G41390691" ||
			inst["mdns.host"] != "DS-2CD2366G2-ISU/SL20210726AAWRG41390691.local" || inst["mdns.addrs"] != "198.18.10.21" {
			t.Errorf("port %d: %v", port, ev)
		}
		var raw dns.Msg
		raw.Unpack(out[0])
		if legacy := port != 5353; legacy != (len(raw.Question) > 0) {
			t.Errorf("port %d: questions echoed %v", port, raw.Question)
		}
	}
}

func TestMDNS_printerAnswersOnlyIPP(t *testing.T) {
	mac, _ := net.ParseMAC("00:1b:78:3a:10:50")
	e, err := New(Device{Name: "printer", Profile: ProfilePrinter, MAC: mac, Model: "HP LaserJet Pro M404dn"})
	if err != nil {
		t.Fatal(err)
	}
	h := e.mdnsHandler(labAddrs)
	var qm dns.Msg
	qm.SetQuestion("_CGI._tcp.local.", dns.TypePTR)
	cgi, _ := qm.Pack()
	if len(h(cgi, netip.MustParseAddrPort("198.18.10.2:40000"))) != 0 {
		t.Error("printer answered _CGI._tcp")
	}
	all, _ := mdns.Query(mdns.DefaultServices)
	out := h(all, netip.MustParseAddrPort("198.18.10.2:40000"))
	m, err := mdns.Parse(out[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Instances) != 1 || m.Instances[0].Service != "_ipp._tcp" || strings.Join(m.Types, ",") != "_ipp._tcp" {
		t.Errorf("got %+v", m)
	}
	if h([]byte("garbage"), netip.MustParseAddrPort("198.18.10.2:5353")) != nil {
		t.Error("answered garbage")
	}
}

func TestSSDP_axisAnswersMSearch(t *testing.T) {
	mac, _ := net.ParseMAC("ac:cc:8e:4a:2c:1f")
	e, err := New(Device{Name: "axis", Profile: ProfileAxis, MAC: mac, Model: "M3106-L Mk II"})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.ssdpServices()) != 1 || len(e.upnpServices()) != 1 {
		t.Fatal("axis has no SSDP")
	}
	h := e.ssdpHandler(labAddrs)
	from := netip.MustParseAddrPort("198.18.10.2:40000")
	if n := len(h(ssdp.MSearch("ssdp:all"), from)); n != 4 {
		t.Errorf("ssdp:all: %d replies", n)
	}
	out := h(ssdp.MSearch("upnp:rootdevice"), from)
	if len(out) != 1 {
		t.Fatalf("rootdevice: %d replies", len(out))
	}
	m, err := ssdp.Parse(out[0])
	if err != nil || m.Location != "http://198.18.10.21:49152/rootdesc1.xml" || !strings.Contains(m.Server, "-axis5") {
		t.Errorf("got %+v %v", m, err)
	}
}

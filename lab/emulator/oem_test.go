package emulator

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner/dhip"
	"github.com/camsweep/camsweep/scanner/wsd"
)

// TestOEMBrand: the brand goes where OEM firmware puts it (the WS-Discovery
// name scope, the DHIP Vendor) and the platform shape stays the maker's.
func TestOEMBrand(t *testing.T) {
	mac, _ := net.ParseMAC("9c:8e:cd:1a:10:61")
	am, err := New(Device{Name: "am", Profile: ProfileDahua, Brand: "Amcrest", MAC: mac, Model: "IP2M-841B", Serial: "AMC000N49SSV0M2U46", Firmware: "2.420.AC00.18.R"})
	if err != nil {
		t.Fatal(err)
	}
	var svc *UDPService
	for i := range am.UDP {
		if am.UDP[i].Name == "dhip" {
			svc = &am.UDP[i]
		}
	}
	if svc == nil {
		t.Fatal("no DHIP service")
	}
	reps := svc.Handle(dhip.Search(), loopFrom)
	if len(reps) != 1 {
		t.Fatalf("%d DHIP replies", len(reps))
	}
	d, err := dhip.ParseDHIP(reps[0])
	if err != nil {
		t.Fatal(err)
	}
	if f := d.Fields(); f["dhip.vendor"] != "Amcrest" || f["dhip.method"] != "client.notifyDevInfo" {
		t.Errorf("DHIP fields %v", f)
	}

	addrs := func() []netip.Addr { return []netip.Addr{netip.MustParseAddr("198.18.10.61")} }
	from := netip.MustParseAddrPort("198.18.10.2:40000")
	hw, _ := net.ParseMAC("4c:bd:8f:62:20:62")
	lts, err := New(Device{Name: "lts", Profile: ProfileHikvision, Brand: "LTS", MAC: hw, Model: "DS-2CD2143G0-I", Serial: "S1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		e          *Emulator
		name, hint string
	}{
		{am, "Amcrest", "dahua-unique-identifier"},
		{lts, "LTS DS-2CD2143G0-I", "epr-mac-matches-scope,hikvision-ns,onvifext-ns"},
	} {
		out := tt.e.wsdHandler(addrs)(wsd.ProbeMessage(wsd.NewMessageID(), wsd.TypeNVT), from)
		if len(out) != 1 {
			t.Fatalf("%s: %d WSD replies", tt.e.Device.Name, len(out))
		}
		m, err := wsd.ParseProbeMatches(out[0])
		if err != nil {
			t.Fatal(err)
		}
		f := wsd.Evidence(m, from, "unicast", time.Now())[0].Fields
		if f["wsd.scope.name"] != tt.name || f["wsd.hint"] != tt.hint || f["wsd.scope.hardware"] != tt.e.Device.Model {
			t.Errorf("%s: wsd fields %v", tt.e.Device.Name, f)
		}
	}
}

// TestHikvisionRTSPOnly: the rtsp-only profile has port 554 and nothing
// else, no discovery responder either.
func TestHikvisionRTSPOnly(t *testing.T) {
	mac, _ := net.ParseMAC("80:be:af:63:20:63")
	e, err := New(Device{Name: "rtsp", Profile: ProfileHikvisionRTSP, MAC: mac, Realm: "23306"})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Services) != 1 || e.Services[0].Port != 554 || len(e.UDP) != 0 {
		t.Fatalf("services %+v udp %+v", e.Services, e.UDP)
	}
}

func TestHikvisionRTSPOnly_answersInHikvisionStyle(t *testing.T) {
	mac, _ := net.ParseMAC("80:be:af:63:20:63")
	addr := start(t, Device{Name: "rtsp", Profile: ProfileHikvisionRTSP, MAC: mac, Realm: "23306"}, 554)
	cl := dial(t, addr)
	head, _ := cl.do("DESCRIBE rtsp://198.18.20.63:554/Streaming/Channels/101 RTSP/1.0\r\nCSeq: 2\r\n\r\n")
	for _, want := range []string{"RTSP/1.0 401 Unauthorized\r\n", `realm="IP Camera(23306)"`, "\r\nDate:  "} {
		if !strings.Contains(head, want) {
			t.Errorf("reply lacks %q:\n%s", want, head)
		}
	}
	if strings.Contains(head, "Server:") {
		t.Errorf("reply has a Server header:\n%s", head)
	}
}

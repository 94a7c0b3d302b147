package emulator

import (
	"net"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestAnnouncer_payloads checks what an announcing device would send,
// without sending it: a DHCP request a DHCP decoder reads back with the
// hostname and udhcpc's vendor class, a DNS query for the maker's cloud,
// and the discovery notices each maker's search would draw.
func TestAnnouncer_payloads(t *testing.T) {
	mac := net.HardwareAddr{0x44, 0x19, 0xb6, 0, 0x90, 0x14}
	e, err := New(Device{Name: "lobby-cam", Profile: ProfileHikvision, MAC: mac, Model: "DS-2CD2143G0-I", Serial: "DS-2CD2143G0-I20190101AAWRC12345678", Firmware: "V5.5.82", Announce: true})
	if err != nil {
		t.Fatal(err)
	}
	a, ok := e.Raw.(*announcer)
	if !ok {
		t.Fatalf("Raw is %T, want the announcer", e.Raw)
	}
	_ = a.Open(netip.MustParseAddr("198.18.190.20"))
	var d layers.DHCPv4
	if err := d.DecodeFromBytes(a.dhcpRequest(), gopacket.NilDecodeFeedback); err != nil {
		t.Fatal(err)
	}
	opts := map[layers.DHCPOpt]string{}
	for _, o := range d.Options {
		opts[o.Type] = string(o.Data)
	}
	if opts[layers.DHCPOptHostname] != "lobby-cam" || opts[layers.DHCPOptClassID] != udhcpVendorClass ||
		d.ClientHWAddr.String() != mac.String() || d.ClientIP.String() != "198.18.190.20" {
		t.Errorf("DHCP request: ciaddr %v chaddr %v options %q", d.ClientIP, d.ClientHWAddr, opts)
	}
	var q layers.DNS
	if err := q.DecodeFromBytes(dnsQuery(announceCloud[ProfileHikvision]), gopacket.NilDecodeFeedback); err != nil || q.QR ||
		len(q.Questions) != 1 || string(q.Questions[0].Name) != "dev.hik-connect.com" {
		t.Errorf("DNS query: %v %+v", err, q.Questions)
	}
	to := netip.AddrPortFrom(sadpGroup, sadpPort)
	if got := e.sadpReply([]byte(`<Probe><Uuid>x</Uuid><Types>inquiry</Types></Probe>`), to); len(got) != 1 {
		t.Errorf("SADP notice: %d datagrams", len(got))
	}
	dh, err := New(Device{Name: "dh", Profile: ProfileDahua, MAC: mac, Model: "IPC-HDW5831R-ZE", Serial: "4X7C5A1ZAG21L3F", Firmware: "2.800.0000000.1.R"})
	if err != nil {
		t.Fatal(err)
	}
	if dh.Raw != nil {
		t.Errorf("a device without announce has %T", dh.Raw)
	}
	if got := dh.dhipReply(dhipSearchFrame(), netip.AddrPortFrom(dhipGroup, dhipPort)); len(got) != 1 {
		t.Errorf("DHIP notice: %d datagrams", len(got))
	}
}

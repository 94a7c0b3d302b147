package passive

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Frames built here are what a switch's mirror port shows; the payloads
// in them are real device replies from testdata/real (see readReal).

var (
	camMAC = net.HardwareAddr{0xc0, 0x56, 0xe3, 0x01, 0x02, 0x03} // a Hikvision OUI
	pcMAC  = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x09}
	bcast  = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
)

func readReal(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "real", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// udpFrame is an Ethernet/IPv4/UDP frame, tagged with vlan when not 0.
func udpFrame(t testing.TB, srcMAC net.HardwareAddr, src, dst string, sport, dport int, vlan uint16, payload []byte) []byte {
	t.Helper()
	s, d := netip.MustParseAddr(src), netip.MustParseAddr(dst)
	eth := &layers.Ethernet{SrcMAC: srcMAC, DstMAC: bcast, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: s.AsSlice(), DstIP: d.AsSlice()}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	_ = udp.SetNetworkLayerForChecksum(ip)
	if vlan != 0 {
		eth.EthernetType = layers.EthernetTypeDot1Q
		q := &layers.Dot1Q{VLANIdentifier: vlan, Type: layers.EthernetTypeIPv4}
		return serialize(t, eth, q, ip, udp, gopacket.Payload(payload))
	}
	return serialize(t, eth, ip, udp, gopacket.Payload(payload))
}

func arpFrame(t testing.TB, mac net.HardwareAddr, ip string, vlan uint16) []byte {
	t.Helper()
	a := netip.MustParseAddr(ip)
	eth := &layers.Ethernet{SrcMAC: mac, DstMAC: bcast, EthernetType: layers.EthernetTypeARP}
	arp := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: layers.ARPRequest, SourceHwAddress: mac, SourceProtAddress: a.AsSlice(),
		DstHwAddress: make([]byte, 6), DstProtAddress: netip.MustParseAddr("198.18.0.1").AsSlice()}
	if vlan != 0 {
		eth.EthernetType = layers.EthernetTypeDot1Q
		return serialize(t, eth, &layers.Dot1Q{VLANIdentifier: vlan, Type: layers.EthernetTypeARP}, arp)
	}
	return serialize(t, eth, arp)
}

// dhcpDiscover is a DHCPDISCOVER of a client without an address, with the
// options a camera's udhcpc sends.
func dhcpDiscover(t testing.TB, mac net.HardwareAddr, hostname, class string, reqIP string) []byte {
	t.Helper()
	d := &layers.DHCPv4{Operation: layers.DHCPOpRequest, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6,
		Xid: 0x1234, ClientHWAddr: mac, ClientIP: net.IPv4zero, YourClientIP: net.IPv4zero, NextServerIP: net.IPv4zero, RelayAgentIP: net.IPv4zero}
	d.Options = append(d.Options,
		layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeDiscover)}),
		layers.NewDHCPOption(layers.DHCPOptHostname, []byte(hostname)),
		layers.NewDHCPOption(layers.DHCPOptClassID, []byte(class)),
		layers.NewDHCPOption(layers.DHCPOptParamsRequest, []byte{1, 3, 6, 12, 15, 28, 42}),
	)
	if reqIP != "" {
		d.Options = append(d.Options, layers.NewDHCPOption(layers.DHCPOptRequestIP, netip.MustParseAddr(reqIP).AsSlice()))
	}
	d.Options = append(d.Options, layers.NewDHCPOption(layers.DHCPOptEnd, nil))
	payload := serialize(t, d)
	return udpFrame(t, mac, "0.0.0.0", "255.255.255.255", 68, 67, 0, payload)
}

// dnsQuery is a standard A query for name.
func dnsQuery(t testing.TB, mac net.HardwareAddr, src, name string) []byte {
	t.Helper()
	q := &layers.DNS{ID: 7, RD: true, QDCount: 1, Questions: []layers.DNSQuestion{{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}}
	return udpFrame(t, mac, src, "8.8.8.8", 40000, 53, 0, serialize(t, q))
}

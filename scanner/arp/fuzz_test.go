package arp

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// FuzzParseFrame checks ParseFrame against gopacket's own ARP decoder:
// whatever ParseFrame accepts, gopacket reads the same way.
func FuzzParseFrame(f *testing.F) {
	f.Add(replyFrame(hik, netip.MustParseAddr("198.18.10.20"), ourAddr, OpReply))
	f.Add(replyFrame(dahua, netip.MustParseAddr("198.18.10.30"), netip.MustParseAddr("198.18.10.30"), OpRequest))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x81, 0, 0, 1, 8, 6, 0, 1, 8, 0, 6, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseFrame(b)
		if err != nil {
			return
		}
		pkt := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.NoCopy)
		l, ok := pkt.Layer(layers.LayerTypeARP).(*layers.ARP)
		if !ok {
			t.Fatalf("ParseFrame accepted what gopacket does not read as ARP: % x", b)
		}
		if l.Operation != p.Op || [6]byte(l.SourceHwAddress) != p.SenderMAC || netip.AddrFrom4([4]byte(l.SourceProtAddress)) != p.SenderIP ||
			netip.AddrFrom4([4]byte(l.DstProtAddress)) != p.TargetIP {
			t.Fatalf("ParseFrame %+v, gopacket %+v", p, l)
		}
	})
}

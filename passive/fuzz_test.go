package passive

import (
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/camsweep/camsweep/scanner/dhip"
	"github.com/camsweep/camsweep/scanner/xmeye"
)

// FuzzDecode feeds frames of every link type to Decode and the Collector.
// Seeds: real device replies (testdata/real) in UDP frames, a DHCP
// DISCOVER, a cloud DNS query, a tagged ARP frame, HTTP, RTSP and TLS
// segments, RTP over UDP and interleaved.
func FuzzDecode(f *testing.F) {
	seeds := [][]byte{
		udpFrame(f, camMAC, "198.18.180.21", "239.255.255.250", 37020, 37020, 30, readReal(f, "sadp/hikvision-ds-2cd2320d-i.xml")),
		udpFrame(f, camMAC, "198.18.180.21", "255.255.255.255", 37810, 5000, 0, dhip.Frame(readReal(f, "dhip/dahua-ipc-hdw5421s-json-only.bin"))),
		udpFrame(f, camMAC, "198.18.180.21", "255.255.255.255", 34569, 5000, 0, xmeye.Frame(xmeye.MsgSearchReply, readReal(f, "xmeye/xiongmai-ipc-netcommon-json-only.bin"))),
		udpFrame(f, camMAC, "198.18.180.21", "239.255.255.250", 3702, 3702, 0, readReal(f, "wsd/amcrest-ip5m-b1186e-probematches.xml")),
		udpFrame(f, camMAC, "198.18.180.21", "224.0.0.251", 5353, 5353, 0, readReal(f, "mdns/dlink-dcs-935l-dhnap.bin")),
		udpFrame(f, camMAC, "198.18.180.21", "239.255.255.250", 1900, 1900, 0, readReal(f, "ssdp/dlink-dcs-935l-notify-rootdevice.txt")),
		dhcpDiscover(f, camMAC, "IPC", "udhcp 1.19.4", "198.18.180.40"),
		dnsQuery(f, camMAC, "198.18.180.21", "pub-cfg.secu100.net"),
		arpFrame(f, camMAC, "198.18.180.21", 30),
		tcpFrame(f, 80, 1, true, readReal(f, "../http/hikvision-dnvrs-401-usercheck.txt")),
		tcpFrame(f, 554, 1, true, readReal(f, "rtsp/dahua-describe-401-login-to-serial.txt")),
		tcpFrame(f, 443, 1, false, []byte{22, 3, 3, 0, 42, 2, 0, 0, 38}),
		udpFrame(f, camMAC, "198.18.180.21", "198.18.180.40", 8200, 40000, 0, rtpPacket(1, 7, 96, 1400)),
		rtpTCPFrame(f, 1, 1),
	}
	for _, s := range seeds {
		for _, lt := range []uint8{1, 113, 101} {
			f.Add(s, lt)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, lt uint8) {
		link := layers.LinkType(lt)
		if lt == 0 {
			link = layers.LinkTypeLinuxSLL2
		}
		for _, o := range Decode(b, link, ts0) {
			if o.Evidence != nil && o.Evidence.Fields[FieldProto] == "" {
				t.Fatalf("evidence without passive.proto: %v", o.Evidence.Fields)
			}
		}
		c := NewCollector(Config{MaxHosts: 4, MaxEvidence: 4})
		c.Add(b, link, ts0)
		c.Add(b, link, ts0)
		for _, h := range c.Hosts() {
			if !h.Addr.IsValid() || len(h.Evidence) > 5 {
				t.Fatalf("host %+v", h)
			}
		}
	})
}

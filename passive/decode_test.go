package passive

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/dhip"
	"github.com/camsweep/camsweep/scanner/sadp"
	"github.com/camsweep/camsweep/scanner/ssdp"
	"github.com/camsweep/camsweep/scanner/wsd"
	"github.com/camsweep/camsweep/scanner/xmeye"
)

var ts0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// evidenceOf decodes frame and returns its evidence items.
func evidenceOf(t *testing.T, frame []byte, lt layers.LinkType) []Observation {
	t.Helper()
	var out []Observation
	for _, o := range Decode(frame, lt, ts0) {
		if o.Evidence != nil {
			out = append(out, o)
		}
	}
	return out
}

func TestDecode_discoveryRepliesThroughTheirParsers(t *testing.T) {
	cases := []struct {
		name, proto, key, want string
		sport, dport           int
		payload                []byte
	}{
		{"sadp", "sadp", "sadp.device_description", "DS-2CD2320D-I", 37020, 37020, readReal(t, "sadp/hikvision-ds-2cd2320d-i.xml")},
		{"dhip", "dhip", "dhip.device_type", "IPC-HDW5421S", 37810, 5000, dhip.Frame(readReal(t, "dhip/dahua-ipc-hdw5421s-json-only.bin"))},
		{"xmeye", "xmeye", "passive.proto", "xmeye", 34569, 5000, xmeye.Frame(xmeye.MsgSearchReply, readReal(t, "xmeye/xiongmai-ipc-netcommon-json-only.bin"))},
		{"wsd", "wsd", "wsd.message", "ProbeMatches", 3702, 3702, readReal(t, "wsd/axis-m2025-le-probematches.xml")},
		{"ssdp notify", "ssdp", "passive.proto", "ssdp", 1900, 1900, readReal(t, "ssdp/axis-m1014-notify-byebye.txt")},
		{"mdns", "mdns", "passive.proto", "mdns", 5353, 5353, readReal(t, "mdns/edimax-ic-3115w-http-1.bin")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obs := evidenceOf(t, udpFrame(t, camMAC, "198.18.180.21", "239.255.255.250", c.sport, c.dport, 0, c.payload), layers.LinkTypeEthernet)
			if len(obs) == 0 {
				t.Fatal("no evidence")
			}
			ev := obs[0].Evidence
			if ev.Source != device.SourcePassive || ev.Fields[FieldProto] != c.proto {
				t.Errorf("source %q proto %q, want passive %q", ev.Source, ev.Fields[FieldProto], c.proto)
			}
			if got := ev.Fields[c.key]; got != c.want {
				t.Errorf("%s = %q, want %q (fields %v)", c.key, got, c.want, ev.Fields)
			}
			if obs[0].Addr != netip.MustParseAddr("198.18.180.21") || obs[0].MAC != camMAC.String() {
				t.Errorf("observation of %v %s, want the sender", obs[0].Addr, obs[0].MAC)
			}
		})
	}
}

// A client's question names no device: the requests camsweep itself sends
// when it scans make no evidence when another client sends them.
func TestDecode_questionsMakeNoEvidence(t *testing.T) {
	q, err := ssdpSearch()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		port    int
		payload []byte
	}{
		{"sadp inquiry", 37020, sadp.Inquiry("c0b9b7b8-1111-4222-8333-944455556666")},
		{"dhip search", 37810, dhip.Search()},
		{"xmeye search", 34569, xmeye.Search()},
		{"wsd probe", 3702, wsd.ProbeMessage("uuid:5b2d9a0e-6a8e-4b4b-9c35-0c6b3bbf0001", "dn:NetworkVideoTransmitter")},
		{"ssdp m-search", 1900, q},
		{"dns query for another name", 53, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			frame := udpFrame(t, pcMAC, "198.18.180.5", "239.255.255.250", 50000, c.port, 0, c.payload)
			if c.port == 53 {
				frame = dnsQuery(t, pcMAC, "198.18.180.5", "www.example.org")
			}
			if obs := evidenceOf(t, frame, layers.LinkTypeEthernet); len(obs) != 0 {
				t.Errorf("evidence %v from a question", obs[0].Evidence.Fields)
			}
		})
	}
}

func ssdpSearch() ([]byte, error) { return ssdp.MSearch("ssdp:all"), nil }

func TestDecode_dhcpDiscover(t *testing.T) {
	obs := evidenceOf(t, dhcpDiscover(t, camMAC, "IPC-Lobby", "udhcp 1.19.4", "198.18.180.40"), layers.LinkTypeEthernet)
	if len(obs) != 1 {
		t.Fatalf("%d observations, want 1", len(obs))
	}
	o := obs[0]
	if o.Addr.IsValid() || o.MAC != camMAC.String() {
		t.Errorf("observation of %v %q, want no address and the client MAC", o.Addr, o.MAC)
	}
	want := map[string]string{FieldProto: "dhcp", "dhcp.message_type": "discover", "dhcp.hostname": "IPC-Lobby",
		"dhcp.vendor_class": "udhcp 1.19.4", "dhcp.prl": "1,3,6,12,15,28,42", "dhcp.requested_ip": "198.18.180.40"}
	for k, v := range want {
		if o.Evidence.Fields[k] != v {
			t.Errorf("%s = %q, want %q", k, o.Evidence.Fields[k], v)
		}
	}
}

func TestDecode_dnsCloudQuery(t *testing.T) {
	// The XM530 camera of the write-up in clouds.yaml resolves this name.
	obs := evidenceOf(t, dnsQuery(t, camMAC, "198.18.180.22", "pub-cfg.secu100.net"), layers.LinkTypeEthernet)
	if len(obs) != 1 {
		t.Fatalf("%d observations, want 1", len(obs))
	}
	f := obs[0].Evidence.Fields
	if f["dns.cloud_maker"] != "xiongmai" || f["dns.query"] != "pub-cfg.secu100.net" || f[FieldProto] != "dns" {
		t.Errorf("fields %v", f)
	}
	// A name that only ends in the same letters is another domain.
	if obs := evidenceOf(t, dnsQuery(t, camMAC, "198.18.180.22", "notsecu100.net"), layers.LinkTypeEthernet); len(obs) != 0 {
		t.Errorf("evidence %v for notsecu100.net", obs[0].Evidence.Fields)
	}
}

func TestDecode_arpWithVLAN(t *testing.T) {
	obs := Decode(arpFrame(t, camMAC, "198.18.180.21", 30), layers.LinkTypeEthernet, ts0)
	if len(obs) != 1 || !obs[0].ARP || obs[0].VLAN != 30 || obs[0].Evidence.Fields["arp.vlan"] != "30" {
		t.Fatalf("observations %+v", obs)
	}
	// A probe (sender 0.0.0.0) binds nothing.
	if obs := Decode(arpFrame(t, camMAC, "0.0.0.0", 0), layers.LinkTypeEthernet, ts0); len(obs) != 0 {
		t.Errorf("ARP probe gave %+v", obs)
	}
}

func TestDecode_linuxCookedCaptures(t *testing.T) {
	payload := readReal(t, "sadp/hikvision-ds-2cd2320d-i.xml")
	eth := udpFrame(t, camMAC, "198.18.180.21", "239.255.255.250", 37020, 37020, 0, payload)
	ipPart := eth[14:]
	// SLL (LINKTYPE_LINUX_SLL): packet type, ARPHRD_ETHER, address length,
	// 8 address bytes, protocol.
	sll := append([]byte{0, 2, 0, 1, 0, 6}, append(append([]byte(nil), camMAC...), 0, 0, 0x08, 0x00)...)
	sll = append(sll, ipPart...)
	// SLL2 (LINKTYPE_LINUX_SLL2, tcpdump -i any): 20-byte header.
	sll2 := append([]byte{0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 2, 6}, append(append([]byte(nil), camMAC...), 0, 0)...)
	sll2 = append(sll2, ipPart...)
	for name, c := range map[string]struct {
		b  []byte
		lt layers.LinkType
	}{"sll": {sll, layers.LinkTypeLinuxSLL}, "sll2": {sll2, layers.LinkTypeLinuxSLL2}, "raw": {ipPart, layers.LinkTypeRaw}} {
		obs := evidenceOf(t, c.b, c.lt)
		if len(obs) != 1 || obs[0].Evidence.Fields["sadp.device_description"] != "DS-2CD2320D-I" {
			t.Errorf("%s: %+v", name, obs)
			continue
		}
		if name != "raw" && obs[0].MAC != camMAC.String() {
			t.Errorf("%s: MAC %q", name, obs[0].MAC)
		}
	}
}

func TestDecode_garbageGivesNothing(t *testing.T) {
	for _, b := range [][]byte{nil, {0}, make([]byte, 13), make([]byte, 60)} {
		for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2, layers.LinkTypeRaw, 147} {
			if obs := Decode(b, lt, ts0); len(obs) != 0 {
				t.Errorf("%d bytes of link type %d: %+v", len(b), lt, obs)
			}
		}
	}
}

func TestClouds_everyEntryHasASource(t *testing.T) {
	cs, err := Clouds()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 6 {
		t.Fatalf("%d cloud domains", len(cs))
	}
	if _, err := parseClouds("x.yaml", []byte("domains:\n  - suffix: a.com\n    maker: m\n")); err == nil || err.Error() != "x.yaml:2: a domain needs suffix, maker and source" {
		t.Errorf("error %v", err)
	}
}

// A Decoder parses a repeated announcement once; a fresh one each time.
func TestDecoder_repeatsParsedOnce(t *testing.T) {
	frame := udpFrame(t, camMAC, "198.18.180.21", "239.255.255.250", 37020, 37020, 0, readReal(t, "sadp/hikvision-ds-2cd2320d-i.xml"))
	var d Decoder
	n := 0
	for range 3 {
		for _, o := range d.Decode(frame, layers.LinkTypeEthernet, ts0) {
			if o.Evidence != nil {
				n++
			}
		}
		if obs := evidenceOf(t, frame, layers.LinkTypeEthernet); len(obs) != 1 {
			t.Fatalf("Decode gave %d", len(obs))
		}
	}
	if n != 1 {
		t.Errorf("a Decoder gave %d evidence items for three copies, want 1", n)
	}
}

// TestCollector_dhcpv6JoinsTheIPv4Device: a DHCPv6 Solicit from the
// camera's link-local address is filed with the IPv4 device of its MAC.
func TestCollector_dhcpv6JoinsTheIPv4Device(t *testing.T) {
	opt := func(code int, data []byte) []byte {
		return append([]byte{byte(code >> 8), byte(code), byte(len(data) >> 8), byte(len(data))}, data...)
	}
	msg := []byte{1, 0xaa, 0xbb, 0xcc} // Solicit, transaction id
	msg = append(msg, opt(39, append([]byte{0}, "\x08lobbycam\x03lab\x00"...))...)
	msg = append(msg, opt(16, append([]byte{0, 0, 0x9, 0xbf, 0, 5}, "udhcp"...))...)
	msg = append(msg, opt(6, []byte{0, 23, 0, 24})...)
	src := netip.MustParseAddr("fe80::c256:e3ff:fe01:203")
	eth := &layers.Ethernet{SrcMAC: camMAC, DstMAC: bcast, EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, HopLimit: 1, NextHeader: layers.IPProtocolUDP, SrcIP: src.AsSlice(), DstIP: netip.MustParseAddr("ff02::1:2").AsSlice()}
	udp := &layers.UDP{SrcPort: 546, DstPort: 547}
	_ = udp.SetNetworkLayerForChecksum(ip)
	frame := serialize(t, eth, ip, udp, gopacket.Payload(msg))
	c := NewCollector(Config{})
	c.Add(arpFrame(t, camMAC, "198.18.180.21", 0), layers.LinkTypeEthernet, ts0)
	c.Add(frame, layers.LinkTypeEthernet, ts0)
	hs := c.Hosts()
	if len(hs) != 1 || hs[0].Addr.String() != "198.18.180.21" {
		t.Fatalf("hosts %+v", hs)
	}
	var f map[string]string
	for _, ev := range hs[0].Evidence {
		if ev.Fields[FieldProto] == "dhcpv6" {
			f = ev.Fields
		}
	}
	if f["dhcp.fqdn"] != "lobbycam.lab" || f["dhcp.vendor_class"] != "udhcp" || f["dhcp.prl"] != "23,24" || f["dhcp.message_type"] != "solicit" {
		t.Errorf("dhcpv6 fields %v", f)
	}
}

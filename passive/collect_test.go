package passive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/camsweep/camsweep/device"
)

func TestCollector_dhcpFiledUnderTheAddressItsMACShows(t *testing.T) {
	c := NewCollector(Config{OUI: func(mac string) map[string]string { return map[string]string{"mac.vendor": "Hangzhou Hikvision"} }})
	c.Add(dhcpDiscover(t, camMAC, "IPC-Lobby", "udhcp 1.19.4", ""), layers.LinkTypeEthernet, ts0)
	c.Add(arpFrame(t, camMAC, "198.18.180.21", 30), layers.LinkTypeEthernet, ts0)
	c.Add(udpFrame(t, camMAC, "198.18.180.21", "239.255.255.250", 37020, 37020, 30, readReal(t, "sadp/hikvision-ds-2cd2320d-i.xml")), layers.LinkTypeEthernet, ts0)
	// The same announcement again: one item, not two.
	c.Add(udpFrame(t, camMAC, "198.18.180.21", "239.255.255.250", 37020, 37020, 30, readReal(t, "sadp/hikvision-ds-2cd2320d-i.xml")), layers.LinkTypeEthernet, ts0)
	hs := c.Hosts()
	if len(hs) != 1 {
		t.Fatalf("%d hosts, want 1: %+v", len(hs), hs)
	}
	h := hs[0]
	if h.Addr != netip.MustParseAddr("198.18.180.21") || h.MAC != camMAC.String() {
		t.Errorf("host %v %s", h.Addr, h.MAC)
	}
	var protos []string
	for _, ev := range h.Evidence {
		if ev.Source == device.SourceOUI {
			protos = append(protos, "oui")
			continue
		}
		protos = append(protos, ev.Fields[FieldProto])
	}
	if got := strings.Join(protos, " "); got != "arp dhcp sadp oui" {
		t.Errorf("evidence %q, want arp dhcp sadp oui", got)
	}
	if h.Evidence[0].Fields["arp.vlan"] != "30" {
		t.Errorf("no arp.vlan 30 in %v", h.Evidence[0].Fields)
	}
	st := c.Stats()
	if st.Packets != 4 || st.Observations != 4 || st.UnboundMACs != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestCollector_dhcpClientWithoutAddress(t *testing.T) {
	c := NewCollector(Config{})
	c.Add(dhcpDiscover(t, camMAC, "cam", "udhcp", "198.18.180.40"), layers.LinkTypeEthernet, ts0)
	other := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x44}
	c.Add(dhcpDiscover(t, other, "nobody", "udhcp", ""), layers.LinkTypeEthernet, ts0)
	hs := c.Hosts()
	if len(hs) != 1 || hs[0].Addr.String() != "198.18.180.40" || hs[0].MAC != camMAC.String() {
		t.Fatalf("hosts %+v, want the requested address", hs)
	}
	if c.Stats().UnboundMACs != 1 {
		t.Errorf("unbound %d, want 1", c.Stats().UnboundMACs)
	}
}

// A router's MAC sources every routed address: it names none of them.
func TestCollector_routerMACBindsNothing(t *testing.T) {
	c := NewCollector(Config{})
	for i := range MaxAddrsPerMAC + 1 {
		src := fmt.Sprintf("198.18.181.%d", i+1)
		c.Add(udpFrame(t, pcMAC, src, "198.18.180.9", 1900, 40000, 0, readReal(t, "ssdp/axis-m1014-msearch-response.txt")), layers.LinkTypeEthernet, ts0)
	}
	hs := c.Hosts()
	if len(hs) != MaxAddrsPerMAC+1 {
		t.Fatalf("%d hosts", len(hs))
	}
	for _, h := range hs {
		if h.MAC != "" {
			t.Errorf("%v has the router's MAC %s", h.Addr, h.MAC)
		}
	}
	if c.Stats().Routers != 1 {
		t.Errorf("routers %d", c.Stats().Routers)
	}
}

func TestCollector_capsAreCounted(t *testing.T) {
	c := NewCollector(Config{MaxHosts: 2, MaxEvidence: 2})
	for i := range 3 {
		c.Add(dnsQuery(t, pcMAC, fmt.Sprintf("198.18.180.%d", i+1), "a.secu100.net"), layers.LinkTypeEthernet, ts0)
	}
	for _, name := range []string{"b.secu100.net", "c.secu100.net", "d.secu100.net"} {
		c.Add(dnsQuery(t, pcMAC, "198.18.180.1", name), layers.LinkTypeEthernet, ts0)
	}
	st := c.Stats()
	if st.HostsDropped != 1 || st.EvidenceDropped != 2 || st.MaxHosts != 2 || st.MaxEvidence != 2 {
		t.Errorf("stats %+v", st)
	}
	hs := c.Hosts()
	if len(hs) != 2 || hs[0].Truncated == nil || hs[0].Truncated.EvidenceItems != 2 {
		t.Fatalf("hosts %+v", hs)
	}
}

// capture writes frames as a pcap (or pcapng) file in memory.
func capture(t *testing.T, ng bool, frames ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if ng {
		w, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range frames {
			if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts0, CaptureLength: len(f), Length: len(f)}, f); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts0, CaptureLength: len(f), Length: len(f)}, f); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestRead_pcapAndPcapng(t *testing.T) {
	frames := [][]byte{
		arpFrame(t, camMAC, "198.18.180.21", 0),
		udpFrame(t, camMAC, "198.18.180.21", "239.255.255.250", 37020, 37020, 0, readReal(t, "sadp/hikvision-ds-2cd2320d-i.xml")),
	}
	for _, ng := range []bool{false, true} {
		c := NewCollector(Config{})
		if err := Read(context.Background(), "lab.pcap", bytes.NewReader(capture(t, ng, frames...)), c); err != nil {
			t.Fatalf("ng=%v: %v", ng, err)
		}
		hs := c.Hosts()
		if len(hs) != 1 || len(hs[0].Evidence) != 2 || c.Stats().Packets != 2 {
			t.Errorf("ng=%v: hosts %+v stats %+v", ng, hs, c.Stats())
		}
	}
}

func TestRead_badFilesSayWhere(t *testing.T) {
	good := capture(t, false, arpFrame(t, camMAC, "198.18.180.21", 0), arpFrame(t, camMAC, "198.18.180.21", 0))
	huge := bytes.Clone(good[:24])
	huge = append(huge, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f)
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"truncated", good[:len(good)-10], "x.pcap: packet 2: the file ends inside this record"},
		{"not a capture", []byte("GET / HTTP/1.1\r\n"), "x.pcap: not a pcap or pcapng file (magic 20544547)"},
		{"empty", nil, "x.pcap: not a pcap or pcapng file: 0 bytes"},
		{"oversized record", huge, "x.pcap: packet 1: "},
		{"pcapng cut", capture(t, true, arpFrame(t, camMAC, "198.18.180.21", 0))[:40], "x.pcap: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			col := NewCollector(Config{})
			err := Read(context.Background(), "x.pcap", bytes.NewReader(c.b), col)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("error %v, want it to start %q", err, c.want)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Errorf("%T is not a FileError", err)
			}
		})
	}
	// What was read before the cut is kept.
	col := NewCollector(Config{})
	_ = Read(context.Background(), "x.pcap", bytes.NewReader(good[:len(good)-10]), col)
	if col.Stats().Packets != 1 {
		t.Errorf("packets before the cut: %d, want 1", col.Stats().Packets)
	}
}

func TestRead_stopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Read(ctx, "x.pcap", bytes.NewReader(capture(t, false, arpFrame(t, camMAC, "198.18.180.21", 0))), NewCollector(Config{}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
}

// pcapngBlock is one pcapng block (little-endian) of type typ.
func pcapngBlock(typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	le := func(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
	b := append(le(typ), le(n)...)
	b = append(b, body...)
	return append(b, le(n)...)
}

// TestRead_pcapngUnknownAndOversizedBlocks: an unknown block is skipped;
// a block claiming more bytes than the file holds ends the read with the
// file's name, after the packets before it.
func TestRead_pcapngUnknownAndOversizedBlocks(t *testing.T) {
	good := capture(t, true, arpFrame(t, camMAC, "198.18.180.21", 0))
	c := NewCollector(Config{})
	if err := Read(context.Background(), "u.pcapng", bytes.NewReader(append(bytes.Clone(good), pcapngBlock(0x0badcafe, []byte("vendor notes"))...)), c); err != nil {
		t.Fatalf("unknown block: %v", err)
	}
	if c.Stats().Packets != 1 {
		t.Errorf("packets %d", c.Stats().Packets)
	}
	huge := append(bytes.Clone(good), 0xfe, 0xca, 0xad, 0x0b, 0xf0, 0xff, 0xff, 0x7f)
	c = NewCollector(Config{})
	err := Read(context.Background(), "h.pcapng", bytes.NewReader(huge), c)
	if err == nil || !strings.HasPrefix(err.Error(), "h.pcapng: packet 2: ") || c.Stats().Packets != 1 {
		t.Errorf("oversized block: %v, packets %d", err, c.Stats().Packets)
	}
}

// TestCollector_snaplenCutFrames: frames cut to 96 bytes (tcpdump -s 96)
// give the bindings and no evidence from the cut payloads, without error.
func TestCollector_snaplenCutFrames(t *testing.T) {
	c := NewCollector(Config{})
	for _, f := range [][]byte{
		udpFrame(t, camMAC, "198.18.180.21", "239.255.255.250", 37020, 37020, 0, readReal(t, "sadp/hikvision-ds-2cd2320d-i.xml")),
		dhcpDiscover(t, camMAC, "IPC", "udhcp", ""),
		tcpFrame(t, 80, 1, true, readReal(t, "../http/hikvision-dnvrs-401-usercheck.txt")),
	} {
		c.Add(f[:96], layers.LinkTypeEthernet, ts0)
	}
	for _, h := range c.Hosts() {
		for _, ev := range h.Evidence {
			if p := ev.Fields[FieldProto]; p == "sadp" || p == "dhcp" {
				t.Errorf("%v: evidence %v from a cut frame", h.Addr, ev.Fields)
			}
		}
	}
}

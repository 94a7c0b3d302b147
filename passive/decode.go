// Package passive finds and identifies devices from traffic it only
// listens to: pcap and pcapng files and a live interface. It never sends a
// packet.
//
// What is read: Ethernet, Linux cooked (SLL and SLL2) and raw-IP frames,
// with up to two 802.1Q/802.1ad tags (the outer VLAN id feeds the zones
// as arp.vlan does in a scan). From them, Decode takes the MAC-to-address
// bindings (ARP senders, IPv4 and IPv6 sources), DHCP requests (hostname,
// vendor class, parameter request list, FQDN: RFC 2132, RFC 4702), DNS
// queries for the makers' cloud and update domains (clouds.yaml), and the
// discovery protocols camsweep already parses — SADP, DHIP, XMEye,
// WS-Discovery Hello and ProbeMatches, mDNS responses, SSDP NOTIFY and
// responses — through their own parsers, whoever asked.
//
// Every piece of evidence has source "passive" and names the protocol that
// carried it in passive.proto, so a record says it came from listening.
// Decode is pure (bytes in, observations out); the Collector holds the
// per-host state under fixed caps and counts what the caps refused.
package passive

import (
	"hash/fnv"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/protocols"
)

// FieldProto is the evidence key naming the protocol a passive observation
// came from ("dhcp", "sadp", "arp"…).
const FieldProto = "passive.proto"

// Observation is what one frame showed about one device.
type Observation struct {
	// Addr is the address the observation is about; invalid for a DHCP
	// client that has no address yet (MAC then names it).
	Addr netip.Addr
	// MAC is the link-layer sender when Addr is the sender's own address
	// (lower-case colon form), or the DHCP client hardware address.
	MAC string
	// VLAN is the frame's outer 802.1Q VLAN id, 0 when untagged.
	VLAN uint16
	// ARP is true when the binding of MAC to Addr comes from an ARP
	// sender: the one binding that is the device's own on the link (an IP
	// source behind a router carries the router's MAC).
	ARP bool
	// Evidence is nil for a bare binding (a frame that only showed the
	// device was there).
	Evidence *device.Evidence
}

// Decoder decodes frames into observations. It keeps its layer structs
// between calls so a capture of millions of frames does not allocate them
// per frame, and the pieces of fragmented IPv4 datagrams until they are
// whole (bounded, frag.go); a Decoder is not safe for concurrent use.
// Decode with a new Decoder is a pure function of the frame.
type Decoder struct {
	eth  layers.Ethernet
	sll  layers.LinuxSLL
	sll2 layers.LinuxSLL2
	q    layers.Dot1Q
	arp  layers.ARP
	ip4  layers.IPv4
	ip6  layers.IPv6
	udp  layers.UDP
	tcp  layers.TCP
	dhcp layers.DHCPv4
	out  []Observation
	// frags holds IPv4 datagrams whose pieces are still arriving
	// (frag.go); bounded.
	frags []*fragDatagram
	// streams are the server sides of TCP connections being followed
	// (tcp.go); bounded.
	streams []*stream
	// recent holds hashes of datagrams decoded lately (repeat).
	recent map[uint64]bool
	// rtp holds the RTP flows being counted (rtp.go); bounded.
	rtp map[rtpKey]*rtpFlow
}

// maxRecent bounds Decoder.recent; when full it starts again empty.
const maxRecent = 8192

// repeat reports whether the same datagram came from the same sender and
// ports lately. Devices repeat their announcements every few seconds for
// as long as a capture lasts; parsing each copy again (XML, JSON) would
// spend most of a large capture's time on evidence the Collector already
// holds. A Decoder used once per frame (Decode) never sees a repeat.
func (d *Decoder) repeat(src netip.Addr, sp, dp uint16, payload []byte) bool {
	h := fnv.New64a()
	a := src.As16()
	h.Write(a[:])
	h.Write([]byte{byte(sp >> 8), byte(sp), byte(dp >> 8), byte(dp)})
	h.Write(payload)
	k := h.Sum64()
	if d.recent[k] {
		return true
	}
	if d.recent == nil || len(d.recent) >= maxRecent {
		d.recent = make(map[uint64]bool, 256)
	}
	d.recent[k] = true
	return false
}

// Decode returns what one frame of link type lt, captured at ts, shows.
// Frames it cannot read give nothing: a capture is mostly traffic that
// says nothing about who made a device.
func Decode(frame []byte, lt layers.LinkType, ts time.Time) []Observation {
	var d Decoder
	return d.Decode(frame, lt, ts)
}

// Decode is the package-level Decode reusing d's buffers. The slice
// returned is valid until the next call.
func (d *Decoder) Decode(frame []byte, lt layers.LinkType, ts time.Time) []Observation {
	d.out = d.out[:0]
	var (
		etype layers.EthernetType
		mac   string
		vlan  uint16
		rest  []byte
	)
	nf := gopacket.NilDecodeFeedback
	switch lt {
	case layers.LinkTypeEthernet:
		if d.eth.DecodeFromBytes(frame, nf) != nil {
			return nil
		}
		etype, rest = d.eth.EthernetType, d.eth.Payload
		mac = macString(d.eth.SrcMAC)
	case layers.LinkTypeLinuxSLL:
		if d.sll.DecodeFromBytes(frame, nf) != nil {
			return nil
		}
		etype, rest = d.sll.EthernetType, d.sll.Payload
		if d.sll.AddrType == 1 && d.sll.AddrLen == 6 { // ARPHRD_ETHER
			mac = macString(d.sll.Addr)
		}
	case layers.LinkTypeLinuxSLL2:
		if d.sll2.DecodeFromBytes(frame, nf) != nil {
			return nil
		}
		etype, rest = d.sll2.ProtocolType, d.sll2.Payload
		if d.sll2.ARPHardwareType == 1 && d.sll2.AddrLength == 6 {
			mac = macString(d.sll2.Addr)
		}
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
		if len(frame) == 0 {
			return nil
		}
		etype, rest = layers.EthernetTypeIPv4, frame
		if frame[0]>>4 == 6 {
			etype = layers.EthernetTypeIPv6
		}
	default:
		return nil
	}
	// At most two tags (802.1ad outer, 802.1Q inner); the outer one is the
	// VLAN of the access port a zones file lists.
	for i := 0; i < 2 && (etype == layers.EthernetTypeDot1Q || etype == layers.EthernetTypeQinQ); i++ {
		if d.q.DecodeFromBytes(rest, nf) != nil {
			return nil
		}
		if i == 0 {
			vlan = d.q.VLANIdentifier
		}
		etype, rest = d.q.Type, d.q.Payload
	}
	switch etype {
	case layers.EthernetTypeARP:
		d.decodeARP(rest, mac, vlan, ts)
	case layers.EthernetTypeIPv4:
		d.decodeIPv4(rest, mac, vlan, ts)
	case layers.EthernetTypeIPv6:
		d.decodeIPv6(rest, mac, vlan, ts)
	}
	return d.out
}

func (d *Decoder) decodeARP(b []byte, mac string, vlan uint16, ts time.Time) {
	if d.arp.DecodeFromBytes(b, gopacket.NilDecodeFeedback) != nil {
		return
	}
	a := &d.arp
	if a.AddrType != layers.LinkTypeEthernet || a.Protocol != layers.EthernetTypeIPv4 ||
		len(a.SourceHwAddress) != 6 || len(a.SourceProtAddress) != 4 {
		return
	}
	ip := netip.AddrFrom4([4]byte(a.SourceProtAddress))
	if !hostAddr(ip) {
		return // an ARP probe (RFC 5227) has sender 0.0.0.0
	}
	smac := macString(a.SourceHwAddress)
	if mac != "" && smac != mac {
		// A proxy or a forger answering for someone else: the sender
		// hardware field is a claim, the frame's source is a fact. Only
		// the claim is kept apart, never bound.
		return
	}
	d.out = append(d.out, Observation{Addr: ip, MAC: smac, VLAN: vlan, ARP: true, Evidence: &device.Evidence{
		Source: device.SourcePassive, Addr: ip, MAC: smac, Time: ts,
		Fields: withVLAN(map[string]string{FieldProto: "arp"}, vlan),
	}})
}

func (d *Decoder) decodeIPv4(b []byte, mac string, vlan uint16, ts time.Time) {
	if d.ip4.DecodeFromBytes(b, gopacket.NilDecodeFeedback) != nil {
		return
	}
	ip := &d.ip4
	src, ok := netip.AddrFromSlice(ip.SrcIP.To4())
	if !ok {
		return
	}
	if hostAddr(src) {
		d.out = append(d.out, Observation{Addr: src, MAC: mac, VLAN: vlan})
	}
	dst, _ := netip.AddrFromSlice(ip.DstIP.To4())
	if ip.Protocol != layers.IPProtocolUDP && ip.Protocol != layers.IPProtocolTCP {
		return
	}
	payload := ip.Payload
	if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
		if payload = d.reassemble(ip, src, dst, ts); payload == nil {
			return
		}
	}
	if ip.Protocol == layers.IPProtocolTCP {
		d.decodeTCP(payload, src, dst, mac, vlan, ts)
		return
	}
	d.decodeUDP(payload, src, dst, mac, vlan, ts)
}

func (d *Decoder) decodeIPv6(b []byte, mac string, vlan uint16, ts time.Time) {
	if d.ip6.DecodeFromBytes(b, gopacket.NilDecodeFeedback) != nil {
		return
	}
	ip := &d.ip6
	src, ok := netip.AddrFromSlice(ip.SrcIP)
	if !ok {
		return
	}
	if hostAddr(src) {
		d.out = append(d.out, Observation{Addr: src, MAC: mac, VLAN: vlan})
	}
	// Extension headers are not followed: discovery traffic has none.
	dst, _ := netip.AddrFromSlice(ip.DstIP)
	if ip.NextHeader == layers.IPProtocolTCP {
		d.decodeTCP(ip.Payload, src, dst, mac, vlan, ts)
		return
	}
	if ip.NextHeader != layers.IPProtocolUDP {
		return
	}
	d.decodeUDP(ip.Payload, src, dst, mac, vlan, ts)
}

// Well-known ports of the protocols Decode reads itself; the discovery
// protocols' are in the list of scanner/protocols.
const (
	portDNS   = 53
	portDHCPs = 67
	portDHCPc = 68
)

// discoveryProto is a protocol of the list (scanner/protocols) that
// passive listening reads from datagrams, told by its port.
type discoveryProto struct {
	port   uint16
	name   string
	decode protocols.Decoder
}

// discovery are the protocols read from datagrams, in the list's order: a
// new discovery protocol is read here by its entry there alone.
var discovery = func() []discoveryProto {
	var out []discoveryProto
	for _, p := range protocols.All() {
		if d := p.Datagram; d != nil && d.Passive {
			out = append(out, discoveryProto{port: d.Port, name: string(p.Source), decode: d.Decode})
		}
	}
	return out
}()

// discoveryOn returns the protocol of discovery whose port is sp or dp,
// the first in the list's order; nil when none is.
func discoveryOn(sp, dp uint16) *discoveryProto {
	for i := range discovery {
		if p := &discovery[i]; sp == p.port || dp == p.port {
			return p
		}
	}
	return nil
}

func (d *Decoder) decodeUDP(b []byte, src, dst netip.Addr, mac string, vlan uint16, ts time.Time) {
	if d.udp.DecodeFromBytes(b, gopacket.NilDecodeFeedback) != nil {
		return
	}
	sp, dp := uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
	payload := d.udp.Payload
	disc := discoveryOn(sp, dp)
	if !(sp == portDHCPc && dp == portDHCPs) && !(sp == 546 && dp == 547) && dp != portDNS && disc == nil {
		// Most of a camera network's bytes are video: RTP is told apart
		// before any announcement is hashed (repeat).
		d.decodeRTP(payload, src, dst, sp, dp, false, mac, vlan, ts)
		return
	}
	if d.repeat(src, sp, dp, payload) {
		return
	}
	from := netip.AddrPortFrom(src.Unmap(), sp)
	var evs []device.Evidence
	proto := ""
	switch {
	case sp == portDHCPc && dp == portDHCPs:
		d.decodeDHCP(payload, mac, vlan, ts)
		return
	case sp == 546 && dp == 547 && src.Is6():
		if hostAddr(src) {
			d.decodeDHCPv6(payload, src, mac, vlan, ts)
		}
		return
	case dp == portDNS && hostAddr(src):
		if ev, ok := dnsEvidence(payload); ok {
			evs, proto = []device.Evidence{ev}, "dns"
		}
	case !hostAddr(src):
		return // replies come from a device's own address
	case disc != nil:
		// A client's question (a WS-Discovery Probe, an M-SEARCH, an mDNS
		// query) decodes to nothing: nothing is kept.
		if e, err := disc.decode(payload, from, "passive", ts); err == nil {
			evs, proto = e, disc.name
		}
	}
	for i := range evs {
		ev := evs[i]
		if len(ev.Fields) == 0 {
			continue
		}
		ev.Source, ev.Addr, ev.MAC, ev.Time = device.SourcePassive, src.Unmap(), mac, ts
		ev.Fields[FieldProto] = proto
		d.out = append(d.out, Observation{Addr: src.Unmap(), MAC: mac, VLAN: vlan, Evidence: &ev})
	}
}

// hostAddr reports whether a is an address a device can hold as its own:
// not unspecified, multicast, broadcast or loopback.
func hostAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsUnspecified() || a.IsMulticast() || a.IsLoopback() {
		return false
	}
	return !(a.Is4() && a == netip.AddrFrom4([4]byte{255, 255, 255, 255}))
}

func macString(hw net.HardwareAddr) string {
	if len(hw) != 6 {
		return ""
	}
	return hw.String()
}

func withVLAN(f map[string]string, vlan uint16) map[string]string {
	if vlan != 0 {
		f["arp.vlan"] = strconv.Itoa(int(vlan))
	}
	return f
}

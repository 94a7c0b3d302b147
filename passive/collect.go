package passive

import (
	"cmp"
	"hash/fnv"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/camsweep/camsweep/device"
)

// Default caps of a Collector. A capture of a busy segment holds
// thousands of addresses, almost all of which say nothing; the caps keep a
// 10 GB file or a week of listening in a fixed amount of memory, and what
// they refuse is counted in the run record.
const (
	DefaultMaxHosts    = 4096
	DefaultMaxEvidence = 64        // distinct evidence items per device
	maxEvidenceBytes   = 256 << 10 // keys plus values per device, as a scan's budget
	// MaxAddrsPerMAC is how many addresses one MAC may source before it
	// counts as a router (every routed packet carries the router's MAC);
	// the scanner's ARP review uses the same number.
	MaxAddrsPerMAC = 8
)

// volatile are fields that change between two copies of the same
// announcement; they are left out when deciding whether an item is new, so
// a device announcing every 30 s keeps one item, not one per minute.
var volatile = map[string]bool{
	"wsd.message_id": true, "wsd.metadata_version": true,
	"sadp.boot_time": true,
}

// Config sets a Collector's caps and the MAC registry lookup.
type Config struct {
	MaxHosts    int // 0: DefaultMaxHosts
	MaxEvidence int // 0: DefaultMaxEvidence
	// OUI describes a MAC as "oui" evidence (the registry's entry), as the
	// scanner engine adds it; nil adds none.
	OUI func(mac string) map[string]string
}

type hostState struct {
	addr        netip.Addr
	arpMAC      string
	vlan        uint16
	evidence    []device.Evidence
	seen        map[uint64]bool
	bytes       int
	dropped     int
	first, last time.Time
}

type macState struct {
	addrs   []netip.Addr // addresses it sourced, at most MaxAddrsPerMAC+1
	router  bool
	pending []device.Evidence // MAC-only evidence (DHCP before an address)
	seen    map[uint64]bool
	vlan    uint16
	last    time.Time
}

// Collector gathers the observations of many frames into devices, under
// fixed caps. It is not safe for concurrent use.
type Collector struct {
	cfg   Config
	dec   Decoder
	hosts map[netip.Addr]*hostState
	macs  map[string]*macState
	stats device.PassiveStats
}

// NewCollector returns an empty Collector.
func NewCollector(cfg Config) *Collector {
	if cfg.MaxHosts <= 0 {
		cfg.MaxHosts = DefaultMaxHosts
	}
	if cfg.MaxEvidence <= 0 {
		cfg.MaxEvidence = DefaultMaxEvidence
	}
	c := &Collector{cfg: cfg, hosts: map[netip.Addr]*hostState{}, macs: map[string]*macState{}}
	c.stats.MaxHosts, c.stats.MaxEvidence = cfg.MaxHosts, cfg.MaxEvidence
	return c
}

// Add reads one frame of link type lt captured at ts.
func (c *Collector) Add(frame []byte, lt layers.LinkType, ts time.Time) {
	c.AddTagged(frame, lt, ts, 0)
}

// AddTagged is Add for a frame whose VLAN tag the capture took off and
// gave apart (a live packet socket): vlan applies where the frame has none.
func (c *Collector) AddTagged(frame []byte, lt layers.LinkType, ts time.Time, vlan uint16) {
	c.stats.Packets++
	c.stats.Bytes += uint64(len(frame))
	obs := c.dec.Decode(frame, lt, ts)
	if len(obs) > 0 {
		c.stats.Observations++
	}
	for i := range obs {
		o := &obs[i]
		if o.VLAN == 0 && vlan != 0 {
			o.VLAN = vlan
			if o.Evidence != nil && o.Evidence.Fields[FieldProto] == "arp" {
				withVLAN(o.Evidence.Fields, vlan)
			}
		}
		c.observe(o, ts)
	}
}

// Stats returns what was read so far and what the caps refused.
func (c *Collector) Stats() device.PassiveStats { return c.stats }

func (c *Collector) observe(o *Observation, ts time.Time) {
	var m *macState
	if o.MAC != "" {
		m = c.mac(o.MAC)
	}
	if m != nil {
		m.last = ts
		if o.VLAN != 0 {
			m.vlan = o.VLAN
		}
		if o.Addr.IsValid() && !m.router && !slices.Contains(m.addrs, o.Addr) {
			m.addrs = append(m.addrs, o.Addr)
			if len(m.addrs) > MaxAddrsPerMAC {
				m.router, m.addrs = true, nil
				c.stats.Routers++
			}
		}
	}
	if o.Evidence == nil {
		return
	}
	if !o.Addr.IsValid() {
		// A DHCP client without an address: kept under its MAC until an
		// address shows up.
		if m != nil && len(m.pending) < c.cfg.MaxEvidence {
			if m.seen == nil {
				m.seen = map[uint64]bool{}
			}
			if k := evKey(o.Evidence); !m.seen[k] {
				m.seen[k] = true
				m.pending = append(m.pending, *o.Evidence)
			}
		}
		return
	}
	h := c.host(o.Addr, ts)
	if h == nil {
		return
	}
	if o.ARP && h.arpMAC == "" {
		h.arpMAC = o.MAC
	}
	if o.VLAN != 0 && h.vlan == 0 {
		h.vlan = o.VLAN
	}
	c.keep(h, *o.Evidence)
}

func (c *Collector) mac(mac string) *macState {
	if m, ok := c.macs[mac]; ok {
		return m
	}
	if len(c.macs) >= 4*c.cfg.MaxHosts {
		c.stats.HostsDropped++
		return nil
	}
	m := &macState{}
	c.macs[mac] = m
	return m
}

func (c *Collector) host(a netip.Addr, ts time.Time) *hostState {
	if h, ok := c.hosts[a]; ok {
		h.last = ts
		return h
	}
	if len(c.hosts) >= c.cfg.MaxHosts {
		c.stats.HostsDropped++
		return nil
	}
	h := &hostState{addr: a, seen: map[uint64]bool{}, first: ts, last: ts}
	c.hosts[a] = h
	return h
}

// keep adds ev to h unless h holds an equal item already or is full.
func (c *Collector) keep(h *hostState, ev device.Evidence) {
	k := evKey(&ev)
	if h.seen[k] {
		return
	}
	size := 0
	for key, v := range ev.Fields {
		size += len(key) + len(v)
	}
	if len(h.evidence) >= c.cfg.MaxEvidence || h.bytes+size > maxEvidenceBytes {
		// The seen set stays bounded too: past twice the cap, repeats of
		// refused items are counted again rather than remembered.
		if len(h.seen) < 2*c.cfg.MaxEvidence {
			h.seen[k] = true
		}
		h.dropped++
		c.stats.EvidenceDropped++
		return
	}
	h.seen[k] = true
	h.bytes += size
	h.evidence = append(h.evidence, ev)
}

// evKey identifies an evidence item by its fields, leaving out the ones
// that change between repeats of one announcement.
func evKey(ev *device.Evidence) uint64 {
	keys := make([]string, 0, len(ev.Fields))
	for k := range ev.Fields {
		if !volatile[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	f := fnv.New64a()
	for _, k := range keys {
		f.Write([]byte(k))
		f.Write([]byte{0})
		f.Write([]byte(ev.Fields[k]))
		f.Write([]byte{0})
	}
	return f.Sum64()
}

// Hosts returns the devices seen, ordered by address: every address that
// carried evidence, with its MAC when the link showed it (an ARP sender,
// or the source MAC of its own frames when that MAC is not a router's),
// DHCP evidence filed under its MAC, IPv6 link-local evidence merged into
// the IPv4 device with the same MAC, and the MAC registry's entry.
func (c *Collector) Hosts() []device.Host {
	macOf := map[netip.Addr]string{}
	ambiguous := map[netip.Addr]bool{}
	for mac, m := range c.macs {
		if m.router {
			continue
		}
		for _, a := range m.addrs {
			if old, ok := macOf[a]; !ok {
				macOf[a] = mac
			} else if old != mac {
				ambiguous[a] = true
			}
		}
	}
	// An address two MACs sourced without ARP naming either (a capture
	// taken on both sides of a router, two routers, a conflict) has no MAC
	// the frames can vouch for; picking one would depend on map order.
	for a := range ambiguous {
		delete(macOf, a)
	}
	for a, h := range c.hosts {
		if h.arpMAC != "" {
			macOf[a] = h.arpMAC
		}
	}
	v4ByMAC := map[string]*hostState{}
	for a, h := range c.hosts {
		if mac := macOf[a]; mac != "" && a.Is4() {
			if old, ok := v4ByMAC[mac]; !ok || a.Less(old.addr) {
				v4ByMAC[mac] = h
			}
		}
	}
	// A MAC's DHCP evidence goes to its IPv4 address; a client that never
	// showed one but asked for one is filed under the address it asked for.
	for mac, m := range c.macs {
		if len(m.pending) == 0 || m.router {
			continue
		}
		h := v4ByMAC[mac]
		if h == nil {
			if a, err := netip.ParseAddr(m.pending[len(m.pending)-1].Fields["dhcp.requested_ip"]); err == nil {
				h = c.host(a, m.last)
				if h != nil {
					macOf[a], v4ByMAC[mac] = mac, h
				}
			}
		}
		if h == nil {
			c.stats.UnboundMACs++
			continue
		}
		for _, ev := range m.pending {
			ev.Addr = h.addr
			c.keep(h, ev)
		}
		if h.vlan == 0 {
			h.vlan = m.vlan
		}
	}
	var out []device.Host
	for a, h := range c.hosts {
		mac := macOf[a]
		if v4 := v4ByMAC[mac]; a.Is6() && a.IsLinkLocalUnicast() && mac != "" && v4 != nil {
			// Every IPv6 device has a link-local address; it is the same
			// device as the IPv4 address its MAC holds.
			for _, ev := range h.evidence {
				ev.Addr = v4.addr
				c.keep(v4, ev)
			}
			continue
		}
		out = append(out, device.Host{Addr: a, MAC: mac})
	}
	for i := range out {
		out[i] = c.toHost(c.hosts[out[i].Addr], out[i].MAC)
	}
	slices.SortFunc(out, func(x, y device.Host) int { return x.Addr.Compare(y.Addr) })
	return out
}

func (c *Collector) toHost(h *hostState, mac string) device.Host {
	d := device.Host{Addr: h.addr, MAC: mac, Ports: []uint16{}, FirstSeen: h.first, LastSeen: h.last}
	d.Evidence = slices.Clone(h.evidence)
	if h.vlan != 0 && !hasVLAN(d.Evidence) {
		d.Evidence = append(d.Evidence, device.Evidence{Source: device.SourcePassive, Addr: h.addr, MAC: mac,
			Fields: withVLAN(map[string]string{FieldProto: "vlan"}, h.vlan)})
	}
	if mac != "" && c.cfg.OUI != nil {
		if f := c.cfg.OUI(mac); len(f) > 0 {
			d.Evidence = append(d.Evidence, device.Evidence{Source: device.SourceOUI, Addr: h.addr, MAC: mac, Fields: f, Time: h.last})
		}
	}
	for i := range d.Evidence {
		if d.Evidence[i].MAC != mac {
			// The frame's MAC of routed traffic is the router's: the record
			// keeps the device's own or none.
			d.Evidence[i].MAC = mac
		}
	}
	slices.SortStableFunc(d.Evidence, func(x, y device.Evidence) int {
		return cmp.Compare(protoOrder(x), protoOrder(y))
	})
	if h.dropped > 0 {
		d.Truncated = &device.Truncated{EvidenceItems: h.dropped, BySource: map[device.Source]int{device.SourcePassive: h.dropped}}
	}
	return d
}

func hasVLAN(evs []device.Evidence) bool {
	for _, ev := range evs {
		if ev.Fields["arp.vlan"] != "" {
			return true
		}
	}
	return false
}

// protoOrder puts a record's evidence in a stable order: the link first,
// then the protocols by name, the MAC registry last.
func protoOrder(ev device.Evidence) string {
	switch p := ev.Fields[FieldProto]; {
	case ev.Source == device.SourceOUI:
		return "~"
	case p == "arp" || p == "vlan":
		return "0"
	default:
		return strings.ToLower(p)
	}
}

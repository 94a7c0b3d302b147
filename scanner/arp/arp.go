// Package arp sweeps the directly connected IPv4 subnets with ARP requests
// (RFC 826) and reports who answered, with the MAC.
//
// What is sent: one broadcast "who-has" request per in-scope address that
// lies in a subnet of a usable interface (or of -i), in the scope's order,
// each paced by the engine's budget, from the interface's own MAC and
// address; addresses that did not answer are asked again Retries times.
// What comes back: ARP replies (op 2) and gratuitous announcements, read
// through an AF_PACKET socket (pcapgo.EthernetHandle, pure Go) with a BPF
// filter for EtherType 0x0806. A match is a reply whose sender address is
// on the link: it becomes "arp" evidence with Evidence.MAC set (fields
// arp.mac, arp.method = request or gratuitous, arp.interface, and arp.vlan
// when that interface is a Linux 802.1Q VLAN interface, by
// /proc/net/vlan/config, and arp.gateway = true when the sender is a router
// of that interface by the route table). A reply from outside the scope is
// reported too and the engine never probes it; the sweep never sends to an
// address outside the scope.
//
// Forged replies: evidence is emitted once per (address, MAC), however the
// replies alternate, for at most maxMACsPerAddr MACs an address (the
// engine keeps fewer, scanner.Budget.MACs, and counts the rest) and
// maxPairs pairs in all. Whether several MACs on one address, or one MAC
// on many addresses, prove a host is the engine's judgement
// (scanner.MaxClaimsPerMAC), not this package's.
//
// Raw sockets need CAP_NET_RAW; CanRaw tells whether the process has it.
// Without it the caller skips this sweeper and takes MACs from the kernel
// neighbour table (scanner/neigh) instead.
package arp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Defaults.
const (
	DefaultRetries = 1
	// DefaultWait is how long replies are awaited after the last request.
	// A host on the link answers ARP in microseconds to a few milliseconds
	// (embedded devices under load: tens); half a second is ample.
	DefaultWait = 500 * time.Millisecond
	// retryGap is the least time an address has to answer before it is
	// asked again: a round shorter than this (a small subnet) is followed
	// by a pause, a longer one (a /22 takes half a second) is not.
	retryGap = 200 * time.Millisecond
	// maxResponders bounds what a flood of forged replies can make the
	// sweep remember.
	maxResponders = 1 << 16
	// maxMACsPerAddr bounds the MACs remembered for one address: above
	// the engine's budget (scanner.DefaultBudgetMACs), so that the engine
	// sees, and counts, MACs beyond it; maxPairs bounds them in all.
	maxMACsPerAddr = 16
	maxPairs       = 1 << 18
)

// Link is one directly connected IPv4 subnet of one interface.
type Link struct {
	Name   string
	Index  int
	MAC    [6]byte
	Prefix netip.Prefix // the interface's address with the subnet's length
	// VLAN is the 802.1Q VLAN id when the interface is a VLAN interface
	// (eth0.20), 0 otherwise; Sweep fills it in from Config.VLANs.
	VLAN uint16
	// Gateways are the routers of the interface by the route table; Sweep
	// fills them in from Config.Gateways.
	Gateways []netip.Addr
}

// Conn sends and receives frames on one interface. pcapgo's EthernetHandle
// (receive) plus a packet socket (send) satisfy it on Linux; tests pass a
// fake.
type Conn interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	WritePacketData([]byte) error
	Close() error
}

// Config configures a Sweeper.
type Config struct {
	Iface   string        // only this interface; "" = every usable one
	Retries int           // extra rounds for silent addresses; <0 = DefaultRetries
	Wait    time.Duration // wait for late replies after the last request; 0 = DefaultWait
	Log     zerolog.Logger
	// Links lists the subnets to sweep; default: the interfaces' IPv4
	// subnets (LinksOf).
	Links func(iface string) ([]Link, error)
	// Open opens a Conn on an interface; default: OpenLink (AF_PACKET).
	Open func(Link) (Conn, error)
	// VLANs maps VLAN interface names to their VLAN ids; default: the
	// namespace's /proc/net/vlan/config (VLANsOf). An error is logged and
	// the sweep goes on without VLAN ids.
	VLANs func() (map[string]uint16, error)
	// Gateways maps interface names to their routers; default: the
	// namespace's route table (GatewaysOf(RouteTablePath)). An error is
	// logged and the sweep goes on without arp.gateway.
	Gateways func() (map[string][]netip.Addr, error)
	Now      func() time.Time
}

// Sweeper is the ARP sweep.
type Sweeper struct {
	cfg Config

	mu      sync.Mutex
	covered []netip.Prefix
}

var _ scanner.Absence = (*Sweeper)(nil)

// Covered lists the subnets whose in-scope addresses the last Sweep asked,
// every round, without interruption: there, an address that did not answer
// is not there (scanner.Absence).
func (s *Sweeper) Covered() []netip.Prefix {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.covered)
}

var _ scanner.Sweeper = (*Sweeper)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Sweeper, error) {
	if cfg.Retries < 0 {
		cfg.Retries = DefaultRetries
	}
	if cfg.Retries > 10 {
		return nil, fmt.Errorf("arp: %d retries (at most 10)", cfg.Retries)
	}
	if cfg.Wait < 0 {
		return nil, errors.New("arp: negative wait")
	}
	if cfg.Wait == 0 {
		cfg.Wait = DefaultWait
	}
	if cfg.Links == nil {
		cfg.Links = LinksOf
	}
	if cfg.Open == nil {
		cfg.Open = OpenLink
	}
	if cfg.VLANs == nil {
		cfg.VLANs = func() (map[string]uint16, error) { return VLANsOf(VLANConfigPath) }
	}
	if cfg.Gateways == nil {
		cfg.Gateways = func() (map[string][]netip.Addr, error) { return GatewaysOf(RouteTablePath) }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Sweeper{cfg: cfg}, nil
}

// Name implements scanner.Sweeper.
func (s *Sweeper) Name() string { return "arp" }

// LinksOf lists the IPv4 subnets of the interfaces that are up, have an
// Ethernet MAC and are neither loopback nor point-to-point; with iface set,
// only that interface's.
func LinksOf(iface string) ([]Link, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("arp: interfaces: %w", err)
	}
	var out []Link
	for _, ifi := range ifs {
		if iface != "" && ifi.Name != iface {
			continue
		}
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&(net.FlagLoopback|net.FlagPointToPoint) != 0 || len(ifi.HardwareAddr) != 6 {
			continue
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			ones, bits := ipn.Mask.Size()
			if !ok || !ip.Unmap().Is4() || bits != 32 || ones >= 31 {
				continue
			}
			out = append(out, Link{Name: ifi.Name, Index: ifi.Index, MAC: [6]byte(ifi.HardwareAddr), Prefix: netip.PrefixFrom(ip.Unmap(), ones)})
		}
	}
	return out, nil
}

// Sweep implements scanner.Sweeper.
func (s *Sweeper) Sweep(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, emit func(device.Evidence)) error {
	links, err := s.cfg.Links(s.cfg.Iface)
	if err != nil {
		return err
	}
	links = linksInScope(links, scope)
	if len(links) == 0 {
		s.cfg.Log.Debug().Msg("no directly connected subnet in scope")
		return nil
	}
	if vlans, err := s.cfg.VLANs(); err != nil {
		s.cfg.Log.Warn().Err(err).Msg("VLAN interfaces unknown: ARP evidence carries no arp.vlan")
	} else {
		for i := range links {
			if vid, ok := vlans[links[i].Name]; ok && links[i].VLAN == 0 {
				links[i].VLAN = vid
			}
		}
	}
	if gws, err := s.cfg.Gateways(); err != nil {
		s.cfg.Log.Warn().Err(err).Msg("routers unknown: ARP evidence carries no arp.gateway")
	} else {
		for i := range links {
			if links[i].Gateways == nil {
				links[i].Gateways = gws[links[i].Name]
			}
		}
	}
	// One Conn per interface, shared by its subnets.
	type port struct {
		conn  Conn
		links []Link
	}
	ports := map[int]*port{}
	var order []int
	for _, l := range links {
		p := ports[l.Index]
		if p == nil {
			c, err := s.cfg.Open(l)
			if err != nil {
				for _, q := range ports {
					q.conn.Close()
				}
				return fmt.Errorf("arp: %s: %w", l.Name, err)
			}
			p = &port{conn: c}
			ports[l.Index] = p
			order = append(order, l.Index)
		}
		p.links = append(p.links, l)
	}
	st := newState(s.cfg.Now, emit)
	var wg sync.WaitGroup
	for _, idx := range order {
		p := ports[idx]
		wg.Go(func() { s.receive(p.conn, p.links, st) })
	}
	err = s.send(ctx, scope, pace, links, func(idx int, frame []byte) error { return ports[idx].conn.WritePacketData(frame) }, st)
	if err == nil {
		wait := time.NewTimer(s.cfg.Wait)
		select {
		case <-wait.C:
		case <-ctx.Done():
			wait.Stop()
		}
	}
	for _, p := range ports {
		p.conn.Close() // ends the blocked reads
	}
	wg.Wait()
	if n := st.dropped(); n > 0 {
		s.cfg.Log.Warn().Int("dropped", n).Msg("ARP replies beyond the responder limit were ignored")
	}
	if err == nil && ctx.Err() == nil {
		covered := make([]netip.Prefix, len(links))
		for i, l := range links {
			covered[i] = l.Prefix.Masked()
		}
		s.mu.Lock()
		s.covered = covered
		s.mu.Unlock()
	}
	if err != nil && ctx.Err() != nil {
		return nil // interrupted: what was heard is already emitted
	}
	return err
}

// linksInScope keeps the subnets that hold at least one in-scope address.
func linksInScope(links []Link, scope scanner.Scope) []Link {
	var out []Link
	for _, l := range links {
		p := l.Prefix.Masked()
		if scope.Contains(p.Addr()) || scope.Contains(l.Prefix.Addr()) || overlaps(scope, p) {
			out = append(out, l)
		}
	}
	return out
}

// overlaps samples the subnet for an in-scope address; scopes are CIDRs
// and ranges, so the first, a middle and the last host are a good test,
// and a full walk of a small subnet settles the rest.
func overlaps(scope scanner.Scope, p netip.Prefix) bool {
	if p.Bits() >= 20 {
		for a := p.Addr(); p.Contains(a); a = a.Next() {
			if scope.Contains(a) {
				return true
			}
		}
		return false
	}
	return true // a large subnet: let the walk of the scope decide
}

// send walks the scope once per round and asks every in-subnet address
// that has not answered yet.
func (s *Sweeper) send(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, links []Link, write func(int, []byte) error, st *state) error {
	buf := gopacket.NewSerializeBuffer()
	var roundStart time.Time
	for round := 0; round <= s.cfg.Retries; round++ {
		if gap := retryGap - s.cfg.Now().Sub(roundStart); round > 0 && gap > 0 {
			t := time.NewTimer(gap)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		}
		roundStart = s.cfg.Now()
		it := scope.Iter()
		for {
			a, ok := it.Next()
			if !ok {
				break
			}
			l, ok := linkFor(links, a)
			if !ok || a == l.Prefix.Addr() || st.answered(a) {
				continue
			}
			if err := pace.Wait(ctx); err != nil {
				return err
			}
			frame, err := Request(buf, l.MAC, l.Prefix.Addr(), a)
			if err != nil {
				return err
			}
			if err := write(l.Index, frame); err != nil {
				return fmt.Errorf("arp: send on %s: %w", l.Name, err)
			}
		}
	}
	return nil
}

func linkFor(links []Link, a netip.Addr) (Link, bool) {
	for _, l := range links {
		if l.Prefix.Contains(a) {
			return l, true
		}
	}
	return Link{}, false
}

var broadcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// Request builds a broadcast who-has frame for target from src into buf
// and returns its bytes (valid until buf is reused).
func Request(buf gopacket.SerializeBuffer, srcMAC [6]byte, srcIP, target netip.Addr) ([]byte, error) {
	sip, tip := srcIP.As4(), target.As4()
	eth := layers.Ethernet{SrcMAC: srcMAC[:], DstMAC: broadcast, EthernetType: layers.EthernetTypeARP}
	arp := layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
		SourceHwAddress: srcMAC[:], SourceProtAddress: sip[:],
		DstHwAddress: make([]byte, 6), DstProtAddress: tip[:],
	}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, &eth, &arp); err != nil {
		return nil, fmt.Errorf("arp: build request: %w", err)
	}
	return buf.Bytes(), nil
}

// receive reads frames until the Conn is closed.
func (s *Sweeper) receive(c Conn, links []Link, st *state) {
	for {
		b, _, err := c.ZeroCopyReadPacketData()
		if err != nil {
			if isClosed(err) {
				return
			}
			// A closed handle can report its error in several ways; a
			// persistent error must not spin.
			if st.readErr() > 100 {
				s.cfg.Log.Warn().Err(err).Msg("ARP receive stopped")
				return
			}
			continue
		}
		st.handle(b, links)
	}
}

func isClosed(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) ||
		strings.Contains(err.Error(), "file already closed") || strings.Contains(err.Error(), "use of closed")
}

// state is what the receivers share: who answered, with which MACs.
type state struct {
	mu       sync.Mutex
	seen     map[netip.Addr][][6]byte // MACs in the order first heard
	pairs    int
	drops    int
	readErrs int
	now      func() time.Time
	emit     func(device.Evidence)
}

func newState(now func() time.Time, emit func(device.Evidence)) *state {
	return &state{seen: map[netip.Addr][][6]byte{}, now: now, emit: emit}
}

func (st *state) answered(a netip.Addr) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.seen[a]
	return ok
}

func (st *state) dropped() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.drops
}

func (st *state) readErr() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.readErrs++
	return st.readErrs
}

// handle turns one frame into evidence the first time a sender address (or
// a new MAC for it) is heard; a MAC heard before for the address is a
// repeat however the replies alternate. A repeat costs a parse, a map
// look-up and a scan of at most maxMACsPerAddr MACs, and allocates
// nothing.
func (st *state) handle(b []byte, links []Link) {
	p, err := ParseFrame(b)
	if err != nil {
		return
	}
	method := "request"
	switch {
	case p.Gratuitous():
		method = "gratuitous"
	case p.Op != OpReply:
		return // someone else's question
	}
	var link *Link
	for i := range links {
		if p.SenderMAC == links[i].MAC {
			return // our own frame, seen on the way out
		}
		if link == nil && links[i].Prefix.Contains(p.SenderIP) {
			link = &links[i]
		}
	}
	if link == nil || p.SenderIP == link.Prefix.Addr() || p.SenderMAC == [6]byte{} || p.SenderMAC[0]&1 != 0 {
		return // not on this link, or a sender that is no unicast host
	}
	st.mu.Lock()
	macs, ok := st.seen[p.SenderIP]
	switch {
	case slices.Contains(macs, p.SenderMAC):
		st.mu.Unlock()
		return
	case !ok && len(st.seen) >= maxResponders, len(macs) >= maxMACsPerAddr, st.pairs >= maxPairs:
		st.drops++
		st.mu.Unlock()
		return
	}
	st.seen[p.SenderIP] = append(macs, p.SenderMAC)
	st.pairs++
	st.mu.Unlock()
	mac := formatMAC(p.SenderMAC)
	f := map[string]string{"arp.mac": mac, "arp.method": method, "arp.interface": link.Name}
	if link.VLAN != 0 {
		f["arp.vlan"] = strconv.Itoa(int(link.VLAN))
	}
	if ok {
		f["arp.previous_mac"] = formatMAC(macs[0]) // two MACs claim the address
	}
	if slices.Contains(link.Gateways, p.SenderIP) {
		f["arp.gateway"] = "true" // a router: proxy ARP is no spoofing
	}
	st.emit(device.Evidence{Source: device.SourceARP, Addr: p.SenderIP, MAC: mac, Fields: f, Time: st.now()})
}

func formatMAC(hw [6]byte) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 17)
	for i, x := range hw {
		b[i*3], b[i*3+1] = hex[x>>4], hex[x&0xf]
		if i < 5 {
			b[i*3+2] = ':'
		}
	}
	return string(b)
}

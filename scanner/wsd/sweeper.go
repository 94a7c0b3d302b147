// Package wsd finds ONVIF devices with WS-Discovery 2005/04 (docs/protocols/wsd-onvif.md
// §1), the draft ONVIF devices speak rather than the OASIS 2009 standard.
//
// What is sent: SOAP 1.2 Probe messages typed dn:NetworkVideoTransmitter and
// tds:Device (some devices answer only one of the two; NVRs only the
// second), optionally an untyped one, to 239.255.255.250:3702 on every
// usable interface, each at least twice with jitter because UDP gets lost;
// then the typed probes unicast to UDP 3702 of every target, because
// multicast never crosses a router and routed camera segments are reached
// only that way.
//
// What comes back: ProbeMatches, unicast to the probing socket. A reply
// counts only when its RelatesTo names one of our MessageIDs; replies are
// collected until a window after the last send closes. Hello and Bye
// messages that devices multicast while the sweep runs are kept too.
//
// Each match becomes one wsd evidence item (vendors/FIELDS.md): endpoint
// address, Types, Scopes split into name, hardware, location, MAC,
// Profile/*, type/* and the rest, XAddrs (addresses in them other than the
// sender's are another interface of the same device), MetadataVersion and
// vendor hints of the envelope. Windows computers and printers answer
// untyped probes; their Types say so and rules, not this package, decide.
package wsd

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/net/ipv4"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Port and Group are where WS-Discovery listens (docs/protocols/wsd-onvif.md §1.1).
var (
	Port  uint16 = 3702
	Group        = netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, 255, 255, 250}), 3702)
)

// Defaults of Config.
const (
	DefaultWindow = 2 * time.Second
	DefaultRepeat = 2
	DefaultJitter = 150 * time.Millisecond
	DefaultTTL    = 1
)

// Config configures a Sweeper. Zero values take the defaults.
type Config struct {
	// Iface restricts multicast to one interface; empty means every
	// interface that is up, multicast-capable, not loopback and has an
	// IPv4 address.
	Iface string
	// Window is how long replies are collected after the last send.
	Window time.Duration
	// Repeat is how often each multicast probe is sent.
	Repeat int
	// Jitter bounds the random pause between repeats.
	Jitter time.Duration
	// Types are the probe types; each is a separate probe.
	Types []string
	// Untyped adds an untyped multicast probe, which Windows computers and
	// printers answer too.
	Untyped bool
	// NoMulticast and NoUnicast switch the two halves off.
	NoMulticast bool
	NoUnicast   bool
	// TTL of multicast probes; 1 keeps them on the local segment, as the
	// WS-Discovery draft asks.
	TTL int

	// Seams for tests.
	// Group is the multicast destination.
	Group netip.AddrPort
	// UnicastPort is the port unicast probes go to.
	UnicastPort uint16
	// ListenPacket opens the probing socket (default udp4 0.0.0.0:0).
	ListenPacket func() (net.PacketConn, error)
	// ListenHello opens the passive socket for Hello/Bye (default: bind
	// :3702 and join the group on the probing interfaces). An error turns
	// passive listening off, since another WS-Discovery daemon may own the
	// port; nil Listen result likewise.
	ListenHello func(ifs []net.Interface) (net.PacketConn, error)
	// Interfaces lists the candidate multicast interfaces.
	Interfaces func() ([]net.Interface, error)
	Now        func() time.Time
	NewID      func() string
	Log        zerolog.Logger
}

// Sweeper is the WS-Discovery sweep.
type Sweeper struct {
	cfg Config

	mu      sync.Mutex
	dropped map[netip.Addr]int // of the last Sweep, per responder
}

var _ scanner.Sweeper = (*Sweeper)(nil)

// Dropped implements scanner.DropCounter: the replies of each responder
// that the last Sweep dropped past maxPerResponder.
func (s *Sweeper) Dropped() map[netip.Addr]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.dropped)
}

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Sweeper, error) {
	if cfg.Window < 0 || cfg.Repeat < 0 || cfg.Jitter < 0 || cfg.TTL < 0 || cfg.TTL > 255 {
		return nil, errors.New("wsd: negative window, repeat, jitter or TTL out of range")
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Repeat == 0 {
		cfg.Repeat = DefaultRepeat
	}
	if cfg.Jitter == 0 {
		cfg.Jitter = DefaultJitter
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Types == nil {
		cfg.Types = []string{TypeNVT, TypeDevice}
	}
	if !cfg.Group.IsValid() {
		cfg.Group = Group
	}
	if cfg.UnicastPort == 0 {
		cfg.UnicastPort = Port
	}
	if cfg.ListenPacket == nil {
		cfg.ListenPacket = func() (net.PacketConn, error) { return net.ListenPacket("udp4", "0.0.0.0:0") }
	}
	if cfg.ListenHello == nil {
		cfg.ListenHello = listenHello(cfg.Group)
	}
	if cfg.Interfaces == nil {
		cfg.Interfaces = net.Interfaces
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = NewMessageID
	}
	return &Sweeper{cfg: cfg}, nil
}

// Name is the evidence source.
func (s *Sweeper) Name() string { return string(device.SourceWSD) }

// sweep is the state of one run.
type sweep struct {
	s    *Sweeper
	emit func(device.Evidence)

	mu   sync.Mutex
	sent map[string]string // normalised MessageID -> "multicast" / "unicast"
	seen seen
}

// Bounds of what one sweep remembers of the replies it emitted. A
// responder sending thousands of distinct replies (issue 14: 33,232 items
// from one device) has its first maxPerResponder emitted: more than the
// engine keeps of one source for one host (scanner.DefaultBudgetPerSource),
// so the engine still sees, and counts in the record, that it dropped
// some; the rest are dropped here and counted in the sweep's log line.
const (
	maxPerResponder = 2 * scanner.DefaultBudgetPerSource
	maxResponders   = 1 << 16
	maxSeenKeys     = 1 << 18
)

// seen is the dedup of emitted matches, by responder: hashes of the
// matches' identifying fields, so a repeat costs no memory and a flood
// costs at most maxPerResponder hashes a responder.
type seen struct {
	by      map[netip.Addr]map[uint64]bool
	keys    int
	dropped int
	// byAddr counts the drops of responders that reached their own bound;
	// it holds only addresses that have an entry in by, so it is bounded
	// by maxResponders.
	byAddr map[netip.Addr]int
}

var seed = maphash.MakeSeed()

// first reports whether the match with key from addr should be emitted:
// not a repeat, and within the responder's and the sweep's bounds.
func (s *seen) first(addr netip.Addr, key string) bool {
	h := maphash.String(seed, key)
	m := s.by[addr]
	switch {
	case m[h]:
		return false
	case m == nil && len(s.by) >= maxResponders, len(m) >= maxPerResponder, s.keys >= maxSeenKeys:
		s.dropped++
		if m != nil {
			if s.byAddr == nil {
				s.byAddr = map[netip.Addr]int{}
			}
			s.byAddr[addr]++
		}
		return false
	}
	if m == nil {
		if s.by == nil {
			s.by = map[netip.Addr]map[uint64]bool{}
		}
		m = map[uint64]bool{}
		s.by[addr] = m
	}
	m[h] = true
	s.keys++
	return true
}

// Sweep sends the probes and emits what answers; see the package comment.
func (s *Sweeper) Sweep(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, emit func(device.Evidence)) error {
	cfg := &s.cfg
	conn, err := cfg.ListenPacket()
	if err != nil {
		return fmt.Errorf("wsd: probing socket: %w", err)
	}
	sw := &sweep{s: s, emit: emit, sent: map[string]string{}}

	var ifs []net.Interface
	if !cfg.NoMulticast {
		if ifs, err = s.interfaces(); err != nil {
			conn.Close()
			return err
		}
	}
	conns := []net.PacketConn{conn}
	if len(ifs) > 0 {
		if hc, err := cfg.ListenHello(ifs); err != nil {
			cfg.Log.Debug().Err(err).Msg("wsd: no passive Hello listening")
		} else if hc != nil {
			conns = append(conns, hc)
		}
	}

	// Reads end when the sockets close: at the end of the window or when
	// ctx ends, whichever is first.
	var closeOnce sync.Once
	closeAll := func() {
		closeOnce.Do(func() {
			for _, c := range conns {
				c.Close()
			}
		})
	}
	stop := context.AfterFunc(ctx, closeAll)
	defer stop()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() { sw.read(c) })
	}

	err = sw.send(ctx, conn, ifs, scope, pace)
	if err == nil {
		t := time.NewTimer(cfg.Window)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	closeAll()
	wg.Wait()
	s.mu.Lock()
	s.dropped = sw.seen.byAddr
	s.mu.Unlock()
	if n := sw.seen.dropped; n > 0 {
		cfg.Log.Warn().Int("dropped", n).Int("per_responder", maxPerResponder).Msg("wsd: replies beyond the per-responder bound were dropped")
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (s *Sweeper) interfaces() ([]net.Interface, error) {
	all, err := s.cfg.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("wsd: listing interfaces: %w", err)
	}
	var out []net.Interface
	for _, ifi := range all {
		if s.cfg.Iface != "" {
			if ifi.Name == s.cfg.Iface {
				return []net.Interface{ifi}, nil
			}
			continue
		}
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 || ifi.Flags&net.FlagLoopback != 0 {
			continue
		}
		if !hasIPv4(&ifi) {
			continue
		}
		out = append(out, ifi)
	}
	if s.cfg.Iface != "" {
		return nil, fmt.Errorf("wsd: no interface %q", s.cfg.Iface)
	}
	return out, nil
}

func hasIPv4(ifi *net.Interface) bool {
	addrs, err := ifi.Addrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			return true
		}
	}
	return false
}

func (sw *sweep) probe(via, typ string) []byte {
	id := sw.s.cfg.NewID()
	sw.mu.Lock()
	sw.sent[NormalizeID(id)] = via
	sw.mu.Unlock()
	return ProbeMessage(id, typ)
}

func (sw *sweep) send(ctx context.Context, conn net.PacketConn, ifs []net.Interface, scope scanner.Scope, pace scanner.Pacer) error {
	cfg := &sw.s.cfg
	if len(ifs) > 0 {
		p := ipv4.NewPacketConn(conn)
		// Loopback off: the sweep must not answer itself or see its own
		// probes; TTL deliberately 1 unless configured.
		if err := p.SetMulticastTTL(cfg.TTL); err != nil {
			cfg.Log.Debug().Err(err).Msg("wsd: multicast TTL")
		}
		if err := p.SetMulticastLoopback(false); err != nil {
			cfg.Log.Debug().Err(err).Msg("wsd: multicast loopback")
		}
		types := cfg.Types
		if cfg.Untyped {
			types = append(types[:len(types):len(types)], "")
		}
		dst := net.UDPAddrFromAddrPort(cfg.Group)
		for round := range cfg.Repeat {
			if round > 0 {
				if err := sleep(ctx, rand.N(cfg.Jitter)+cfg.Jitter/2); err != nil {
					return err
				}
			}
			for i := range ifs {
				if err := p.SetMulticastInterface(&ifs[i]); err != nil {
					cfg.Log.Debug().Err(err).Str("iface", ifs[i].Name).Msg("wsd: multicast interface")
					continue
				}
				for _, typ := range types {
					if err := pace.Wait(ctx); err != nil {
						return err
					}
					if _, err := conn.WriteTo(sw.probe("multicast", typ), dst); err != nil {
						cfg.Log.Debug().Err(err).Str("iface", ifs[i].Name).Msg("wsd: multicast probe")
					}
				}
			}
		}
	}
	if cfg.NoUnicast || scope == nil {
		return nil
	}
	it := scope.Iter()
	for {
		a, ok := it.Next()
		if !ok {
			return nil
		}
		if !a.Is4() {
			continue // the probing socket is IPv4
		}
		dst := net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, cfg.UnicastPort))
		for _, typ := range cfg.Types {
			if err := pace.Wait(ctx); err != nil {
				return err
			}
			// Unreachable hosts and full buffers are per-target silence.
			_, _ = conn.WriteTo(sw.probe("unicast", typ), dst)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (sw *sweep) read(c net.PacketConn) {
	buf := make([]byte, MaxMessage)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return
			}
			continue // ICMP-induced errors on some systems
		}
		ua, ok := from.(*net.UDPAddr)
		if !ok {
			continue
		}
		ap := ua.AddrPort()
		sw.handle(buf[:n], netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
	}
}

// handle parses one datagram and emits what it says. Replies to probes
// that are not ours, our own probes and other clients' probes are dropped.
func (sw *sweep) handle(b []byte, from netip.AddrPort) {
	log := &sw.s.cfg.Log
	m, err := Parse(b)
	if err != nil {
		log.Debug().Err(err).Stringer("from", from).Msg("wsd: unparsable datagram")
		return
	}
	var via string
	switch m.Kind {
	case KindProbeMatches, KindResolve:
		sw.mu.Lock()
		v, ok := sw.sent[NormalizeID(m.RelatesTo)]
		sw.mu.Unlock()
		if !ok {
			log.Debug().Stringer("from", from).Str("relates_to", m.RelatesTo).Msg("wsd: reply to no probe of ours")
			return
		}
		via = v
	case KindHello, KindBye:
		via = "passive"
	default:
		return
	}
	for _, ev := range Evidence(m, from, via, sw.s.cfg.Now()) {
		f := ev.Fields
		key := strings.Join([]string{ev.Addr.String(), f["wsd.message"], f["wsd.epr"], f["wsd.types"], f["wsd.scopes"], f["wsd.xaddrs"]}, "\x00")
		sw.mu.Lock()
		first := sw.seen.first(ev.Addr, key)
		sw.mu.Unlock()
		if first {
			sw.emit(ev)
		}
	}
}

// listenHello binds the WS-Discovery port and joins the group on ifs.
func listenHello(group netip.AddrPort) func([]net.Interface) (net.PacketConn, error) {
	return func(ifs []net.Interface) (net.PacketConn, error) {
		c, err := net.ListenPacket("udp4", fmt.Sprintf("0.0.0.0:%d", group.Port()))
		if err != nil {
			return nil, err
		}
		p := ipv4.NewPacketConn(c)
		joined := 0
		for i := range ifs {
			if err := p.JoinGroup(&ifs[i], &net.UDPAddr{IP: group.Addr().AsSlice()}); err == nil {
				joined++
			}
		}
		if joined == 0 {
			c.Close()
			return nil, errors.New("joined the group on no interface")
		}
		return c, nil
	}
}

package scanner

import (
	"context"
	"net/netip"
	"sync"

	"golang.org/x/time/rate"
)

// Router-safe pacing of new addresses (issue 16 item 3).
const (
	// DefaultNewRate is how many addresses never touched before in the
	// run may get their first packet each second, per destination prefix
	// (DefaultNewPrefix). Packets are not what hurts a router: every
	// packet to an absent address on a routed subnet makes its last
	// router resolve that address, and the router holds the pending
	// neighbour entry for about three seconds (Linux: 3 solicitations 1 s
	// apart) where its forced garbage collection cannot free it. A table
	// of 1024 entries (Linux's gc_thresh3, and many small routers') then
	// holds 250 × 3 s = 750 pending entries at this rate, leaving about a
	// quarter, a full /24 of real neighbours, to the router's own hosts.
	// The liveness stage sends its three packets (ICMP echo, SYN to 80 and
	// 554) to an address within a few milliseconds, so they make one
	// pending entry, not three; at 250 addresses a second they are 750
	// packets a second, under DefaultRate. A /16 takes 65536/250 ≈ 262 s.
	DefaultNewRate = 250
	// DefaultNewPrefix is the prefix length over which new addresses are
	// paced. A router's neighbour table is shared by every segment it
	// routes and a scanner cannot see which addresses share a router, so
	// the budget is per /16, the largest block one site's router commonly
	// serves (the bench lab's sparse /16 sits behind one router): a /24
	// budget would let a /16 behind one router get 256 times the rate.
	DefaultNewPrefix = 16
)

// NewPacer is the Pacer the engine hands the liveness stage: WaitNew is
// called once per address, before its first packet, and paces the
// addresses new to the run per destination prefix; Wait is still called
// before every packet.
type NewPacer interface {
	Pacer
	WaitNew(ctx context.Context, addr netip.Addr) error
}

// newPacer paces first packets to new addresses per destination prefix,
// on top of the engine's per-packet pacer.
type newPacer struct {
	*pacer
	rate float64
	bits int

	mu     sync.Mutex
	limits map[netip.Prefix]*rate.Limiter
}

var _ NewPacer = (*newPacer)(nil)

// maxNewLimits bounds the per-prefix limiters; a /16 prefix over IPv4 has
// at most 65536 anyway, but a longer configured prefix could have more.
const maxNewLimits = 1 << 16

func (p *newPacer) WaitNew(ctx context.Context, addr netip.Addr) error {
	pfx, err := addr.Prefix(min(p.bits, addr.BitLen()))
	if err != nil {
		return err
	}
	p.mu.Lock()
	l := p.limits[pfx]
	if l == nil {
		if len(p.limits) >= maxNewLimits {
			clear(p.limits) // a fresh limiter starts with its burst: still bounded by the global budget
		}
		if p.limits == nil {
			p.limits = map[netip.Prefix]*rate.Limiter{}
		}
		// Burst of a tenth of a second, like the global budget: the pending
		// entries a burst makes are counted in the three seconds above.
		l = rate.NewLimiter(rate.Limit(p.rate), burst(p.rate))
		p.limits[pfx] = l
	}
	p.mu.Unlock()
	if err := l.Wait(ctx); err != nil {
		return p.refused(ctx, err)
	}
	return nil
}

// routedScope is the part of a scope that no Absence sweeper vouches for:
// what the liveness stage must check.
type routedScope struct {
	Scope
	absent absent
}

func (s routedScope) Iter() AddrSource { return &routedIter{it: s.Scope.Iter(), absent: s.absent} }

func (s routedScope) Contains(a netip.Addr) bool {
	return s.Scope.Contains(a) && !s.absent.covers(a)
}

type routedIter struct {
	it     AddrSource
	absent absent
}

func (r *routedIter) Next() (netip.Addr, bool) {
	for {
		a, ok := r.it.Next()
		if !ok || !r.absent.covers(a) {
			return a, ok
		}
	}
}

// checkedByLiveness reports whether the liveness stage ran to its end and addr
// is one it was to check: then silence to it, without any discovery reply,
// means the address gets nothing more.
func (e *Engine) checkedByLiveness(addr netip.Addr) bool {
	return e.liveDone.Load() && !e.absent.covers(addr) && e.cfg.Scope != nil && e.cfg.Scope.Contains(addr)
}

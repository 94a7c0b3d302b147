package scanner

import (
	"context"
	"net/netip"
	"sync"

	"github.com/camsweep/camsweep/device"
)

// Sweeper is a whole-run discovery method that is cheaper done for all
// targets at once than host by host: multicast probes on each interface,
// and stateless unicast UDP probes to every target whose replies one socket
// collects by source address (WS-Discovery, SADP, DHIP, mDNS, SSDP), or an
// ARP sweep. Sweepers run, concurrently, before the per-host probes; what
// they find joins each host's evidence when its turn comes.
//
// Sweep calls pace.Wait before every packet, reports each observation
// through emit (safe for concurrent use) with Evidence.Addr set to the
// address that answered, and returns when its listening window is over or
// ctx ends. A responder outside scope is emitted too: the engine records it
// but never probes it further.
type Sweeper interface {
	Name() string
	Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error
}

// Absence is implemented by a sweeper whose silence proves an address is
// not there: ARP on a directly connected subnet, since an IPv4 host on
// Ethernet must answer ARP to receive anything at all. After Sweep returns,
// Covered lists the prefixes it swept completely (nil after an interrupt).
// The engine runs such sweepers first and spends no further packet — no
// UDP discovery probe, no TCP connect — on an in-scope address of a covered
// prefix that did not answer.
type Absence interface {
	Covered() []netip.Prefix
}

// DropCounter is implemented by a sweeper that drops, before the engine
// sees them, replies past its own per-responder bound (wsd, mdns). After
// Sweep returns, Dropped gives the count per responder address, which the
// engine adds to that host's Truncated: the record, not only the log, says
// how much a flood lost.
type DropCounter interface {
	Dropped() map[netip.Addr]int
}

// Scope is what a run may touch.
type Scope interface {
	// Iter returns a fresh iterator over the addresses to probe.
	Iter() AddrSource
	// Contains reports whether an address is in scope (before sharding).
	Contains(netip.Addr) bool
}

// found holds sweep evidence by address until the host's probes run. It
// only ever holds responders, so it stays small on sparse ranges; each
// address's evidence is bounded by its ledger (Budget), and the number of
// out-of-scope responders by maxStrays.
type found struct {
	mu      sync.Mutex
	budget  Budget
	hosts   map[netip.Addr]*entry
	strays  int    // out-of-scope addresses held
	refused uint64 // out-of-scope addresses refused past maxStrays
}

// maxStrays bounds the out-of-scope responders a run records: forged
// source addresses must not grow the run without bound. The scope itself
// bounds the in-scope ones.
const maxStrays = 4096

// entry is what the sweeps heard from one address.
type entry struct {
	ev []device.Evidence
	l  ledger
	// conflicts are the ARP claims about the address that contradict each
	// other (reviewARP); demoted are the MACs whose ARP claim of it was
	// taken as a conflict, not as proof that someone is there.
	conflicts []device.AddressConflict
	demoted   []string
	// arp is set on the entries the Absence sweepers filed an ARP answer
	// in (add): the address answered ARP. On a prefix they covered, an entry
	// without it holds replies from an address that did not answer ARP,
	// which no Ethernet host can send: a forged source address.
	arp bool
	// live is set when the address answered the liveness stage (ICMP
	// echo, a SYN-ACK or a RST).
	live bool
}

// add files ev under its address if the address's budget has room;
// outside says the address is out of scope.
func (f *found) add(ev device.Evidence, outside bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hosts == nil {
		f.hosts = map[netip.Addr]*entry{}
	}
	en := f.hosts[ev.Addr]
	if en == nil {
		if outside {
			if f.strays >= maxStrays {
				f.refused++
				return
			}
			f.strays++
		}
		en = &entry{}
		f.hosts[ev.Addr] = en
	}
	// Set here, not from the evidence kept: the discovery sweeps run
	// alongside the ARP sweep, and a flood of their replies may fill the
	// address's budget before its ARP answer comes; their replies alone
	// prove nothing on an ARP prefix.
	if ev.Source == device.SourceARP {
		en.arp = true
	}
	if en.l.admit(&f.budget, &ev) {
		en.ev = append(en.ev, ev)
	}
}

// addDropped counts n items of src that a sweeper dropped before filing
// them, on the address's ledger; an address nothing was filed for (an
// out-of-scope flood past maxStrays) is not given an entry for it.
func (f *found) addDropped(addr netip.Addr, src device.Source, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	en := f.hosts[addr]
	if en == nil || n <= 0 {
		return
	}
	en.l.trunc.EvidenceItems += n
	if en.l.trunc.BySource == nil {
		en.l.trunc.BySource = map[device.Source]int{}
	}
	en.l.trunc.BySource[src] += n
}

// addLive files what the liveness stage heard from an in-scope address
// and marks the address live.
func (f *found) addLive(ev device.Evidence) {
	f.add(ev, false)
	f.mu.Lock()
	defer f.mu.Unlock()
	if en := f.hosts[ev.Addr]; en != nil {
		en.live = true
	}
}

// heard reports whether addr answered the liveness stage or anything else
// (a discovery multicast reply names it): worth the unicast salvo.
func (f *found) heard(addr netip.Addr) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	en := f.hosts[addr]
	return en != nil && (en.live || len(en.ev) > 0)
}

// take removes and returns what was heard from addr, nil when nothing.
func (f *found) take(addr netip.Addr) *entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	en := f.hosts[addr]
	delete(f.hosts, addr)
	return en
}

// countARP counts the addresses that answered the Absence sweepers.
func (f *found) countARP() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, en := range f.hosts {
		if en.arp {
			n++
		}
	}
	return n
}

// knownAlive reports whether addr already proved it is there, by its ARP
// reply or a liveness answer: its probes may start while the discovery
// sweeps still listen (pipelined phases).
func (f *found) knownAlive(addr netip.Addr) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	en := f.hosts[addr]
	return en != nil && (en.arp || en.live)
}

// takeEarly is take for a host whose probes start before the sweeps end.
// An entry with the same flags and a carried ledger (ledger.carry) stays
// behind, empty: the sweeps still iterating the scope must keep seeing
// the address as present (presentScope), their later replies collect
// there under the same share of the budget, and the engine merges them
// with take once the sweeps end.
func (f *found) takeEarly(addr netip.Addr) *entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	en := f.hosts[addr]
	if en == nil {
		return nil
	}
	f.hosts[addr] = &entry{l: en.l.carry(), arp: en.arp, live: en.live}
	return en
}

// rest removes and returns everything left, for the strays pass.
func (f *found) rest() map[netip.Addr]*entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.hosts
	f.hosts = nil
	return m
}

// absent holds the prefixes an Absence sweeper covered.
type absent []netip.Prefix

func (a absent) covers(addr netip.Addr) bool {
	for _, p := range a {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// stream is the order in which the discovery sweeps unicast: each address
// as it proves present (push: its ARP answer, then its liveness answer),
// and, once those stages are over (close), the rest of the scope that is
// still worth it (streamIter).
type stream struct {
	mu     sync.Mutex
	cond   *sync.Cond
	q      []netip.Addr
	in     map[netip.Addr]bool
	closed bool
}

func newStream() *stream {
	s := &stream{in: map[netip.Addr]bool{}}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// push queues an address once.
func (s *stream) push(a netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.in[a] {
		return
	}
	s.in[a] = true
	s.q = append(s.q, a)
	s.cond.Broadcast()
}

// close ends the queue: the ARP sweep and the liveness stage are over.
func (s *stream) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.cond.Broadcast()
}

// next returns the i-th queued address, waiting for it; false once the
// queue is closed and has no i-th.
func (s *stream) next(i int) (netip.Addr, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i >= len(s.q) && !s.closed {
		s.cond.Wait()
	}
	if i < len(s.q) {
		return s.q[i], true
	}
	return netip.Addr{}, false
}

func (s *stream) queued(a netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.in[a]
}

// streamScope is the scope the discovery sweeps iterate: the stream, then
// the in-scope addresses that neither stage vouched for and that are still
// worth the salvo — not on a prefix ARP covered (silent there is absent),
// and, when the liveness stage ran to its end, only those a discovery
// reply named (the liveness skip rule); without the stage, all of them.
type streamScope struct {
	Scope
	s *stream
	e *Engine
}

func (s streamScope) Iter() AddrSource { return &streamIter{sc: s} }

type streamIter struct {
	sc   streamScope
	i    int
	rest AddrSource // the pass over the scope, once the queue is closed
}

func (p *streamIter) Next() (netip.Addr, bool) {
	if p.rest == nil {
		if a, ok := p.sc.s.next(p.i); ok {
			p.i++
			return a, true
		}
		p.rest = p.sc.Scope.Iter()
	}
	e := p.sc.e
	for {
		a, ok := p.rest.Next()
		if !ok {
			return a, ok
		}
		if p.sc.s.queued(a) || e.absent.covers(a) {
			continue
		}
		if !e.checkedByLiveness(a) || e.found.heard(a) {
			return a, true
		}
	}
}

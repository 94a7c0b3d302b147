// Package scanner is camsweep's engine: it streams target addresses to a
// bounded pool of workers, paces every packet through one global rate limit
// and a per-host limit, runs the host probers and then the port probers on
// whatever answered, and hands each live host's evidence to the caller as
// soon as that host is done.
//
// The engine owns the workers and the rate limits; protocol packages only
// turn bytes into evidence (docs/ARCHITECTURE.md §Style 6). Probers are handed over as an
// explicit list in Config, never registered globally.
package scanner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/camsweep/camsweep/device"
)

// Defaults chosen for fragile embedded devices: a camera's web server often
// serves one connection at a time and some reboot under bursts.
const (
	// DefaultRate is the whole run's budget in IP packets (or connection
	// attempts) per second: about 1 Mbit/s of probes, the order of naabu's
	// defaults. Devices are protected by the per-host budget; this one
	// protects the routers in between. Every datagram to an address on a
	// routed subnet makes its last router resolve that address, and the
	// pending entry lives about three seconds: the unicast discovery sweeps
	// (five or more datagrams per address, in step) at 1000 pps make some
	// 200 new entries a second. At 2000 pps the lab's kernel table (1024
	// entries by default, as on many small routers) overflowed and eleven
	// routed cameras' replies were lost (bench lab, 2026-11-26).
	DefaultRate = 1000
	// DefaultL2Rate is the ARP sweep's own budget in frames per second. ARP
	// requests never leave the segment and leave no state in any router,
	// so they are paced apart from the IP budget: a /22 with its retry
	// round (about 1800 frames) takes under a second.
	DefaultL2Rate = 2000
	// DefaultHostRate keeps any one device at no more than three new
	// connections in any one-second window: a token every 345 ms, burst 1.
	DefaultHostRate = 2.9
	// Hosts in flight. Many hosts at once cost a device nothing (each has
	// its own budget) and hide the connect timeouts of absent addresses.
	DefaultConcurrency = 256
	DefaultHostTimeout = 30 * time.Second
)

// AddrSource yields the addresses to scan; targets.Iter satisfies it. Next
// must not allocate per address: a /8 is 16M of them.
type AddrSource interface {
	Next() (netip.Addr, bool)
}

// Config configures an Engine. Zero values take the defaults above.
type Config struct {
	// Targets yields the addresses the per-host probes visit.
	Targets AddrSource
	// Scope is what Sweepers may touch; required when there are sweepers.
	Scope       Scope
	Sweepers    []Sweeper
	HostProbers []HostProber
	PortProbers []PortProber
	Rate        float64 // global packets per second
	HostRate    float64 // per-host packets per second
	// L2Rate paces the sweepers whose silence proves absence (ARP), which
	// run alone before the others, in frames per second.
	L2Rate float64
	// Liveness, when set, is the cheap stage that runs after the Absence
	// sweepers on the in-scope addresses they do not vouch for (routed
	// ranges, or every address without raw sockets): ICMP echo and TCP
	// SYN or connect to ports cameras always open. Its pacer is a
	// NewPacer. What it emits marks an address live; after it, an address
	// it checked that answered nothing and that no discovery reply named
	// gets no unicast discovery datagram and no probe. Nil keeps the
	// behaviour before issue 16 (every address gets the whole salvo).
	Liveness Sweeper
	// NewRate is how many new addresses per second per destination
	// prefix of NewPrefix bits the liveness stage may touch
	// (DefaultNewRate, DefaultNewPrefix).
	NewRate     float64
	NewPrefix   int
	Concurrency int
	HostTimeout time.Duration
	// Neighbours returns the kernel's neighbour table (IP to MAC) of the
	// namespace the scan runs in; nil disables MAC lookup. It is asked once
	// per probed host, alive or not, so it should cache (neigh.Cached).
	Neighbours func() (map[netip.Addr]string, error)
	// OUI describes a MAC as "oui" evidence fields (mac.vendor, mac.local…;
	// vendors/oui Table.Fields); nil, or a nil result, adds nothing. It is
	// asked once per host whose MAC is known.
	OUI func(mac string) map[string]string
	// ReportStrays emits hosts that only a sweep saw and that Targets did
	// not visit: responders outside the scope (recorded, never probed) and,
	// after an interrupt, responders whose turn had not come. Turn it off
	// on all but one shard so a sharded sweep reports them once.
	ReportStrays bool
	// Budget bounds each host's evidence (see Budget); zero fields take
	// the defaults.
	Budget Budget
	Log    zerolog.Logger
	Now    func() time.Time
}

// Engine runs one sweep. It is not reusable across runs.
type Engine struct {
	cfg    Config
	global *rate.Limiter
	prio   *priority // the stages' datagrams before the hosts' connects

	found  found
	absent absent // prefixes where silence to ARP proves absence
	// liveDone is set when the liveness stage ran to its end; the hosts
	// ARP vouched for run meanwhile.
	liveDone atomic.Bool
	probed   atomic.Uint64
	alive    atomic.Uint64

	mu     sync.Mutex
	phases map[string]time.Duration
	// limits are the per-host limiters handed out during the sweeps
	// (HostPacer.ForHost), kept for the host's own probes.
	limits  map[netip.Addr]*rate.Limiter
	demoted int // addresses whose ARP claim reviewARP demoted
	// sweepsEnd is when the discovery sweeps ended (for hosts_tail).
	sweepsEnd time.Time
	// started holds the routed addresses started early (claim).
	started  map[netip.Addr]bool
	unproven int // addresses silent to ARP whose sweep replies were dropped

	liveChecked, liveAnswered atomic.Uint64
}

// Stats counts what a run did.
type Stats struct {
	Probed uint64 // addresses whose probing started
	Alive  uint64 // hosts that answered anything
	// Phases is the wall time of each sweeper (by name) and of the
	// per-host phase ("hosts"), for the run record: where a run's time
	// goes, and the ARP sweep's own time (issue 4's /22 figure).
	Phases map[string]time.Duration
	// ARPDemoted counts the addresses whose ARP answer was taken as a
	// conflict (several MACs, or a spraying MAC), not as a host: they
	// are recorded only where something else answered (reviewARP).
	ARPDemoted int
	// StraysRefused counts out-of-scope responders not recorded past
	// the bound on them (maxStrays).
	StraysRefused uint64
	// Unproven counts the addresses of a prefix the ARP sweep covered
	// that did not answer it, yet discovery replies came from them: a
	// forged source address, not recorded as a host.
	Unproven int
	// LiveChecked counts the addresses the liveness stage checked, and
	// LiveAnswered those of them that answered it.
	LiveChecked, LiveAnswered uint64
}

// New validates cfg and fills in defaults.
func New(cfg Config) (*Engine, error) {
	if cfg.Targets == nil {
		return nil, errors.New("scanner: no targets")
	}
	if len(cfg.HostProbers) == 0 {
		return nil, errors.New("scanner: no host probers")
	}
	if len(cfg.Sweepers) > 0 && cfg.Scope == nil {
		return nil, errors.New("scanner: sweepers need a scope")
	}
	if cfg.Rate < 0 || cfg.HostRate < 0 || cfg.Concurrency < 0 || cfg.HostTimeout < 0 {
		return nil, errors.New("scanner: negative rate, concurrency or timeout")
	}
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.HostRate == 0 {
		cfg.HostRate = DefaultHostRate
	}
	if cfg.L2Rate < 0 {
		return nil, errors.New("scanner: negative layer 2 rate")
	}
	if cfg.L2Rate == 0 {
		cfg.L2Rate = DefaultL2Rate
	}
	if cfg.NewRate < 0 || math.IsNaN(cfg.NewRate) || math.IsInf(cfg.NewRate, 0) || cfg.NewPrefix < 0 || cfg.NewPrefix > 128 {
		return nil, errors.New("scanner: negative new-address rate, or a prefix length outside 0-128")
	}
	if cfg.NewRate == 0 {
		cfg.NewRate = DefaultNewRate
	}
	if cfg.NewPrefix == 0 {
		cfg.NewPrefix = DefaultNewPrefix
	}
	if cfg.Liveness != nil && cfg.Scope == nil {
		return nil, errors.New("scanner: the liveness stage needs a scope")
	}
	if cfg.HostRate > cfg.Rate {
		cfg.HostRate = cfg.Rate
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.HostTimeout == 0 {
		cfg.HostTimeout = DefaultHostTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Budget = cfg.Budget.withDefaults()
	e := &Engine{cfg: cfg, global: rate.NewLimiter(rate.Limit(cfg.Rate), burst(cfg.Rate)), prio: newPriority(cfg.Rate, time.Now)}
	// The sweeps may fill half of a host's budget: what its own probes
	// find (ports, HTTP, ONVIF) always has room, also when something
	// floods the discovery ports under its address.
	e.found.budget = cfg.Budget
	e.found.budget.Items, e.found.budget.Bytes = max(1, cfg.Budget.Items/2), max(1, cfg.Budget.Bytes/2)
	return e, nil
}

// burst allows a tenth of a second's worth of packets at once, never less
// than one: enough to keep the pipe full without bursting at a device.
func burst(r float64) int { return max(1, int(r/10)) }

// Stats returns the counters so far; safe to call during Run.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.found.mu.Lock()
	refused := e.found.refused
	e.found.mu.Unlock()
	return Stats{Probed: e.probed.Load(), Alive: e.alive.Load(), Phases: maps.Clone(e.phases),
		ARPDemoted: e.demoted, StraysRefused: refused, Unproven: e.unproven,
		LiveChecked: e.liveChecked.Load(), LiveAnswered: e.liveAnswered.Load()}
}

// timePhase records how long a phase took (the last run's, per name).
func (e *Engine) timePhase(name string, start time.Time) {
	d := e.cfg.Now().Sub(start)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.phases == nil {
		e.phases = map[string]time.Duration{}
	}
	e.phases[name] = d
}

// Run scans every target and sends each host that answered anything on out,
// then closes out. When ctx ends, probing stops at once and every host in
// flight is still sent with what was learnt so far (marked Partial): the
// caller must keep receiving until out is closed. Run returns ctx's error
// when it was interrupted.
//
// The phases are pipelined (issue 16 item 4): the ARP sweep runs first
// (its conflicts are judged on all its answers at once), then the
// liveness stage, the discovery sweeps after it and the per-host phase
// run together. The sweeps' listening windows (3-4.6 s) are mostly
// waiting, so a host that already proved it is there starts its probes at
// once: an ARP-answered host as soon as the ARP sweep ends, a routed host
// as its own liveness answer arrives (streamed, not after the stage). Its
// record is held until the sweeps end, so whatever they hear from it
// later still joins it, and the probes that follow a sweep's word
// (PortHinter) run after. An address not known alive yet waits for the
// sweeps: a discovery reply may be the only thing that names it (the
// liveness skip rule). While the liveness stage or a discovery sweep is
// sending, the hosts' connects get only a share of the global budget
// (priority), so the datagrams whose listening windows bound the run go
// out first.
func (e *Engine) Run(ctx context.Context, out chan<- device.Host) error {
	defer close(out)
	first, rest := e.split()
	now := e.cfg.Now
	// The discovery sweeps start with the ARP sweep: their multicast
	// probes need no address, and their unicast datagrams go to each
	// address as it proves present (stream): its ARP answer, then its
	// liveness answer, then, once both stages are over, the addresses
	// neither could judge.
	st := newStream()
	arpDone := make(chan struct{})
	go func() {
		defer close(arpDone)
		e.sweepAbsence(ctx, first, func(a netip.Addr) {
			if e.cfg.Scope.Contains(a) {
				st.push(a)
			}
		})
	}()
	sweepsDone := make(chan struct{})
	// A semaphore, not a fixed pool of workers: a host whose record waits
	// for the sweeps gives its slot back while it waits.
	sem := make(chan struct{}, e.cfg.Concurrency)
	var wg sync.WaitGroup
	launch := func(addr netip.Addr, early bool) bool {
		if ctx.Err() != nil {
			return false // the rest are strays' business (interrupt)
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		e.probed.Add(1)
		wg.Go(func() {
			var hold func()
			if early {
				hold = func() {
					<-sem
					<-sweepsDone
					sem <- struct{}{}
				}
			}
			h := e.probeHost(ctx, addr, hold)
			if h.Alive() {
				e.alive.Add(1)
				out <- h // the consumer drains until close, also after ctx ends
			}
			<-sem
		})
		return true
	}
	// Routed hosts start from their liveness answer: the stage streams
	// each answering address here, and this goroutine launches it a
	// moment later (liveSettle). A full queue drops the address: the feed
	// below launches it after the sweeps then.
	liveQ := make(chan liveAnswer, liveQueue)
	streamed := make(chan struct{})
	go func() {
		defer close(streamed)
		for a := range liveQ {
			if d := liveSettle - now().Sub(a.at); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
				}
			}
			if e.claim(a.addr) && !launch(a.addr, true) {
				for range liveQ { // interrupted: drain so the stage never blocks
				}
				return
			}
		}
	}()
	stagesDone := make(chan struct{})
	go func() {
		defer close(stagesDone)
		defer st.close()
		<-arpDone
		e.live(ctx, func(addr netip.Addr) {
			st.push(addr)
			select {
			case liveQ <- liveAnswer{addr: addr, at: now()}:
			default:
			}
		})
		close(liveQ)
	}()
	go func() {
		defer close(sweepsDone)
		defer func() {
			e.mu.Lock()
			e.sweepsEnd = now()
			e.mu.Unlock()
		}()
		if len(rest) > 0 && ctx.Err() == nil {
			defer e.timePhase("discovery", now())
		}
		e.runSweepers(ctx, rest, streamScope{Scope: e.cfg.Scope, s: st, e: e}, e.global, nil)
		<-stagesDone // the sweeps' end is the stages' end too (the feed relies on it)
	}()
	<-arpDone
	start := now()
	defer func() {
		e.timePhase("hosts", start)
		e.mu.Lock()
		e.phases["hosts_tail"] = now().Sub(e.sweepsEnd)
		e.mu.Unlock()
	}()
	ended := func() bool {
		select {
		case <-sweepsDone:
			return true
		default:
			return false
		}
	}
	// deferred holds the addresses that must wait for the sweeps, in
	// target order; past maxDeferred the feed itself waits, so memory
	// stays bounded on a /8.
	var deferred []netip.Addr
	later := func() bool {
		for _, a := range deferred {
			if e.claimed(a) {
				continue // started from its liveness answer
			}
			if !launch(a, false) {
				return false
			}
		}
		deferred = deferred[:0]
		return true
	}
feed:
	for {
		addr, ok := e.cfg.Targets.Next()
		if !ok {
			break
		}
		if !ended() {
			// On a prefix ARP covered, present or absent is decided already.
			if e.absent.covers(addr) {
				if !launch(addr, e.found.knownAlive(addr)) {
					break feed
				}
				continue
			}
			// A routed address starts from its liveness answer (the
			// streamer, which keeps liveSettle) or after the sweeps.
			if e.claimed(addr) {
				continue
			}
			deferred = append(deferred, addr)
			if len(deferred) < maxDeferred {
				continue
			}
			<-sweepsDone // runSweepers returns when ctx ends
		} else {
			deferred = append(deferred, addr)
		}
		<-streamed // every streamed address is claimed before later() reads
		if !later() {
			break feed
		}
	}
	<-sweepsDone
	<-streamed
	later()
	wg.Wait()
	e.strays(ctx, out)
	return ctx.Err()
}

// liveRate is the liveness stage's new addresses a second: NewRate, less
// what the on-link hosts take of the neighbour table meanwhile. The
// router's pending entries the stage makes (one per new address for
// pendingLife, DefaultNewRate's reasoning) share one table with the
// on-link hosts' entries when the jump host routes the ranges it scans
// itself, and in the lab, where every namespace shares the kernel's:
// each on-link host probed during the stage holds an entry in the jump's
// table and one for the jump in its own. On the 300-host bench lab, 1022
// routed addresses checked at 250 a second while 250 on-link hosts were
// probed overflowed it (1012 table_fulls, 21 routed cameras lost). So
// the pending entries get what neighbourBudget leaves of two per on-link
// host, and never less than a fifth of NewRate. A routed range alone (the
// jump host on its own segment) keeps NewRate.
func (e *Engine) liveRate() float64 {
	onLink := e.found.countARP()
	left := float64(neighbourBudget-2*onLink) / pendingLife.Seconds()
	return max(min(e.cfg.NewRate, left), e.cfg.NewRate/5)
}

const (
	// pendingLife is how long a router keeps an unresolved neighbour entry
	// (Linux: three solicitations a second apart).
	pendingLife = 3 * time.Second
	// neighbourBudget is the entries a scan may hold in a 1024-entry
	// neighbour table (DefaultNewRate: 750, a quarter left to the rest).
	neighbourBudget = 750
)

// liveAnswer is an address that answered the liveness stage, and when.
type liveAnswer struct {
	addr netip.Addr
	at   time.Time
}

const (
	// liveQueue bounds the streamed liveness answers not launched yet.
	liveQueue = 4096
	// liveSettle is how long after an address's first liveness answer its
	// probes start. The stage's two SYNs to it left before that answer, and
	// they count against the three connections a second: with the host's
	// first connect 700 ms after them and its next ones 345 ms apart
	// (DefaultHostRate), no one-second window holds more than three. By
	// then the answers to its other packets (a RST after the echo reply)
	// are in too, so the TCP prober skips the ports they already drew.
	liveSettle = 700 * time.Millisecond
)

// claim marks a routed address as started early (from its liveness
// answer); false when it already was.
func (e *Engine) claim(addr netip.Addr) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started[addr] {
		return false
	}
	if e.started == nil {
		e.started = map[netip.Addr]bool{}
	}
	e.started[addr] = true
	return true
}

// claimed reports whether claim took addr.
func (e *Engine) claimed(addr netip.Addr) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.started[addr]
}

// maxDeferred bounds the addresses held back until the sweeps end.
const maxDeferred = 1 << 16

// split returns the Absence sweepers (ARP) and the others.
func (e *Engine) split() (first, rest []Sweeper) {
	for _, s := range e.cfg.Sweepers {
		if _, ok := s.(Absence); ok {
			first = append(first, s)
		} else {
			rest = append(rest, s)
		}
	}
	return first, rest
}

// sweepAbsence runs the Absence sweepers (ARP), calling answered for each
// address they heard from, and judges their answers (reviewARP).
func (e *Engine) sweepAbsence(ctx context.Context, first []Sweeper, answered func(netip.Addr)) {
	e.runSweepers(ctx, first, e.cfg.Scope, rate.NewLimiter(rate.Limit(e.cfg.L2Rate), burst(e.cfg.L2Rate)), answered)
	for _, s := range first {
		if ctx.Err() == nil {
			e.absent = append(e.absent, s.(Absence).Covered()...)
		}
	}
	if len(first) > 0 {
		n := e.found.reviewARP()
		e.mu.Lock()
		e.demoted = n
		e.mu.Unlock()
		if n > 0 {
			e.cfg.Log.Warn().Int("addresses", n).Msg("ARP conflicts: several MACs or a MAC claiming many addresses; those claims prove no host")
		}
	}
}

// live runs the liveness stage over the in-scope addresses the Absence
// sweepers do not vouch for. Its answers join the hosts' evidence and mark
// them live; answers from outside that part of the scope are dropped (a
// ping reply meant for another process, a forged source).
//
// Its TCP packets (at most two per address, sent together) precede the
// host's own connects by at least liveSettle (a host started from its
// answer) or the stage's listening window (any other), so the per-host
// limit of three connections in any one second still holds without
// spending the host's per-host budget here.
//
// answered is called once per address, on its first answer, after the
// answer is filed: the engine starts the host's probes from it.
func (e *Engine) live(ctx context.Context, answered func(netip.Addr)) {
	s := e.cfg.Liveness
	if s == nil || ctx.Err() != nil {
		return
	}
	scope := routedScope{Scope: e.cfg.Scope, absent: e.absent}
	newRate := e.liveRate()
	if newRate < e.cfg.NewRate {
		e.cfg.Log.Info().Float64("rate", newRate).Msg("liveness: fewer new addresses a second while on-link hosts are probed (neighbour table)")
	}
	pace := &newPacer{pacer: &pacer{global: e.global, host: rate.NewLimiter(rate.Inf, 1), prio: e.prio, urgent: true}, rate: newRate, bits: e.cfg.NewPrefix}
	counted := &countingScope{routedScope: scope, n: &e.liveChecked}
	now := e.cfg.Now
	start := now()
	var mu sync.Mutex
	seen := map[netip.Addr]bool{}
	err := s.Sweep(ctx, counted, pace, func(ev device.Evidence) {
		if !ev.Addr.IsValid() || !scope.Contains(ev.Addr) {
			return
		}
		if ev.Time.IsZero() {
			ev.Time = now()
		}
		e.found.addLive(ev)
		mu.Lock()
		first := !seen[ev.Addr]
		seen[ev.Addr] = true
		mu.Unlock()
		if first {
			e.liveAnswered.Add(1)
			answered(ev.Addr)
		}
	})
	e.timePhase(s.Name(), start)
	if err != nil && ctx.Err() == nil {
		// A stage that failed (no raw socket after all) proves nothing:
		// every address gets the whole salvo, as without it.
		e.cfg.Log.Warn().Err(err).Str("sweeper", s.Name()).Msg("liveness stage failed; every address gets the discovery probes")
		return
	}
	e.liveDone.Store(ctx.Err() == nil)
	e.cfg.Log.Info().Uint64("checked", e.liveChecked.Load()).Uint64("answered", e.liveAnswered.Load()).Msg("liveness stage done")
}

// countingScope counts the addresses the liveness stage iterates.
type countingScope struct {
	routedScope
	n *atomic.Uint64
}

func (c *countingScope) Iter() AddrSource {
	return &countingIter{it: c.routedScope.Iter(), n: c.n}
}

type countingIter struct {
	it AddrSource
	n  *atomic.Uint64
}

func (c *countingIter) Next() (netip.Addr, bool) {
	a, ok := c.it.Next()
	if ok {
		c.n.Add(1)
	}
	return a, ok
}

// runSweepers runs sweepers together under budget; answered, when set, is
// called with the address of each evidence after it is filed.
func (e *Engine) runSweepers(ctx context.Context, sweepers []Sweeper, scope Scope, budget *rate.Limiter, answered func(netip.Addr)) {
	if len(sweepers) == 0 || ctx.Err() != nil {
		return
	}
	pace := &pacer{global: budget, host: rate.NewLimiter(rate.Inf, 1), e: e}
	if budget == e.global {
		pace.prio, pace.urgent = e.prio, true
	}
	now := e.cfg.Now
	var wg sync.WaitGroup
	for _, s := range sweepers {
		wg.Go(func() {
			defer e.timePhase(s.Name(), now())
			err := s.Sweep(ctx, scope, pace, func(ev device.Evidence) {
				if !ev.Addr.IsValid() {
					return
				}
				if ev.Time.IsZero() {
					ev.Time = now()
				}
				e.found.add(ev, !e.cfg.Scope.Contains(ev.Addr))
				if answered != nil {
					answered(ev.Addr)
				}
			})
			if dc, ok := s.(DropCounter); ok {
				for addr, n := range dc.Dropped() {
					e.found.addDropped(addr, device.Source(s.Name()), n)
				}
			}
			if err != nil && ctx.Err() == nil {
				e.cfg.Log.Warn().Err(err).Str("sweeper", s.Name()).Msg("sweep failed")
			}
		})
	}
	wg.Wait()
}

// strays emits the hosts only a sweep saw and the per-host phase did not
// visit.
func (e *Engine) strays(ctx context.Context, out chan<- device.Host) {
	rest := e.found.rest()
	if n := e.Stats().StraysRefused; n > 0 {
		e.cfg.Log.Warn().Uint64("refused", n).Int("kept", maxStrays).Msg("too many responders outside the scope; the rest are not recorded")
	}
	for a, en := range rest {
		if e.absent.covers(a) && !en.arp && e.cfg.Scope.Contains(a) {
			delete(rest, a) // silent to ARP: a forged source (see probeHost)
			e.mu.Lock()
			e.unproven++
			e.mu.Unlock()
		}
	}
	if n := e.Stats().Unproven; n > 0 {
		e.cfg.Log.Warn().Int("addresses", n).Msg("discovery replies from addresses silent to ARP on their own subnet (forged sources) were not recorded")
	}
	if !e.cfg.ReportStrays {
		return
	}
	addrs := make([]netip.Addr, 0, len(rest))
	for a, en := range rest {
		if len(en.ev) > 0 { // a demoted ARP claim alone is no host
			addrs = append(addrs, a)
		}
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	for _, a := range addrs {
		inScope := e.cfg.Scope != nil && e.cfg.Scope.Contains(a)
		if inScope && ctx.Err() == nil {
			continue // another shard's host: it reports it
		}
		en := rest[a]
		h := device.Host{Addr: a, OutOfScope: !inScope, Partial: inScope, Evidence: en.ev,
			AddressConflicts: en.conflicts, Truncated: en.l.truncated()}
		locationConflicts(&h, e.cfg.Scope)
		stamp(&h)
		e.addOUI(&h)
		e.alive.Add(1)
		out <- h
	}
}

// stamp sets a host's seen times and MAC from its evidence.
func stamp(h *device.Host) {
	for _, ev := range h.Evidence {
		if h.FirstSeen.IsZero() || ev.Time.Before(h.FirstSeen) {
			h.FirstSeen = ev.Time
		}
		if ev.Time.After(h.LastSeen) {
			h.LastSeen = ev.Time
		}
		if h.MAC == "" && ev.MAC != "" {
			h.MAC = ev.MAC
		}
	}
}

// pacer spends one token of the global budget and one of the host's per
// packet.
type pacer struct {
	global, host *rate.Limiter
	// e hands out per-host pacers to sweepers (ForHost); nil for a host's
	// own pacer.
	e *Engine
	// hostDeadline is when the host's time is up (zero for sweepers); cut
	// is set when a limiter refused to wait past it.
	hostDeadline time.Time
	cut          atomic.Bool
	// prio, when set, ranks the packet: urgent (a stage's datagram) marks
	// the stages busy; otherwise (a host's connect) it yields to them.
	prio   *priority
	urgent bool
}

// Wait takes the host's token last, right before the packet leaves:
// waiting for the global budget after it could bunch two of a host's
// packets closer than its rate allows.
func (p *pacer) Wait(ctx context.Context) error {
	taken := false
	if p.prio != nil {
		if p.urgent {
			p.prio.begin()
			defer p.prio.done()
		} else {
			var err error
			if taken, err = p.prio.take(ctx, p.global); err != nil {
				return p.refused(ctx, err)
			}
		}
	}
	if !taken {
		if err := p.global.Wait(ctx); err != nil {
			return p.refused(ctx, err)
		}
	}
	if err := p.host.Wait(ctx); err != nil {
		return p.refused(ctx, err)
	}
	return nil
}

// refused explains a limiter's error. x/time/rate refuses at once a wait
// that would end after ctx's deadline ("rate: Wait(n=1) would exceed
// context deadline") while ctx is still live, and that error wraps
// nothing: it is the deadline all the same, so it is returned as
// context.DeadlineExceeded, and when the deadline is the host's own (not a
// prober's shorter one) the host is marked cut short, so that the engine
// records it as partial and not as a device error (issue 14 item 3).
func (p *pacer) refused(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	dl, ok := ctx.Deadline()
	if !ok {
		return err // no deadline: a limiter misconfiguration, not time
	}
	if !p.hostDeadline.IsZero() && !dl.Before(p.hostDeadline) {
		p.cut.Store(true)
	}
	return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
}

// ForHost implements HostPacer: a sweeper's connection to one host spends
// that host's budget, which its own probes spend again later in the run.
func (p *pacer) ForHost(addr netip.Addr) Pacer {
	if p.e == nil {
		return p
	}
	return &pacer{global: p.global, host: p.e.hostLimiter(addr, false), prio: p.prio, urgent: p.urgent}
}

// maxLimits bounds the per-host limiters kept between the sweeps and the
// hosts' turns; past it, a sweeper's host pacer is only the global one.
const maxLimits = 1 << 16

// hostLimiter returns addr's per-host limiter: the one a sweeper already
// spent from, else a new one. take removes it from the engine's keeping
// (the host's turn has come and the sweeps are over).
func (e *Engine) hostLimiter(addr netip.Addr, take bool) *rate.Limiter {
	e.mu.Lock()
	defer e.mu.Unlock()
	if l, ok := e.limits[addr]; ok {
		if take {
			delete(e.limits, addr)
		}
		return l
	}
	l := rate.NewLimiter(rate.Limit(e.cfg.HostRate), 1)
	if take {
		return l
	}
	if e.limits == nil {
		e.limits = map[netip.Addr]*rate.Limiter{}
	}
	if len(e.limits) >= maxLimits {
		return rate.NewLimiter(rate.Inf, 1)
	}
	e.limits[addr] = l
	return l
}

// keepLimiter is hostLimiter for a host whose probes start while the
// sweeps run: the limiter stays in the engine's keeping, where a sweeper's
// ForHost finds it, until dropLimiter. Past maxLimits it is the host's own
// (still limiting), not kept.
func (e *Engine) keepLimiter(addr netip.Addr) *rate.Limiter {
	e.mu.Lock()
	defer e.mu.Unlock()
	if l, ok := e.limits[addr]; ok {
		return l
	}
	l := rate.NewLimiter(rate.Limit(e.cfg.HostRate), 1)
	if e.limits == nil {
		e.limits = map[netip.Addr]*rate.Limiter{}
	}
	if len(e.limits) < maxLimits {
		e.limits[addr] = l
	}
	return l
}

// dropLimiter ends the engine's keeping of addr's limiter.
func (e *Engine) dropLimiter(addr netip.Addr) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.limits, addr)
}

// probeHost probes one address and builds its record. hold is nil when the
// discovery sweeps have ended; otherwise the host is known alive and its
// probes start while they still listen: hold returns when they have ended,
// and is called after the host and open-port probes, before the sweeps'
// later evidence is merged and the record is built. The wait is not the
// host's time (HostTimeout): its clock stops while it waits.
func (e *Engine) probeHost(parent context.Context, addr netip.Addr, hold func()) device.Host {
	h := device.Host{Addr: addr}
	began := time.Now()
	ctx, cancel := context.WithTimeout(parent, e.cfg.HostTimeout)
	defer cancel()
	dl, _ := ctx.Deadline()
	// While the sweeps run, a sweeper's connection to this host
	// (HostPacer.ForHost) must spend the same limiter as its own probes,
	// so the limiter stays in the engine's keeping until the record is
	// built.
	pace := &pacer{global: e.global, hostDeadline: dl, prio: e.prio}
	var en *entry
	if hold == nil {
		pace.host = e.hostLimiter(addr, true)
		en = e.found.take(addr)
	} else {
		pace.host = e.keepLimiter(addr)
		defer e.dropLimiter(addr)
		en = e.found.takeEarly(addr)
	}
	log := e.cfg.Log.With().Stringer("ip", addr).Logger()
	if e.absent.covers(addr) && (en == nil || !en.arp) {
		// Silent to ARP on its own subnet: nobody is there, and a
		// discovery reply "from" it had a forged source.
		if en != nil {
			e.mu.Lock()
			e.unproven++
			e.mu.Unlock()
		}
		return h
	}
	if en == nil {
		en = &entry{}
	}
	// Checked by the liveness stage, silent to it, and named by no
	// discovery reply: no probe (issue 16 item 2). The neighbour table is
	// still read below: on-link, the kernel resolved it for the stage.
	silent := hold == nil && e.checkedByLiveness(addr) && len(en.ev) == 0
	h.Evidence, h.AddressConflicts = en.ev, en.conflicts
	l := &en.l
	// done: the scan ended, the host's time is up, or a limiter refused
	// to wait past it.
	done := func() bool { return ctx.Err() != nil || pace.cut.Load() }
	stamp(&h)
	tg := Target{Addr: addr}
	if len(h.Evidence) > 0 {
		// A sweep heard from it: probers must not give up on it for silence,
		// and may follow what it announced (an ONVIF XAddr).
		tg.KnownAlive, tg.Swept = true, slices.Clone(h.Evidence)
	}

	add := func(name string, ev []device.Evidence, err error) {
		now := e.cfg.Now()
		for i := range ev {
			if ev[i].Time.IsZero() {
				ev[i].Time = now
			}
			if !ev[i].Addr.IsValid() {
				ev[i].Addr = addr
			}
			if known(h.Evidence, &ev[i]) {
				continue // the liveness stage saw this port's state already
			}
			if l.admit(&e.cfg.Budget, &ev[i]) {
				h.Evidence = append(h.Evidence, ev[i])
			}
		}
		stamp(&h)
		switch {
		case err == nil:
		case done():
			// Interrupt or host timeout: not the device's fault, but the
			// record must say it is incomplete.
			h.Partial = true
		default:
			log.Debug().Err(err).Str("prober", name).Msg("probe error")
			msg := fmt.Sprintf("%s: %v", name, err)
			h.Errors = append(h.Errors, msg)
			h.Outcomes = append(h.Outcomes, device.Outcome{Method: name, Status: StatusOf(err), Message: msg})
		}
	}

	// asked reports whether the open-port pass below asked p about port.
	var asked func(p PortProber, port uint16) bool
	if silent {
		goto neighbours
	}
	for _, p := range e.cfg.HostProbers {
		if done() {
			h.Partial = true
			break
		}
		ev, err := p.ProbeHost(ctx, tg, pace)
		add(p.Name(), ev, err)
	}
	h.Ports = openPorts(h.Evidence)
	asked = func(p PortProber, port uint16) bool { return slices.Contains(h.Ports, port) && p.Accepts(port) }
	for _, port := range h.Ports {
		for _, p := range e.cfg.PortProbers {
			if !p.Accepts(port) {
				continue
			}
			if done() {
				h.Partial = true
				break
			}
			ev, err := p.ProbePort(ctx, tg.OnPort(port), pace)
			add(p.Name(), ev, err)
		}
	}
	if hold != nil {
		// Wait for the sweeps, then take what they heard from the host
		// after its probes began: the record is built once, with it.
		early := tg
		used, cut := time.Since(began), done()
		hold()
		// A --host-timeout shorter than the sweeps' window must not cut
		// the host short for waiting: what is left of its time starts now.
		if left := e.cfg.HostTimeout - used; left > 0 && !cut && parent.Err() == nil {
			cancel()
			var cancelRest context.CancelFunc
			ctx, cancelRest = context.WithTimeout(parent, left)
			defer cancelRest()
			dl, _ = ctx.Deadline()
			pace = &pacer{global: e.global, host: pace.host, hostDeadline: dl, prio: e.prio}
		}
		e.mergeLate(&h, l, addr)
		if len(h.Evidence) > 0 {
			tg.KnownAlive, tg.Swept = true, slices.Clone(h.Evidence)
		}
		// A port asked above without the hint the late evidence gives
		// (an XAddr's path) is asked again with it.
		asked = func(p PortProber, port uint16) bool {
			hp, _ := p.(PortHinter)
			return slices.Contains(h.Ports, port) && p.Accepts(port) && hp != nil && slices.Contains(hp.HintPorts(early), port)
		}
	}
	for _, p := range e.cfg.PortProbers {
		hp, ok := p.(PortHinter)
		if !ok || done() {
			continue
		}
		for _, port := range hp.HintPorts(tg) {
			if port == 0 || asked(p, port) {
				continue // already asked above
			}
			if done() {
				h.Partial = true
				break
			}
			ev, err := p.ProbePort(ctx, tg.OnPort(port), pace)
			add(p.Name(), ev, err)
		}
	}
neighbours:
	// The kernel resolved every on-link address the probes touched: a MAC
	// in its table names the host, and for a host that answered nothing
	// else it is the proof it is there (an ARP-only device, found without
	// raw sockets: with them the ARP sweep already said so).
	if h.MAC == "" && e.cfg.Neighbours != nil {
		if tbl, err := e.cfg.Neighbours(); err == nil {
			// A MAC whose ARP claim of this address was demoted, or that the
			// table holds for more than MaxClaimsPerMAC addresses, proves
			// nobody is here (reviewARP): it names a host that answered
			// otherwise, never makes one.
			mac := tbl[addr]
			claim := mac != "" && (slices.Contains(en.demoted, mac) || claimedBy(tbl, mac) > MaxClaimsPerMAC)
			switch {
			case mac == "":
			case h.Alive():
				h.MAC = mac
			case !claim:
				h.Evidence = append(h.Evidence, device.Evidence{Source: device.SourceARP, Addr: addr, MAC: mac,
					Fields: map[string]string{"arp.method": "kernel-neighbour"}, Time: e.cfg.Now()})
				h.MAC = mac
			}
		} else {
			log.Debug().Err(err).Msg("neighbour table")
		}
	}
	e.addOUI(&h)
	if parent.Err() != nil && len(h.Evidence) > 0 {
		h.Partial = true
	}
	locationConflicts(&h, e.cfg.Scope)
	h.Truncated = l.truncated()
	return h
}

// mergeLate adds to h the evidence the sweeps filed for addr after its
// probes began (found.takeEarly), within the host's budget l, and what the
// sweeps refused or dropped of it to l's Truncated.
func (e *Engine) mergeLate(h *device.Host, l *ledger, addr netip.Addr) {
	late := e.found.take(addr)
	if late == nil {
		return
	}
	for i := range late.ev {
		ev := &late.ev[i]
		if known(h.Evidence, ev) {
			continue
		}
		if l.admit(&e.cfg.Budget, ev) {
			h.Evidence = append(h.Evidence, *ev)
		}
	}
	l.addTrunc(late.l.trunc)
	stamp(h)
}

// addOUI adds the registry's word on the host's MAC as one "oui" evidence.
func (e *Engine) addOUI(h *device.Host) {
	if h.MAC == "" || e.cfg.OUI == nil {
		return
	}
	f := e.cfg.OUI(h.MAC)
	if f == nil {
		return
	}
	h.Evidence = append(h.Evidence, device.Evidence{Source: device.SourceOUI, Addr: h.Addr, MAC: h.MAC, Fields: f, Time: e.cfg.Now()})
}

// known reports whether ev repeats an item of have: the same source, port
// and fields (a SYN-ACK of the liveness stage, then the connect to the same
// port).
func known(have []device.Evidence, ev *device.Evidence) bool {
	return slices.ContainsFunc(have, func(h device.Evidence) bool {
		return h.Source == ev.Source && h.Port == ev.Port && maps.Equal(h.Fields, ev.Fields)
	})
}

// openPorts lists the TCP ports that some evidence showed open, ascending.
func openPorts(ev []device.Evidence) []uint16 {
	var ports []uint16
	for _, e := range ev {
		if e.Source == device.SourceTCP && e.Fields["tcp.state"] == "open" && !slices.Contains(ports, e.Port) {
			ports = append(ports, e.Port)
		}
	}
	slices.Sort(ports)
	return ports
}

package scanner

import (
	"context"
	"math"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/camsweep/camsweep/device"
)

// lateSweeper stands for a discovery sweep with a listening window: it
// waits until the host probes of at have begun (started is closed), then
// hears at's WS-Discovery reply. It gives up after a while, so that an
// engine which does not start probes during the sweeps fails the test
// instead of hanging it.
type lateSweeper struct {
	at      netip.Addr
	started <-chan struct{}
	early   bool // the probes had begun when the reply came
}

func (l *lateSweeper) Name() string { return "wsd" }
func (l *lateSweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	select {
	case <-l.started:
		l.early = true
	case <-time.After(2 * time.Second):
	}
	emit(device.Evidence{Source: device.SourceWSD, Addr: l.at, Fields: map[string]string{"wsd.xaddrs": "8899"}})
	return nil
}

// signalTCP is fakeTCP that closes started when it is first asked.
type signalTCP struct {
	fakeTCP
	once    sync.Once
	started chan struct{}
}

func (s *signalTCP) ProbeHost(ctx context.Context, tg Target, pace Pacer) ([]device.Evidence, error) {
	s.once.Do(func() { close(s.started) })
	return s.fakeTCP.ProbeHost(ctx, tg, pace)
}

// TestEngine_Run_pipelinedProbesKeepLateSweepEvidence: a host that
// answered ARP is probed while the discovery sweep still listens, and what
// the sweep hears from it afterwards is in its one record, with the hinted
// port asked after the sweep ended (and port 80 asked again: the first
// ONVIF ask lacked the XAddr). The run record shows the overlap.
func TestEngine_Run_pipelinedProbesKeepLateSweepEvidence(t *testing.T) {
	at := netip.MustParseAddr("198.18.0.3")
	tcp := &signalTCP{fakeTCP: fakeTCP{ports: []uint16{80}}, started: make(chan struct{})}
	wsd := &lateSweeper{at: at, started: tcp.started}
	hp := &hintingProber{}
	e, hosts := scan(t, Config{Targets: addrs(4), Scope: listScope{4},
		Sweepers:    []Sweeper{wsd, l2Sweeper{present: at, prefix: netip.MustParsePrefix("198.18.0.0/30")}},
		HostProbers: []HostProber{tcp}, PortProbers: []PortProber{hp}, Rate: 1e6, HostRate: 1e6})
	if !wsd.early {
		t.Error("the host's probes did not start while the sweep listened")
	}
	var h *device.Host
	for i := range hosts {
		if hosts[i].Addr == at {
			if h != nil {
				t.Fatalf("two records for %s", at)
			}
			h = &hosts[i]
		}
	}
	if h == nil {
		t.Fatalf("no record for %s: %+v", at, hosts)
	}
	var srcs []device.Source
	for _, ev := range h.Evidence {
		srcs = append(srcs, ev.Source)
	}
	for _, want := range []device.Source{device.SourceARP, device.SourceTCP, device.SourceWSD} {
		if !slices.Contains(srcs, want) {
			t.Errorf("record of %s lacks %s evidence: %v", at, want, srcs)
		}
	}
	if !slices.Equal(h.Ports, []uint16{80}) {
		t.Errorf("ports %v, want [80]", h.Ports)
	}
	var got []string
	for i, c := range hp.calls {
		got = append(got, c.String())
		if c.Port() == 8899 && hp.swept[i] == 0 {
			t.Error("the hinted port was asked without the late sweep evidence")
		}
	}
	if want := []string{"198.18.0.3:80", "198.18.0.3:8899", "198.18.0.3:80"}; !slices.Equal(got, want) {
		t.Errorf("port probes %v, want %v", got, want)
	}
	ph := e.Stats().Phases
	for _, name := range []string{"arp", "wsd", "discovery", "hosts", "hosts_tail"} {
		if _, ok := ph[name]; !ok {
			t.Errorf("no phase time for %q: %v", name, ph)
		}
	}
	if ph["hosts_tail"] > ph["hosts"] {
		t.Errorf("hosts_tail %v longer than hosts %v", ph["hosts_tail"], ph["hosts"])
	}
}

// forHostSweeper connects to one host twice through its per-host pacer,
// after that host's own probes began.
type forHostSweeper struct {
	at      netip.Addr
	started <-chan struct{}
}

func (f forHostSweeper) Name() string { return "ssdp" }
func (f forHostSweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	<-f.started
	hp := pace.(HostPacer).ForHost(f.at)
	for range 2 {
		if err := hp.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// TestEngine_Run_pipelinedHostRateShared: a sweeper connecting to a host
// whose own probes run at the same time spends the same per-host budget:
// four connections at one a second take three seconds, not one.
func TestEngine_Run_pipelinedHostRateShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		at := netip.MustParseAddr("198.18.0.1")
		tcp := &signalTCP{fakeTCP: fakeTCP{ports: []uint16{80, 81}}, started: make(chan struct{})}
		start := time.Now()
		scan(t, Config{Targets: addrs(1), Scope: listScope{1},
			Sweepers:    []Sweeper{forHostSweeper{at: at, started: tcp.started}, l2Sweeper{present: at, prefix: netip.MustParsePrefix("198.18.0.0/31")}},
			HostProbers: []HostProber{tcp}, Rate: 1e6, HostRate: 1})
		if d := time.Since(start); d < 3*time.Second {
			t.Errorf("4 connections to one host at 1/s took %v: the sweeper and the probes had separate budgets", d)
		}
	})
}

// deferSweeper hears from an address that answered neither ARP nor the
// liveness stage, before its window ends.
type deferSweeper struct{ at netip.Addr }

func (d deferSweeper) Name() string { return "sadp" }
func (d deferSweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	time.Sleep(50 * time.Millisecond)
	emit(device.Evidence{Source: device.SourceSADP, Addr: d.at, Fields: map[string]string{"sadp.model": "x"}})
	return nil
}

// TestEngine_Run_unknownAddressWaitsForSweeps: an address outside the ARP
// sweep's prefix is not known alive, so its probes wait for the sweeps and
// start with their evidence (KnownAlive), in one record.
func TestEngine_Run_unknownAddressWaitsForSweeps(t *testing.T) {
	at := netip.MustParseAddr("198.18.0.4") // outside 198.18.0.0/30
	var mu sync.Mutex
	var swept int
	tcp := probeFunc(func(tg Target) {
		if tg.Addr == at {
			mu.Lock()
			swept = len(tg.Swept)
			mu.Unlock()
		}
	})
	_, hosts := scan(t, Config{Targets: addrs(4), Scope: listScope{4},
		Sweepers:    []Sweeper{deferSweeper{at}, l2Sweeper{present: netip.MustParseAddr("198.18.0.1"), prefix: netip.MustParsePrefix("198.18.0.0/30")}},
		HostProbers: []HostProber{tcp}, Rate: 1e6, HostRate: 1e6})
	if swept != 1 {
		t.Errorf("%s probed with %d swept evidence, want the sweep's 1", at, swept)
	}
	n := 0
	for _, h := range hosts {
		if h.Addr == at {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d records of %s, want 1: %+v", n, at, hosts)
	}
}

type probeFunc func(Target)

func (probeFunc) Name() string { return "tcp" }
func (f probeFunc) ProbeHost(ctx context.Context, tg Target, pace Pacer) ([]device.Evidence, error) {
	f(tg)
	return nil, nil
}

// slowSweeper hears at's WS-Discovery reply a second after at's probes
// began.
type slowSweeper struct {
	at      netip.Addr
	started <-chan struct{}
}

func (s slowSweeper) Name() string { return "wsd" }
func (s slowSweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	<-s.started
	time.Sleep(time.Second)
	emit(device.Evidence{Source: device.SourceWSD, Addr: s.at, Fields: map[string]string{"wsd.xaddrs": "8899"}})
	return nil
}

// TestEngine_Run_pipelinedWaitIsNotHostTime: a host timeout shorter than
// the sweeps' window does not cut a held host short: the hinted port is
// still asked after the sweeps, and the record is not partial.
func TestEngine_Run_pipelinedWaitIsNotHostTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		at := netip.MustParseAddr("198.18.0.1")
		tcp := &signalTCP{fakeTCP: fakeTCP{ports: []uint16{80}}, started: make(chan struct{})}
		hp := &hintingProber{}
		_, hosts := scan(t, Config{Targets: addrs(1), Scope: listScope{1},
			Sweepers:    []Sweeper{slowSweeper{at: at, started: tcp.started}, l2Sweeper{present: at, prefix: netip.MustParsePrefix("198.18.0.0/31")}},
			HostProbers: []HostProber{tcp}, PortProbers: []PortProber{hp}, Rate: 1e6, HostRate: 1e6, HostTimeout: 200 * time.Millisecond})
		if len(hosts) != 1 || hosts[0].Partial {
			t.Fatalf("hosts %+v, want one complete record", hosts)
		}
		if !slices.Contains(hp.calls, netip.AddrPortFrom(at, 8899)) {
			t.Errorf("hinted port not asked after the wait: %v", hp.calls)
		}
	})
}

// startedTCP records when each address's host probes began.
type startedTCP struct {
	mu      sync.Mutex
	started map[netip.Addr]chan struct{}
	at      map[netip.Addr]time.Time
}

func (s *startedTCP) ch(a netip.Addr) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started == nil {
		s.started = map[netip.Addr]chan struct{}{}
	}
	c := s.started[a]
	if c == nil {
		c = make(chan struct{})
		s.started[a] = c
	}
	return c
}

func (s *startedTCP) Name() string { return "tcp" }
func (s *startedTCP) ProbeHost(ctx context.Context, tg Target, pace Pacer) ([]device.Evidence, error) {
	c := s.ch(tg.Addr)
	select {
	case <-c:
	default:
		s.mu.Lock()
		if s.at == nil {
			s.at = map[netip.Addr]time.Time{}
		}
		s.at[tg.Addr] = time.Now()
		s.mu.Unlock()
		close(c)
	}
	return nil, nil
}

// waitingLive answers for routed, then keeps listening until the host
// probes of every address in wait began, or two seconds passed: early
// says they began while the stage still ran.
type waitingLive struct {
	routed   netip.Addr
	wait     []netip.Addr
	tcp      *startedTCP
	early    bool
	answered time.Time
}

func (w *waitingLive) Name() string { return "liveness" }
func (w *waitingLive) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	w.answered = time.Now()
	emit(device.Evidence{Source: "icmp", Addr: w.routed, Fields: map[string]string{"icmp.echo": "reply"}})
	timeout := time.After(2 * time.Second)
	for _, a := range w.wait {
		select {
		case <-w.tcp.ch(a):
		case <-timeout:
			return nil
		}
	}
	w.early = true
	return nil
}

// TestEngine_Run_hostsStartDuringLiveness: an ARP-answered host starts its
// probes as soon as the ARP sweep ends, and a routed host as soon as its
// liveness answer arrives (liveSettle later): both while the liveness
// stage still listens.
// Each gets one record (the streamed address is not launched again by the
// feed of targets).
func TestEngine_Run_hostsStartDuringLiveness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		onLink, routed := ip("198.18.0.1"), ip("198.18.0.6")
		tcp := &startedTCP{}
		live := &waitingLive{routed: routed, wait: []netip.Addr{onLink, routed}, tcp: tcp}
		e, hosts := scan(t, Config{Targets: addrs(8), Scope: listScope{8},
			Sweepers:    []Sweeper{l2Sweeper{present: onLink, prefix: netip.MustParsePrefix("198.18.0.0/30")}},
			Liveness:    live,
			HostProbers: []HostProber{tcp}, Rate: 1e6, HostRate: 1e6, NewRate: 1e6})
		if !live.early {
			t.Error("the hosts' probes did not start while the liveness stage ran")
		}
		// The stage's SYNs count against the host's three connections a
		// second: its own probes start liveSettle after its answer.
		if d := tcp.at[routed].Sub(live.answered); d < liveSettle {
			t.Errorf("routed host probed %v after its liveness answer, want at least %v", d, liveSettle)
		}
		var got []netip.Addr
		for _, h := range hosts {
			got = append(got, h.Addr)
		}
		slices.SortFunc(got, netip.Addr.Compare)
		if want := []netip.Addr{onLink, routed}; !slices.Equal(got, want) {
			t.Errorf("records %v, want one each of %v", got, want)
		}
		if n := e.Stats().Probed; n != 8 {
			t.Errorf("probed %d addresses, want 8 (each once)", n)
		}
	})
}

// TestPriority_stagesFirst: while a stage sends, a host's packet takes
// only what the stage leaves of the global budget, or its share; with no
// stage sending it waits on the budget as usual.
func TestPriority_stagesFirst(t *testing.T) {
	ctx := context.Background()
	// run has a stage send every gap (0: as fast as the global budget
	// allows, 100 a second) and hosts send as fast as they may for two
	// seconds; it returns the packets of each.
	run := func(gap time.Duration) (stage, hosts int) {
		var n atomic.Int32
		global := rate.NewLimiter(100, 1)
		p := newPriority(100, time.Now) // share: 10 a second
		end := time.Now().Add(2 * time.Second)
		var wg sync.WaitGroup
		wg.Go(func() {
			for time.Now().Before(end) {
				p.begin()
				err := global.Wait(ctx)
				p.done()
				if err != nil {
					t.Error(err)
					return
				}
				stage++
				time.Sleep(gap)
			}
		})
		for range 4 { // hosts in flight
			wg.Go(func() {
				for {
					taken, err := p.take(ctx, global)
					if err == nil && !taken {
						err = global.Wait(ctx)
					}
					if err != nil {
						t.Error(err)
						return
					}
					if !time.Now().Before(end) {
						return
					}
					n.Add(1)
				}
			})
		}
		wg.Wait()
		return stage, int(n.Load())
	}
	synctest.Test(t, func(t *testing.T) {
		stage, hosts := run(0)
		t.Logf("saturating: stage %d hosts %d", stage, hosts)
		if stage < 160 || hosts > 40 {
			t.Errorf("a stage using the whole budget sent %d, hosts %d of 200 tokens: want the stage nearly all, hosts about their share (20)", stage, hosts)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		stage, hosts := run(20 * time.Millisecond)
		t.Logf("every 20 ms: stage %d hosts %d", stage, hosts)
		if stage < 60 || hosts < 60 {
			t.Errorf("a stage sending every 20 ms sent %d, hosts %d of 200 tokens: want hosts to have the rest", stage, hosts)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		global := rate.NewLimiter(10, 1)
		p := newPriority(10, time.Now)
		if taken, err := p.take(ctx, global); taken || err != nil {
			t.Errorf("no stage sending: take = %v, %v, want false (wait as usual)", taken, err)
		}
		p.begin()
		global.Allow() // the stage's packet
		p.done()
		start := time.Now()
		p.share.Allow() // the share spent
		if taken, err := p.take(ctx, global); taken || err != nil {
			t.Fatal(taken, err)
		}
		// The global token was due at 100 ms, but the stage went quiet
		// at 50 ms (prioIdle) and the host was let go then.
		if d := time.Since(start); d != prioIdle {
			t.Errorf("host let go after %v, want %v (the stage went quiet)", d, prioIdle)
		}
	})
}

// slowARP answers for present, then keeps listening until the unicast
// sweep reached it, or two seconds passed: early says it did while the
// ARP sweep ran.
type slowARP struct {
	present netip.Addr
	prefix  netip.Prefix
	reached chan struct{}
	early   bool
}

func (l *slowARP) Name() string { return "arp" }
func (l *slowARP) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	emit(device.Evidence{Source: device.SourceARP, Addr: l.present, MAC: "44:a6:42:00:00:01", Fields: map[string]string{"arp.method": "request"}})
	select {
	case <-l.reached:
		l.early = true
	case <-time.After(2 * time.Second):
	}
	return nil
}
func (l *slowARP) Covered() []netip.Prefix { return []netip.Prefix{l.prefix} }

// reachSweeper closes reached when its scope yields at.
type reachSweeper struct {
	seenSweeper
	at      netip.Addr
	reached chan struct{}
}

func (r *reachSweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	it := scope.Iter()
	for a, ok := it.Next(); ok; a, ok = it.Next() {
		r.mu.Lock()
		r.seen = append(r.seen, a)
		r.mu.Unlock()
		if a == r.at {
			close(r.reached)
		}
	}
	return nil
}

// TestEngine_Run_sweepsStreamARPAnswers: the discovery sweeps run beside
// the ARP sweep and unicast to an address as soon as it answered ARP; the
// addresses silent to it on its prefix never get the salvo, and a sweep's
// reply alone does not make one present (the forged-source rule).
func TestEngine_Run_sweepsStreamARPAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		at := ip("198.18.0.2")
		reached := make(chan struct{})
		l2 := &slowARP{present: at, prefix: netip.MustParsePrefix("198.18.0.0/29"), reached: reached}
		udp := &reachSweeper{at: at, reached: reached}
		forged := deferSweeper{ip("198.18.0.3")} // a reply while ARP runs, from an address silent to it
		e, hosts := scan(t, Config{Targets: addrs(6), Scope: listScope{6},
			Sweepers:    []Sweeper{l2, udp, forged},
			HostProbers: []HostProber{&countingTCP{}}, Rate: 1e6, HostRate: 1e6})
		if !l2.early {
			t.Error("the unicast sweep did not reach the ARP-answered address while the ARP sweep ran")
		}
		if !slices.Equal(udp.seen, []netip.Addr{at}) {
			t.Errorf("unicast sweep went to %v, want only %v", udp.seen, at)
		}
		for _, h := range hosts {
			if h.Addr != at {
				t.Errorf("record of %v: only %v answered ARP", h.Addr, at)
			}
		}
		if u := e.Stats().Unproven; u != 1 {
			t.Errorf("Unproven %d, want 1 (the forged reply from .3)", u)
		}
	})
}

// TestEngine_liveRate: the liveness stage's new-address rate leaves the
// neighbour table room for the on-link hosts probed meanwhile (two
// entries each), never below a fifth of NewRate.
func TestEngine_liveRate(t *testing.T) {
	for _, tc := range []struct {
		onLink int
		want   float64
	}{{0, 250}, {11, 242.67}, {250, 83.33}, {neighbourBudget, 50}} {
		e, err := New(Config{Targets: addrs(8), Scope: listScope{8}, Liveness: &fakeLive{},
			HostProbers: []HostProber{&fakeTCP{}}})
		if err != nil {
			t.Fatal(err)
		}
		a := ip("198.18.100.1")
		for range tc.onLink {
			e.found.add(device.Evidence{Source: device.SourceARP, Addr: a, MAC: "44:a6:42:00:00:01"}, false)
			a = a.Next()
		}
		if got := e.liveRate(); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("%d on-link hosts: %.2f new addresses a second, want %.2f", tc.onLink, got, tc.want)
		}
	}
}

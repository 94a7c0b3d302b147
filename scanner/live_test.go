package scanner

import (
	"context"
	"math"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/camsweep/camsweep/device"
)

// fakeLive answers for the addresses in live (a RST on 80) and records
// which addresses its scope yields and how it was paced.
type fakeLive struct {
	live    []netip.Addr
	mu      sync.Mutex
	checked []netip.Addr
	newPace bool
}

func (f *fakeLive) Name() string { return "liveness" }
func (f *fakeLive) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	np, ok := pace.(NewPacer)
	f.newPace = ok
	it := scope.Iter()
	for a, ok := it.Next(); ok; a, ok = it.Next() {
		if np != nil {
			if err := np.WaitNew(ctx, a); err != nil {
				return err
			}
		}
		f.mu.Lock()
		f.checked = append(f.checked, a)
		f.mu.Unlock()
		if slices.Contains(f.live, a) {
			emit(device.Evidence{Source: device.SourceTCP, Addr: a, Port: 80, Fields: map[string]string{"tcp.state": "closed"}})
		}
	}
	// A ping reply meant for someone else: never a host of this run.
	emit(device.Evidence{Source: "icmp", Addr: netip.MustParseAddr("203.0.113.9"), Fields: map[string]string{"icmp.echo": "reply"}})
	return nil
}

// multicastSweeper records the addresses it unicasts to and, like a
// multicast reply, names one address that the liveness stage found silent.
type multicastSweeper struct {
	seenSweeper
	named netip.Addr
}

func (m *multicastSweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	emit(device.Evidence{Source: device.SourceWSD, Addr: m.named, Fields: map[string]string{"wsd.types": "dn:NetworkVideoTransmitter"}})
	return m.seenSweeper.Sweep(ctx, scope, pace, emit)
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestEngine_Run_livenessFirst: on 198.18.0.1-8, ARP covers .0/30 (.1-.3)
// and heard .2; the liveness stage checks only .4-.8 (ARP vouches for the
// rest) and hears .5 and .7; a multicast reply names .8. The unicast sweep
// and the host probes reach .2, .5, .7 and .8 only, and every host that
// answered anything, the RST-only ones too, gets a record.
func TestEngine_Run_livenessFirst(t *testing.T) {
	live := &fakeLive{live: []netip.Addr{ip("198.18.0.5"), ip("198.18.0.7")}}
	udp := &multicastSweeper{named: ip("198.18.0.8")}
	tcp := &countingTCP{}
	e, hosts := scan(t, Config{Targets: addrs(8), Scope: listScope{8},
		Sweepers:    []Sweeper{udp, l2Sweeper{present: ip("198.18.0.2"), prefix: netip.MustParsePrefix("198.18.0.0/30")}},
		Liveness:    live,
		HostProbers: []HostProber{tcp}, Rate: 1e6, HostRate: 1e6, NewRate: 1e6, ReportStrays: true})
	if !live.newPace {
		t.Error("the liveness stage was not handed a NewPacer")
	}
	wantChecked := []netip.Addr{ip("198.18.0.4"), ip("198.18.0.5"), ip("198.18.0.6"), ip("198.18.0.7"), ip("198.18.0.8")}
	if !slices.Equal(live.checked, wantChecked) {
		t.Errorf("liveness checked %v, want %v (not the ARP-covered prefix)", live.checked, wantChecked)
	}
	want := []netip.Addr{ip("198.18.0.2"), ip("198.18.0.5"), ip("198.18.0.7"), ip("198.18.0.8")}
	slices.SortFunc(udp.seen, netip.Addr.Compare)
	slices.SortFunc(tcp.hosts, netip.Addr.Compare)
	if !slices.Equal(udp.seen, want) {
		t.Errorf("unicast discovery went to %v, want %v", udp.seen, want)
	}
	if !slices.Equal(tcp.hosts, want) {
		t.Errorf("host probes went to %v, want %v", tcp.hosts, want)
	}
	var got []netip.Addr
	for _, h := range hosts {
		got = append(got, h.Addr)
		if h.OutOfScope {
			t.Errorf("a liveness answer from outside the scope made a host: %+v", h)
		}
	}
	slices.SortFunc(got, netip.Addr.Compare)
	if !slices.Equal(got, want) {
		t.Errorf("hosts %v, want %v", got, want)
	}
	st := e.Stats()
	if st.LiveChecked != 5 || st.LiveAnswered != 2 {
		t.Errorf("stats checked %d answered %d, want 5 and 2", st.LiveChecked, st.LiveAnswered)
	}
	if _, ok := st.Phases["liveness"]; !ok {
		t.Errorf("no liveness phase in %v", st.Phases)
	}
}

// TestEngine_Run_noLiveness: without a liveness stage every address gets
// the unicast salvo and the probes, as before issue 16.
func TestEngine_Run_noLiveness(t *testing.T) {
	udp := &seenSweeper{}
	tcp := &countingTCP{}
	e, err := New(Config{Targets: addrs(4), Scope: listScope{4}, Sweepers: []Sweeper{udp},
		HostProbers: []HostProber{tcp}, Rate: 1e6, HostRate: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, e, context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(udp.seen) != 4 || len(tcp.hosts) != 4 {
		t.Errorf("unicast to %v, probes to %v; want all 4 addresses", udp.seen, tcp.hosts)
	}
}

// failingLive fails at once: it proves nothing, so nothing is skipped.
type failingLive struct{}

func (failingLive) Name() string { return "liveness" }
func (failingLive) Sweep(context.Context, Scope, Pacer, func(device.Evidence)) error {
	return context.DeadlineExceeded
}

func TestEngine_Run_failedLivenessSkipsNothing(t *testing.T) {
	tcp := &countingTCP{}
	e, err := New(Config{Targets: addrs(4), Scope: listScope{4}, Liveness: failingLive{},
		HostProbers: []HostProber{tcp}, Rate: 1e6, HostRate: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, e, context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(tcp.hosts) != 4 {
		t.Errorf("probes to %v; want all 4 addresses", tcp.hosts)
	}
}

// TestNewPacer_perPrefix: new addresses are paced per destination prefix
// (a /16 here): 101 addresses of one /16 at 50 a second take 2 s after
// the burst of 5; a second /16 is paced apart and does not wait behind it.
func TestNewPacer_perPrefix(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inf := rate.NewLimiter(rate.Inf, 1)
		p := &newPacer{pacer: &pacer{global: inf, host: inf}, rate: 50, bits: 16}
		start := time.Now()
		a := ip("198.18.0.1")
		for range 105 {
			if err := p.WaitNew(t.Context(), a); err != nil {
				t.Fatal(err)
			}
			a = a.Next()
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("105 new addresses of one /16 at 50/s (burst 5) took %v, want 2s", d)
		}
		start = time.Now()
		if err := p.WaitNew(t.Context(), ip("198.19.0.1")); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("another /16 waited %v behind the first", d)
		}
	})
}

func TestNew_newRateValidated(t *testing.T) {
	for _, c := range []Config{{NewRate: -1}, {NewRate: math.NaN()}, {NewRate: math.Inf(1)}, {NewPrefix: -1}, {NewPrefix: 129}, {Liveness: failingLive{}}} {
		c.Targets, c.HostProbers = addrs(1), []HostProber{&countingTCP{}}
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

package scanner

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/camsweep/camsweep/device"
)

// addrs is a source of n addresses from 198.18.0.1 up.
func addrs(n int) AddrSource {
	var l AddrList
	base := netip.MustParseAddr("198.18.0.1")
	for range n {
		l = append(l, base)
		base = base.Next()
	}
	return l.Iter()
}

// fakeTCP answers "open" on the given ports for addresses whose last octet
// is odd, spending one pace token per port like a connect sweep.
type fakeTCP struct {
	ports    []uint16
	inFlight atomic.Int32
	maxSeen  atomic.Int32
	delay    time.Duration
}

func (f *fakeTCP) Name() string { return "tcp" }

func (f *fakeTCP) ProbeHost(ctx context.Context, tg Target, pace Pacer) ([]device.Evidence, error) {
	addr := tg.Addr
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxSeen.Load()
		if n <= m || f.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	var ev []device.Evidence
	for _, p := range f.ports {
		if err := pace.Wait(ctx); err != nil {
			return ev, err
		}
		if f.delay > 0 {
			select {
			case <-time.After(f.delay):
			case <-ctx.Done():
				return ev, ctx.Err()
			}
		}
		if addr.As4()[3]%2 == 1 {
			ev = append(ev, device.Evidence{Source: device.SourceTCP, Port: p, Fields: map[string]string{"tcp.state": "open"}})
		}
	}
	return ev, nil
}

type fakeHTTP struct{ calls atomic.Int32 }

func (f *fakeHTTP) Name() string             { return "http" }
func (f *fakeHTTP) Accepts(port uint16) bool { return port == 80 }
func (f *fakeHTTP) ProbePort(ctx context.Context, tg Target, pace Pacer) ([]device.Evidence, error) {
	ap := tg.AddrPort()
	f.calls.Add(1)
	if err := pace.Wait(ctx); err != nil {
		return nil, err
	}
	return []device.Evidence{{Source: device.SourceHTTP, Port: ap.Port(), Fields: map[string]string{"http.server": "x"}}}, nil
}

// scan runs a new Engine of cfg to the end; an error of New or Run fails
// the test.
func scan(t *testing.T, cfg Config) (*Engine, []device.Host) {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hosts, err := collect(t, e, context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return e, hosts
}

func collect(t *testing.T, e *Engine, ctx context.Context) ([]device.Host, error) {
	t.Helper()
	out := make(chan device.Host)
	var hosts []device.Host
	var wg sync.WaitGroup
	wg.Go(func() {
		for h := range out {
			hosts = append(hosts, h)
		}
	})
	err := e.Run(ctx, out)
	wg.Wait()
	return hosts, err
}

func TestEngine_Run_liveHostsOnlyWithFollowUps(t *testing.T) {
	tcp := &fakeTCP{ports: []uint16{554, 80}}
	http := &fakeHTTP{}
	e, hosts := scan(t, Config{Targets: addrs(20), HostProbers: []HostProber{tcp}, PortProbers: []PortProber{http}, Rate: 1e6, HostRate: 1e6,
		Neighbours: func() (map[netip.Addr]string, error) {
			return map[netip.Addr]string{netip.MustParseAddr("198.18.0.1"): "44:a6:42:00:00:01"}, nil
		}})
	if len(hosts) != 10 {
		t.Fatalf("got %d hosts, want the 10 odd ones", len(hosts))
	}
	if got := http.calls.Load(); got != 10 {
		t.Errorf("http probe ran %d times, want once per live host on port 80", got)
	}
	for _, h := range hosts {
		if !slices.Equal(h.Ports, []uint16{80, 554}) {
			t.Errorf("%s ports %v", h.Addr, h.Ports)
		}
		if len(h.Evidence) != 3 || h.Partial {
			t.Errorf("%s: %d evidence, partial %v", h.Addr, len(h.Evidence), h.Partial)
		}
		if h.Addr == netip.MustParseAddr("198.18.0.1") && h.MAC != "44:a6:42:00:00:01" {
			t.Errorf("MAC not filled from neighbour table: %q", h.MAC)
		}
		if h.Evidence[0].Addr != h.Addr || h.Evidence[0].Time.IsZero() {
			t.Errorf("evidence not stamped with address and time: %+v", h.Evidence[0])
		}
	}
	if s := e.Stats(); s.Probed != 20 || s.Alive != 10 {
		t.Errorf("stats %+v", s)
	}
}

// TestEngine_Run_neighbourTableFindsARPOnlyHost: a host that answered no
// probe but that the kernel resolved (it answers ARP only) is reported, with
// the MAC and one "arp" evidence saying where it came from; dead hosts the
// kernel could not resolve are not.
func TestEngine_Run_neighbourTableFindsARPOnlyHost(t *testing.T) {
	silent := netip.MustParseAddr("198.18.0.2") // even: fakeTCP finds nothing open
	_, hosts := scan(t, Config{Targets: addrs(4), HostProbers: []HostProber{&fakeTCP{ports: []uint16{80}}}, Rate: 1e6, HostRate: 1e6,
		Neighbours: func() (map[netip.Addr]string, error) {
			return map[netip.Addr]string{silent: "c0:56:e3:00:00:02"}, nil
		}})
	var found *device.Host
	for i := range hosts {
		if hosts[i].Addr == silent {
			found = &hosts[i]
		}
	}
	if len(hosts) != 3 || found == nil {
		t.Fatalf("got %d hosts (%v), want the 2 odd ones and %s", len(hosts), hosts, silent)
	}
	if found.MAC != "c0:56:e3:00:00:02" || len(found.Evidence) != 1 || found.Evidence[0].Source != device.SourceARP ||
		found.Evidence[0].Fields["arp.method"] != "kernel-neighbour" || len(found.Ports) != 0 {
		t.Errorf("ARP-only host: %+v", *found)
	}
}

func TestEngine_Run_globalRateBoundsWallTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tcp := &fakeTCP{ports: []uint16{80}}
		// 100 packets at 10/s with a burst of 1: about ten seconds.
		e, err := New(Config{Targets: addrs(100), HostProbers: []HostProber{tcp}, Rate: 10, HostRate: 10})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := collect(t, e, context.Background()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 9*time.Second || d > 11*time.Second {
			t.Errorf("100 packets at 10 pps took %v, want about 10s", d)
		}
	})
}

func TestEngine_Run_perHostRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ports := make([]uint16, 10)
		for i := range ports {
			ports[i] = uint16(1000 + i)
		}
		tcp := &fakeTCP{ports: ports}
		e, err := New(Config{Targets: addrs(1), HostProbers: []HostProber{tcp}, Rate: 1000, HostRate: 2})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := collect(t, e, context.Background()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 4*time.Second {
			t.Errorf("10 packets to one host at 2 pps took %v, want at least 4.5s", d)
		}
	})
}

func TestEngine_Run_concurrencyBound(t *testing.T) {
	tcp := &fakeTCP{ports: []uint16{80}, delay: 5 * time.Millisecond}
	e, err := New(Config{Targets: addrs(64), HostProbers: []HostProber{tcp}, Rate: 1e6, HostRate: 1e6, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, e, context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := tcp.maxSeen.Load(); m > 4 || m < 2 {
		t.Errorf("max hosts in flight %d, want 2..4", m)
	}
}

func TestEngine_Run_interruptFlushesPartialHosts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Every host has its first port answered, then stalls for a minute
		// on the next: the interrupt must end the stall and still deliver.
		tcp := &fakeTCP{ports: []uint16{80, 81, 82}, delay: 20 * time.Second}
		e, err := New(Config{Targets: addrs(1 << 16), HostProbers: []HostProber{tcp}, Rate: 1e6, HostRate: 1e6, Concurrency: 8})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(30*time.Second, cancel)
		start := time.Now()
		hosts, err := collect(t, e, ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 31*time.Second {
			t.Errorf("Run took %v after interrupt", d-30*time.Second)
		}
		if len(hosts) == 0 {
			t.Fatal("no hosts flushed")
		}
		for _, h := range hosts {
			if !h.Partial {
				t.Errorf("%s not marked partial", h.Addr)
			}
		}
		if s := e.Stats(); s.Probed >= 1<<16 {
			t.Errorf("probed %d: the feed did not stop", s.Probed)
		}
	})
}

func TestNew_validates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("no targets accepted")
	}
	if _, err := New(Config{Targets: addrs(1)}); err == nil {
		t.Error("no probers accepted")
	}
	if _, err := New(Config{Targets: addrs(1), HostProbers: []HostProber{&fakeTCP{}}, Rate: -1}); err == nil {
		t.Error("negative rate accepted")
	}
}

// fakeSweeper answers for one in-scope and one out-of-scope address.
type fakeSweeper struct{ in, out netip.Addr }

func (f fakeSweeper) Name() string { return "fake" }
func (f fakeSweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	it := scope.Iter()
	for a, ok := it.Next(); ok; a, ok = it.Next() {
		if err := pace.Wait(ctx); err != nil {
			return err
		}
		if a == f.in {
			emit(device.Evidence{Source: device.SourceWSD, Addr: a, MAC: "44:a6:42:00:00:02", Fields: map[string]string{"wsd.types": "dn:NetworkVideoTransmitter"}})
		}
	}
	emit(device.Evidence{Source: device.SourceWSD, Addr: f.out, Fields: map[string]string{"wsd.types": "dn:NetworkVideoTransmitter"}})
	return nil
}

type listScope struct{ n int }

func (s listScope) Iter() AddrSource { return addrs(s.n) }
func (s listScope) Contains(a netip.Addr) bool {
	for it := addrs(s.n); ; {
		b, ok := it.Next()
		if !ok {
			return false
		}
		if a == b {
			return true
		}
	}
}

func TestEngine_Run_sweepEvidenceJoinsHostAndStraysAreReported(t *testing.T) {
	in := netip.MustParseAddr("198.18.0.2") // even: the TCP fake finds nothing there
	out := netip.MustParseAddr("198.19.5.5")
	for _, strays := range []bool{true, false} {
		_, hosts := scan(t, Config{Targets: addrs(4), Scope: listScope{4}, Sweepers: []Sweeper{fakeSweeper{in: in, out: out}},
			HostProbers: []HostProber{&fakeTCP{ports: []uint16{80}}}, Rate: 1e6, HostRate: 1e6, ReportStrays: strays})
		byAddr := map[netip.Addr]device.Host{}
		for _, h := range hosts {
			byAddr[h.Addr] = h
		}
		h, ok := byAddr[in]
		if !ok || len(h.Evidence) != 1 || h.MAC != "44:a6:42:00:00:02" || h.OutOfScope || h.FirstSeen.IsZero() {
			t.Errorf("strays=%v: swept in-scope host %+v (found %v)", strays, h, ok)
		}
		s, ok := byAddr[out]
		if ok != strays || (ok && !s.OutOfScope) {
			t.Errorf("strays=%v: out-of-scope responder %+v (found %v)", strays, s, ok)
		}
		if want := 3 + map[bool]int{true: 1}[strays]; len(hosts) != want {
			t.Errorf("strays=%v: %d hosts, want %d", strays, len(hosts), want)
		}
	}
}

// TestEngine_Run_ipv6Stray: a sweeper may emit evidence of an IPv6
// responder (mDNS heard over ff02::fb with no A record in scope); the IPv4
// scope does not contain it, so it is a stray, reported out of scope.
func TestEngine_Run_ipv6Stray(t *testing.T) {
	in := netip.MustParseAddr("198.18.0.2")
	out := netip.MustParseAddr("fe80::1a68:cbff:fe15:b284")
	_, hosts := scan(t, Config{Targets: addrs(4), Scope: listScope{4}, Sweepers: []Sweeper{fakeSweeper{in: in, out: out}},
		HostProbers: []HostProber{&fakeTCP{ports: []uint16{80}}}, Rate: 1e6, HostRate: 1e6, ReportStrays: true})
	var stray []device.Host
	for _, h := range hosts {
		if h.Addr == out {
			stray = append(stray, h)
		}
	}
	if len(stray) != 1 || !stray[0].OutOfScope || stray[0].Partial || len(stray[0].Evidence) != 1 {
		t.Errorf("IPv6 responder %+v, want one out-of-scope host with its evidence", stray)
	}
}

func TestNew_sweepersNeedScope(t *testing.T) {
	if _, err := New(Config{Targets: addrs(1), Sweepers: []Sweeper{fakeSweeper{}}, HostProbers: []HostProber{&fakeTCP{}}}); err == nil {
		t.Error("sweepers without a scope accepted")
	}
}

// l2Sweeper answers for one address and proves absence on its prefix.
type l2Sweeper struct {
	present netip.Addr
	prefix  netip.Prefix
}

func (l l2Sweeper) Name() string { return "arp" }
func (l l2Sweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	emit(device.Evidence{Source: device.SourceARP, Addr: l.present, MAC: "44:a6:42:00:00:01", Fields: map[string]string{"arp.method": "request"}})
	return nil
}
func (l l2Sweeper) Covered() []netip.Prefix { return []netip.Prefix{l.prefix} }

// seenSweeper records which addresses its scope yields.
type seenSweeper struct {
	mu   sync.Mutex
	seen []netip.Addr
}

func (s *seenSweeper) Name() string { return "udp" }
func (s *seenSweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	it := scope.Iter()
	for a, ok := it.Next(); ok; a, ok = it.Next() {
		s.mu.Lock()
		s.seen = append(s.seen, a)
		s.mu.Unlock()
	}
	return nil
}

// countingTCP counts the hosts it is asked to probe.
type countingTCP struct {
	mu    sync.Mutex
	hosts []netip.Addr
}

func (c *countingTCP) Name() string { return "tcp" }
func (c *countingTCP) ProbeHost(ctx context.Context, tg Target, pace Pacer) ([]device.Evidence, error) {
	addr := tg.Addr
	c.mu.Lock()
	c.hosts = append(c.hosts, addr)
	c.mu.Unlock()
	return nil, nil
}

func TestEngine_Run_absenceSkipsSilentOnLinkAddresses(t *testing.T) {
	// Addresses 198.18.0.1-4; the L2 sweep covers 198.18.0.0/30 (.1-.3)
	// and heard only .2. The UDP sweep and the TCP probes must skip .1 and
	// .3 but still reach .2 and .4 (outside the covered prefix).
	present := netip.MustParseAddr("198.18.0.2")
	udp := &seenSweeper{}
	tcp := &countingTCP{}
	e, hosts := scan(t, Config{Targets: addrs(4), Scope: listScope{4},
		Sweepers:    []Sweeper{udp, l2Sweeper{present: present, prefix: netip.MustParsePrefix("198.18.0.0/30")}},
		HostProbers: []HostProber{tcp}, Rate: 1e6, HostRate: 1e6})
	want := []netip.Addr{present, netip.MustParseAddr("198.18.0.4")}
	slices.SortFunc(udp.seen, netip.Addr.Compare)
	slices.SortFunc(tcp.hosts, netip.Addr.Compare)
	if !slices.Equal(udp.seen, want) {
		t.Errorf("UDP sweep saw %v, want %v", udp.seen, want)
	}
	if !slices.Equal(tcp.hosts, want) {
		t.Errorf("TCP probed %v, want %v", tcp.hosts, want)
	}
	if len(hosts) != 1 || hosts[0].Addr != present || hosts[0].MAC == "" {
		t.Errorf("hosts %+v, want only %s with its MAC", hosts, present)
	}
	ph := e.Stats().Phases
	for _, name := range []string{udp.Name(), l2Sweeper{}.Name(), "hosts"} {
		if _, ok := ph[name]; !ok {
			t.Errorf("no phase time for %q: %v", name, ph)
		}
	}
}

// hintingProber is a PortProber on port 80 that also hints the ports its
// host's swept evidence names in "wsd.xaddrs" (a port number, for the test).
type hintingProber struct {
	mu    sync.Mutex
	calls []netip.AddrPort
	swept []int
}

func (h *hintingProber) Name() string             { return "onvif" }
func (h *hintingProber) Accepts(port uint16) bool { return port == 80 }
func (h *hintingProber) HintPorts(tg Target) []uint16 {
	var out []uint16
	for _, ev := range tg.Swept {
		if ev.Addr == tg.Addr && ev.Fields["wsd.xaddrs"] != "" {
			out = append(out, 8899, 80) // 80 was probed already
		}
	}
	return out
}
func (h *hintingProber) ProbePort(ctx context.Context, tg Target, pace Pacer) ([]device.Evidence, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, tg.AddrPort())
	h.swept = append(h.swept, len(tg.Swept))
	return nil, pace.Wait(ctx)
}

type xaddrSweeper struct{ at netip.Addr }

func (x xaddrSweeper) Name() string { return "wsd" }
func (x xaddrSweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	emit(device.Evidence{Source: device.SourceWSD, Addr: x.at, Fields: map[string]string{"wsd.xaddrs": "8899"}})
	return nil
}

// TestEngine_Run_hintedPortsAndSweptEvidence: a PortHinter is asked about
// the ports its host's sweep evidence names, once each, with that evidence
// on the context; hosts without it are not.
func TestEngine_Run_hintedPortsAndSweptEvidence(t *testing.T) {
	at := netip.MustParseAddr("198.18.0.3")
	hp := &hintingProber{}
	e, err := New(Config{Targets: addrs(4), Scope: listScope{4}, Sweepers: []Sweeper{xaddrSweeper{at}},
		HostProbers: []HostProber{&fakeTCP{ports: []uint16{80}}}, PortProbers: []PortProber{hp}, Rate: 1e6, HostRate: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, e, context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, c := range hp.calls {
		if c.Addr() == at {
			got = append(got, c.String())
			if hp.swept[i] != 1 {
				t.Errorf("%s: %d swept evidence on the context", c, hp.swept[i])
			}
		} else if hp.swept[i] != 0 {
			t.Errorf("%s: swept evidence of another host", c)
		}
	}
	if want := []string{"198.18.0.3:80", "198.18.0.3:8899"}; !slices.Equal(got, want) {
		t.Errorf("calls at %s: %v, want %v", at, got, want)
	}
	if len(hp.calls) != 3 { // 198.18.0.1:80, and the two above
		t.Errorf("calls %v", hp.calls)
	}
}

// mismatchHTTP answers its port in another protocol.
type mismatchHTTP struct{}

func (mismatchHTTP) Name() string          { return "http" }
func (mismatchHTTP) Accepts(p uint16) bool { return p == 80 }
func (mismatchHTTP) ProbePort(context.Context, Target, Pacer) ([]device.Evidence, error) {
	return nil, fmt.Errorf("http: %w", Mismatch("not an HTTP response"))
}

// TestEngine_Run_outcomeTypedBesideMessage: a prober's failure reaches the
// host twice, as the human message in Errors and as an Outcome whose
// Status machines read, with the same message and the prober's name.
func TestEngine_Run_outcomeTypedBesideMessage(t *testing.T) {
	_, hosts := scan(t, Config{Targets: addrs(1), HostProbers: []HostProber{&fakeTCP{ports: []uint16{80}}}, PortProbers: []PortProber{mismatchHTTP{}}, Rate: 1e6, HostRate: 1e6})
	if len(hosts) != 1 || len(hosts[0].Errors) != 1 || len(hosts[0].Outcomes) != 1 {
		t.Fatalf("hosts %+v", hosts)
	}
	want := device.Outcome{Method: "http", Status: device.StatusProtocolMismatch, Message: hosts[0].Errors[0]}
	if got := hosts[0].Outcomes[0]; got != want || want.Message != "http: http: not an HTTP response" {
		t.Errorf("outcome %+v, want %+v", got, want)
	}
}

package tcpprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

var localhost = netip.MustParseAddr("127.0.0.1")

func TestProber_ProbeHost_openAndClosed(t *testing.T) {
	a, b, closed := scantest.OpenPort(t), scantest.OpenPort(t), scantest.ClosedPort(t)
	pace := &scantest.Pacer{}
	p := scantest.Build(t, New, Config{Ports: []uint16{b, closed, a}})
	ev, err := p.ProbeHost(t.Context(), scanner.Target{Addr: localhost}, pace)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ev {
		if e.Source != "tcp" || e.Addr != localhost || len(e.Fields) != 1 {
			t.Errorf("evidence = %+v", e)
		}
		got = append(got, fmt.Sprintf("%d/%s", e.Port, e.Fields["tcp.state"]))
	}
	// The RST of the closed port is evidence too: it proves the host is
	// there (issue 16 item 1).
	if want := []string{fmt.Sprintf("%d/open", b), fmt.Sprintf("%d/closed", closed), fmt.Sprintf("%d/open", a)}; !slices.Equal(got, want) {
		t.Errorf("ports = %v, want %v (port-list order)", got, want)
	}
	if n := pace.N.Load(); n != 3 {
		t.Errorf("pace.Wait called %d times, want 3", n)
	}
}

// fakeDial records how many dials are in flight at once.
type fakeDial struct {
	inFlight, peak, calls atomic.Int32
	hold                  time.Duration
	err                   error
}

func (f *fakeDial) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	f.calls.Add(1)
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	select {
	case <-time.After(f.hold):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if f.err != nil {
		return nil, f.err
	}
	c1, c2 := net.Pipe()
	c2.Close()
	return c1, nil
}

func TestProber_ProbeHost_parallelBound(t *testing.T) {
	fd := &fakeDial{hold: 20 * time.Millisecond}
	ports := []uint16{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	pace := &scantest.Pacer{}
	p := scantest.Build(t, New, Config{Ports: ports, Parallel: 2, Dial: fd.dial})
	ev, err := p.ProbeHost(t.Context(), scanner.Target{Addr: localhost}, pace)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != len(ports) {
		t.Errorf("got %d evidence, want %d", len(ev), len(ports))
	}
	if peak := fd.peak.Load(); peak != 2 {
		t.Errorf("peak concurrency %d, want 2", peak)
	}
	if n := pace.N.Load(); n != int64(len(ports)) || fd.calls.Load() != int32(len(ports)) {
		t.Errorf("pace.Wait %d times, dial %d times; want %d each", n, fd.calls.Load(), len(ports))
	}
}

func TestProber_ProbeHost_defaultParallel(t *testing.T) {
	fd := &fakeDial{hold: 10 * time.Millisecond}
	p := scantest.Build(t, New, Config{Dial: fd.dial})
	if _, err := p.ProbeHost(t.Context(), scanner.Target{Addr: localhost}, &scantest.Pacer{}); err != nil {
		t.Fatal(err)
	}
	if peak := fd.peak.Load(); peak != DefaultParallel {
		t.Errorf("peak concurrency %d, want %d", peak, DefaultParallel)
	}
	if !slices.Equal(p.Ports(), DefaultPorts) {
		t.Errorf("Ports() = %v", p.Ports())
	}
}

func TestProber_ProbeHost_timeoutIsFiltered(t *testing.T) {
	fd := &fakeDial{hold: time.Hour}
	p := scantest.Build(t, New, Config{Ports: []uint16{80, 554}, Timeout: 50 * time.Millisecond, Dial: fd.dial})
	ev, err := p.ProbeHost(t.Context(), scanner.Target{Addr: localhost}, &scantest.Pacer{})
	if ev != nil || err != nil {
		t.Errorf("got %v, %v; want no evidence, no error", ev, err)
	}
}

func TestProber_ProbeHost_refusedIsClosed(t *testing.T) {
	fd := &fakeDial{err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	p := scantest.Build(t, New, Config{Ports: []uint16{80}, Dial: fd.dial})
	ev, err := p.ProbeHost(t.Context(), scanner.Target{Addr: localhost}, &scantest.Pacer{})
	if err != nil || len(ev) != 1 || ev[0].Port != 80 || ev[0].Fields["tcp.state"] != "closed" {
		t.Errorf("got %v, %v; want one tcp.state=closed evidence on 80, no error", ev, err)
	}
}

func TestProber_ProbeHost_otherErrorsReported(t *testing.T) {
	fd := &fakeDial{err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.EACCES}}
	p := scantest.Build(t, New, Config{Ports: []uint16{80, 443}, Dial: fd.dial})
	_, err := p.ProbeHost(t.Context(), scanner.Target{Addr: localhost}, &scantest.Pacer{})
	if !errors.Is(err, syscall.EACCES) {
		t.Errorf("error = %v, want EACCES", err)
	}
}

func TestProber_ProbeHost_cancelled(t *testing.T) {
	fd := &fakeDial{hold: time.Hour}
	p := scantest.Build(t, New, Config{Ports: DefaultPorts, Timeout: time.Hour, Dial: fd.dial})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := p.ProbeHost(ctx, scanner.Target{Addr: localhost}, &scantest.Pacer{})
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v after cancel", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if n := fd.calls.Load(); n > DefaultParallel {
		t.Errorf("%d dials started, want at most %d before the cancel", n, DefaultParallel)
	}
}

type failingPacer struct{ err error }

func (p failingPacer) Wait(context.Context) error { return p.err }

func TestProber_ProbeHost_pacerRefuses(t *testing.T) {
	fd := &fakeDial{}
	p := scantest.Build(t, New, Config{Dial: fd.dial})
	stop := errors.New("budget exhausted")
	if _, err := p.ProbeHost(t.Context(), scanner.Target{Addr: localhost}, failingPacer{stop}); !errors.Is(err, stop) {
		t.Errorf("error = %v, want the pacer's", err)
	}
	if fd.calls.Load() != 0 {
		t.Error("dialled without the pacer's permission")
	}
}

func TestNew(t *testing.T) {
	for _, bad := range []Config{
		{Parallel: -1},
		{Timeout: -time.Second},
		{Ports: []uint16{80, 0}},
		{Ports: []uint16{80, 80}},
	} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
	p, err := New(Config{})
	if err != nil || p.Name() != "tcp" {
		t.Fatalf("New(Config{}) = %v, %v", p, err)
	}
	var _ scanner.HostProber = p
}

// portDial answers per port: open, refused, or silent until the deadline.
type portDial struct {
	open, refused []uint16
	tried         atomic.Int32
}

func (d *portDial) dial(ctx context.Context, _, address string) (net.Conn, error) {
	d.tried.Add(1)
	port := netip.MustParseAddrPort(address).Port()
	switch {
	case slices.Contains(d.open, port):
		c, s := net.Pipe()
		s.Close()
		return c, nil
	case slices.Contains(d.refused, port):
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestProber_ProbeHost_liveness(t *testing.T) {
	for _, tc := range []struct {
		name       string
		d          *portDial
		knownAlive bool
		liveness   int
		tried      int32
		open       []uint16
	}{
		// Nothing answers on 80, 443, 554: the address is absent, stop.
		{name: "silent host skipped", d: &portDial{}, tried: 3},
		// A refusal on 443 proves the host is there: try the rest.
		{name: "refusal keeps going", d: &portDial{refused: []uint16{443}, open: []uint16{8000}}, tried: 9, open: []uint16{8000}},
		{name: "open port keeps going", d: &portDial{open: []uint16{554, 37777}}, tried: 9, open: []uint16{554, 37777}},
		// A sweep heard from it: silence on the first ports proves nothing.
		{name: "known alive tries all", d: &portDial{open: []uint16{8000}}, knownAlive: true, tried: 9, open: []uint16{8000}},
		{name: "liveness off tries all", d: &portDial{open: []uint16{8000}}, liveness: -1, tried: 9, open: []uint16{8000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := scantest.Build(t, New, Config{Dial: tc.d.dial, Timeout: 20 * time.Millisecond, Liveness: tc.liveness})
			ev, err := p.ProbeHost(t.Context(), scanner.Target{Addr: localhost, KnownAlive: tc.knownAlive}, &scantest.Pacer{})
			if err != nil {
				t.Fatal(err)
			}
			var open []uint16
			for _, e := range ev {
				if e.Fields["tcp.state"] == "open" {
					open = append(open, e.Port)
				}
			}
			if got := tc.d.tried.Load(); got != tc.tried || !slices.Equal(open, tc.open) {
				t.Errorf("tried %d ports, open %v; want %d, %v", got, open, tc.tried, tc.open)
			}
		})
	}
}

// TestProber_ProbeHost_knownStatesNotAskedAgain: ports whose state the
// liveness stage already drew (a SYN-ACK on 80, a RST on 554) get no
// connect and no second evidence; the other ports are tried, and a state
// swept for another address counts for nothing.
func TestProber_ProbeHost_knownStatesNotAskedAgain(t *testing.T) {
	d := &portDial{open: []uint16{80, 8000}, refused: []uint16{443}}
	p := scantest.Build(t, New, Config{Dial: d.dial, Timeout: 20 * time.Millisecond, Ports: []uint16{80, 443, 554, 8000}})
	swept := []device.Evidence{
		{Source: device.SourceTCP, Addr: localhost, Port: 80, Fields: map[string]string{"tcp.state": "open"}},
		{Source: device.SourceTCP, Addr: localhost, Port: 554, Fields: map[string]string{"tcp.state": "closed"}},
		{Source: device.SourceTCP, Addr: netip.MustParseAddr("127.0.0.2"), Port: 8000, Fields: map[string]string{"tcp.state": "closed"}},
	}
	pace := &scantest.Pacer{}
	ev, err := p.ProbeHost(t.Context(), scanner.Target{Addr: localhost, KnownAlive: true, Swept: swept}, pace)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ev {
		got = append(got, fmt.Sprintf("%d/%s", e.Port, e.Fields["tcp.state"]))
	}
	if want := []string{"443/closed", "8000/open"}; !slices.Equal(got, want) {
		t.Errorf("evidence %v, want %v", got, want)
	}
	if n := d.tried.Load(); n != 2 || pace.N.Load() != 2 {
		t.Errorf("%d connects, %d paced; want 2 (443 and 8000)", n, pace.N.Load())
	}
}

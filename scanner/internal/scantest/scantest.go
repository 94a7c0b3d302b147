// Package scantest holds the small fakes the scanner packages' tests share:
// a Scope over a fixed list of addresses, a Pacer that counts, TCP and UDP
// responders on loopback, and a collector of a sweeper's evidence
// (scantest.go); fixture readers, golden field files and the pure parsers'
// common checks (fields.go).
package scantest

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/vendors"
)

// Scope is a scanner.Scope over a fixed list, in order.
type Scope = scanner.AddrList

// Pacer is a scanner.Pacer that never waits and counts its calls in N.
type Pacer struct{ N atomic.Int64 }

// Wait implements scanner.Pacer.
func (p *Pacer) Wait(ctx context.Context) error {
	p.N.Add(1)
	return ctx.Err()
}

// ServeTCP answers every connection to 127.0.0.1:0 with handle until the
// test ends; done closes then, for handlers that stall. It returns the
// listener's address.
func ServeTCP(t testing.TB, handle func(c net.Conn, done <-chan struct{})) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				handle(c, done)
			})
		}
	})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
	return netip.MustParseAddrPort(ln.Addr().String())
}

// ServeUDP answers every datagram that reaches addr:port (port 0: a free
// one) with the payloads reply returns, sent back to the sender, until the
// test ends. It returns the port, so that further responders on other
// loopback addresses can share it as a device population does.
func ServeUDP(t testing.TB, addr string, port int, reply func(req []byte) [][]byte) int {
	t.Helper()
	return ServeUDPTo(t, addr, port, func(req []byte, _ *net.UDPAddr) ([][]byte, *net.UDPAddr) {
		return reply(req), nil
	})
}

// ServeUDPTo is ServeUDP for devices that answer elsewhere than the
// sender (XMEye's reply to the discovery port): reply also names where
// its payloads go, nil meaning the sender.
func ServeUDPTo(t testing.TB, addr string, port int, reply func(req []byte, from *net.UDPAddr) ([][]byte, *net.UDPAddr)) int {
	t.Helper()
	pc, err := net.ListenPacket("udp4", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		pc.Close()
		wg.Wait()
	})
	wg.Go(func() {
		buf := make([]byte, 64<<10) // any datagram
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			ua := from.(*net.UDPAddr)
			reps, to := reply(append([]byte(nil), buf[:n]...), ua)
			if to == nil {
				to = ua
			}
			for _, r := range reps {
				pc.WriteTo(r, to)
			}
		}
	})
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// Collect runs one sweep and returns what it emitted, by address; a sweep
// error fails the test.
func Collect(t testing.TB, s scanner.Sweeper, scope scanner.Scope, pace scanner.Pacer) map[netip.Addr][]device.Evidence {
	t.Helper()
	var mu sync.Mutex
	got := map[netip.Addr][]device.Evidence{}
	if err := s.Sweep(t.Context(), scope, pace, func(ev device.Evidence) {
		mu.Lock()
		defer mu.Unlock()
		got[ev.Addr] = append(got[ev.Addr], ev)
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// SweepAddrs runs one sweep over the named addresses, in order, and
// returns what it emitted by address and how often it asked the pacer.
func SweepAddrs(t testing.TB, s scanner.Sweeper, addrs ...string) (map[netip.Addr][]device.Evidence, int64) {
	t.Helper()
	scope := make(Scope, len(addrs))
	for i, a := range addrs {
		scope[i] = netip.MustParseAddr(a)
	}
	var pace Pacer
	got := Collect(t, s, scope, &pace)
	return got, pace.N.Load()
}

// Loopback is the machine's loopback interface, for the IPv6 multicast
// paths that send per interface; the test is skipped where there is none.
func Loopback(t testing.TB) net.Interface {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagLoopback != 0 {
			return ifi
		}
	}
	t.Skip("no loopback interface")
	return net.Interface{}
}

// StallCancels serves a port that accepts and then says nothing until the
// test ends, runs probe against it under a context that expires after
// 100ms, and fails unless probe returns that context's error: a prober
// with long timeouts must still give way to its caller.
func StallCancels(t testing.TB, probe func(ctx context.Context, ap netip.AddrPort) error) {
	t.Helper()
	stall := ServeTCP(t, func(_ net.Conn, done <-chan struct{}) { <-done })
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := probe(ctx, stall); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the context's", err)
	}
}

// OpenPort is a port of 127.0.0.1 that accepts every connection and
// closes it at once, until the test ends.
func OpenPort(t testing.TB) uint16 {
	t.Helper()
	return ServeTCP(t, func(net.Conn, <-chan struct{}) {}).Port()
}

// ClosedPort is a port of 127.0.0.1 that was free a moment ago: a connect
// to it is refused, unless another process took it since.
func ClosedPort(t testing.TB) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return netip.MustParseAddrPort(ln.Addr().String()).Port()
}

// ClosedAddr is ClosedPort on 127.0.0.1.
func ClosedAddr(t testing.TB) netip.AddrPort {
	t.Helper()
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ClosedPort(t))
}

// Build calls a prober's or sweeper's New with cfg, failing the test on
// an error: the tests' newProber helpers are one line of it.
func Build[C, P any](t testing.TB, mk func(C) (P, error), cfg C) P {
	t.Helper()
	p, err := mk(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Identifier is the fingerprint engine over the embedded vendor catalog,
// for tests that check what the rules make of a package's fields.
func Identifier(t testing.TB) *fingerprint.Engine {
	t.Helper()
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := fingerprint.New(fingerprint.Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

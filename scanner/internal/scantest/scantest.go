// Package scantest holds the small fakes the scanner packages' tests share:
// a Scope over a fixed list of addresses and a Pacer that counts.
package scantest

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/camsweep/camsweep/scanner"
)

// Scope is a scanner.Scope over a fixed list, in order.
type Scope []netip.Addr

type iter struct {
	s Scope
	i int
}

func (it *iter) Next() (netip.Addr, bool) {
	if it.i >= len(it.s) {
		return netip.Addr{}, false
	}
	it.i++
	return it.s[it.i-1], true
}

// Iter implements scanner.Scope.
func (s Scope) Iter() scanner.AddrSource { return &iter{s: s} }

// Contains implements scanner.Scope.
func (s Scope) Contains(a netip.Addr) bool { return slices.Contains(s, a) }

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

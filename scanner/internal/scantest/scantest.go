// Package scantest holds the small fakes the scanner packages' tests share:
// a Scope over a fixed list of addresses and a Pacer that counts.
package scantest

import (
	"context"
	"net/netip"
	"slices"
	"sync/atomic"

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

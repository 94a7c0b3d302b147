package scanner

import (
	"net/netip"
	"slices"
)

// AddrList is a Scope over a few addresses, in order: the hosts one mDNS
// follow-up queries, and the tests' scopes. A large scope is a
// targets.Set, which does not hold its addresses.
type AddrList []netip.Addr

// Iter implements Scope.
func (l AddrList) Iter() AddrSource { return &addrListIter{l: l} }

// Contains implements Scope.
func (l AddrList) Contains(a netip.Addr) bool { return slices.Contains(l, a) }

type addrListIter struct {
	l AddrList
	i int
}

func (it *addrListIter) Next() (netip.Addr, bool) {
	if it.i >= len(it.l) {
		return netip.Addr{}, false
	}
	it.i++
	return it.l[it.i-1], true
}

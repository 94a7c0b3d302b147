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

// Scope is what a run may touch.
type Scope interface {
	// Iter returns a fresh iterator over the addresses to probe.
	Iter() AddrSource
	// Contains reports whether an address is in scope (before sharding).
	Contains(netip.Addr) bool
}

// found holds sweep evidence by address until the host's probes run. It
// only ever holds responders, so it stays small on sparse ranges.
type found struct {
	mu    sync.Mutex
	hosts map[netip.Addr][]device.Evidence
}

func (f *found) add(ev device.Evidence) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hosts == nil {
		f.hosts = map[netip.Addr][]device.Evidence{}
	}
	f.hosts[ev.Addr] = append(f.hosts[ev.Addr], ev)
}

// take removes and returns the evidence of addr.
func (f *found) take(addr netip.Addr) []device.Evidence {
	f.mu.Lock()
	defer f.mu.Unlock()
	ev := f.hosts[addr]
	delete(f.hosts, addr)
	return ev
}

// rest removes and returns everything left, for the strays pass.
func (f *found) rest() map[netip.Addr][]device.Evidence {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.hosts
	f.hosts = nil
	return m
}

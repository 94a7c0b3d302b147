package mdns

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/camsweep/camsweep/device"
)

// A response heard over IPv6 comes from a link-local address, which no
// target is: targets are IPv4. Its A records say which IPv4 host it is.

// Via6 is the value of mdns.via on evidence heard over IPv6.
const Via6 = "ipv6"

// Bounds of what a sweep keeps of the IPv6 responses it could not tie to
// the scope at once.
const (
	maxLinked  = 4096 // IPv6 addresses named by in-scope IPv4 responders
	maxPending = 1024 // evidence items waiting for the end of the sweep
	// maxClaims6 is how many in-scope IPv4 addresses one IPv6 sender's A
	// records may have its evidence filed under in a sweep: a device has
	// one address an interface, a few with aliases. A records cost nothing
	// to forge, so one sender naming a hundred targets (or a target an
	// earlier sender named already) must not give them its identity nor
	// make hosts of them: its evidence then stays its own.
	maxClaims6 = 4
	maxOwners6 = 4096 // IPv4 addresses whose IPv6 claimant is remembered
)

// heard6 ties IPv6 responders to IPv4 ones. An IPv4 responder whose answer
// gives its host an IPv6 address (Avahi publishes AAAA over IPv4 by
// default, but no A over IPv6) names the IPv4 host behind that address.
type heard6 struct {
	mu      sync.Mutex
	linked  map[netip.Addr]netip.Addr // IPv6 address -> in-scope IPv4 responder
	pending []device.Evidence
	// owner is the IPv6 sender whose A records first claimed an in-scope
	// IPv4 address; claims what each sender claimed.
	owner  map[netip.Addr]netip.Addr
	claims map[netip.Addr][]netip.Addr
}

// claim reports whether the IPv6 sender may have evidence filed under all
// of to: no other sender claimed one of them first, and the sender's
// claims stay within maxClaims6. All or none: an item is filed whole.
func (h *heard6) claim(sender netip.Addr, to []netip.Addr) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	mine := h.claims[sender]
	n := len(mine)
	for _, a := range to {
		if o, ok := h.owner[a]; ok && o != sender {
			return false
		}
		if !slices.Contains(mine, a) {
			n++
		}
	}
	if n > maxClaims6 || len(h.owner)+n-len(mine) > maxOwners6 {
		return false
	}
	if h.owner == nil {
		h.owner, h.claims = map[netip.Addr]netip.Addr{}, map[netip.Addr][]netip.Addr{}
	}
	for _, a := range to {
		if !slices.Contains(mine, a) {
			mine = append(mine, a)
			h.owner[a] = sender
		}
	}
	h.claims[sender] = mine
	return true
}

// link notes the IPv6 addresses an in-scope IPv4 responder's answer gives.
func (h *heard6) link(from netip.Addr, m Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, host := range m.Hosts {
		for _, a := range host.Addrs {
			if !a.Is6() || a.Is4In6() {
				continue
			}
			a = a.WithZone("")
			if _, dup := h.linked[a]; dup || len(h.linked) >= maxLinked {
				continue
			}
			if h.linked == nil {
				h.linked = map[netip.Addr]netip.Addr{}
			}
			h.linked[a] = from
		}
	}
}

// handle6 files the evidence of a response heard over IPv6 under the
// in-scope IPv4 addresses its A records give (Attribute6), marked
// mdns.via=ipv6, within the sender's share (heard6.claim; beyond it the
// item is the IPv6 sender's own). Items none of whose addresses is in
// scope wait for the end of the sweep (flush).
func (w *sweep) handle6(from netip.AddrPort, m Message) {
	all := m.addrs4()
	for _, a := range all {
		if w.scope.Contains(a) {
			w.f.heard(a, m)
		}
	}
	// The zone names our interface, not the device; address fields of
	// SIEMs take no zone.
	src := netip.AddrPortFrom(from.Addr().WithZone(""), from.Port())
	for _, ev := range m.Evidence(src) {
		ev.Fields["mdns.via"] = Via6
		to := Attribute6(ev.Fields["mdns.addrs"], all, w.scope.Contains)
		if len(to) > 0 && !w.v6.claim(src.Addr(), to) {
			w.once(ev) // more than its share, or another's: its own evidence
			continue
		}
		if len(to) == 0 {
			if !w.v6.wait(ev) {
				w.once(ev) // too many waiting: filed under the IPv6 sender now
			}
			continue
		}
		for _, a := range to {
			e := ev
			e.Addr, e.Fields = a, maps.Clone(ev.Fields)
			w.once(e)
		}
	}
}

// wait keeps ev for flush; false when too many wait already.
func (h *heard6) wait(ev device.Evidence) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.pending) >= maxPending {
		return false
	}
	h.pending = append(h.pending, ev)
	return true
}

// flush emits what waited: under the IPv4 responder that named the IPv6
// sender in an AAAA record, else under the IPv6 sender itself, which the
// engine reports as a host outside the scope.
func (w *sweep) flush() {
	w.v6.mu.Lock()
	pending, linked := w.v6.pending, w.v6.linked
	w.v6.pending = nil
	w.v6.mu.Unlock()
	for _, ev := range pending {
		if a, ok := linked[ev.Addr]; ok {
			ev.Addr = a
		}
		w.once(ev)
	}
}

// Attribute6 returns the in-scope IPv4 addresses an item of evidence heard
// over IPv6 belongs to: those among its own host's addresses (addrs, its
// mdns.addrs field) when that host has IPv4 addresses, else those among
// every A record of the message (all), for an item that names no host
// (the service type list) or whose host has only AAAA records. A host's
// addresses outside the scope are never traded for another host's.
func Attribute6(addrs string, all []netip.Addr, inScope func(netip.Addr) bool) []netip.Addr {
	var own []netip.Addr
	for s := range strings.SplitSeq(addrs, ",") {
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() && !slices.Contains(own, a) {
			own = append(own, a)
		}
	}
	if len(own) == 0 {
		own = all
	}
	var out []netip.Addr
	for _, a := range own {
		if inScope(a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// addrs4 lists every IPv4 address the message's A records give, sorted.
func (m Message) addrs4() []netip.Addr {
	var out []netip.Addr
	for _, h := range m.Hosts {
		for _, a := range h.Addrs {
			if a.Is4() && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

package scanner

import (
	"cmp"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/camsweep/camsweep/device"
)

// MaxClaimsPerMAC is how many addresses of one segment one MAC may answer
// ARP for before its answers stop counting as proof that a host is there.
// One device has one address per interface, a few with aliases; a MAC
// answering for more than this is a proxy or a forger. The segment's
// gateway is exempt (evidence marked arp.gateway by the ARP sweep): a
// router doing proxy ARP answers for many addresses by design.
const MaxClaimsPerMAC = 8

// maxConflictAddrs bounds the other addresses an arp-spray conflict lists.
const maxConflictAddrs = 8

// reviewARP judges the ARP claims the Absence sweepers left in f, before
// anything else is sent, by two rules:
//
//   - several MACs answering for one address are a conflict recorded on
//     that address (device.ConflictARPMACs); while they are within the
//     per-address budget (Budget.MACs) the claims still prove the address
//     is there: a failover pair or a duplicate address is real. More MACs
//     than the budget is no real host's doing: the address keeps the
//     conflict but its ARP answers no longer prove anything;
//   - a MAC answering for more than MaxClaimsPerMAC addresses of one
//     segment (arp.interface), other than the gateway's, sprays: on each of
//     those addresses its claim becomes a conflict (device.ConflictARPSpray)
//     and no longer proves anything. A router's MAC is exempt only
//     while its own address has no other claimant.
//
// An address whose ARP answers were all demoted is still probed (it may be
// the forger's own address, or a real host it shadows): it becomes a host
// only if something other than those claims answers there, and then it
// carries the conflicts. So a forger claiming a hundred unused addresses
// makes no host of them. It returns how many addresses had a claim
// demoted.
func (f *found) reviewARP() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	type claim struct{ iface, mac string }
	claims := map[claim][]netip.Addr{}
	gateways := map[string]bool{}
	demoted := map[netip.Addr]bool{}
	for a, en := range f.hosts {
		var macs []string
		gateway := false
		for _, ev := range en.ev {
			if ev.Source != device.SourceARP || ev.MAC == "" {
				continue
			}
			gateway = gateway || ev.Fields["arp.gateway"] == "true"
			if !slices.Contains(macs, ev.MAC) {
				macs = append(macs, ev.MAC)
				k := claim{ev.Fields["arp.interface"], ev.MAC}
				claims[k] = append(claims[k], a)
			}
		}
		// Only an undisputed router is exempt: a forger also claiming
		// the gateway's address must not borrow its exemption.
		if gateway && len(macs) == 1 && en.l.trunc.MACs == 0 {
			gateways[macs[0]] = true
		}
		if len(macs) >= 2 || (len(macs) > 0 && en.l.trunc.MACs > 0) {
			en.conflicts = append(en.conflicts, device.AddressConflict{Kind: device.ConflictARPMACs, MACs: macs})
		}
		if en.l.trunc.MACs > 0 {
			for _, m := range macs {
				en.demote(m)
			}
			demoted[a] = true
		}
	}
	for k, addrs := range claims {
		if len(addrs) <= MaxClaimsPerMAC || gateways[k.mac] {
			continue
		}
		slices.SortFunc(addrs, netip.Addr.Compare)
		for _, a := range addrs {
			var others []string
			for _, o := range addrs {
				if o != a && len(others) < maxConflictAddrs {
					others = append(others, o.String())
				}
			}
			en := f.hosts[a]
			en.conflicts = append(en.conflicts, device.AddressConflict{Kind: device.ConflictARPSpray,
				MACs: []string{k.mac}, Addrs: others, Claimed: len(addrs)})
			en.demote(k.mac)
			demoted[a] = true
		}
	}
	for _, en := range f.hosts {
		slices.SortFunc(en.conflicts, func(x, y device.AddressConflict) int {
			return cmp.Or(cmp.Compare(x.Kind, y.Kind), slices.Compare(x.MACs, y.MACs))
		})
	}
	return len(demoted)
}

// demote drops the ARP evidence of mac from the entry and remembers that
// the MAC's claim of the address was demoted.
func (en *entry) demote(mac string) {
	en.ev = slices.DeleteFunc(en.ev, func(ev device.Evidence) bool { return ev.Source == device.SourceARP && ev.MAC == mac })
	if !slices.Contains(en.demoted, mac) {
		en.demoted = append(en.demoted, mac)
	}
}

// claimedBy counts the addresses a neighbour table maps to mac: the
// kernel's view of a forger is the same as the ARP sweep's.
func claimedBy(tbl map[netip.Addr]string, mac string) int {
	n := 0
	for _, m := range tbl {
		if m == mac {
			n++
		}
	}
	return n
}

// locationConflicts adds a device.ConflictLocation to h for each other
// in-scope address an SSDP LOCATION of its names: the SSDP sweep does not
// take that address's description as this host's (a responder must not
// take on another host's identity), and the record says that it pointed
// there.
func locationConflicts(h *device.Host, scope Scope) {
	if scope == nil {
		return
	}
	for _, ev := range h.Evidence {
		loc := ev.Fields["ssdp.location"]
		if ev.Source != device.SourceSSDP || loc == "" {
			continue
		}
		u, err := url.Parse(loc)
		if err != nil {
			continue
		}
		a, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]"))
		if err != nil || a.Unmap() == h.Addr || !scope.Contains(a.Unmap()) {
			continue
		}
		s := a.Unmap().String()
		if slices.ContainsFunc(h.AddressConflicts, func(c device.AddressConflict) bool {
			return c.Kind == device.ConflictLocation && slices.Contains(c.Addrs, s)
		}) {
			continue
		}
		h.AddressConflicts = append(h.AddressConflicts, device.AddressConflict{Kind: device.ConflictLocation, Addrs: []string{s}})
	}
}

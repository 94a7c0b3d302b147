package store

import (
	"encoding/hex"
	"slices"
	"strings"

	"github.com/camsweep/camsweep/device"
)

// Key is the stable identity of a device across runs (docs/formats.md §C1): a
// globally administered MAC when one is known, else the maker's serial
// number, else the WS-Discovery endpoint reference (a UUID the device keeps
// across address changes), else the zone and the IP. The prefix says which
// of them it is, so two kinds never collide.
func Key(r *device.Record) string {
	if mac, ok := globalMAC(r.MAC); ok {
		return "mac:" + mac
	}
	if s := strings.TrimSpace(r.Serial); s != "" {
		maker := ""
		if r.Maker != nil {
			maker = r.Maker.ID
		} else if r.Vendor != nil {
			maker = strings.ToLower(*r.Vendor)
		}
		return "serial:" + maker + ":" + s
	}
	for _, e := range r.Evidence {
		if epr := strings.TrimSpace(e.Fields["wsd.epr"]); epr != "" {
			return "epr:" + strings.ToLower(strings.TrimPrefix(epr, "urn:uuid:"))
		}
	}
	return ipKey(r)
}

// globalMAC normalises a MAC to lower-case colon form and reports whether it
// is a globally administered unicast address: a locally administered one
// (randomised, virtual) says nothing stable about the device.
func globalMAC(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	h := strings.NewReplacer(":", "", "-", "", ".", "").Replace(s)
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 6 {
		return "", false
	}
	if b[0]&0x02 != 0 || b[0]&0x01 != 0 {
		return "", false
	}
	zero := true
	for _, x := range b {
		zero = zero && x == 0
	}
	if zero {
		return "", false
	}
	parts := make([]string, 6)
	for i, x := range b {
		parts[i] = hex.EncodeToString([]byte{x})
	}
	return strings.Join(parts, ":"), true
}

// identifiers lists every stable identifier of a record in Key's order of
// preference (global MAC, serial, endpoint reference), without the
// zone-and-IP fallback, which names a place rather than a device.
func identifiers(r *device.Record) []string {
	var ids []string
	if mac, ok := globalMAC(r.MAC); ok {
		ids = append(ids, "mac:"+mac)
	}
	c := *r
	c.MAC = ""
	if k := Key(&c); strings.HasPrefix(k, "serial:") {
		ids = append(ids, k)
		c.Serial = ""
	}
	if k := Key(&c); strings.HasPrefix(k, "epr:") {
		ids = append(ids, k)
	}
	return ids
}

// ipKey is the key of r by its place alone: the zone and the address.
func ipKey(r *device.Record) string { return "ip:" + r.Zone.Name + "/" + r.IP }

// match maps the keys of the devices seen now (cur) to the keys under which
// the same devices were known before (known), so that a device keeps its
// history when the identifier its key came from appears or disappears: a
// camera scanned from its own segment has a MAC (key mac:…), scanned across
// a router it has none (key serial:…). A current key is kept when it is
// known; otherwise the first of its other identifiers that names exactly
// one known device not already claimed gives that device's key. Unmatched
// keys map to themselves.
//
// Identifiers are claims a device makes about itself, and a rogue device
// can claim another's MAC, serial or WS-Discovery endpoint. So a known
// device's history never moves between two addresses that are both live in
// this run: when records at more than one address carry its key or one of
// its identifiers, it stays with the record at its last known address, or,
// when none is there, with none of them; the others are filed under their
// zone and address (ipKey). A claim made while the real device is away is
// not detected: an identifier is all there is to go by then.
func match(known, cur map[string]*device.Record) map[string]string {
	out := make(map[string]string, len(cur))
	claimed := map[string]bool{}
	index := map[string][]string{} // identifier -> known keys carrying it
	for k, r := range known {
		for _, id := range identifiers(r) {
			index[id] = append(index[id], k)
		}
	}
	// The addresses live in this run that claim each known device.
	claimIPs := map[string]map[string]bool{}
	addClaim := func(kk, ip string) {
		if claimIPs[kk] == nil {
			claimIPs[kk] = map[string]bool{}
		}
		claimIPs[kk][ip] = true
	}
	for ck, r := range cur {
		if known[ck] != nil {
			addClaim(ck, r.IP)
		}
		for _, id := range identifiers(r) {
			for _, kk := range index[id] {
				addClaim(kk, r.IP)
			}
		}
	}
	allowed := func(ck, kk string) bool {
		return len(claimIPs[kk]) <= 1 || cur[ck].IP == known[kk].IP
	}
	keys := make([]string, 0, len(cur))
	for k := range cur {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic when two devices would claim one
	var rest []string
	for _, k := range keys {
		switch {
		case known[k] == nil:
			rest = append(rest, k)
		case allowed(k, k):
			out[k] = k
			claimed[k] = true
		default:
			// A second live address claims this device's key: it is
			// filed by its place, not under the device's history.
			out[k] = ipKey(cur[k])
		}
	}
	for _, k := range rest {
		out[k] = k
		for _, id := range identifiers(cur[k]) {
			if cands := index[id]; len(cands) == 1 && !claimed[cands[0]] && allowed(k, cands[0]) {
				out[k] = cands[0]
				claimed[cands[0]] = true
				break
			}
		}
	}
	return out
}

package store

import (
	"encoding/hex"
	"strings"

	"github.com/camsweep/camsweep/device"
)

// Key is the stable identity of a device across runs (ECOSYSTEM.md §C1): a
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
	return "ip:" + r.Zone.Name + "/" + r.IP
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

// Package policy places hosts in zones and turns an Identity into findings
// under the active policy: a named set of catalog lists (docs/ARCHITECTURE.md §Findings).
package policy

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors/yamldoc"
)

// Unzoned is the zone of an address that no zone of the zones file contains.
// It is primary on purpose: an unknown network is assumed to be a core
// network until someone says otherwise, so that a covered camera on a subnet
// missing from the zones file is flagged rather than silently passed.
var Unzoned = device.Zone{Name: "unzoned", Kind: device.ZonePrimary}

// Zones maps addresses to zones by longest prefix match, and hosts heard on
// a VLAN that no CIDR places to the zone listing that VLAN. It is immutable
// and safe for concurrent use.
type Zones struct {
	source   string
	zones    []device.Zone
	prefixes []zonePrefix   // longest first
	vlans    map[uint16]int // VLAN id -> index into zones
	fallback device.Zone
}

// MaxVLAN is the highest 802.1Q VLAN id a zone may list (4095 is reserved,
// 0 means "no VLAN").
const MaxVLAN = 4094

type zonePrefix struct {
	p    netip.Prefix
	zone int
}

// AllPrimary is the zones of a run without a zones file: every address is in
// zone "default" of kind primary.
func AllPrimary() *Zones {
	return &Zones{
		source:   "none given: every address treated as primary",
		fallback: device.Zone{Name: "default", Kind: device.ZonePrimary},
	}
}

// ZonesOptions tune how a zones file is read.
type ZonesOptions struct {
	// Strict refuses overlapping CIDRs (--strict-zones). By default a
	// prefix may nest inside another and the most specific one wins; the
	// same prefix twice is refused either way.
	Strict bool
}

// LoadZones reads a zones file.
func LoadZones(path string) (*Zones, error) { return LoadZonesWith(path, ZonesOptions{}) }

// LoadZonesWith reads a zones file with options.
func LoadZonesWith(path string, o ZonesOptions) (*Zones, error) {
	data, err := readLimited(path, MaxZonesFile)
	if err != nil {
		return nil, fmt.Errorf("zones: %w", err)
	}
	return ParseZonesWith(path, data, o)
}

// MaxZonesFile bounds a zones file: a few thousand zones are a few hundred
// KiB, and without a bound --zones /dev/zero read until the process died.
const MaxZonesFile = 16 << 20

// readLimited reads at most limit bytes of path and fails, rather than cut
// the file short, when it holds more.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, limit>>20)
	}
	return data, nil
}

var kindRe = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// BuiltinKinds are the zone kinds a zones file may use without declaring
// them: primary and isolated, which the policy acts on, and two common
// non-primary kinds. Any other kind must be listed under the file's
// top-level "kinds:"; an undeclared kind is refused, because a typo such as
// "primray" would otherwise turn a primary zone into one that raises no
// finding at all: the zones file must fail closed.
var BuiltinKinds = []string{device.ZonePrimary, device.ZoneIsolated, "guest", "dmz"}

// nearKind returns the built-in policy kind (primary, isolated) that k is a
// likely typo of, or "".
func nearKind(k string) string {
	for _, want := range []string{device.ZonePrimary, device.ZoneIsolated} {
		if k != want && editDistance(k, want) <= 2 {
			return want
		}
	}
	return ""
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ParseZones parses zones YAML:
//
//	zones:
//	  - {name: core, kind: primary, sensitive: true, cidrs: [10.20.0.0/16]}
//	  - {name: cctv, kind: isolated, cidrs: [10.99.0.0/24], vlans: [99]}
//	  - {name: door, kind: isolated, vlans: [120, 121]}
//
// A zone's kind is primary, isolated, guest or dmz, or one the file declares
// in a top-level list (kinds: [lab, ot]); any other kind, and any unknown
// key, is refused. A zone lists cidrs, vlans (802.1Q ids 1-4094) or both. Errors name
// file:line and the token; all problems are returned together. Nested CIDRs
// are allowed and the most specific wins; ParseZonesWith with Strict refuses
// them. A VLAN belongs to one zone only, with or without Strict.
func ParseZones(name string, data []byte) (*Zones, error) {
	return ParseZonesWith(name, data, ZonesOptions{})
}

// ParseZonesWith is ParseZones with options.
func ParseZonesWith(name string, data []byte, o ZonesOptions) (*Zones, error) {
	d, err := yamldoc.Parse(name, data)
	if err != nil {
		return nil, err
	}
	top, err := d.Mapping(d.Root, "zones file", "zones", "kinds")
	if err != nil {
		return nil, err
	}
	kinds, err := declaredKinds(d, top.Get("kinds"))
	if err != nil {
		return nil, err
	}
	zn, err := top.Require("zones")
	if err != nil {
		return nil, err
	}
	items, err := d.Seq(zn, "zones")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, d.Errorf(zn, "no zones defined")
	}
	z := &Zones{source: name, fallback: Unzoned, vlans: map[uint16]int{}}
	var errs []error
	fail := func(err error) bool {
		if err != nil {
			errs = append(errs, err)
			return true
		}
		return false
	}
	names := map[string]int{}          // zone name -> line
	owner := map[netip.Prefix]string{} // prefix -> zone name
	type seen struct {
		p    netip.Prefix
		zone string
		line int
	}
	var all []seen
	vlanOwner := map[uint16]seen{} // VLAN id -> first zone listing it
	for _, it := range items {
		m, err := d.Mapping(it, "zone", "name", "kind", "sensitive", "description", "cidrs", "vlans")
		if fail(err) {
			continue
		}
		var zone device.Zone
		nn, err := m.Require("name")
		if fail(err) {
			continue
		}
		if zone.Name, err = d.Str(nn, "zone name"); fail(err) {
			continue
		}
		zone.Name = strings.TrimSpace(zone.Name)
		what := fmt.Sprintf("zone %q", zone.Name)
		switch {
		case zone.Name == "":
			fail(d.Errorf(nn, "empty zone name"))
		case zone.Name == Unzoned.Name:
			fail(d.Errorf(nn, "zone name %q is reserved for addresses in no zone", zone.Name))
		default:
			if first, dup := names[zone.Name]; dup {
				fail(d.Errorf(nn, "duplicate zone name %q (first at line %d)", zone.Name, first))
			}
			names[zone.Name] = nn.Line
		}
		if kn, err := m.Require("kind"); !fail(err) {
			if k, err := d.Str(kn, what+" kind"); !fail(err) {
				zone.Kind = strings.ToLower(strings.TrimSpace(k))
				switch {
				case !kindRe.MatchString(zone.Kind):
					fail(d.Errorf(kn, "bad kind %q in %s (want one word, e.g. primary or isolated)", k, what))
				case !kinds[zone.Kind]:
					hint := ""
					if near := nearKind(zone.Kind); near != "" {
						hint = fmt.Sprintf("did you mean %s? ", near)
					}
					fail(d.Errorf(kn, "unknown kind %q in %s (%swant %s, or a kind declared under kinds:)", k, what, hint, strings.Join(BuiltinKinds, ", ")))
				}
			}
		}
		if sn := m.Get("sensitive"); sn != nil {
			zone.Sensitive, err = d.Bool(sn, what+" sensitive")
			fail(err)
		}
		if dn := m.Get("description"); dn != nil {
			_, err = d.Str(dn, what+" description")
			fail(err)
		}
		idx := len(z.zones)
		var cidrs, vlans []string
		var nodes, vnodes []*yaml.Node
		cn, vn := m.Get("cidrs"), m.Get("vlans")
		if cn != nil {
			if cidrs, nodes, err = d.StrList(cn, what+" cidrs"); fail(err) {
				continue
			}
		}
		if vn != nil {
			if vlans, vnodes, err = d.StrList(vn, what+" vlans"); fail(err) {
				continue
			}
		}
		if len(cidrs) == 0 && len(vlans) == 0 {
			fail(d.Errorf(cmp.Or(cn, vn, m.Node), "%s has no cidrs and no vlans (want at least one)", what))
		}
		inZone := map[uint16]int{} // VLAN id -> line, within this zone
		for i, s := range vlans {
			id, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
			if err != nil || id < 1 || id > MaxVLAN {
				fail(d.Errorf(vnodes[i], "bad VLAN id %q in %s (want an integer 1-%d)", s, what, MaxVLAN))
				continue
			}
			v := uint16(id)
			if first, dup := inZone[v]; dup {
				fail(d.Errorf(vnodes[i], "VLAN %d twice in %s (first at line %d)", v, what, first))
				continue
			}
			inZone[v] = vnodes[i].Line
			if o, dup := vlanOwner[v]; dup {
				fail(d.Errorf(vnodes[i], "VLAN %d in %s is already in zone %q (line %d); a VLAN belongs to one zone", v, what, o.zone, o.line))
				continue
			}
			vlanOwner[v] = seen{zone: zone.Name, line: vnodes[i].Line}
			z.vlans[v] = idx
		}
		for i, s := range cidrs {
			p, err := parseCIDR(strings.TrimSpace(s))
			if err != nil {
				fail(d.Errorf(nodes[i], "bad CIDR %q in %s: %v", s, what, err))
				continue
			}
			if other, dup := owner[p]; dup {
				fail(d.Errorf(nodes[i], "CIDR %s in %s is already in zone %q", p, what, other))
				continue
			}
			if o.Strict {
				if j := slices.IndexFunc(all, func(x seen) bool { return x.p.Overlaps(p) }); j >= 0 {
					x := all[j]
					fail(d.Errorf(nodes[i], "CIDR %s in %s overlaps %s of zone %q (line %d); --strict-zones refuses overlapping zones", p, what, x.p, x.zone, x.line))
					continue
				}
			}
			all = append(all, seen{p: p, zone: zone.Name, line: nodes[i].Line})
			owner[p] = zone.Name
			z.prefixes = append(z.prefixes, zonePrefix{p: p, zone: idx})
		}
		z.zones = append(z.zones, zone)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortStableFunc(z.prefixes, func(a, b zonePrefix) int { return b.p.Bits() - a.p.Bits() })
	return z, nil
}

// declaredKinds returns the kinds a zones file may use: the built-in ones
// and those its top-level "kinds:" list declares. A declared kind must be
// one word, not built in, not listed twice, and not a likely typo of
// primary or isolated (declaring "primray" would defeat the check).
func declaredKinds(d *yamldoc.Doc, n *yaml.Node) (map[string]bool, error) {
	kinds := map[string]bool{}
	for _, k := range BuiltinKinds {
		kinds[k] = true
	}
	if n == nil {
		return kinds, nil
	}
	list, nodes, err := d.StrList(n, "kinds")
	if err != nil {
		return nil, err
	}
	var errs []error
	for i, raw := range list {
		k := strings.ToLower(strings.TrimSpace(raw))
		switch {
		case !kindRe.MatchString(k):
			errs = append(errs, d.Errorf(nodes[i], "bad kind %q in kinds (want one word)", raw))
		case slices.Contains(BuiltinKinds, k):
			errs = append(errs, d.Errorf(nodes[i], "kind %q in kinds is built in; list only your own kinds", raw))
		case kinds[k]:
			errs = append(errs, d.Errorf(nodes[i], "kind %q twice in kinds", raw))
		case nearKind(k) != "":
			errs = append(errs, d.Errorf(nodes[i], "kind %q in kinds looks like a typo of %s; a declared kind is never primary", raw, nearKind(k)))
		default:
			kinds[k] = true
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return kinds, nil
}

// parseCIDR accepts a CIDR or a single address (as a /32 or /128) and
// refuses host bits, which usually mean a typo in the prefix length.
func parseCIDR(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, errors.New("want an address or address/length")
		}
		if a.Zone() != "" {
			return netip.Prefix{}, errors.New("IPv6 zones are not allowed")
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, errors.New("want address/length, e.g. 10.20.0.0/16")
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("host bits set (did you mean %s?)", m)
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, errors.New("IPv4-mapped IPv6 prefixes are not allowed; write the IPv4 prefix")
	}
	return p, nil
}

// Lookup returns the zone of the most specific prefix containing addr, or
// the fallback (Unzoned, or "default" for AllPrimary). It knows addresses
// only; Place also reads the VLAN a host was heard on.
func (z *Zones) Lookup(addr netip.Addr) device.Zone {
	if zone, ok := z.lookup(addr); ok {
		return zone
	}
	return z.fallback
}

// lookup is Lookup without the fallback: ok is false for an address no zone
// of the file contains.
func (z *Zones) lookup(addr netip.Addr) (device.Zone, bool) {
	addr = addr.Unmap().WithZone("")
	for _, zp := range z.prefixes {
		if zp.p.Contains(addr) {
			return z.zones[zp.zone], true
		}
	}
	return device.Zone{}, false
}

// Placement is the zone Place put a host in, and on what grounds.
type Placement struct {
	Zone device.Zone
	// VLAN is the 802.1Q VLAN the host answered ARP on (evidence
	// arp.vlan), 0 when it was heard on no VLAN interface.
	VLAN uint16
	// ByVLAN is true when no CIDR of the zones file holds the address and
	// the zone listing VLAN placed the host.
	ByVLAN bool
	// VLANZone names the zone that lists VLAN when a CIDR placed the host
	// in another zone: the zones file and the wire disagree, and the CIDR
	// wins because an address is the more specific, routed fact.
	VLANZone string
}

// Place puts h in a zone: the zone of the most specific CIDR holding
// h.Addr; else, when h answered ARP on a VLAN interface (arp.vlan), the
// zone whose vlans list that VLAN; else the fallback (Unzoned, or "default"
// for AllPrimary).
func (z *Zones) Place(h *device.Host) Placement {
	pl := Placement{VLAN: hostVLAN(h)}
	var vz device.Zone
	vok := false
	if i, ok := z.vlans[pl.VLAN]; ok && pl.VLAN != 0 {
		vz, vok = z.zones[i], true
	}
	zone, ok := z.lookup(h.Addr)
	switch {
	case ok:
		pl.Zone = zone
		if vok && vz.Name != zone.Name {
			pl.VLANZone = vz.Name
		}
	case vok:
		pl.Zone, pl.ByVLAN = vz, true
	default:
		pl.Zone = z.fallback
	}
	return pl
}

// hostVLAN is the VLAN id of the first ARP evidence of h that names one
// (arp.vlan, 1-4094), or of SNMP evidence (snmp.vlan), 0 when none does.
func hostVLAN(h *device.Host) uint16 {
	for _, ev := range h.Evidence {
		// Passive evidence carries the 802.1Q tag of the device's own
		// frames (package passive), as ARP carries the VLAN interface's;
		// SNMP evidence the VLAN a switch learned the device's MAC in.
		key := "arp.vlan"
		switch ev.Source {
		case device.SourceARP, device.SourcePassive:
		case device.SourceSNMP:
			key = "snmp.vlan"
		default:
			continue
		}
		if id, err := strconv.ParseUint(ev.Fields[key], 10, 16); err == nil && id >= 1 && id <= MaxVLAN {
			return uint16(id)
		}
	}
	return 0
}

// Source says where the zones came from: the file name, or that none was given.
func (z *Zones) Source() string { return z.source }

// Zones returns the defined zones in file order.
func (z *Zones) Zones() []device.Zone { return slices.Clone(z.zones) }

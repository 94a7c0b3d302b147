// Package policy places hosts in zones and turns an Identity into findings
// under the active policy: a named set of catalog lists (DESIGN.md §Findings).
package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors/yamldoc"
)

// Unzoned is the zone of an address that no zone of the zones file contains.
// It is primary on purpose: an unknown network is assumed to be a core
// network until someone says otherwise, so that a covered camera on a subnet
// missing from the zones file is flagged rather than silently passed.
var Unzoned = device.Zone{Name: "unzoned", Kind: device.ZonePrimary}

// Zones maps addresses to zones by longest prefix match. It is immutable and
// safe for concurrent use.
type Zones struct {
	source   string
	zones    []device.Zone
	prefixes []zonePrefix // longest first
	fallback device.Zone
}

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
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("zones: %w", err)
	}
	return ParseZonesWith(path, data, o)
}

var kindRe = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// ParseZones parses zones YAML:
//
//	zones:
//	  - {name: core, kind: primary, sensitive: true, cidrs: [10.20.0.0/16]}
//	  - {name: cctv, kind: isolated, cidrs: [10.99.0.0/24]}
//
// Errors name file:line and the token; all problems are returned together.
// Nested CIDRs are allowed and the most specific wins; ParseZonesWith with
// Strict refuses them.
func ParseZones(name string, data []byte) (*Zones, error) {
	return ParseZonesWith(name, data, ZonesOptions{})
}

// ParseZonesWith is ParseZones with options.
func ParseZonesWith(name string, data []byte, o ZonesOptions) (*Zones, error) {
	d, err := yamldoc.Parse(name, data)
	if err != nil {
		return nil, err
	}
	top, err := d.Mapping(d.Root, "zones file", "zones")
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
	z := &Zones{source: name, fallback: Unzoned}
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
	for _, it := range items {
		m, err := d.Mapping(it, "zone", "name", "kind", "sensitive", "description", "cidrs")
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
				if !kindRe.MatchString(zone.Kind) {
					fail(d.Errorf(kn, "bad kind %q in %s (want one word, e.g. primary or isolated)", k, what))
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
		cn, err := m.Require("cidrs")
		if fail(err) {
			continue
		}
		cidrs, nodes, err := d.StrList(cn, what+" cidrs")
		if fail(err) {
			continue
		}
		if len(cidrs) == 0 {
			fail(d.Errorf(cn, "%s has no cidrs", what))
		}
		idx := len(z.zones)
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
// the fallback (Unzoned, or "default" for AllPrimary).
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

// Source says where the zones came from: the file name, or that none was given.
func (z *Zones) Source() string { return z.source }

// Zones returns the defined zones in file order.
func (z *Zones) Zones() []device.Zone { return slices.Clone(z.zones) }

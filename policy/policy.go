package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/protocols"
	"github.com/camsweep/camsweep/vendors"
)

// ConfidentAt is the vendor confidence from which a covered-maker finding is
// stated as fact; below it the finding says "possible" and is medium.
const ConfidentAt = 0.5

// Config configures New.
type Config struct {
	// Name is a policy or list id of the catalog ("uk-nil"), or several
	// joined by commas ("uk-nil,us-ndaa889"): a maker is covered when any of
	// their lists covers it.
	Name    string
	Catalog *vendors.Catalog // required
	Zones   *Zones           // nil means AllPrimary
}

// Policy evaluates hosts under one or more named policies. It is immutable
// and safe for concurrent use.
type Policy struct {
	name  string   // the names joined by commas, as the findings carry it
	names []string // policy ids in the order given
	lists []string // union of their lists
	cat   *vendors.Catalog
	zones *Zones
}

// New checks that every name is a catalog policy or list.
func New(cfg Config) (*Policy, error) {
	if cfg.Catalog == nil {
		return nil, errors.New("policy: Config.Catalog is required")
	}
	names, lists, err := cfg.Catalog.ResolvePolicy(cfg.Name)
	if err != nil {
		return nil, err
	}
	z := cfg.Zones
	if z == nil {
		z = AllPrimary()
	}
	return &Policy{name: strings.Join(names, ","), names: names, lists: lists, cat: cfg.Catalog, zones: z}, nil
}

// Name is the policy id, or the ids joined by commas.
func (p *Policy) Name() string { return p.name }

// Lists are the catalog lists the policy covers.
func (p *Policy) Lists() []string { return slices.Clone(p.lists) }

// Zones returns the zones the policy places hosts with.
func (p *Policy) Zones() *Zones { return p.zones }

// addressKeys are the evidence fields that name another address of the
// device itself (FIELDS.md): another XAddr, another interface of an ONVIF
// GetNetworkInterfaces answer, the address and gateway a SADP, DHIP or
// XMEye reply reports, the addresses an mDNS answer gives its host. Each
// protocol package declares its own (AddressFields) and the list of
// protocols gathers them, so a new protocol edits nothing here.
var addressKeys = protocols.AddressFields()

// Elsewhere is an address a device's evidence names, other than the one it
// was scanned at, and the zone that address is in.
type Elsewhere struct {
	Addr   netip.Addr
	Zone   device.Zone
	Fields []string // the evidence keys that named it, sorted ("wsd.other_addrs")
}

// PrimaryAddrs returns the addresses h's own evidence names (another XAddr
// or ONVIF interface, the SADP, DHIP or XMEye reported address or gateway,
// mDNS addresses) that lie in
// a zone of kind primary other than the zone Place puts h in, sorted and without
// repeats. Only zones the zones file defines count: the "unzoned" fallback
// is primary to catch a forgotten subnet, but a factory-default address
// such as 192.168.1.64 that a camera still reports is not evidence of an
// interface on a core network.
func (z *Zones) PrimaryAddrs(h *device.Host) []Elsewhere {
	home := z.Place(h).Zone
	var out []Elsewhere
	for _, ev := range h.Evidence {
		for _, k := range addressKeys {
			v := ev.Fields[k]
			if v == "" {
				continue
			}
			for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
				if i := strings.IndexByte(tok, '/'); i >= 0 {
					tok = tok[:i] // dhip.ipv6_address carries a prefix length
				}
				a, err := netip.ParseAddr(tok)
				if err != nil {
					continue
				}
				a = a.Unmap().WithZone("")
				if a == h.Addr.Unmap() || !a.IsGlobalUnicast() {
					continue
				}
				zone, ok := z.lookup(a)
				if !ok || zone.Kind != device.ZonePrimary || zone == home {
					continue
				}
				if i := slices.IndexFunc(out, func(e Elsewhere) bool { return e.Addr == a }); i >= 0 {
					if !slices.Contains(out[i].Fields, k) {
						out[i].Fields = append(out[i].Fields, k)
						slices.Sort(out[i].Fields)
					}
					continue
				}
				out = append(out, Elsewhere{Addr: a, Zone: zone, Fields: []string{k}})
			}
		}
	}
	slices.SortFunc(out, func(a, b Elsewhere) int { return a.Addr.Compare(b.Addr) })
	return out
}

// Evaluate returns what evaluate (below) says of h, and the arp-conflict
// finding when h carries an ARP address conflict (arpConflict).
func (p *Policy) Evaluate(h *device.Host, id device.Identity) (device.Zone, *device.Maker, []device.Finding) {
	zone, maker, findings := p.evaluate(h, id)
	if f, ok := p.arpConflict(h); ok {
		findings = append(findings, f)
	}
	return zone, maker, findings
}

// evaluate places h in a zone (Zones.Place: CIDR first, then the VLAN it
// answered ARP on), looks up the maker of id.Vendor and returns the findings
// of docs/ARCHITECTURE.md §Findings:
//
//   - covered-vendor-on-primary: a covered maker's video device (camera, NVR,
//     DVR, encoder, intercom) in a primary zone; high, critical when the zone
//     is sensitive. Medium, and "possible" in the summary, when the vendor
//     confidence is below ConfidentAt or the device type is unknown: a
//     covered maker concluded with no device type is still reported, because
//     these makers' platforms are video devices and a missed camera costs
//     more than a second look, but it is not stated as fact.
//   - covered-vendor-multihomed: the same device scanned outside a primary
//     zone whose own evidence names an address in a primary zone (another
//     interface, XAddr or gateway: Zones.PrimaryAddrs); high, critical when
//     that zone is sensitive, medium when "possible". It replaces
//     covered-vendor-isolated: the isolation is not real.
//   - covered-vendor-isolated: the same device on an isolated zone; info.
//   - camera-on-primary: a video device of a known, non-covered maker on a
//     primary zone; low.
//   - unidentified-camera-on-primary: a video device of unknown maker on a
//     primary zone; medium.
//
// A device the rules call "other" (a Windows host, a media server) yields no
// finding even when its maker is covered: the policy is about surveillance
// equipment. Zones of kinds other than primary and isolated are declared
// non-primary by the zones file and yield no finding, unless the device is
// multi-homed into a primary zone.
//
// A summary names how the zone was chosen when a VLAN had a say: "on
// isolated zone cctv (by its VLAN 30)" when no CIDR holds the address, and
// "(by CIDR; it answered on VLAN 30 of zone cctv)" when the CIDR's zone and
// the VLAN's zone disagree and the CIDR won.
func (p *Policy) evaluate(h *device.Host, id device.Identity) (device.Zone, *device.Maker, []device.Finding) {
	pl := p.zones.Place(h)
	zone := pl.Zone
	here := placeText(pl)
	var maker *device.Maker
	if id.Vendor != "" {
		if m, ok := p.cat.Maker(id.Vendor); ok {
			maker = &m
		}
	}
	video := id.DeviceType.IsVideo()
	unknownType := id.DeviceType == device.TypeUnknown || id.DeviceType == ""
	primary := zone.Kind == device.ZonePrimary
	isolated := zone.Kind == device.ZoneIsolated

	var covering []vendors.Membership
	if maker != nil {
		covering = p.cat.CoveringLists(p.lists, maker.ID)
	}
	finding := func(fid string, sev device.Severity, pol, summary string) []device.Finding {
		return []device.Finding{{ID: fid, Severity: sev, Policy: pol, Summary: summary}}
	}

	switch {
	case len(covering) > 0 && (video || unknownType):
		possible := unknownType || id.Confidence < ConfidentAt
		desc := describe(maker, id)
		if possible {
			desc = fmt.Sprintf("possible %s (vendor confidence %.2f)", desc, id.Confidence)
		}
		why := coveredBy(maker, covering)
		pol := p.coveringPolicies(covering)
		severity := func(sensitive bool) device.Severity {
			switch {
			case possible:
				return device.SeverityMedium
			case sensitive:
				return device.SeverityCritical
			}
			return device.SeverityHigh
		}
		if primary {
			return zone, maker, finding(device.FindingCoveredOnPrimary, severity(zone.Sensitive), pol,
				fmt.Sprintf("%s on %s; %s", desc, here, why))
		}
		if others := p.zones.PrimaryAddrs(h); len(others) > 0 {
			sensitive := slices.ContainsFunc(others, func(e Elsewhere) bool { return e.Zone.Sensitive })
			return zone, maker, finding(device.FindingCoveredMultihomed, severity(sensitive), pol,
				fmt.Sprintf("%s scanned on %s also reaches %s; %s", desc, here, elsewhereText(others), why))
		}
		if isolated {
			return zone, maker, finding(device.FindingCoveredIsolated, device.SeverityInfo, pol,
				fmt.Sprintf("%s on %s as required; %s", desc, here, why))
		}
	case video && maker != nil && len(covering) == 0 && primary:
		return zone, maker, finding(device.FindingCameraOnPrimary, device.SeverityLow, p.name,
			fmt.Sprintf("%s on %s; %s is not covered by %s", describe(maker, id), here, maker.Name, p.name))
	case id.MakerUncatalogued && video:
		return zone, maker, p.uncatalogued(id, zone, here)
	case video && maker == nil && primary:
		return zone, maker, finding(device.FindingUnidentifiedOnPrimary, device.SeverityMedium, p.name,
			fmt.Sprintf("%s of unknown maker on %s", describe(nil, id), here))
	}
	return zone, maker, nil
}

// coveringPolicies names the policies, of those combined, whose lists hold
// one of the memberships: under "uk-nil,us" a Uniview finding is uk-nil's.
func (p *Policy) coveringPolicies(ms []vendors.Membership) string {
	var out []string
	for _, n := range p.names {
		lists, _ := p.cat.Policy(n)
		if slices.ContainsFunc(ms, func(m vendors.Membership) bool { return slices.Contains(lists, m.List) }) {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// elsewhereText: "198.18.10.61 (mdns.addrs, wsd.other_addrs) on primary zone lab-primary".
func elsewhereText(es []Elsewhere) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = fmt.Sprintf("%s (%s) on %s", e.Addr, strings.Join(e.Fields, ", "), zoneText(e.Zone))
	}
	return strings.Join(parts, ", ")
}

// describe names the device: "Hikvision camera DS-2CD2032F-I",
// "LTS (made by Hikvision) NVR", "camera".
func describe(maker *device.Maker, id device.Identity) string {
	var parts []string
	if maker != nil {
		label := maker.Name
		if id.Brand != "" && !strings.EqualFold(id.Brand, maker.Name) {
			label = fmt.Sprintf("%s (made by %s)", id.Brand, maker.Name)
		}
		parts = append(parts, label)
	} else if id.Brand != "" {
		parts = append(parts, id.Brand)
	}
	parts = append(parts, typeText(id.DeviceType))
	if id.Model != "" {
		parts = append(parts, id.Model)
	}
	return strings.Join(parts, " ")
}

func typeText(t device.DeviceType) string {
	switch t {
	case device.TypeNVR, device.TypeDVR:
		return strings.ToUpper(string(t))
	case device.TypeUnknown, "":
		return "device (type not determined)"
	}
	return string(t)
}

// placeText is zoneText with the VLAN's part in the placement, if any.
func placeText(pl Placement) string {
	switch {
	case pl.ByVLAN:
		return fmt.Sprintf("%s (by its VLAN %d)", zoneText(pl.Zone), pl.VLAN)
	case pl.VLANZone != "":
		return fmt.Sprintf("%s (by CIDR; it answered on VLAN %d of zone %s)", zoneText(pl.Zone), pl.VLAN, pl.VLANZone)
	}
	return zoneText(pl.Zone)
}

func zoneText(z device.Zone) string {
	if z.Sensitive {
		return fmt.Sprintf("sensitive %s zone %s", z.Kind, z.Name)
	}
	return fmt.Sprintf("%s zone %s", z.Kind, z.Name)
}

// coveredBy says which lists cover the maker, and marks memberships that are
// camsweep's policy judgement rather than a list naming the company.
func coveredBy(maker *device.Maker, ms []vendors.Membership) string {
	ids := make([]string, 0, len(ms))
	judgement := false
	for _, m := range ms {
		ids = append(ids, m.List)
		judgement = judgement || m.Basis == vendors.BasisJudgement
	}
	s := fmt.Sprintf("%s is covered by %s", maker.Name, strings.Join(ids, ", "))
	if judgement {
		s += " (policy judgement, not a legal determination)"
	}
	return s
}

// uncatalogued is the finding of a device that names a maker the catalog
// does not know. No list can be checked for it, so on a primary network it
// weighs as an unidentified camera does (medium): a covered maker missing
// from the catalog must not pass as cleared. Elsewhere it is information.
func (p *Policy) uncatalogued(id device.Identity, zone device.Zone, here string) []device.Finding {
	sev := device.SeverityInfo
	if zone.Kind == device.ZonePrimary {
		sev = device.SeverityMedium
	}
	what := typeText(id.DeviceType)
	if id.Model != "" {
		what += " " + id.Model
	}
	return []device.Finding{{ID: device.FindingUncataloguedMaker, Severity: sev, Policy: p.name,
		Summary: fmt.Sprintf("%s stating maker %q on %s; that maker is not in the catalog (%s), so %s cannot be checked",
			what, id.StatedMaker, here, p.cat.VersionString(), p.name)}}
}

// arpConflict is the finding of a host whose address several MACs claim, or
// whose MAC claims many addresses of its segment (device.AddressConflict):
// medium whatever the device is, because ARP spoofing puts every other
// host of the segment at risk and a misconfiguration of that kind breaks
// them. The summary names the MACs.
func (p *Policy) arpConflict(h *device.Host) (device.Finding, bool) {
	var parts []string
	for _, c := range h.AddressConflicts {
		switch c.Kind {
		case device.ConflictARPMACs:
			parts = append(parts, fmt.Sprintf("%d MACs answer ARP for %s (%s)", max(len(c.MACs), 2), h.Addr, strings.Join(c.MACs, ", ")))
		case device.ConflictARPSpray:
			parts = append(parts, fmt.Sprintf("MAC %s claims %d addresses of the segment", strings.Join(c.MACs, ", "), c.Claimed))
		}
	}
	if len(parts) == 0 {
		return device.Finding{}, false
	}
	return device.Finding{ID: device.FindingARPConflict, Severity: device.SeverityMedium, Policy: p.name,
		Summary: "ARP conflict: " + strings.Join(parts, "; ") + " (spoofing or misconfiguration)"}, true
}

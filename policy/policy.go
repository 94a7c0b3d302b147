package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors"
)

// ConfidentAt is the vendor confidence from which a covered-maker finding is
// stated as fact; below it the finding says "possible" and is medium.
const ConfidentAt = 0.5

// Config configures New.
type Config struct {
	Name    string           // policy or list id of the catalog, e.g. "uk-nil"
	Catalog *vendors.Catalog // required
	Zones   *Zones           // nil means AllPrimary
}

// Policy evaluates hosts under one named policy. It is immutable and safe for
// concurrent use.
type Policy struct {
	name  string
	cat   *vendors.Catalog
	zones *Zones
}

// New checks that the policy names a catalog policy or list.
func New(cfg Config) (*Policy, error) {
	if cfg.Catalog == nil {
		return nil, errors.New("policy: Config.Catalog is required")
	}
	if _, ok := cfg.Catalog.Policy(cfg.Name); !ok {
		return nil, fmt.Errorf("unknown policy %q (want one of %s)", cfg.Name, strings.Join(cfg.Catalog.Policies(), ", "))
	}
	z := cfg.Zones
	if z == nil {
		z = AllPrimary()
	}
	return &Policy{name: cfg.Name, cat: cfg.Catalog, zones: z}, nil
}

// Name is the policy id.
func (p *Policy) Name() string { return p.name }

// Zones returns the zones the policy places hosts with.
func (p *Policy) Zones() *Zones { return p.zones }

// Evaluate places h in a zone, looks up the maker of id.Vendor and returns
// the findings of DESIGN.md §Findings:
//
//   - covered-vendor-on-primary: a covered maker's video device (camera, NVR,
//     DVR, encoder, intercom) in a primary zone; high, critical when the zone
//     is sensitive. Medium, and "possible" in the summary, when the vendor
//     confidence is below ConfidentAt or the device type is unknown: a
//     covered maker concluded with no device type is still reported, because
//     these makers' platforms are video devices and a missed camera costs
//     more than a second look, but it is not stated as fact.
//   - covered-vendor-isolated: the same device on an isolated zone; info.
//   - camera-on-primary: a video device of a known, non-covered maker on a
//     primary zone; low.
//   - unidentified-camera-on-primary: a video device of unknown maker on a
//     primary zone; medium.
//
// A device the rules call "other" (a Windows host, a media server) yields no
// finding even when its maker is covered: the policy is about surveillance
// equipment. Zones of kinds other than primary and isolated are declared
// non-primary by the zones file and yield no finding.
func (p *Policy) Evaluate(h *device.Host, id device.Identity) (device.Zone, *device.Maker, []device.Finding) {
	zone := p.zones.Lookup(h.Addr)
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
		covering = p.cat.Covering(p.name, maker.ID)
	}
	finding := func(fid string, sev device.Severity, summary string) []device.Finding {
		return []device.Finding{{ID: fid, Severity: sev, Policy: p.name, Summary: summary}}
	}

	switch {
	case len(covering) > 0 && (video || unknownType):
		possible := unknownType || id.Confidence < ConfidentAt
		desc := describe(maker, id)
		if possible {
			desc = fmt.Sprintf("possible %s (vendor confidence %.2f)", desc, id.Confidence)
		}
		why := coveredBy(maker, covering)
		switch {
		case primary:
			sev := device.SeverityHigh
			if zone.Sensitive {
				sev = device.SeverityCritical
			}
			if possible {
				sev = device.SeverityMedium
			}
			return zone, maker, finding(device.FindingCoveredOnPrimary, sev,
				fmt.Sprintf("%s on %s; %s", desc, zoneText(zone), why))
		case isolated:
			return zone, maker, finding(device.FindingCoveredIsolated, device.SeverityInfo,
				fmt.Sprintf("%s on %s as required; %s", desc, zoneText(zone), why))
		}
	case video && maker != nil && len(covering) == 0 && primary:
		return zone, maker, finding(device.FindingCameraOnPrimary, device.SeverityLow,
			fmt.Sprintf("%s on %s; %s is not covered by %s", describe(maker, id), zoneText(zone), maker.Name, p.name))
	case video && maker == nil && primary:
		return zone, maker, finding(device.FindingUnidentifiedOnPrimary, device.SeverityMedium,
			fmt.Sprintf("%s of unknown maker on %s", describe(nil, id), zoneText(zone)))
	}
	return zone, maker, nil
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

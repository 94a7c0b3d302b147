package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors"
)

const zonesYAML = `zones:
  - name: lab-primary
    kind: primary
    cidrs: [198.18.0.0/16]
  - name: core
    kind: primary
    sensitive: true
    cidrs: [198.18.5.0/24, "2001:db8::/32"]
  - name: cctv
    kind: isolated
    cidrs: [198.18.99.0/24]
  - {name: guest, kind: Guest, cidrs: [198.19.0.0/16]}
  - {name: one, kind: isolated, cidrs: [198.18.5.7]}
`

func mustZones(t *testing.T) *Zones {
	t.Helper()
	z, err := ParseZones("zones.yaml", []byte(zonesYAML))
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestZones_Lookup(t *testing.T) {
	z := mustZones(t)
	tests := []struct {
		addr string
		want device.Zone
	}{
		{"198.18.1.1", device.Zone{Name: "lab-primary", Kind: "primary"}},
		{"198.18.5.1", device.Zone{Name: "core", Kind: "primary", Sensitive: true}},
		{"198.18.5.7", device.Zone{Name: "one", Kind: "isolated"}},
		{"198.18.99.4", device.Zone{Name: "cctv", Kind: "isolated"}},
		{"::ffff:198.18.99.4", device.Zone{Name: "cctv", Kind: "isolated"}},
		{"198.19.3.3", device.Zone{Name: "guest", Kind: "guest"}},
		{"2001:db8::1", device.Zone{Name: "core", Kind: "primary", Sensitive: true}},
		{"10.0.0.1", Unzoned},
	}
	for _, tt := range tests {
		if got := z.Lookup(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Lookup(%s) = %+v, want %+v", tt.addr, got, tt.want)
		}
	}
	if z.Source() != "zones.yaml" {
		t.Errorf("Source %q", z.Source())
	}
	a := AllPrimary()
	if got := a.Lookup(netip.MustParseAddr("10.1.2.3")); got != (device.Zone{Name: "default", Kind: "primary"}) {
		t.Errorf("AllPrimary lookup %+v", got)
	}
	if !strings.Contains(a.Source(), "primary") {
		t.Errorf("AllPrimary source %q", a.Source())
	}
}

func TestLoadZones(t *testing.T) {
	p := filepath.Join(t.TempDir(), "z.yaml")
	if err := os.WriteFile(p, []byte("zones:\n  - {name: a, kind: primary, cidrs: [10.0.0.0/8, 10.0.0.0/8]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadZones(p)
	if err == nil || !strings.Contains(err.Error(), p+`:2: CIDR 10.0.0.0/8 in zone "a" is already in zone "a"`) {
		t.Fatalf("got %v", err)
	}
	if _, err := LoadZones(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestParseZones_errors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"", "z.yaml:1: empty file"},
		{"# only a comment\n", "z.yaml:1: empty file"},
		{"zones: []\n", "z.yaml:1: no zones defined"},
		{"zones:\n  - {kind: primary, cidrs: [10.0.0.0/8]}\n", `z.yaml:2: missing "name" in zone`},
		{"zones:\n  - {name: a, kind: primary, cidrs: [10.0.0.0/33]}\n", `z.yaml:2: bad CIDR "10.0.0.0/33" in zone "a"`},
		{"zones:\n  - name: a\n    kind: primary\n    cidrs:\n      - 10.0.0.1/8\n", `z.yaml:5: bad CIDR "10.0.0.1/8" in zone "a": host bits set (did you mean 10.0.0.0/8?)`},
		{"zones:\n  - {name: a, kind: primary, cidrs: [10.0.0.0/8]}\n  - {name: a, kind: isolated, cidrs: [11.0.0.0/8]}\n", `z.yaml:3: duplicate zone name "a" (first at line 2)`},
		{"zones:\n  - {name: a, kind: primary, cidr: [10.0.0.0/8]}\n", `z.yaml:2: unknown key "cidr" in zone`},
		{"zone:\n  - {name: a}\n", `z.yaml:1: unknown key "zone" in zones file`},
		{"zones:\n  - {name: a, kind: '', cidrs: [10.0.0.0/8]}\n", `z.yaml:2: bad kind ""`},
		{"zones:\n  - {name: a, kind: primary, sensitive: yes-ish, cidrs: [10.0.0.0/8]}\n", `z.yaml:2: zone "a" sensitive: want true or false`},
		{"zones:\n  - {name: a, kind: primary, cidrs: []}\n", `z.yaml:2: zone "a" has no cidrs`},
		{"zones:\n  - {name: unzoned, kind: primary, cidrs: [10.0.0.0/8]}\n", `z.yaml:2: zone name "unzoned" is reserved`},
		{"zones:\n  - {name: a, kind: primary, cidrs: [10.0.0.0/8]\n", `z.yaml:`},
	}
	for _, tt := range tests {
		_, err := ParseZones("z.yaml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseZones(%q) error %v\nwant it to contain %q", tt.src, err, tt.want)
		}
	}
}

func newPolicy(t *testing.T, name string) *Policy {
	t.Helper()
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Name: name, Catalog: cat, Zones: mustZones(t)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNew_unknownPolicy(t *testing.T) {
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Name: "uk-nl", Catalog: cat}); err == nil || !strings.Contains(err.Error(), `unknown policy "uk-nl"`) {
		t.Fatalf("got %v", err)
	}
	p, err := New(Config{Name: "us-ndaa889", Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	if p.Zones().Lookup(netip.MustParseAddr("10.0.0.1")).Kind != device.ZonePrimary {
		t.Error("nil zones not all-primary")
	}
}

func TestEvaluate(t *testing.T) {
	hik := device.Identity{Vendor: "hikvision", DeviceType: device.TypeCamera, Model: "DS-2CD2032F-I", Confidence: 0.96}
	tests := []struct {
		name, policy, addr string
		id                 device.Identity
		wantID             string
		wantSev            device.Severity
		wantSummary        string
	}{
		{"covered on primary", "uk-nil", "198.18.1.10", hik, device.FindingCoveredOnPrimary, device.SeverityHigh,
			"Hikvision camera DS-2CD2032F-I on primary zone lab-primary; Hikvision is covered by uk-nil"},
		{"covered on sensitive primary", "uk-nil", "198.18.5.10", hik, device.FindingCoveredOnPrimary, device.SeverityCritical,
			"Hikvision camera DS-2CD2032F-I on sensitive primary zone core; Hikvision is covered by uk-nil"},
		{"covered unzoned", "uk-nil", "10.9.9.9", hik, device.FindingCoveredOnPrimary, device.SeverityHigh,
			"on primary zone unzoned"},
		{"covered low confidence", "uk-nil", "198.18.5.10", device.Identity{Vendor: "hikvision", DeviceType: device.TypeCamera, Confidence: 0.3},
			device.FindingCoveredOnPrimary, device.SeverityMedium, "possible Hikvision camera (vendor confidence 0.30) on sensitive primary zone core"},
		{"covered unknown type", "uk-nil", "198.18.1.10", device.Identity{Vendor: "dahua", DeviceType: device.TypeUnknown, Confidence: 0.8},
			device.FindingCoveredOnPrimary, device.SeverityMedium, "possible Dahua device (type not determined)"},
		{"covered relabel", "us", "198.18.1.10", device.Identity{Vendor: "hikvision", Brand: "LTS", DeviceType: device.TypeNVR, Confidence: 0.9},
			device.FindingCoveredOnPrimary, device.SeverityHigh, "LTS (made by Hikvision) NVR on primary zone lab-primary; Hikvision is covered by us-ndaa889, fcc-covered"},
		{"judgement", "uk-nil", "198.18.1.10", device.Identity{Vendor: "xiongmai", DeviceType: device.TypeDVR, Confidence: 0.8},
			device.FindingCoveredOnPrimary, device.SeverityHigh, "Xiongmai is covered by uk-nil (policy judgement, not a legal determination)"},
		{"covered isolated", "uk-nil", "198.18.99.4", hik, device.FindingCoveredIsolated, device.SeverityInfo,
			"Hikvision camera DS-2CD2032F-I on isolated zone cctv as required"},
		{"not covered under policy", "us", "198.18.1.10", device.Identity{Vendor: "xiongmai", DeviceType: device.TypeCamera, Confidence: 0.8},
			device.FindingCameraOnPrimary, device.SeverityLow, "Xiongmai camera on primary zone lab-primary; Xiongmai is not covered by us"},
		{"axis on primary", "uk-nil", "198.18.1.10", device.Identity{Vendor: "axis", DeviceType: device.TypeCamera, Confidence: 0.7},
			device.FindingCameraOnPrimary, device.SeverityLow, "Axis camera on primary zone lab-primary; Axis is not covered by uk-nil"},
		{"unidentified", "uk-nil", "198.18.1.10", device.Identity{DeviceType: device.TypeDVR, Confidence: 0.6},
			device.FindingUnidentifiedOnPrimary, device.SeverityMedium, "DVR of unknown maker on primary zone lab-primary"},
		// A maker the device names but the catalog lacks: never dropped,
		// never cleared; the finding says the catalog cannot judge it.
		{"uncatalogued maker on primary", "uk-nil", "198.18.1.10", device.Identity{DeviceType: device.TypeCamera, Model: "AX-100", Confidence: 0.6,
			StatedMaker: "Acme Optronics", MakerUncatalogued: true},
			device.FindingUncataloguedMaker, device.SeverityMedium, `camera AX-100 stating maker "Acme Optronics" on primary zone lab-primary; that maker is not in the catalog`},
		{"uncatalogued maker isolated", "uk-nil", "198.18.99.4", device.Identity{DeviceType: device.TypeNVR, Confidence: 0.6,
			StatedMaker: "Acme Optronics", MakerUncatalogued: true},
			device.FindingUncataloguedMaker, device.SeverityInfo, "so uk-nil cannot be checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPolicy(t, tt.policy)
			h := &device.Host{Addr: netip.MustParseAddr(tt.addr)}
			_, maker, fs := p.Evaluate(h, tt.id)
			if len(fs) != 1 {
				t.Fatalf("findings %+v", fs)
			}
			f := fs[0]
			if f.ID != tt.wantID || f.Severity != tt.wantSev || f.Policy != tt.policy || !strings.Contains(f.Summary, tt.wantSummary) {
				t.Errorf("got %+v\nwant %s %s containing %q", f, tt.wantID, tt.wantSev, tt.wantSummary)
			}
			if (tt.id.Vendor != "") != (maker != nil) {
				t.Errorf("maker %+v", maker)
			}
		})
	}
}

func TestEvaluate_noFinding(t *testing.T) {
	tests := []struct {
		name, addr string
		id         device.Identity
	}{
		{"windows host", "198.18.1.10", device.Identity{DeviceType: device.TypeOther, Confidence: 0.4}},
		{"nothing known", "198.18.1.10", device.Identity{DeviceType: device.TypeUnknown}},
		{"covered maker, not video", "198.18.1.10", device.Identity{Vendor: "huawei", DeviceType: device.TypeOther, Confidence: 0.9}},
		{"non-covered camera isolated", "198.18.99.4", device.Identity{Vendor: "axis", DeviceType: device.TypeCamera, Confidence: 0.9}},
		{"unidentified isolated", "198.18.99.4", device.Identity{DeviceType: device.TypeCamera, Confidence: 0.6}},
		{"covered on other kind", "198.19.1.1", device.Identity{Vendor: "hikvision", DeviceType: device.TypeCamera, Confidence: 0.9}},
	}
	p := newPolicy(t, "uk-nil")
	for _, tt := range tests {
		zone, maker, fs := p.Evaluate(&device.Host{Addr: netip.MustParseAddr(tt.addr)}, tt.id)
		if len(fs) != 0 {
			t.Errorf("%s: findings %+v (zone %+v)", tt.name, fs, zone)
		}
		if tt.id.Vendor != "" && (maker == nil || maker.ID != tt.id.Vendor) {
			t.Errorf("%s: maker %+v", tt.name, maker)
		}
	}
}

func TestEvaluate_maker(t *testing.T) {
	p := newPolicy(t, "uk-nil")
	zone, maker, _ := p.Evaluate(&device.Host{Addr: netip.MustParseAddr("198.18.1.10")}, device.Identity{Vendor: "hikvision", DeviceType: device.TypeCamera, Confidence: 0.9})
	if zone.Name != "lab-primary" || maker == nil || maker.Name != "Hikvision" || maker.Country != "CN" || maker.Parent != "CETC 52nd Institute" || maker.UltimateParent != "CETC" || len(maker.Lists) != 3 {
		t.Errorf("zone %+v maker %+v", zone, maker)
	}
}

// multihomedZones: a CCTV zone, a primary zone and a sensitive one, without
// nesting, so an address outside them all is unzoned.
const multihomedZones = `zones:
  - {name: office, kind: primary, cidrs: [198.18.10.0/24]}
  - {name: core, kind: primary, sensitive: true, cidrs: [198.18.5.0/24]}
  - {name: cctv, kind: isolated, cidrs: [198.18.20.0/24]}
  - {name: dmz, kind: dmz, cidrs: [198.18.30.0/24]}
`

func TestEvaluate_multihomed(t *testing.T) {
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	z, err := ParseZones("z.yaml", []byte(multihomedZones))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Name: "uk-nil", Catalog: cat, Zones: z})
	if err != nil {
		t.Fatal(err)
	}
	hik := device.Identity{Vendor: "hikvision", DeviceType: device.TypeCamera, Confidence: 0.95}
	ev := func(src device.Source, kv ...string) device.Evidence {
		f := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			f[kv[i]] = kv[i+1]
		}
		return device.Evidence{Source: src, Fields: f}
	}
	tests := []struct {
		name    string
		addr    string
		id      device.Identity
		ev      []device.Evidence
		wantID  string
		wantSev device.Severity
		want    string
	}{
		{"wsd other xaddr", "198.18.20.31", hik, []device.Evidence{ev(device.SourceWSD, "wsd.other_addrs", "198.18.10.31")},
			device.FindingCoveredMultihomed, device.SeverityHigh, "scanned on isolated zone cctv also reaches 198.18.10.31 (wsd.other_addrs) on primary zone office"},
		{"onvif second interface", "198.18.20.31", hik, []device.Evidence{ev(device.SourceONVIF, "onvif.other_addrs", "198.18.10.31 2001:db8::31"), ev(device.SourceWSD, "wsd.other_addrs", "198.18.10.31")},
			device.FindingCoveredMultihomed, device.SeverityHigh, "also reaches 198.18.10.31 (onvif.other_addrs, wsd.other_addrs) on primary zone office"},
		{"sadp gateway", "198.18.20.31", hik, []device.Evidence{ev(device.SourceSADP, "sadp.ipv4_address", "198.18.20.31", "sadp.ipv4_gateway", "198.18.10.1")},
			device.FindingCoveredMultihomed, device.SeverityHigh, "198.18.10.1 (sadp.ipv4_gateway)"},
		{"dhip address into sensitive zone", "198.18.20.32", device.Identity{Vendor: "dahua", DeviceType: device.TypeCamera, Confidence: 0.9},
			[]device.Evidence{ev(device.SourceDHIP, "dhip.ipv4_address", "198.18.5.32", "dhip.ipv6_address", "fe80::1/64")},
			device.FindingCoveredMultihomed, device.SeverityCritical, "198.18.5.32 (dhip.ipv4_address) on sensitive primary zone core"},
		{"xmeye gateway", "198.18.20.70", device.Identity{Vendor: "xiongmai", DeviceType: device.TypeDVR, Confidence: 0.9},
			[]device.Evidence{ev(device.SourceXMEye, "xmeye.ipv4_address", "198.18.20.70", "xmeye.ipv4_gateway", "198.18.10.1")},
			device.FindingCoveredMultihomed, device.SeverityHigh, "198.18.10.1 (xmeye.ipv4_gateway) on primary zone office"},
		{"several addresses, sorted, once", "198.18.20.31", hik, []device.Evidence{
			ev(device.SourceWSD, "wsd.other_addrs", "198.18.10.31 198.18.5.9"), ev(device.SourceSADP, "sadp.ipv4_gateway", "198.18.10.31")},
			device.FindingCoveredMultihomed, device.SeverityCritical, "reaches 198.18.5.9 (wsd.other_addrs) on sensitive primary zone core, 198.18.10.31 (sadp.ipv4_gateway, wsd.other_addrs) on primary zone office"},
		{"from a dmz", "198.18.30.4", hik, []device.Evidence{ev(device.SourceWSD, "wsd.other_addrs", "198.18.10.31")},
			device.FindingCoveredMultihomed, device.SeverityHigh, "scanned on dmz zone dmz"},
		{"weak identity", "198.18.20.31", device.Identity{Vendor: "hikvision", DeviceType: device.TypeCamera, Confidence: 0.3},
			[]device.Evidence{ev(device.SourceWSD, "wsd.other_addrs", "198.18.10.31")},
			device.FindingCoveredMultihomed, device.SeverityMedium, "possible Hikvision camera"},
		{"factory default address is not a zone", "198.18.20.31", hik, []device.Evidence{ev(device.SourceSADP, "sadp.ipv4_address", "192.168.1.64", "sadp.ipv4_gateway", "198.18.20.1")},
			device.FindingCoveredIsolated, device.SeverityInfo, "as required"},
		{"second address on the same isolated zone", "198.18.20.31", hik, []device.Evidence{ev(device.SourceWSD, "wsd.other_addrs", "198.18.20.99")},
			device.FindingCoveredIsolated, device.SeverityInfo, "as required"},
		{"on primary already", "198.18.10.31", hik, []device.Evidence{ev(device.SourceWSD, "wsd.other_addrs", "198.18.5.31")},
			device.FindingCoveredOnPrimary, device.SeverityHigh, "on primary zone office"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &device.Host{Addr: netip.MustParseAddr(tt.addr), Evidence: tt.ev}
			_, _, fs := p.Evaluate(h, tt.id)
			if len(fs) != 1 || fs[0].ID != tt.wantID || fs[0].Severity != tt.wantSev || !strings.Contains(fs[0].Summary, tt.want) {
				t.Fatalf("findings %+v\nwant %s %s containing %q", fs, tt.wantID, tt.wantSev, tt.want)
			}
		})
	}
	// A non-covered camera with a leg on the office network is no covered finding.
	h := &device.Host{Addr: netip.MustParseAddr("198.18.20.40"), Evidence: []device.Evidence{ev(device.SourceWSD, "wsd.other_addrs", "198.18.10.40")}}
	if _, _, fs := p.Evaluate(h, device.Identity{Vendor: "axis", DeviceType: device.TypeCamera, Confidence: 0.9}); len(fs) != 0 {
		t.Errorf("axis multihomed: %+v", fs)
	}
}

func TestNew_combinedPolicies(t *testing.T) {
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Name: "us-ndaa889, uk-nil", Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "us-ndaa889,uk-nil" || !slices.Equal(p.Lists(), []string{"us-ndaa889", "uk-nil"}) {
		t.Errorf("name %q lists %v", p.Name(), p.Lists())
	}
	h := &device.Host{Addr: netip.MustParseAddr("198.18.1.1")}
	_, _, fs := p.Evaluate(h, device.Identity{Vendor: "uniview", DeviceType: device.TypeCamera, Confidence: 0.9})
	if len(fs) != 1 || fs[0].ID != device.FindingCoveredOnPrimary || fs[0].Policy != "uk-nil" {
		t.Errorf("uniview under both: %+v", fs)
	}
	_, _, fs = p.Evaluate(h, device.Identity{Vendor: "hikvision", DeviceType: device.TypeCamera, Confidence: 0.9})
	if len(fs) != 1 || fs[0].Policy != "us-ndaa889,uk-nil" || !strings.Contains(fs[0].Summary, "covered by uk-nil, us-ndaa889") {
		t.Errorf("hikvision under both: %+v", fs)
	}
	us, _ := New(Config{Name: "us-ndaa889", Catalog: cat})
	if _, _, fs := us.Evaluate(h, device.Identity{Vendor: "uniview", DeviceType: device.TypeCamera, Confidence: 0.9}); len(fs) != 1 || fs[0].ID != device.FindingCameraOnPrimary {
		t.Errorf("uniview under us-ndaa889: %+v", fs)
	}
	for _, bad := range []string{"uk-nil,", "uk-nil,nope", ""} {
		if _, err := New(Config{Name: bad, Catalog: cat}); err == nil {
			t.Errorf("policy %q accepted", bad)
		}
	}
}

func TestParseZones_strict(t *testing.T) {
	src := "zones:\n  - {name: site, kind: primary, cidrs: [10.0.0.0/8]}\n  - {name: cctv, kind: isolated,\n     cidrs: [10.9.0.0/16]}\n"
	z, err := ParseZones("z.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := z.Lookup(netip.MustParseAddr("10.9.1.1")); got.Name != "cctv" {
		t.Errorf("most specific should win, got %+v", got)
	}
	_, err = ParseZonesWith("z.yaml", []byte(src), ZonesOptions{Strict: true})
	want := `z.yaml:4: CIDR 10.9.0.0/16 in zone "cctv" overlaps 10.0.0.0/8 of zone "site" (line 2); --strict-zones refuses overlapping zones`
	if err == nil || err.Error() != want {
		t.Errorf("strict: %v\nwant %s", err, want)
	}
	if _, err := ParseZonesWith("z.yaml", []byte(multihomedZones), ZonesOptions{Strict: true}); err != nil {
		t.Errorf("disjoint zones refused: %v", err)
	}
}

// vlanZones: an office by CIDR, a CCTV zone by CIDR and VLAN, door
// intercoms by VLAN only.
const vlanZones = `zones:
  - {name: office, kind: primary, cidrs: [198.18.10.0/24], vlans: [10]}
  - name: cctv
    kind: isolated
    cidrs: [198.18.20.0/24]
    vlans: [20, 21]
  - {name: door, kind: isolated, vlans: [30]}
  - {name: lab, kind: primary, sensitive: true, vlans: [40]}
`

func mustVLANZones(t *testing.T) *Zones {
	t.Helper()
	z, err := ParseZonesWith("z.yaml", []byte(vlanZones), ZonesOptions{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// arpHost is a host heard by the ARP sweep, on VLAN vlan when not empty.
func arpHost(addr, vlan string) *device.Host {
	f := map[string]string{"arp.mac": "44:a6:42:46:67:24", "arp.method": "request", "arp.interface": "eth0"}
	if vlan != "" {
		f["arp.vlan"] = vlan
		f["arp.interface"] = "eth0." + vlan
	}
	return &device.Host{Addr: netip.MustParseAddr(addr), Evidence: []device.Evidence{
		{Source: device.SourceHTTP, Port: 80, Fields: map[string]string{"arp.vlan": "21"}}, // not ARP: ignored
		{Source: device.SourceARP, Fields: f},
	}}
}

func TestZones_Place(t *testing.T) {
	z := mustVLANZones(t)
	office := device.Zone{Name: "office", Kind: "primary"}
	cctv := device.Zone{Name: "cctv", Kind: "isolated"}
	door := device.Zone{Name: "door", Kind: "isolated"}
	tests := []struct {
		name, addr, vlan string
		want             Placement
	}{
		{"cidr, no vlan", "198.18.10.5", "", Placement{Zone: office}},
		{"cidr and its own vlan", "198.18.20.5", "21", Placement{Zone: cctv, VLAN: 21}},
		{"vlan only", "198.18.30.5", "30", Placement{Zone: door, VLAN: 30, ByVLAN: true}},
		{"vlan of a zone that has cidrs too", "198.18.99.5", "20", Placement{Zone: cctv, VLAN: 20, ByVLAN: true}},
		{"cidr wins over another zone's vlan", "198.18.10.7", "20", Placement{Zone: office, VLAN: 20, VLANZone: "cctv"}},
		{"cidr wins over a vlan-only zone", "198.18.20.7", "30", Placement{Zone: cctv, VLAN: 30, VLANZone: "door"}},
		{"vlan in no zone", "198.18.99.5", "99", Placement{Zone: Unzoned, VLAN: 99}},
		{"no cidr, no vlan", "198.18.99.5", "", Placement{Zone: Unzoned}},
		{"vlan out of range", "198.18.99.5", "4095", Placement{Zone: Unzoned}},
		{"vlan not a number", "198.18.30.5", "thirty", Placement{Zone: Unzoned}},
	}
	for _, tt := range tests {
		if got := z.Place(arpHost(tt.addr, tt.vlan)); got != tt.want {
			t.Errorf("%s: Place(%s on VLAN %q) = %+v, want %+v", tt.name, tt.addr, tt.vlan, got, tt.want)
		}
	}
	// Lookup knows addresses only.
	if got := z.Lookup(netip.MustParseAddr("198.18.30.5")); got != Unzoned {
		t.Errorf("Lookup of a VLAN-only address = %+v", got)
	}
	// Without a zones file a VLAN places nothing.
	if got := AllPrimary().Place(arpHost("198.18.30.5", "30")); got.Zone.Name != "default" || got.ByVLAN {
		t.Errorf("AllPrimary: %+v", got)
	}
	// The neighbour table's ARP evidence, without arp.vlan, is no VLAN.
	h := &device.Host{Addr: netip.MustParseAddr("198.18.30.5"), Evidence: []device.Evidence{{Source: device.SourceARP, Fields: map[string]string{"arp.method": "kernel-neighbour"}}}}
	if got := z.Place(h); got != (Placement{Zone: Unzoned}) {
		t.Errorf("kernel-neighbour: %+v", got)
	}
}

func TestParseZones_vlanErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"zones:\n  - {name: a, kind: primary, vlans: [0]}\n", `z.yaml:2: bad VLAN id "0" in zone "a" (want an integer 1-4094)`},
		{"zones:\n  - {name: a, kind: primary, vlans: [4095]}\n", `z.yaml:2: bad VLAN id "4095" in zone "a"`},
		{"zones:\n  - {name: a, kind: primary, vlans: [-3]}\n", `bad VLAN id "-3"`},
		{"zones:\n  - {name: a, kind: primary, vlans: [ten]}\n", `bad VLAN id "ten"`},
		{"zones:\n  - {name: a, kind: primary, vlans: [1.5]}\n", `bad VLAN id "1.5"`},
		{"zones:\n  - {name: a, kind: primary, vlans: [70000]}\n", `bad VLAN id "70000"`},
		{"zones:\n  - {name: a, kind: primary, vlans: [[1]]}\n", `zone "a" vlans: want a string, got a list`},
		{"zones:\n  - {name: a, kind: primary, vlans: 20}\n", `z.yaml:2: zone "a" vlans: want a list`},
		{"zones:\n  - name: a\n    kind: primary\n    vlans:\n      - 20\n      - 21\n      - 20\n", `z.yaml:7: VLAN 20 twice in zone "a" (first at line 5)`},
		{"zones:\n  - {name: a, kind: primary, vlans: [20]}\n  - {name: b, kind: isolated, cidrs: [10.0.0.0/8],\n     vlans: [30, 20]}\n",
			`z.yaml:4: VLAN 20 in zone "b" is already in zone "a" (line 2); a VLAN belongs to one zone`},
		{"zones:\n  - {name: a, kind: primary}\n", `z.yaml:2: zone "a" has no cidrs and no vlans (want at least one)`},
		{"zones:\n  - {name: a, kind: primary, cidrs: [], vlans: []}\n", `z.yaml:2: zone "a" has no cidrs and no vlans`},
		{"zones:\n  - {name: a, kind: primary, vlan: [20]}\n", `z.yaml:2: unknown key "vlan" in zone`},
	}
	for _, tt := range tests {
		_, err := ParseZones("z.yaml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseZones(%q) error %v\nwant it to contain %q", tt.src, err, tt.want)
		}
	}
	// All problems at once, each with its line.
	_, err := ParseZones("z.yaml", []byte("zones:\n  - {name: a, kind: primary, vlans: [20, 0]}\n  - {name: b, kind: primary, vlans: [20]}\n"))
	if err == nil || !strings.Contains(err.Error(), `z.yaml:2: bad VLAN id "0"`) || !strings.Contains(err.Error(), `z.yaml:3: VLAN 20 in zone "b" is already in zone "a" (line 2)`) {
		t.Errorf("joined errors: %v", err)
	}
	// VLANs alone, and an empty cidrs list beside them, are a zone.
	if _, err := ParseZones("z.yaml", []byte("zones:\n  - {name: a, kind: primary, cidrs: [], vlans: [\"7\"]}\n")); err != nil {
		t.Errorf("vlans only: %v", err)
	}
}

func TestEvaluate_vlan(t *testing.T) {
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Name: "uk-nil", Catalog: cat, Zones: mustVLANZones(t)})
	if err != nil {
		t.Fatal(err)
	}
	hik := device.Identity{Vendor: "hikvision", DeviceType: device.TypeCamera, Confidence: 0.95}
	tests := []struct {
		name, addr, vlan string
		wantZone         string
		wantID           string
		wantSev          device.Severity
		want             string
	}{
		{"placed by vlan on sensitive primary", "198.18.40.9", "40", "lab", device.FindingCoveredOnPrimary, device.SeverityCritical,
			"Hikvision camera on sensitive primary zone lab (by its VLAN 40); Hikvision is covered by uk-nil"},
		{"placed by vlan on isolated", "198.18.30.9", "30", "door", device.FindingCoveredIsolated, device.SeverityInfo,
			"on isolated zone door (by its VLAN 30) as required"},
		{"cidr wins, the vlan says cctv", "198.18.10.9", "20", "office", device.FindingCoveredOnPrimary, device.SeverityHigh,
			"on primary zone office (by CIDR; it answered on VLAN 20 of zone cctv); Hikvision"},
		{"cidr wins, the vlan says primary", "198.18.20.9", "10", "cctv", device.FindingCoveredIsolated, device.SeverityInfo,
			"on isolated zone cctv (by CIDR; it answered on VLAN 10 of zone office) as required"},
		{"agreeing cidr and vlan say nothing more", "198.18.20.9", "20", "cctv", device.FindingCoveredIsolated, device.SeverityInfo,
			"Hikvision camera on isolated zone cctv as required; "},
		{"unknown vlan is unzoned", "198.18.99.9", "99", "unzoned", device.FindingCoveredOnPrimary, device.SeverityHigh,
			"on primary zone unzoned; "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zone, _, fs := p.Evaluate(arpHost(tt.addr, tt.vlan), hik)
			if zone.Name != tt.wantZone {
				t.Errorf("zone %+v, want %s", zone, tt.wantZone)
			}
			if len(fs) != 1 || fs[0].ID != tt.wantID || fs[0].Severity != tt.wantSev || !strings.Contains(fs[0].Summary, tt.want) {
				t.Fatalf("findings %+v\nwant %s %s containing %q", fs, tt.wantID, tt.wantSev, tt.want)
			}
		})
	}
	// A camera placed on an isolated VLAN zone whose own evidence names an
	// office address is multi-homed.
	h := arpHost("198.18.30.9", "30")
	h.Evidence = append(h.Evidence, device.Evidence{Source: device.SourceWSD, Fields: map[string]string{"wsd.other_addrs": "198.18.10.31"}})
	_, _, fs := p.Evaluate(h, hik)
	if len(fs) != 1 || fs[0].ID != device.FindingCoveredMultihomed || !strings.Contains(fs[0].Summary, "scanned on isolated zone door (by its VLAN 30) also reaches 198.18.10.31 (wsd.other_addrs) on primary zone office") {
		t.Errorf("multihomed by vlan: %+v", fs)
	}
}

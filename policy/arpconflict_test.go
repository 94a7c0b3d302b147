package policy

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
)

// TestEvaluate_arpConflict: several MACs on one address, or a MAC spraying
// the segment, is a medium arp-conflict finding naming the MACs, beside
// whatever the device itself earns; a host without conflicts gets none,
// and an SSDP LOCATION conflict alone is no ARP finding.
func TestEvaluate_arpConflict(t *testing.T) {
	p := newPolicy(t, "uk-nil")
	addr := netip.MustParseAddr("198.18.1.9")
	id := device.Identity{DeviceType: device.TypeCamera, Vendor: "hikvision", Confidence: 0.9}

	h := &device.Host{Addr: addr, AddressConflicts: []device.AddressConflict{
		{Kind: device.ConflictARPMACs, MACs: []string{"44:19:b6:00:00:01", "02:00:00:00:00:09"}},
	}}
	_, _, fs := p.Evaluate(h, id)
	var got *device.Finding
	for i := range fs {
		if fs[i].ID == device.FindingARPConflict {
			got = &fs[i]
		}
	}
	if got == nil || got.Severity != device.SeverityMedium ||
		!strings.Contains(got.Summary, "44:19:b6:00:00:01") || !strings.Contains(got.Summary, "02:00:00:00:00:09") {
		t.Fatalf("findings %+v, want a medium arp-conflict naming both MACs", fs)
	}
	if len(fs) != 2 || fs[0].ID != device.FindingCoveredOnPrimary {
		t.Errorf("findings %+v, want the covered-vendor finding kept beside it", fs)
	}

	spray := &device.Host{Addr: addr, AddressConflicts: []device.AddressConflict{
		{Kind: device.ConflictARPSpray, MACs: []string{"02:00:00:00:00:09"}, Claimed: 100},
	}}
	_, _, fs = p.Evaluate(spray, device.Identity{})
	if len(fs) != 1 || fs[0].ID != device.FindingARPConflict || !strings.Contains(fs[0].Summary, "claims 100 addresses") {
		t.Errorf("spray findings %+v", fs)
	}

	for _, h := range []*device.Host{
		{Addr: addr},
		{Addr: addr, AddressConflicts: []device.AddressConflict{{Kind: device.ConflictLocation, Addrs: []string{"198.18.1.10"}}}},
	} {
		_, _, fs = p.Evaluate(h, device.Identity{})
		if len(fs) != 0 {
			t.Errorf("%+v: findings %+v, want none", h.AddressConflicts, fs)
		}
	}
}

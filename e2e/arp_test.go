package e2e

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
	"github.com/camsweep/camsweep/vendors/oui"
)

// TestScan_lab_arpFindsPrimarySegment: run as root in the jump namespace,
// the scan sweeps the primary segment with ARP and every device there
// appears with its MAC, learnt by an ARP reply, and the registry's name for
// it; nothing on the routed CCTV segment has ARP evidence (ARP does not
// cross the router).
func TestScan_lab_arpFindsPrimarySegment(t *testing.T) {
	recs, run, _ := labScan(t)
	if !strings.HasPrefix(run.Privilege, "raw") {
		t.Fatalf("run privilege %q, want raw", run.Privilege)
	}
	reg, err := oui.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range labDevices(t, func(d lab.Device) bool { return d.Segment == "primary" }) {
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s): no record", d.Name, d.Address)
			continue
		}
		if r.MAC != strings.ToLower(d.MAC) {
			t.Errorf("%s: mac %q, want %q", d.Name, r.MAC, d.MAC)
		}
		e, _ := reg.Lookup(d.MAC)
		if r.MACVendor == "" || r.MACVendor != e.Org {
			t.Errorf("%s: mac_vendor %q, want %q", d.Name, r.MACVendor, e.Org)
		}
		if !hasEvidence(r, device.SourceARP, "arp.method", "request") {
			t.Errorf("%s: no arp request evidence: %+v", d.Name, r.Evidence)
		}
	}
	cctv := netip.MustParsePrefix("198.18.20.0/24")
	for ip, r := range recs {
		if a, err := netip.ParseAddr(ip); err == nil && cctv.Contains(a) && hasEvidence(r, device.SourceARP, "", "") {
			t.Errorf("%s on the routed segment has ARP evidence", ip)
		}
	}
}

func hasEvidence(r device.Record, src device.Source, key, val string) bool {
	for _, ev := range r.Evidence {
		if ev.Source == src && (key == "" || ev.Fields[key] == val) {
			return true
		}
	}
	return false
}

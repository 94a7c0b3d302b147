package e2e

import (
	"testing"

	"github.com/camsweep/camsweep/device"
)

// TestScan_lab_vendorDiscovery checks issue 6's promise for SADP and DHIP:
// every Hikvision- and Dahua-platform device is identified with model and
// serial from its own discovery reply — on the primary segment (multicast
// and unicast) and on the routed CCTV segment, which multicast does not
// reach, by unicast.
func TestScan_lab_vendorDiscovery(t *testing.T) {
	recs, _, _ := labScan(t)
	checked := 0
	for _, d := range spec.Devices {
		var src device.Source
		var serialKey, modelKey string
		switch d.Profile {
		case "hikvision-camera":
			src, serialKey, modelKey = device.SourceSADP, "sadp.device_sn", "sadp.device_description"
		case "dahua-camera":
			src, serialKey, modelKey = device.SourceDHIP, "dhip.serial_no", "dhip.device_type"
		default:
			continue
		}
		checked++
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		var ev *device.RecordEvidence
		for i := range r.Evidence {
			if r.Evidence[i].Source == src {
				ev = &r.Evidence[i]
			}
		}
		if ev == nil {
			t.Errorf("%s (%s segment): no %s evidence in %+v", d.Name, d.Segment, src, r.Evidence)
			continue
		}
		if ev.Fields[serialKey] != d.Serial || ev.Fields[modelKey] != d.Model {
			t.Errorf("%s: %s fields %v, want serial %q model %q", d.Name, src, ev.Fields, d.Serial, d.Model)
		}
		if r.Model != d.Model || r.Serial != d.Serial {
			t.Errorf("%s: record model %q serial %q, want %q %q", d.Name, r.Model, r.Serial, d.Model, d.Serial)
		}
		if r.Vendor == nil || (*r.Vendor != "Hikvision" && *r.Vendor != "Dahua") {
			t.Errorf("%s: vendor %v", d.Name, r.Vendor)
		}
	}
	if checked == 0 {
		t.Fatal("no Hikvision or Dahua device in the lab spec")
	}
}

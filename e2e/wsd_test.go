package e2e

import (
	"strings"
	"testing"
)

// TestScan_lab_wsdFindsONVIFCameras: WS-Discovery finds every emulated
// ONVIF camera, the routed CCTV ones (unicast only) included, and the
// model comes from the hardware scope.
func TestScan_lab_wsdFindsONVIFCameras(t *testing.T) {
	recs, _, _ := labScan(t)
	for _, d := range spec.Devices {
		r, ok := recs[d.Address]
		switch d.Profile {
		case "hikvision-camera", "dahua-camera", "axis-camera":
		default:
			continue
		}
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		var wsd map[string]string
		for _, ev := range r.Evidence {
			if ev.Source == "wsd" {
				wsd = ev.Fields
			}
		}
		if wsd == nil {
			t.Errorf("%s (%s, %s): no wsd evidence", d.Name, d.Segment, d.Address)
			continue
		}
		if wsd["wsd.scope.hardware"] != d.Model {
			t.Errorf("%s: wsd.scope.hardware %q, want %q", d.Name, wsd["wsd.scope.hardware"], d.Model)
		}
		if d.Segment != spec.Jump.Segment && wsd["wsd.via"] != "unicast" {
			t.Errorf("%s behind the router answered via %q, want unicast", d.Name, wsd["wsd.via"])
		}
		if r.Model != d.Model {
			t.Errorf("%s: record model %q, want %q", d.Name, r.Model, d.Model)
		}
		if !strings.Contains(wsd["wsd.xaddrs"], d.Address) {
			t.Errorf("%s: xaddrs %q lack %s", d.Name, wsd["wsd.xaddrs"], d.Address)
		}
	}
}

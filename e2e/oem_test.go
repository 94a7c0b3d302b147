package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
)

// TestScan_lab_oemRelabels checks issue 6's promise for OEM relabels: a
// device whose label says Amcrest or LTS but whose platform evidence (DHIP,
// SADP, the WS-Discovery scope shape and envelope) says Dahua or Hikvision
// comes out with the platform maker as vendor and the label as brand.
func TestScan_lab_oemRelabels(t *testing.T) {
	recs, _, _ := labScan(t)
	oem := labDevices(t, func(d lab.Device) bool { return d.Brand != "" })
	want := map[string]struct {
		vendor string
		rules  []string // at least these rules concluded something
	}{
		"dahua-camera":     {"Dahua", []string{"dahua.dhip.vendor.oem", "dahua.wsd.name.oem"}},
		"hikvision-camera": {"Hikvision", []string{"hikvision.sadp.probematch", "hikvision.wsd.name.oem"}},
	}
	for _, d := range oem {
		w, ok := want[d.Profile]
		if !ok {
			t.Errorf("%s: OEM brand on profile %s, which this test does not know", d.Name, d.Profile)
			continue
		}
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		vendor := ""
		if r.Vendor != nil {
			vendor = *r.Vendor
		}
		if vendor != w.vendor || r.Brand != d.Brand || !r.Camera {
			t.Errorf("%s: vendor %q brand %q camera %v; want vendor %q brand %q camera", d.Name, vendor, r.Brand, r.Camera, w.vendor, d.Brand)
		}
		if r.Model != d.Model || r.Serial != d.Serial {
			t.Errorf("%s: model %q serial %q, want %q %q", d.Name, r.Model, r.Serial, d.Model, d.Serial)
		}
		var hit []string
		for _, ev := range r.Evidence {
			hit = append(hit, ev.Rules...)
		}
		for _, id := range w.rules {
			if !slices.Contains(hit, id) {
				t.Errorf("%s: rule %s did not fire; rules %v", d.Name, id, hit)
			}
		}
		// The label must not be read as a maker: no conflicting vendor.
		for _, c := range r.Conflicts {
			if c.Key == "vendor" || c.Key == "brand" {
				t.Errorf("%s: conflict %+v", d.Name, c)
			}
		}
	}
}

// TestScan_lab_hikvisionRTSPOnly: a device that exposes only RTSP on 554 in
// the Hikvision style (no Server header, "Date:" with two spaces, realm
// "IP Camera(XXXXX)") is identified as Hikvision-platform from the RTSP
// evidence alone.
func TestScan_lab_hikvisionRTSPOnly(t *testing.T) {
	recs, _, _ := labScan(t)
	for _, d := range labDevices(t, func(d lab.Device) bool { return d.Profile == "hikvision-rtsp" }) {
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		if !slices.Equal(r.Ports, []uint16{554}) {
			t.Errorf("%s: ports %v, want only 554", d.Name, r.Ports)
		}
		if r.Vendor == nil || *r.Vendor != "Hikvision" || !r.Camera || r.Confidence < 0.8 {
			t.Errorf("%s: vendor %v camera %v confidence %v; want Hikvision camera at 0.8 or more", d.Name, r.Vendor, r.Camera, r.Confidence)
		}
		var realm, date bool
		for _, ev := range r.Evidence {
			if len(ev.Rules) > 0 && ev.Source != device.SourceRTSP {
				t.Errorf("%s: rules %v fired on %s evidence; want RTSP alone", d.Name, ev.Rules, ev.Source)
			}
			if ev.Source != device.SourceRTSP {
				continue
			}
			if ev.Fields["rtsp.server"] != "" {
				t.Errorf("%s: rtsp.server %q, want none", d.Name, ev.Fields["rtsp.server"])
			}
			realm = realm || slices.Contains(ev.Rules, "hikvision.rtsp.realm.ip-camera") && ev.Fields["rtsp.realm"] == "IP Camera("+d.Realm+")"
			date = date || slices.Contains(ev.Rules, "hikvision.rtsp.date.two-spaces") && strings.HasPrefix(ev.Fields["rtsp.date"], "  ")
		}
		if !realm || !date {
			t.Errorf("%s: realm rule %v, two-space date rule %v; evidence %+v", d.Name, realm, date, r.Evidence)
		}
	}
}

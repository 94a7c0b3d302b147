package e2e

import (
	"slices"
	"strings"
	"testing"
)

// TestScan_lab_onvifDeviceService: every emulated ONVIF camera answers the
// device service on port 80 — routed CCTV ones included. The Dahua profile
// gives its identity anonymously and a rule uses it; Hikvision and Axis
// refuse GetDeviceInformation without credentials, which is recorded as
// onvif.auth=required and never as an error.
func TestScan_lab_onvifDeviceService(t *testing.T) {
	recs, _, _ := labScan(t)
	for _, d := range spec.Devices {
		switch d.Profile {
		case "hikvision-camera", "dahua-camera", "axis-camera":
		default:
			if r, ok := recs[d.Address]; ok {
				for _, ev := range r.Evidence {
					if ev.Source == "onvif" {
						t.Errorf("%s (%s) is no ONVIF device but has onvif evidence %v", d.Name, d.Profile, ev.Fields)
					}
				}
			}
			continue
		}
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		var f map[string]string
		var rules []string
		for _, ev := range r.Evidence {
			if ev.Source == "onvif" && ev.Port == 80 {
				f, rules = ev.Fields, ev.Rules
			}
		}
		if f == nil {
			t.Errorf("%s (%s, %s): no onvif evidence on port 80", d.Name, d.Segment, d.Address)
			continue
		}
		if f["onvif.utc_time"] == "" {
			t.Errorf("%s: no onvif.utc_time in %v", d.Name, f)
		}
		switch d.Profile {
		case "dahua-camera":
			if f["onvif.auth"] != "none" || f["onvif.manufacturer"] != "Dahua" || f["onvif.model"] != d.Model || f["onvif.serial"] != d.Serial {
				t.Errorf("%s: onvif fields %v", d.Name, f)
			}
			if !slices.Contains(rules, "dahua.onvif.device-information") {
				t.Errorf("%s: rules %v lack dahua.onvif.device-information", d.Name, rules)
			}
		default:
			if f["onvif.auth"] != "required" || f["onvif.fault"] != "ter:NotAuthorized" || f["onvif.model"] != "" {
				t.Errorf("%s: onvif fields %v", d.Name, f)
			}
		}
		if d.Profile == "hikvision-camera" && !slices.Contains(rules, "hikvision.onvif.envelope-namespaces") {
			t.Errorf("%s: rules %v lack hikvision.onvif.envelope-namespaces", d.Name, rules)
		}
		for _, e := range r.Errors {
			if strings.HasPrefix(e, "onvif") {
				t.Errorf("%s: error %q", d.Name, e)
			}
		}
	}
}

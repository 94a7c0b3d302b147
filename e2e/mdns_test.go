package e2e

import (
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
)

// TestScan_lab_mdnsAndSSDP: mDNS identifies the Hikvision cameras (model and
// serial, the routed CCTV one by unicast) and the Axis camera's MAC; the
// printer that advertises _ipp._tcp is not a camera; the Axis camera's
// SSDP description is read.
func TestScan_lab_mdnsAndSSDP(t *testing.T) {
	recs, _, _ := labScan(t)
	fields := func(r device.Record, src device.Source, key string) map[string]string {
		for _, ev := range r.Evidence {
			if ev.Source == src && ev.Fields[key] != "" {
				return ev.Fields
			}
		}
		return nil
	}
	for _, d := range spec.Devices {
		r, ok := recs[d.Address]
		if !ok {
			if d.Profile == "hikvision-camera" || d.Profile == "axis-camera" || d.Profile == "printer" {
				t.Errorf("%s (%s) not found", d.Name, d.Address)
			}
			continue
		}
		switch d.Profile {
		case "hikvision-camera":
			f := fields(r, device.SourceMDNS, "mdns.instance")
			if f == nil {
				t.Errorf("%s (%s): no mdns evidence", d.Name, d.Segment)
				continue
			}
			if f["mdns.service"] != "_CGI._tcp" || f["mdns.instance"] != "HIKVISION "+d.Model+" - "+d.Serial[len(d.Serial)-9:] ||
				f["mdns.host"] != d.Serial+".local" || !strings.Contains(f["mdns.addrs"], d.Address) {
				t.Errorf("%s: mdns %v", d.Name, f)
			}
			if r.Model != d.Model || r.Serial != d.Serial {
				t.Errorf("%s: record model %q serial %q", d.Name, r.Model, r.Serial)
			}
		case "axis-camera":
			mac := strings.ToUpper(strings.ReplaceAll(d.MAC, ":", ""))
			if f := fields(r, device.SourceMDNS, "mdns.txt.macaddress"); f["mdns.txt.macaddress"] != mac || f["mdns.service"] != "_axis-video._tcp" {
				t.Errorf("%s: mdns %v, want macaddress %s", d.Name, f, mac)
			}
			if f := fields(r, device.SourceSSDP, "ssdp.model_name"); f["ssdp.model_name"] != "AXIS "+d.Model || f["ssdp.manufacturer"] != "AXIS" {
				t.Errorf("%s: ssdp description %v", d.Name, f)
			}
			if f := fields(r, device.SourceSSDP, "ssdp.server"); !strings.Contains(f["ssdp.server"], "-axis") {
				t.Errorf("%s: ssdp reply %v", d.Name, f)
			}
		case "printer":
			if f := fields(r, device.SourceMDNS, "mdns.instance"); f["mdns.service"] != "_ipp._tcp" {
				t.Errorf("%s: mdns %v", d.Name, f)
			}
			if r.Camera || r.DeviceType != device.TypeOther {
				t.Errorf("%s: camera %v, device_type %q; want a non-camera (other)", d.Name, r.Camera, r.DeviceType)
			}
		}
	}
}

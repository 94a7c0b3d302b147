package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
)

// TestSwitchOnlyRecord: a device only a switch knows (no IP, source snmp)
// is written by every format with its port, never as an empty IP where a
// SIEM expects an address, and the table does not fail on it.
func TestSwitchOnlyRecord(t *testing.T) {
	recs, rr := sample()
	hik := "Hikvision"
	recs = append(recs, &device.Record{
		Schema: device.SchemaDevice, Time: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), RunID: rr.RunID,
		MAC: "bc:ad:28:00:00:09", DeviceType: device.TypeUnknown, Vendor: &hik, Brand: "Hikvision", Confidence: 0.3,
		Maker: &device.Maker{ID: "hikvision", Name: "Hikvision", Country: "CN", Lists: []string{"uk-nil"}},
		Zone:  device.Zone{Name: "cctv", Kind: "primary"}, Ports: []uint16{},
		Findings: []device.Finding{{ID: device.FindingCoveredOnPrimary, Severity: device.SeverityMedium, Policy: "uk-nil",
			Summary: "possible Hikvision device; it hangs on switch access-1 port Gi1/0/9 (VLAN 99): shut or move that port"}},
		Switch:   &device.SwitchPort{Name: "access-1", Address: "198.18.30.2:161", Port: "Gi1/0/9", VLAN: 99},
		Evidence: []device.RecordEvidence{{Source: device.SourceSNMP, Fields: map[string]string{"snmp.port": "Gi1/0/9"}, Rules: []string{}}},
	})
	for _, format := range []string{"table", "json", "ecs", "ocsf", "csv", "cef", "report"} {
		var buf bytes.Buffer
		w, err := New(format, &buf)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if err := w.WriteRecord(r); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
		}
		if err := w.WriteRun(rr); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out := buf.String()
		if !strings.Contains(out, "Gi1/0/9") {
			t.Errorf("%s: the port of the switch-only device is missing", format)
		}
		// camsweep's own record keeps "ip": "" (the field is always there);
		// ECS host.ip and OCSF device.ip are typed addresses.
		for _, bad := range []string{`"ip":[""]`, `"uid":"mac:bc:ad:28:00:00:09","ip":""`, `"value":""`, "dst= "} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: empty address written (%s)", format, bad)
			}
		}
	}
}

package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func sample() ([]*device.Record, *device.RunRecord) {
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	hik := "Hikvision"
	axis := "Axis"
	recs := []*device.Record{
		{
			Schema: device.SchemaDevice, Time: t0, RunID: "019ac0f4-0000-7000-8000-000000000001", IP: "198.18.10.23",
			MAC: "ac:cc:8e:10:20:30", Ports: []uint16{80, 554}, Camera: true, DeviceType: device.TypeCamera,
			Vendor: &axis, Brand: "Axis", Model: "M3106-L", Confidence: 0.7,
			Maker: &device.Maker{ID: "axis", Name: "Axis", Country: "SE", Parent: "Canon", Lists: []string{}},
			Zone:  device.Zone{Name: "lab-primary", Kind: "primary"},
			Findings: []device.Finding{{ID: device.FindingCameraOnPrimary, Severity: device.SeverityLow, Policy: "uk-nil",
				Summary: "Axis camera on primary zone lab-primary"}},
			Evidence: []device.RecordEvidence{{Source: device.SourceHTTP, Port: 80, Fields: map[string]string{"http.title": "AXIS"}, Rules: []string{"axis.http.title"}}},
		},
		{
			Schema: device.SchemaDevice, Time: t0, RunID: "019ac0f4-0000-7000-8000-000000000001", IP: "198.18.10.21",
			MAC: "44:a6:42:46:67:24", Ports: []uint16{80, 554, 8000}, Camera: true, DeviceType: device.TypeCamera,
			Vendor: &hik, Brand: "Hikvision", Confidence: 0.97,
			Maker: &device.Maker{ID: "hikvision", Name: "Hikvision", Country: "CN", Parent: "CETC", Lists: []string{"uk-nil", "us-ndaa889"}},
			Zone:  device.Zone{Name: "lab-primary", Kind: "primary"},
			Findings: []device.Finding{{ID: device.FindingCoveredOnPrimary, Severity: device.SeverityHigh, Policy: "uk-nil",
				Summary: "Hikvision camera on primary zone lab-primary; Hikvision is covered by uk-nil"}},
			Flagged: true,
			Switch:  &device.SwitchPort{Name: "access-1", Address: "198.18.30.2:161", Port: "Gi1/0/7", PortAlias: "lobby", VLAN: 30},
			Evidence: []device.RecordEvidence{
				{Source: device.SourceTCP, Port: 80, Fields: map[string]string{"tcp.state": "open"}, Rules: []string{}},
				{Source: device.SourceRTSP, Port: 554, Fields: map[string]string{"rtsp.realm": "IP Camera(C2875)", "rtsp.status": "401"}, Rules: []string{"hikvision.rtsp.realm"}},
			},
		},
		{
			Schema: device.SchemaDevice, Time: t0, RunID: "019ac0f4-0000-7000-8000-000000000001", IP: "198.18.10.30",
			Ports: []uint16{80}, DeviceType: device.TypeOther, Zone: device.Zone{Name: "lab-primary", Kind: "primary"},
			Findings: []device.Finding{}, Evidence: []device.RecordEvidence{},
		},
	}
	rr := &device.RunRecord{Schema: device.SchemaRun, RunID: "019ac0f4-0000-7000-8000-000000000001", Version: "test",
		Start: t0, End: t0.Add(12300 * time.Millisecond), DurationMS: 12300, Targets: []string{"198.18.10.0/24"},
		Addresses: 254, Probed: 254, HostsUp: 3, Cameras: 2, Flagged: 1, Findings: map[string]int{"high": 1, "low": 1},
		Methods: []string{"tcp", "http", "rtsp"}, Privilege: "unprivileged", Policy: "uk-nil", Zones: "lab-zones.yaml", Rate: 300, ExitStatus: 3}
	return recs, rr
}

func render(t *testing.T, format string) []byte {
	var buf bytes.Buffer
	w, err := New(format, &buf)
	if err != nil {
		t.Fatal(err)
	}
	recs, rr := sample()
	for _, r := range recs {
		if err := w.WriteRecord(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteRun(rr); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTable_golden(t *testing.T) { golden(t, "table.golden", render(t, "table")) }
func TestJSON_golden(t *testing.T)  { golden(t, "json.golden", render(t, "json")) }

func TestNew_unknownFormat(t *testing.T) {
	if _, err := New("xml", &bytes.Buffer{}); err == nil {
		t.Fatal("unknown format accepted")
	}
}

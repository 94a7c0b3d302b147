package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors"
)

// reportSample adds to sample() what the compliance report is about: a
// relabelled covered device, a multi-homed one scanned on the CCTV zone, an
// isolated one, a Uniview judged under uk-nil, and a hostile model name.
func reportSample() ([]*device.Record, *device.RunRecord) {
	recs, rr := sample()
	t0 := recs[0].Time
	run := recs[0].RunID
	dahua, hik, uniview := "Dahua", "Hikvision", "Uniview"
	hikMaker := &device.Maker{ID: "hikvision", Name: "Hikvision", Country: "CN", Parent: "CETC 52nd Institute", UltimateParent: "CETC", Lists: []string{"uk-nil", "us-ndaa889", "fcc-covered"}}
	recs[1].Maker = hikMaker
	recs = append(recs,
		&device.Record{
			Schema: device.SchemaDevice, Time: t0.Add(2 * time.Second), RunID: run, IP: "198.18.10.22", MAC: "08:ed:ed:5a:10:22",
			Ports: []uint16{80, 554, 37777}, Camera: true, DeviceType: device.TypeCamera, Vendor: &dahua, Brand: "Amcrest",
			Model: "IP2M-841B|<script>", Serial: "AMC000N49SSV0M2U46", Firmware: "2.800.0000000.1.R", Confidence: 0.99,
			Maker: &device.Maker{ID: "dahua", Name: "Dahua", Country: "CN", Lists: []string{"uk-nil", "us-ndaa889", "fcc-covered"}},
			Zone:  device.Zone{Name: "core", Kind: "primary", Sensitive: true},
			Findings: []device.Finding{{ID: device.FindingCoveredOnPrimary, Severity: device.SeverityCritical, Policy: "uk-nil",
				Summary: "Amcrest (made by Dahua) camera IP2M-841B on sensitive primary zone core; Dahua is covered by uk-nil"}},
			Flagged: true,
			Evidence: []device.RecordEvidence{{Source: device.SourceDHIP, Port: 37810,
				Fields: map[string]string{"dhip.method": "client.notifyDevInfo", "dhip.vendor": "Amcrest", "dhip.device_type": "IP2M-841B|<script>"},
				Rules:  []string{"dahua.dhip.notifydevinfo", "dahua.dhip.vendor.oem"}}},
			Conflicts: []device.Conclusion{{Key: "vendor", Value: "axis", Rule: "axis.http.title.axis", Evidence: 0, Weight: 0.7}},
		},
		&device.Record{
			Schema: device.SchemaDevice, Time: t0.Add(3 * time.Second), RunID: run, IP: "198.18.20.25", MAC: "c4:2f:90:42:5f:25",
			Ports: []uint16{80, 554}, Camera: true, DeviceType: device.TypeCamera, Vendor: &hik, Brand: "Hikvision",
			Model: "DS-2CD2043G2-I", Serial: "DS-2CD2043G2-I20230101AAWRJ00000001", Confidence: 0.98, Maker: hikMaker,
			Zone: device.Zone{Name: "lab-cctv", Kind: "isolated"},
			Findings: []device.Finding{{ID: device.FindingCoveredMultihomed, Severity: device.SeverityHigh, Policy: "uk-nil",
				Summary: "Hikvision camera DS-2CD2043G2-I scanned on isolated zone lab-cctv also reaches 198.18.10.25 (wsd.other_addrs) on primary zone lab-primary; Hikvision is covered by uk-nil"}},
			Flagged: true,
			Evidence: []device.RecordEvidence{{Source: device.SourceWSD, Port: 3702,
				Fields: map[string]string{"wsd.scope.name": "HIKVISION DS-2CD2043G2-I", "wsd.other_addrs": "198.18.10.25"},
				Rules:  []string{"hikvision.wsd.name"}}},
		},
		&device.Record{
			Schema: device.SchemaDevice, Time: t0.Add(4 * time.Second), RunID: run, IP: "198.18.20.21",
			Camera: true, DeviceType: device.TypeCamera, Vendor: &hik, Brand: "Hikvision", Model: "DS-2CD2032F-I", Confidence: 0.97, Maker: hikMaker,
			Zone: device.Zone{Name: "lab-cctv", Kind: "isolated"},
			Findings: []device.Finding{{ID: device.FindingCoveredIsolated, Severity: device.SeverityInfo, Policy: "uk-nil",
				Summary: "Hikvision camera DS-2CD2032F-I on isolated zone lab-cctv as required; Hikvision is covered by uk-nil"}},
			Evidence: []device.RecordEvidence{},
		},
		&device.Record{
			Schema: device.SchemaDevice, Time: t0.Add(5 * time.Second), RunID: run, IP: "198.18.10.26", MAC: "48:ea:63:10:10:26",
			Ports: []uint16{80, 554}, Camera: true, DeviceType: device.TypeCamera, Vendor: &uniview, Brand: "Uniview", Model: "IPC2122LB-SF28-A", Confidence: 0.85,
			Maker: &device.Maker{ID: "uniview", Name: "Uniview", Country: "CN", Lists: []string{"uk-nil"}},
			Zone:  device.Zone{Name: "lab-primary", Kind: "primary"},
			Findings: []device.Finding{{ID: device.FindingCoveredOnPrimary, Severity: device.SeverityHigh, Policy: "uk-nil",
				Summary: "Uniview camera IPC2122LB-SF28-A on primary zone lab-primary; Uniview is covered by uk-nil (policy judgement, not a legal determination)"}},
			Flagged:  true,
			Evidence: []device.RecordEvidence{{Source: device.SourceWSD, Port: 3702, Fields: map[string]string{"wsd.scope.name": "Uniview"}, Rules: []string{"uniview.wsd.name"}}},
		},
	)
	rr.Catalog = "catalog.yaml 2026.11.26 (2026-11-26)"
	rr.HostsUp, rr.Cameras, rr.Flagged = len(recs), 6, 4
	return recs, rr
}

func renderReport(t *testing.T, cat *vendors.Catalog) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWithOptions("report", &buf, Options{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	recs, rr := reportSample()
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

func TestMarkdown_golden(t *testing.T) {
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	out := renderReport(t, cat)
	golden(t, "report.golden", out)
	s := string(out)
	for _, want := range []string{
		"## Zone core (primary, marked sensitive)", "## Zone lab-cctv (isolated): 2 covered device(s)", // zones grouped
		"| Brand (label on the device) | Amcrest |", "| Model number | IP2M-841B\\|\\<script\\> |", // escaped
		"| Item description | video surveillance camera |",
		"Connected to a core network: **yes, through a second interface**",
		"uk-nil (UK: visual surveillance equipment", "basis judgement, a policy judgement, not a legal determination",
		"sources L7 E8", "- **L7** UK written answers",
		"sold as Amcrest, made on the Dahua platform",
		"contradicting conclusions",
		"| First seen | this run: no sweep history is kept (--no-state) |", "| First seen | 2026-11-26T12:00:02Z (this run) |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Outside code spans (where Markdown renders text literally) a
	// device's markup is escaped.
	if strings.Count(s, "<script>") != strings.Count(s, "`IP2M-841B|<script>`") {
		t.Error("raw HTML from a device reached the report")
	}
	// Devices without a finding are not listed; other findings are.
	if strings.Contains(s, "198.18.10.30") || !strings.Contains(s, "| 198.18.10.23 | lab-primary | low | `camera-on-primary`") {
		t.Error("other findings section wrong")
	}
}

func TestMarkdown_noCatalog(t *testing.T) {
	s := string(renderReport(t, nil))
	if !strings.Contains(s, "uk-nil, us-ndaa889, fcc-covered") || strings.Contains(s, "## Sources") {
		t.Errorf("report without catalog:\n%s", s)
	}
}

func TestMarkdown_nothingCovered(t *testing.T) {
	var buf bytes.Buffer
	w := NewMarkdown(&buf, Options{})
	_, rr := sample()
	if err := w.WriteRun(rr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No device of a maker covered by the policy was found.") {
		t.Errorf("got:\n%s", buf.String())
	}
}

// TestMarkdown_firstSeenFromHistory: with a history, a device's "first
// seen" is the history's; a device the history does not know, or knows
// only from this run, was first seen in this run; the header names the
// history and how far back it goes.
func TestMarkdown_firstSeenFromHistory(t *testing.T) {
	recs, rr := reportSample()
	earlier := rr.Start.Add(-72 * time.Hour)
	var asked []string
	o := Options{
		History:      "/var/lib/camsweep/history|x.db",
		HistorySince: rr.Start.Add(-30 * 24 * time.Hour),
		FirstSeen: func(r *device.Record) (time.Time, bool) {
			asked = append(asked, r.IP)
			switch r.IP {
			case "198.18.10.22":
				return earlier, true
			case "198.18.10.26": // recorded by this run before the report
				return rr.End, true
			}
			return time.Time{}, false
		},
	}
	var buf bytes.Buffer
	w := NewMarkdown(&buf, o)
	for _, r := range recs {
		if err := w.WriteRecord(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteRun(rr); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{
		"| First seen | by the sweep history /var/lib/camsweep/history\\|x.db, which holds the runs since 2026-10-27T12:00:00Z; this run for a device new to it |",
		"| First seen | 2026-11-23T12:00:00Z |\n| Seen in this run | 2026-11-26T12:00:02Z |",                                      // 198.18.10.22
		"| First seen | 2026-11-26T12:00:05Z (this run: new to the sweep history) |\n| Seen in this run | 2026-11-26T12:00:05Z |", // 198.18.10.26
		"| First seen | 2026-11-26T12:00:03Z (this run: new to the sweep history) |",                                              // 198.18.20.25, unknown
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(s, "(this run)") || strings.Contains(s, "--no-state") {
		t.Error("report with a history says there is none")
	}
	// Only the covered devices are looked up, each once.
	if len(asked) != 5 {
		t.Errorf("FirstSeen asked for %v, want the 5 covered devices", asked)
	}

	// A history younger than the run's start (empty before this run)
	// holds this run only.
	o.HistorySince = time.Time{}
	buf.Reset()
	w = NewMarkdown(&buf, o)
	if err := w.WriteRun(rr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "which holds the runs since 2026-11-26T12:00:00Z;") {
		t.Errorf("empty history: header\n%s", buf.String())
	}
}

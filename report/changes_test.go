package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/store"
)

// hostileModel is what a device can put in its model name: a spreadsheet
// formula (OWASP "CSV Injection"), a line break, CSV delimiters and quotes,
// and ANSI escapes.
const hostileModel = "=cmd|' /C calc'!A0\n\"M3106\",L\r\x1b[31mred\x1b[0m"

// sampleChanges has every change kind, then a changed device with a
// hostile model and a new one with a 10 KB model name.
func sampleChanges() []store.Change {
	recs, _ := sample()
	axis, hik, other := recs[0], recs[1], recs[2]
	clone := func(r *device.Record) *device.Record { c := *r; return &c }
	mk := func(k store.ChangeKind, r, prev *device.Record) store.Change {
		return store.Change{Schema: store.SchemaChange, Kind: k, Key: store.Key(r), RunID: r.RunID, Record: r, Previous: prev}
	}

	hikBefore := clone(hik)
	hikBefore.IP, hikBefore.Firmware = "198.18.10.99", "V5.5.0"
	hik.Firmware = "V5.7.3"
	changed := mk(store.ChangeChanged, hik, hikBefore)
	changed.Fields = []string{"ip", "firmware"}

	// Missing: the record is the one last seen, a day before this run.
	gone := clone(axis)
	gone.IP, gone.MAC, gone.Time = "198.18.10.40", "ac:cc:8e:10:20:40", axis.Time.Add(-24*time.Hour)
	missing := mk(store.ChangeMissing, gone, nil)
	missing.Misses = 2

	returned := mk(store.ChangeReturned, other, clone(other))

	// Raised: the Hikvision camera moved from the isolated CCTV zone onto
	// the primary one. Cleared: the reverse, for another one.
	isolated := device.Finding{ID: device.FindingCoveredIsolated, Severity: device.SeverityInfo, Policy: "uk-nil",
		Summary: "Hikvision camera in isolated zone cctv; Hikvision is covered by uk-nil"}
	hikIsolated := clone(hik)
	hikIsolated.Zone, hikIsolated.Flagged, hikIsolated.Findings = device.Zone{Name: "cctv", Kind: "isolated"}, false, []device.Finding{isolated}
	raised := mk(store.ChangeFlagRaised, hik, hikIsolated)
	hik2 := clone(hikIsolated)
	hik2.IP, hik2.MAC = "198.18.20.5", "44:a6:42:46:67:99"
	hik2Before := clone(hik)
	hik2Before.IP, hik2Before.MAC = "198.18.10.5", hik2.MAC
	cleared := mk(store.ChangeFlagCleared, hik2, hik2Before)

	bad := clone(axis)
	bad.Model, bad.Brand, bad.Serial, bad.Firmware = hostileModel, "+Axis", "@SUM(1+1)", "-2+3"
	badChanged := mk(store.ChangeChanged, bad, axis)
	badChanged.Fields = []string{"model", "firmware", "serial"}

	long := clone(other)
	long.IP, long.Model = "198.18.10.31", strings.Repeat("M", 10*1024)
	longNew := mk(store.ChangeNew, long, nil)

	return []store.Change{
		mk(store.ChangeNew, axis, nil), changed, missing, returned, raised, cleared, badChanged, longNew,
	}
}

func renderChanges(t *testing.T, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := New(format, &buf)
	if err != nil {
		t.Fatal(err)
	}
	cw, ok := w.(ChangeWriter)
	if !ok {
		t.Fatalf("%s cannot write changes", format)
	}
	changes := sampleChanges()
	for i := range changes {
		if err := cw.WriteChange(&changes[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOCSF_changesGolden(t *testing.T) { golden(t, "ocsf_changes.golden", renderChanges(t, "ocsf")) }
func TestCSV_changesGolden(t *testing.T)  { golden(t, "csv_changes.golden", renderChanges(t, "csv")) }

// TestNew_changeWriters: every format but the compliance report (a
// document of the current devices) writes changes, so scan --emit changes
// and camsweep diff take them.
func TestNew_changeWriters(t *testing.T) {
	for _, f := range Formats {
		w, err := New(f, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := w.(ChangeWriter); ok != (f != "report") {
			t.Errorf("%s: ChangeWriter %v", f, ok)
		}
	}
}

type ocsfChangeEvent struct {
	ActivityID   int    `json:"activity_id"`
	ActivityName string `json:"activity_name"`
	CategoryUID  int    `json:"category_uid"`
	ClassUID     int    `json:"class_uid"`
	TypeUID      int    `json:"type_uid"`
	SeverityID   int    `json:"severity_id"`
	StatusID     int    `json:"status_id"`
	Status       string `json:"status"`
	Time         int64  `json:"time"`
	Metadata     struct {
		UID       string `json:"uid"`
		Version   string `json:"version"`
		EventCode string `json:"event_code"`
		Product   struct {
			Name string `json:"name"`
		} `json:"product"`
	} `json:"metadata"`
	Device *struct {
		TypeID    int    `json:"type_id"`
		UID       string `json:"uid"`
		IP        string `json:"ip"`
		Model     string `json:"model"`
		FirstSeen int64  `json:"first_seen_time"`
		LastSeen  int64  `json:"last_seen_time"`
	} `json:"device"`
	FindingInfo *struct {
		UID   string   `json:"uid"`
		Types []string `json:"types"`
	} `json:"finding_info"`
	Compliance *struct {
		Control  string `json:"control"`
		StatusID int    `json:"status_id"`
	} `json:"compliance"`
	Unmapped struct {
		Camsweep store.Change `json:"camsweep"`
	} `json:"unmapped"`
}

func TestOCSF_changes(t *testing.T) {
	changes := sampleChanges()
	lines := bytes.Split(bytes.TrimSuffix(renderChanges(t, "ocsf"), []byte("\n")), []byte("\n"))
	if len(lines) != len(changes) {
		t.Fatalf("%d lines for %d changes", len(lines), len(changes))
	}
	// The finding uids the inventory reports for the raised device, so a
	// flag's Create and Close name the finding records carry.
	var inv bytes.Buffer
	o := NewOCSF(&inv, Options{})
	if err := o.WriteRecord(changes[4].Record); err != nil {
		t.Fatal(err)
	}
	var recFinding ocsfChangeEvent
	if err := json.Unmarshal(bytes.Split(inv.Bytes(), []byte("\n"))[1], &recFinding); err != nil {
		t.Fatal(err)
	}
	want := map[store.ChangeKind]struct {
		class, activity, status int
		code                    string
	}{
		store.ChangeNew:         {5001, 2, 0, "device-new"},
		store.ChangeReturned:    {5001, 2, 0, "device-returned"},
		store.ChangeChanged:     {5001, 2, 0, "device-changed"},
		store.ChangeMissing:     {5001, 2, 0, "device-missing"},
		store.ChangeFlagRaised:  {2003, 1, 1, "policy-violation"},
		store.ChangeFlagCleared: {2003, 3, 4, "policy-resolved"},
	}
	seen := map[string]bool{}
	for i, line := range lines {
		c := &changes[i]
		var ev ocsfChangeEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		w := want[c.Kind]
		if ev.ClassUID != w.class || ev.ActivityID != w.activity || ev.StatusID != w.status || ev.Metadata.EventCode != w.code {
			t.Errorf("%s: class %d activity %d status %d code %q, want %+v", c.Kind, ev.ClassUID, ev.ActivityID, ev.StatusID, ev.Metadata.EventCode, w)
		}
		if ev.TypeUID != ev.ClassUID*100+ev.ActivityID || ev.CategoryUID != ev.ClassUID/1000 {
			t.Errorf("%s: type_uid %d category %d", c.Kind, ev.TypeUID, ev.CategoryUID)
		}
		if ev.Metadata.Version != OCSFVersion || ev.Metadata.Product.Name != productName || ev.Metadata.UID == "" || seen[ev.Metadata.UID] {
			t.Errorf("%s: metadata %+v", c.Kind, ev.Metadata)
		}
		seen[ev.Metadata.UID] = true
		if ev.Device == nil || ev.Device.UID != c.Key || ev.Device.IP != c.Record.IP || ev.Device.Model != c.Record.Model ||
			ev.Device.LastSeen != c.Record.Time.UnixMilli() {
			t.Errorf("%s: device %+v", c.Kind, ev.Device)
		}
		if (ev.Device.FirstSeen != 0) != (c.Kind == store.ChangeNew) {
			t.Errorf("%s: first_seen_time %d", c.Kind, ev.Device.FirstSeen)
		}
		if ev.Time != c.Record.Time.UnixMilli() {
			t.Errorf("%s: time %d", c.Kind, ev.Time)
		}
		got := ev.Unmapped.Camsweep
		if got.Kind != c.Kind || got.Key != c.Key || !slices.Equal(got.Fields, c.Fields) || got.Misses != c.Misses ||
			got.Record == nil || got.Record.Model != c.Record.Model || (got.Previous == nil) != (c.Previous == nil) {
			t.Errorf("%s: unmapped does not carry the change: %+v", c.Kind, got)
		}
		switch c.Kind {
		case store.ChangeFlagRaised:
			if ev.FindingInfo == nil || ev.FindingInfo.UID != recFinding.FindingInfo.UID || ev.Compliance.StatusID != ocsfComplianceFail ||
				ev.Compliance.Control != device.FindingCoveredOnPrimary || ev.SeverityID != 4 || ev.Status != "New" {
				t.Errorf("raised: %+v %+v %+v, want finding %s", ev, ev.FindingInfo, ev.Compliance, recFinding.FindingInfo.UID)
			}
		case store.ChangeFlagCleared:
			if ev.FindingInfo == nil || ev.FindingInfo.UID != eventID(c.Key, device.FindingCoveredOnPrimary) ||
				ev.Compliance.StatusID != ocsfCompliancePass || ev.SeverityID != ocsfSeverityInfo || ev.Status != "Resolved" {
				t.Errorf("cleared: %+v %+v %+v", ev, ev.FindingInfo, ev.Compliance)
			}
		default:
			if ev.FindingInfo != nil || ev.Compliance != nil || ev.SeverityID != ocsfSeverityInfo {
				t.Errorf("%s: finding attributes on an inventory event", c.Kind)
			}
		}
	}
}

// TestOCSF_flagWithoutFinding: a flag change without the finding (hand
// written, or from a history without the previous record) still has the
// finding_info.uid OCSF requires.
func TestOCSF_flagWithoutFinding(t *testing.T) {
	recs, _ := sample()
	r := recs[2]
	var buf bytes.Buffer
	o := NewOCSF(&buf, Options{})
	if err := o.WriteChange(&store.Change{Kind: store.ChangeFlagCleared, Key: "k", RunID: "run", Record: r}); err != nil {
		t.Fatal(err)
	}
	var ev ocsfChangeEvent
	if err := json.Unmarshal(buf.Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.FindingInfo == nil || ev.FindingInfo.UID != eventID("k", "flagged") || ev.ActivityID != ocsfActivityClose {
		t.Errorf("%+v", ev)
	}
}

func TestCSV_changes(t *testing.T) {
	changes := sampleChanges()
	rows, err := csv.NewReader(bytes.NewReader(renderChanges(t, "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], CSVChangeHeader) {
		t.Fatalf("header %q", rows[0])
	}
	if len(rows) != 1+len(changes) {
		t.Fatalf("%d rows for %d changes", len(rows)-1, len(changes))
	}
	col := func(name string) int { return slices.Index(CSVChangeHeader, name) }
	for i, row := range rows[1:] {
		c := &changes[i]
		if len(row) != len(CSVChangeHeader) {
			t.Fatalf("row %d: %d cells", i+1, len(row))
		}
		if row[col("change")] != string(c.Kind) || row[col("changed_fields")] != strings.Join(c.Fields, " ") ||
			row[col("key")] != c.Key || row[col("time")] != c.Record.Time.UTC().Format(time.RFC3339) {
			t.Errorf("row %d: %q", i+1, row)
		}
		for j, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("row %d: %s starts with a formula character: %.40q", i+1, CSVChangeHeader[j], cell)
			}
			if len(cell) > maxValue {
				t.Errorf("row %d: %s is %d bytes", i+1, CSVChangeHeader[j], len(cell))
			}
		}
	}
	// The device columns are the record's row, cell for cell.
	recRows, err := csv.NewReader(bytes.NewReader(writeOne(t, "csv", changes[0].Record))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[1][:len(CSVHeader)], recRows[1]) {
		t.Errorf("change row %q\nrecord row %q", rows[1][:len(CSVHeader)], recRows[1])
	}
	if m := rows[7][col("model")]; !strings.HasPrefix(m, "'=cmd|' /C calc'!A0\n") || strings.ContainsRune(m, '\x1b') {
		t.Errorf("hostile model %q", m)
	}
}

// TestCSV_oneTable: one CSV stream is devices or changes, never both; a
// run record after changes adds nothing.
func TestCSV_oneTable(t *testing.T) {
	recs, rr := sample()
	ch := sampleChanges()[0]

	var buf bytes.Buffer
	c := NewCSV(&buf)
	if err := c.WriteRecord(recs[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteChange(&ch); !errors.Is(err, ErrCSVMixed) {
		t.Errorf("change after a device row: %v, want ErrCSVMixed", err)
	}

	buf.Reset()
	c = NewCSV(&buf)
	if err := c.WriteChange(&ch); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteRecord(recs[0]); !errors.Is(err, ErrCSVMixed) {
		t.Errorf("device row after a change: %v, want ErrCSVMixed", err)
	}
	if err := c.WriteRun(rr); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !slices.Equal(rows[0], CSVChangeHeader) {
		t.Errorf("rows %q", rows)
	}

	// No change, no output: --emit changes writes nothing when nothing
	// changed.
	buf.Reset()
	c = NewCSV(&buf)
	if err := c.Close(); err != nil || buf.Len() != 0 {
		t.Errorf("empty: %q, %v", buf.String(), err)
	}
}

// TestChangeWriters_hostileStrings: no change writer lets an ANSI escape
// through or splits a change over lines.
func TestChangeWriters_hostileStrings(t *testing.T) {
	n := len(sampleChanges())
	for _, f := range []string{"json", "ecs", "ocsf", "csv", "cef", "table"} {
		out := renderChanges(t, f)
		if bytes.Contains(out, []byte("\x1b")) {
			t.Errorf("%s: an ANSI escape reached the output", f)
		}
		switch f {
		case "csv":
			rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
			if err != nil || len(rows) != 1+n {
				t.Errorf("csv: %d rows, %v", len(rows), err)
			}
		default:
			lines := bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n"))
			if len(lines) != n {
				t.Errorf("%s: %d lines for %d changes", f, len(lines), n)
			}
			if f == "json" || f == "ecs" || f == "ocsf" {
				for _, l := range lines {
					if !json.Valid(l) {
						t.Errorf("%s: a change was split: %.200q", f, l)
					}
				}
			}
		}
	}
}

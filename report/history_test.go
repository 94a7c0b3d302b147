package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/store"
)

func historyRuns() []store.Run {
	start := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	fin := store.Run{ID: "0199-a", Started: start, Finished: start.Add(90 * time.Second), ExitStatus: 3, Devices: 12,
		Sweep: "nightly", Site: "leeds", Shard: "1/4",
		Record: &device.RunRecord{Schema: device.SchemaRun, RunID: "0199-a", Start: start, End: start.Add(90 * time.Second),
			DurationMS: 90000, HostsUp: 12, Cameras: 5, Flagged: 2, ExitStatus: 3, Findings: map[string]int{"high": 2}}}
	crashed := store.Run{ID: "0199-b\x1b[2J", Started: start.Add(-24 * time.Hour), Devices: 3, Site: "york"}
	return []store.Run{fin, crashed}
}

// TestWriteHistory: `camsweep history` in every output format (issue 19):
// one object or row per run in json, csv, table and report; the finished
// run's run event in ecs, ocsf and cef, nothing for a crashed run; no
// control character of a stored value reaches a terminal format.
func TestWriteHistory(t *testing.T) {
	runs := historyRuns()
	for _, format := range HistoryFormats {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteHistory(&b, format, runs); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if strings.Contains(out, "\x1b") {
				t.Errorf("control character in %s output: %q", format, out)
			}
			switch format {
			case "json":
				lines := strings.Split(strings.TrimSpace(out), "\n")
				var s store.RunSummary
				if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &s) != nil || s.Schema != store.SchemaHistory || s.Site != "leeds" || s.Flagged == nil || *s.Flagged != 2 {
					t.Errorf("json: %q", out)
				}
			case "csv":
				rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
				if err != nil || len(rows) != 3 || rows[0][0] != "run_id" || rows[1][3] != "3" || rows[2][2] != "" {
					t.Errorf("csv: %v %q", err, out)
				}
			case "table", "report":
				if !strings.Contains(out, "0199-a") || !strings.Contains(out, "leeds") || !strings.Contains(out, "york") {
					t.Errorf("%s: %q", format, out)
				}
			default: // ecs, ocsf, cef: the finished run's event only
				if !strings.Contains(out, "0199-a") || strings.Contains(out, "0199-b") {
					t.Errorf("%s: want the finished run's event only: %q", format, out)
				}
			}
		})
	}
	if err := WriteHistory(&bytes.Buffer{}, "xml", runs); err == nil {
		t.Error("unknown format accepted")
	}
}

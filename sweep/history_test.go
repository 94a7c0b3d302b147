package sweep

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/store"
)

// TestRecorder_interruptedRunIsRecorded: after SIGINT the sweep's context
// is cancelled but it still writes the records it has and the run record;
// the history must keep them all (an interrupted run), not fail with
// "context canceled" and then "was never begun".
func TestRecorder_interruptedRunIsRecorded(t *testing.T) {
	st, err := store.Open(context.Background(), store.Config{Path: filepath.Join(t.TempDir(), "history.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out bytes.Buffer
	w, err := report.NewWithOptions("json", &out, report.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // interrupted before the first record
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &recorder{ctx: ctx, st: st, out: w, records: true, start: start, opts: store.FinishOptions{MissingAfter: 1}}
	rec := &device.Record{Schema: device.SchemaDevice, RunID: "run-1", IP: "198.18.10.21", Time: start}
	if err := r.WriteRecord(rec); err != nil {
		t.Fatalf("WriteRecord after cancel: %v", err)
	}
	rr := &device.RunRecord{Schema: device.SchemaRun, RunID: "run-1", Start: start, End: start.Add(time.Second), Interrupted: true, ExitStatus: 130}
	if err := r.WriteRun(rr); err != nil {
		t.Fatalf("WriteRun after cancel: %v", err)
	}
	runs, err := st.Runs(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != "run-1" || !runs[0].Interrupted || runs[0].Devices != 1 || runs[0].Record == nil {
		t.Errorf("runs %+v, want the interrupted run with its one device", runs)
	}
}

// TestRecorder_historyFailureKeepsOutput: with the history database locked
// by another process, every record and the run record still reach the
// output, the run record says what failed with exit status 1, and Err
// reports it.
func TestRecorder_historyFailureKeepsOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for SQLite's 5 s busy timeout")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	ctx := t.Context()
	st, err := store.Open(ctx, store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Another process's write transaction: camsweep's flock does not see it.
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")

	var out bytes.Buffer
	w, err := report.NewWithOptions("json", &out, report.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &recorder{ctx: ctx, st: st, out: w, records: true, start: start, opts: store.FinishOptions{MissingAfter: 1}}
	for _, ip := range []string{"198.18.10.21", "198.18.10.22", "198.18.10.23"} {
		rec := &device.Record{Schema: device.SchemaDevice, RunID: "run-1", IP: ip, Time: start}
		if err := r.WriteRecord(rec); err != nil {
			t.Fatalf("WriteRecord: %v", err)
		}
	}
	rr := &device.RunRecord{Schema: device.SchemaRun, RunID: "run-1", Start: start, End: start.Add(time.Second)}
	if err := r.WriteRun(rr); err != nil {
		t.Fatalf("WriteRun: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if r.Err() == nil || !strings.Contains(r.Err().Error(), "state "+path) {
		t.Errorf("Err() = %v, want the history failure", r.Err())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d output lines, want 3 records and the run:\n%s", len(lines), out.String())
	}
	for i, ip := range []string{"198.18.10.21", "198.18.10.22", "198.18.10.23"} {
		if !strings.Contains(lines[i], `"ip":"`+ip+`"`) {
			t.Errorf("line %d %s lacks %s", i+1, lines[i], ip)
		}
	}
	if !strings.Contains(lines[3], `"exit_status":1`) || !strings.Contains(lines[3], "the history misses this run") {
		t.Errorf("run record %s: want exit_status 1 and the history error", lines[3])
	}
}

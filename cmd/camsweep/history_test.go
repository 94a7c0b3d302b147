package main

import (
	"bytes"
	"context"
	"path/filepath"
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

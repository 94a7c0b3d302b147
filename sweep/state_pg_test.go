package sweep

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/store"
	"github.com/camsweep/camsweep/store/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Shutdown()
	os.Exit(code)
}

// pgScan opens a scan (nothing sent: only the recorder is fed) whose
// history is a fresh PostgreSQL database, as one run of the sweep
// "nightly" from site leeds.
func pgScan(t *testing.T, dsn string) (*Scan, string) {
	t.Helper()
	t.Setenv(store.DSNEnv, dsn) // the password's way in; here trust auth
	o := testOptions()
	o.Interface, o.NoState = "", false
	o.SweepName, o.Site, o.Shard = "nightly", "leeds", "1/1"
	o.Output = filepath.Join(t.TempDir(), "out.jsonl")
	o.Format = "json"
	s, err := Open(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, o.Output
}

func feed(t *testing.T, s *Scan, ips ...string) {
	t.Helper()
	for _, ip := range ips {
		r := &device.Record{Schema: device.SchemaDevice, RunID: s.runID, IP: ip, Time: s.start, Zone: device.Zone{Name: "leeds", Kind: device.ZonePrimary}}
		if err := s.w.WriteRecord(r); err != nil {
			t.Fatal(err)
		}
	}
}

func finish(t *testing.T, s *Scan) *device.RunRecord {
	t.Helper()
	rr := &device.RunRecord{Schema: device.SchemaRun, RunID: s.runID, Start: s.start, End: s.start.Add(time.Second)}
	if err := s.w.WriteRun(rr); err != nil {
		t.Fatal(err)
	}
	return rr
}

// TestHistory_postgresRestartedMidRun: --state from $CAMSWEEP_STATE_DSN;
// the database restarts between two records; the run, its sweep and site
// are recorded whole and the output has every record.
func TestHistory_postgresRestartedMidRun(t *testing.T) {
	srv := pgtest.Need(t)
	dsn := srv.NewDB(t)
	s, out := pgScan(t, dsn)
	feed(t, s, "198.18.0.1")
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	feed(t, s, "198.18.0.2")
	finish(t, s)
	if err := s.rec.Err(); err != nil {
		t.Fatalf("history: %v", err)
	}
	s.Close()
	st, err := store.OpenPostgresReadOnly(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.RunsWhere(t.Context(), 0, store.Filter{Sweep: "nightly", Site: "leeds"})
	if err != nil || len(runs) != 1 || runs[0].Devices != 2 || runs[0].Shard != "1/1" || runs[0].Record == nil {
		t.Fatalf("runs %+v, %v; want the run with both devices", runs, err)
	}
	if n := lines(t, out); n != 3 {
		t.Errorf("output holds %d lines, want 2 records and the run", n)
	}
}

// TestHistory_postgresLostKeepsOutput: the database goes away mid-run and
// does not come back: every record still reaches the output, and the run
// record says the history misses the run (exit status 1).
func TestHistory_postgresLostKeepsOutput(t *testing.T) {
	srv := pgtest.Need(t)
	defer func(w time.Duration) { store.RetryWait = w }(store.RetryWait)
	store.RetryWait = time.Second
	s, out := pgScan(t, srv.NewDB(t))
	feed(t, s, "198.18.0.1")
	srv.Stop()
	defer func() {
		if err := srv.Restart(); err != nil {
			t.Error(err)
		}
	}()
	feed(t, s, "198.18.0.2", "198.18.0.3")
	rr := finish(t, s)
	if s.rec.Err() == nil || rr.ExitStatus != 1 {
		t.Errorf("history error %v, exit %d; want an error and 1", s.rec.Err(), rr.ExitStatus)
	}
	if len(rr.Errors) == 0 || !strings.Contains(rr.Errors[len(rr.Errors)-1], "the records here are complete") {
		t.Errorf("run errors %q", rr.Errors)
	}
	if n := lines(t, out); n != 4 {
		t.Errorf("output holds %d lines, want 3 records and the run", n)
	}
}

func lines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var v map[string]any
		if json.Unmarshal([]byte(l), &v) == nil {
			n++
		}
	}
	return n
}

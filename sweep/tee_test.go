package sweep

import (
	"errors"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/store"
)

// logWriter records what reaches it, in one log shared by both sides of
// the tee, and fails where told.
type logWriter struct {
	name string
	log  *[]string
	fail error
}

func (w *logWriter) note(what string) error {
	*w.log = append(*w.log, w.name+" "+what)
	return w.fail
}

func (w *logWriter) WriteRecord(r *device.Record) error { return w.note("record " + r.IP) }
func (w *logWriter) WriteRun(r *device.RunRecord) error {
	r.Errors = append(r.Errors, w.name)
	return w.note("run")
}
func (w *logWriter) Close() error                      { return w.note("close") }
func (w *logWriter) WriteChange(c *store.Change) error { return w.note("change") }

// recordsOnly is a main output that cannot write changes (the report).
type recordsOnly struct{ w *logWriter }

func (r recordsOnly) WriteRecord(rec *device.Record) error { return r.w.WriteRecord(rec) }
func (r recordsOnly) WriteRun(rr *device.RunRecord) error  { return r.w.WriteRun(rr) }
func (r recordsOnly) Close() error                         { return r.w.Close() }

// TestTee: syslog first, so the run record the syslog writer adds to
// reaches the main output with it; a syslog failure is reported and does
// not keep the main output from its record or its close; changes reach a
// main output only when it writes changes.
func TestTee(t *testing.T) {
	var log []string
	sysErr := errors.New("syslog down")
	sys := &logWriter{name: "sys", log: &log, fail: sysErr}
	main := &logWriter{name: "main", log: &log}
	tt := &tee{sys: sys, main: main}
	if err := tt.WriteRecord(&device.Record{IP: "198.18.10.21"}); !errors.Is(err, sysErr) {
		t.Errorf("WriteRecord: %v, want the syslog error", err)
	}
	rr := &device.RunRecord{}
	tt.WriteRun(rr)
	if strings.Join(rr.Errors, ",") != "sys,main" {
		t.Errorf("run record errors %q: syslog must see the run first", rr.Errors)
	}
	tt.WriteChange(&store.Change{})
	tt.Close()
	want := "sys record 198.18.10.21|main record 198.18.10.21|sys run|main run|sys change|main change|sys close|main close"
	if got := strings.Join(log, "|"); got != want {
		t.Errorf("order\n got %s\nwant %s", got, want)
	}

	log = nil
	sys.fail = nil
	tt = &tee{sys: sys, main: recordsOnly{main}}
	if err := tt.WriteChange(&store.Change{}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(log, "|"); got != "sys change" {
		t.Errorf("changes with a records-only main: %s", got)
	}
}

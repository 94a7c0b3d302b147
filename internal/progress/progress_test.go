package progress

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/scanner"
)

// TestProgress: the status line counts what was written and what the
// engine probed, estimates the time left from the probing phase alone, names
// the sweeps during discovery, clears itself before a record row and at the
// end, and passes every record and the run record on.
func TestProgress(t *testing.T) {
	var out, errOut bytes.Buffer
	inner, err := report.NewWithOptions("json", &out, report.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	st := scanner.Stats{Phases: map[string]time.Duration{"arp": 2 * time.Second}}
	p := New(inner, &errOut, func() scanner.Stats { return st }, 1000, now)

	clock = clock.Add(3 * time.Second)
	if l := p.line(); !strings.HasPrefix(l, "discovery sweeps (done: arp) · 0 up · 3s") {
		t.Errorf("discovery line %q", l)
	}
	if err := p.WriteRecord(&device.Record{Schema: device.SchemaDevice, IP: "198.18.10.21", Camera: true, Flagged: true}); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteRecord(&device.Record{Schema: device.SchemaDevice, IP: "198.18.10.30"}); err != nil {
		t.Fatal(err)
	}
	// ARP took 2 s and liveness 3 s before the per-host phase began; the
	// discovery sweeps ran alongside it (the engine pipelines them) and take
	// nothing from its time; 250 addresses probed in the 5 s since: 50/s,
	// 750 left, 15 s.
	st = scanner.Stats{Probed: 250, Phases: map[string]time.Duration{"arp": 2 * time.Second, "liveness": 3 * time.Second,
		"wsd": 3 * time.Second, "sadp": 2 * time.Second, "discovery": 3 * time.Second}}
	clock = clock.Add(7 * time.Second)
	want := "probed 250/1000 (25.0%) · 2 up · 1 cameras · 1 flagged · 10s · 50 addr/s · ETA 15s"
	if l := p.line(); l != want {
		t.Errorf("line\n got %q\nwant %q", l, want)
	}
	p.draw()
	if !strings.HasSuffix(errOut.String(), "\r\x1b[K"+want) {
		t.Errorf("drawn %q", errOut.String())
	}
	if err := p.WriteRecord(&device.Record{Schema: device.SchemaDevice, IP: "198.18.10.40"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(errOut.String(), want+"\r\x1b[K") {
		t.Errorf("line not cleared before a record: %q", errOut.String())
	}
	go p.Run(time.Hour)
	if err := p.WriteRun(&device.RunRecord{Schema: device.SchemaRun, RunID: "r"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 4 || !strings.Contains(out.String(), `"schema":"camsweep.run/v1"`) {
		t.Errorf("inner writer got %d lines:\n%s", n, out.String())
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Error("progress reached standard output")
	}
}

// TestProgress_sanitised: what the status line names (the sweeps the
// engine reports) is drawn through termsafe, so nothing in it moves the
// cursor or drives the terminal beyond camsweep's own redraw.
func TestProgress_sanitised(t *testing.T) {
	var errOut bytes.Buffer
	inner, err := report.NewWithOptions("json", io.Discard, report.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }
	st := scanner.Stats{Phases: map[string]time.Duration{"arp\x1b]0;x\x07\r\u202e": time.Second}}
	p := New(inner, &errOut, func() scanner.Stats { return st }, 10, now)
	p.draw()
	got := strings.TrimPrefix(errOut.String(), "\r\x1b[K")
	if strings.ContainsAny(got, "\x1b\x07\r\u202e") || !strings.Contains(got, `arp\x1b]0;x\x07\r\u202e`) {
		t.Errorf("drawn %q", errOut.String())
	}
}

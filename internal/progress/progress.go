// Package progress is the status line a scan draws on a terminal's
// standard error: a report.Writer that passes every record on and counts
// them as they go by.
package progress

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/termsafe"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/scanner"
)

// Line is a report.Writer that passes everything on and, once a
// second, redraws one status line on a terminal's standard error:
// addresses probed of the total, hosts up, cameras, flagged, the probing
// rate and an estimate of the time left. During the discovery sweeps,
// before any address is probed, it names the sweeps still running. It is
// used only when standard error is a terminal and --quiet is not given:
// never on standard output, never into a file or a pipe.
type Line struct {
	inner report.Writer
	out   io.Writer
	stats func() scanner.Stats
	total uint64
	start time.Time
	now   func() time.Time

	mu                   sync.Mutex
	up, cameras, flagged int
	drawn, running       bool
	stop                 chan struct{}
	done                 chan struct{}
}

// New is the line of a scan of total addresses whose engine reports
// stats, drawn on out; records pass on to inner.
func New(inner report.Writer, out io.Writer, stats func() scanner.Stats, total uint64, now func() time.Time) *Line {
	return &Line{inner: inner, out: out, stats: stats, total: total, start: now(), now: now,
		stop: make(chan struct{}), done: make(chan struct{})}
}

// Run redraws every interval until WriteRun, Close or Finish; run it in
// its own goroutine.
func (p *Line) Run(interval time.Duration) {
	p.mu.Lock()
	p.running = true
	p.mu.Unlock()
	defer close(p.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.draw()
		}
	}
}

func (p *Line) draw() {
	// The line is camsweep's own words and numbers today, but it names
	// the sweeps by what the engine reports, and it is drawn in place on a
	// terminal: one sanitiser for everything a person sees.
	line := termsafe.Text(p.line())
	p.mu.Lock()
	defer p.mu.Unlock()
	// \r and erase-to-end: the line is redrawn in place.
	fmt.Fprint(p.out, "\r\x1b[K"+line)
	p.drawn = true
}

// line is the status text (no newline).
func (p *Line) line() string {
	st := p.stats()
	p.mu.Lock()
	up, cams, flagged := p.up, p.cameras, p.flagged
	p.mu.Unlock()
	elapsed := p.now().Sub(p.start)
	if st.Probed == 0 {
		return fmt.Sprintf("discovery sweeps%s · %d up · %s", sweepNames(st.Phases), up, elapsed.Round(time.Second))
	}
	pct := 0.0
	if p.total > 0 {
		pct = 100 * float64(st.Probed) / float64(p.total)
	}
	s := fmt.Sprintf("probed %d/%d (%.1f%%) · %d up · %d cameras · %d flagged · %s", st.Probed, p.total, pct, up, cams, flagged, elapsed.Round(time.Second))
	hosts := elapsed - sweepTime(st.Phases)
	if hosts > time.Second && st.Probed < p.total {
		r := float64(st.Probed) / hosts.Seconds()
		eta := time.Duration(float64(p.total-st.Probed) / r * float64(time.Second))
		s += fmt.Sprintf(" · %.0f addr/s · ETA %s", r, eta.Round(time.Second))
	}
	return s
}

// sweepNames lists the sweeps done so far, for the discovery phase.
func sweepNames(ph map[string]time.Duration) string {
	var done []string
	for n := range ph {
		if !hostPhase[n] {
			done = append(done, n)
		}
	}
	if len(done) == 0 {
		return ""
	}
	sort.Strings(done)
	return " (done: " + strings.Join(done, ", ") + ")"
}

// hostPhase names the phases_ms entries that are not sweeps: the per-host
// phase, its part after the sweeps ended, and the sweeps' wall time together.
var hostPhase = map[string]bool{"hosts": true, "hosts_tail": true, "discovery": true}

// sweepTime is how long the scan ran before the per-host phase began: the
// ARP sweep and the liveness stage run first and in turn; the discovery
// sweeps run alongside the per-host phase (the engine pipelines them), so
// they take nothing from its time.
func sweepTime(ph map[string]time.Duration) time.Duration {
	return ph["arp"] + ph["liveness"]
}

// Finish stops the redraws and erases the line, so what follows (the
// table, a log line) starts on a clean line.
func (p *Line) Finish() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	p.mu.Lock()
	running := p.running
	p.mu.Unlock()
	if running {
		<-p.done
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.out, "\r\x1b[K")
	}
}

func (p *Line) WriteRecord(r *device.Record) error {
	p.mu.Lock()
	p.up++
	if r.Camera {
		p.cameras++
	}
	if r.Flagged {
		p.flagged++
	}
	// A table on the same terminal: its row must not start mid-line.
	if p.drawn {
		fmt.Fprint(p.out, "\r\x1b[K")
		p.drawn = false
	}
	p.mu.Unlock()
	return p.inner.WriteRecord(r)
}

func (p *Line) WriteRun(r *device.RunRecord) error {
	p.Finish()
	return p.inner.WriteRun(r)
}

func (p *Line) Close() error {
	p.Finish()
	return p.inner.Close()
}

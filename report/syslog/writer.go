package syslog

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/store"
)

// SDID names camsweep's structured-data element. 32473 is the private
// enterprise number RFC 5612 reserves for documentation; the element is
// one parameter, run_id, so a receiver can group a run's messages.
const SDID = "camsweep@32473"

// Formats lists the payload formats.
var Formats = []string{"cef", "json"}

// WriterOptions of NewWriter.
type WriterOptions struct {
	// Format of MSG: cef or json.
	Format   string
	Report   report.Options
	Hostname string
	ProcID   string
	// CloseTimeout bounds how long Close keeps sending (default 10s).
	CloseTimeout time.Duration
	Now          func() time.Time
}

// Writer is a report.ChangeWriter that sends each line of a CEF or JSON
// writer as one syslog message.
type Writer struct {
	ctx   context.Context
	s     *Sender
	inner report.ChangeWriter
	buf   bytes.Buffer
	o     WriterOptions
}

var _ report.ChangeWriter = (*Writer)(nil)

// NewWriter wraps s; ctx's values (not its cancellation) reach Close.
func NewWriter(ctx context.Context, s *Sender, o WriterOptions) (*Writer, error) {
	w := &Writer{ctx: ctx, s: s, o: o}
	switch o.Format {
	case "cef":
		w.inner = report.NewCEF(&w.buf, o.Report)
	case "json", "":
		w.inner = report.NewJSON(&w.buf)
	default:
		return nil, fmt.Errorf("syslog format %q (want cef or json)", o.Format)
	}
	if w.o.ProcID == "" {
		w.o.ProcID = strconv.Itoa(os.Getpid())
	}
	if w.o.CloseTimeout <= 0 {
		w.o.CloseTimeout = 10 * time.Second
	}
	if w.o.Now == nil {
		w.o.Now = time.Now
	}
	return w, nil
}

// emit sends the lines the inner writer produced; msgID and sev give
// each line's MSGID and severity by its index.
func (w *Writer) emit(t time.Time, runID string, kind func(i int) (string, int)) {
	if t.IsZero() {
		t = w.o.Now()
	}
	var sd []Element
	if runID != "" {
		sd = []Element{{ID: SDID, Params: []Param{{"run_id", runID}}}}
	}
	lines := bytes.Split(bytes.TrimRight(w.buf.Bytes(), "\n"), []byte{'\n'})
	for i, line := range lines {
		if len(line) == 0 {
			continue
		}
		id, sev := kind(i)
		m := Message{Facility: FacilityLocal0, Severity: sev, Time: t, Hostname: w.o.Hostname,
			AppName: "camsweep", ProcID: w.o.ProcID, MsgID: id, SD: sd, Msg: string(line)}
		w.s.Send(m.Append(nil))
	}
	w.buf.Reset()
}

// WriteRecord sends the device; with CEF also one message per finding.
func (w *Writer) WriteRecord(r *device.Record) error {
	w.buf.Reset()
	if err := w.inner.WriteRecord(r); err != nil {
		return err
	}
	w.emit(r.Time, r.RunID, func(i int) (string, int) {
		if i > 0 && i <= len(r.Findings) {
			return "finding", Severity(r.Findings[i-1].Severity)
		}
		return "device", Severity(r.MaxSeverity())
	})
	return nil
}

// WriteChange sends one transition.
func (w *Writer) WriteChange(c *store.Change) error {
	w.buf.Reset()
	if err := w.inner.WriteChange(c); err != nil {
		return err
	}
	var t time.Time
	var runID string
	sev := SevInformational
	if c.Record != nil {
		t, runID, sev = c.Record.Time, c.Record.RunID, Severity(c.Record.MaxSeverity())
	}
	w.emit(t, runID, func(int) (string, int) { return "change", sev })
	return nil
}

// WriteRun first adds to rr.Errors what the syslog output lost so far
// (messages dropped from a full spool, datagrams cut), then sends it.
func (w *Writer) WriteRun(rr *device.RunRecord) error {
	st := w.s.Stats()
	if st.Dropped > 0 {
		rr.Errors = append(rr.Errors, fmt.Sprintf("syslog: spool full, %d oldest messages dropped", st.Dropped))
	}
	if st.Truncated > 0 {
		rr.Errors = append(rr.Errors, fmt.Sprintf("syslog: %d messages cut to %d bytes for UDP", st.Truncated, w.s.cfg.MaxDatagram))
	}
	if st.SpoolErr != nil {
		rr.Errors = append(rr.Errors, "syslog: "+st.SpoolErr.Error())
	}
	w.buf.Reset()
	if err := w.inner.WriteRun(rr); err != nil {
		return err
	}
	w.emit(rr.End, rr.RunID, func(int) (string, int) {
		if rr.Interrupted || len(rr.Errors) > 0 {
			return "run", SevWarning
		}
		return "run", SevNotice
	})
	return nil
}

// Close sends what is queued for at most CloseTimeout, even when the run
// was interrupted.
func (w *Writer) Close() error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), w.o.CloseTimeout)
	defer cancel()
	return w.s.Close(ctx)
}

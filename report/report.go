// Package report writes device and run records. Every format is a mapping of
// the one device.Record; there is no second model to keep in step.
package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors"
)

// Writer receives records as hosts complete and the run record last.
type Writer interface {
	WriteRecord(r *device.Record) error
	WriteRun(r *device.RunRecord) error
	// Close flushes; it does not close the underlying io.Writer.
	Close() error
}

// Formats lists the names New accepts.
var Formats = []string{"table", "json", "ecs", "ocsf", "csv", "cef", "report"}

// Options carries what some formats state about the producer and that the
// device record does not hold. The zero value is valid.
type Options struct {
	// Version is camsweep's version (CEF header, OCSF metadata, ECS observer).
	Version string
	// Hostname is the scanning host (ECS observer.hostname, CEF dvchost).
	Hostname string
	// Catalog gives the compliance report (format report) legal names,
	// list bases and sources; nil names lists by id only.
	Catalog *vendors.Catalog
	// FirstSeen tells the compliance report when the sweep history first
	// saw a device, which FAR 52.204-25(d)(2) asks for; false means the
	// history does not know it. Nil means no history is kept: "first
	// seen" is then this run.
	FirstSeen func(*device.Record) (time.Time, bool)
	// History is the history database FirstSeen reads and HistorySince
	// the start of its oldest run, which the report names as its source.
	History      string
	HistorySince time.Time
}

// New returns the writer for a format name.
func New(format string, w io.Writer) (Writer, error) {
	return NewWithOptions(format, w, Options{})
}

// NewWithOptions is New with producer details.
func NewWithOptions(format string, w io.Writer, o Options) (Writer, error) {
	switch format {
	case "json":
		return NewJSON(w), nil
	case "table":
		return NewTable(w), nil
	case "ecs":
		return NewECS(w, o), nil
	case "ocsf":
		return NewOCSF(w, o), nil
	case "csv":
		return NewCSV(w), nil
	case "cef":
		return NewCEF(w, o), nil
	case "report":
		return NewMarkdown(w, o), nil
	}
	return nil, fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// JSON writes one JSON object per line and flushes after each, so a log
// shipper or a SIEM sees every host as soon as it is done.
type JSON struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

// NewJSON returns a JSON-lines writer.
func NewJSON(w io.Writer) *JSON {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &JSON{bw: bw, enc: enc}
}

func (j *JSON) write(v any) error {
	if err := j.enc.Encode(v); err != nil {
		return err
	}
	return j.bw.Flush()
}

// WriteRecord writes a camsweep.device/v1 line.
func (j *JSON) WriteRecord(r *device.Record) error { return j.write(r) }

// WriteRun writes the camsweep.run/v1 line.
func (j *JSON) WriteRun(r *device.RunRecord) error { return j.write(r) }

// Close flushes.
func (j *JSON) Close() error { return j.bw.Flush() }

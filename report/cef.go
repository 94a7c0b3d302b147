package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/store"
)

// CEF writes ArcSight Common Event Format lines (docs/formats.md §A6), one per
// device, one per finding and one for the run:
//
//	CEF:0|camsweep|camsweep|VERSION|CLASS|NAME|SEVERITY|EXTENSION
//
// CLASS is device-seen, the finding id, or scan-completed; SEVERITY is
// Score (0–10). The scanned device is the destination (dst, dmac), the
// stable key is deviceExternalId; the fields CEF has no key for go in the
// labelled custom strings cs1..cs6 and flexString1.
type CEF struct {
	bw  *bufio.Writer
	opt Options
}

// NewCEF returns a CEF writer.
func NewCEF(w io.Writer, o Options) *CEF { return &CEF{bw: bufio.NewWriter(w), opt: o} }

// CEFHeader escapes a header field: backslash and pipe are escaped; a
// header cannot span lines, so line breaks become spaces.
func CEFHeader(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `|`, `\|`, "\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	return clip(printable(s, ""), maxValue)
}

// CEFValue escapes an extension value: backslash and equals are escaped,
// line breaks are written as \n and \r.
func CEFValue(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `=`, `\=`, "\n", `\n`, "\r", `\r`).Replace(clip(s, maxValue))
	return printable(s, "")
}

type cefExt struct{ b strings.Builder }

func (e *cefExt) add(k, v string) {
	if v == "" {
		return
	}
	if e.b.Len() > 0 {
		e.b.WriteByte(' ')
	}
	e.b.WriteString(k)
	e.b.WriteByte('=')
	e.b.WriteString(CEFValue(v))
}

// label adds a custom string with its label.
func (e *cefExt) label(k, label, v string) {
	if v == "" {
		return
	}
	e.add(k+"Label", label)
	e.add(k, v)
}

func (c *CEF) line(version, class, name string, sev int, ext *cefExt) error {
	if version == "" {
		version = c.opt.Version
	}
	if version == "" {
		version = "unknown"
	}
	_, err := fmt.Fprintf(c.bw, "CEF:0|%s|%s|%s|%s|%s|%d|%s\n",
		CEFHeader(vendorName), CEFHeader(productName), CEFHeader(version), CEFHeader(class), CEFHeader(name), sev, ext.b.String())
	if err != nil {
		return err
	}
	return c.bw.Flush()
}

func (c *CEF) deviceExt(r *device.Record, key string) *cefExt {
	e := &cefExt{}
	e.add("rt", strconv.FormatInt(r.Time.UnixMilli(), 10))
	e.add("dst", r.IP)
	e.add("dmac", r.MAC)
	e.add("deviceExternalId", key)
	e.add("dvchost", c.opt.Hostname)
	e.add("cat", string(r.DeviceType))
	e.label("cs1", "vendor", vendorOf(r))
	e.label("cs2", "brand", r.Brand)
	e.label("cs3", "model", r.Model)
	e.label("cs4", "zone", r.Zone.Name)
	e.label("cs5", "zoneKind", r.Zone.Kind)
	e.label("cs6", "runId", r.RunID)
	e.label("flexString1", "firmware", r.Firmware)
	e.label("flexString2", "serial", r.Serial)
	// The switch port a device hangs on: the port to shut (--switches).
	e.add("deviceInboundInterface", switchPortText(r.Switch))
	return e
}

// WriteRecord writes the device line and one line per finding.
func (c *CEF) WriteRecord(r *device.Record) error {
	key := store.Key(r)
	e := c.deviceExt(r, key)
	e.add("act", "device-seen")
	e.add("cfp1Label", "confidence")
	e.add("cfp1", strconv.FormatFloat(r.Confidence, 'f', 2, 64))
	e.add("msg", summary(r))
	if err := c.line("", "device-seen", "Device seen", Score(r.MaxSeverity()), e); err != nil {
		return err
	}
	for _, f := range r.Findings {
		e := c.deviceExt(r, key)
		e.add("act", "policy-violation")
		e.add("reason", f.Policy)
		e.add("msg", f.Summary)
		if err := c.line("", f.ID, f.Summary, Score(f.Severity), e); err != nil {
			return err
		}
	}
	return nil
}

// WriteRun writes the scan-completed line.
func (c *CEF) WriteRun(rr *device.RunRecord) error {
	e := &cefExt{}
	e.add("rt", strconv.FormatInt(rr.End.UnixMilli(), 10))
	e.add("start", strconv.FormatInt(rr.Start.UnixMilli(), 10))
	e.add("end", strconv.FormatInt(rr.End.UnixMilli(), 10))
	e.add("dvchost", c.opt.Hostname)
	e.label("cs6", "runId", rr.RunID)
	e.label("cn1", "hostsUp", strconv.Itoa(rr.HostsUp))
	e.label("cn2", "flagged", strconv.Itoa(rr.Flagged))
	e.label("cn3", "exitStatus", strconv.Itoa(rr.ExitStatus))
	e.add("msg", runSummary(rr))
	class, name := "scan-completed", "Scan completed"
	if rr.Interrupted {
		class, name = "scan-interrupted", "Scan interrupted"
	}
	return c.line(rr.Version, class, name, 0, e)
}

// Close flushes.
func (c *CEF) Close() error { return c.bw.Flush() }

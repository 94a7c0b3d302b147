package report

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/store"
)

// CSVHeader is the first line of the CSV format: one row per device, in the
// shape of an asset list (Splunk ES asset lookup, a spreadsheet).
var CSVHeader = []string{
	"time", "run_id", "key", "ip", "mac", "mac_vendor", "camera", "device_type", "vendor", "brand",
	"model", "firmware", "serial", "confidence", "maker_id", "maker_name", "maker_country",
	"maker_parent", "maker_lists", "zone", "zone_kind", "ports", "findings", "severity", "flagged",
	"partial", "out_of_scope",
}

// CSV writes one row per device record and flushes after each. The run
// record has no row: the table is an inventory, the run is in the JSON
// formats. Every cell is defused against formula injection (OWASP "CSV
// Injection"): a cell starting with = + - @ tab or CR gets a leading
// apostrophe, so a spreadsheet shows it as text instead of running it.
type CSV struct {
	bw     *bufio.Writer
	cw     *csv.Writer
	header bool
}

// NewCSV returns a CSV writer.
func NewCSV(w io.Writer) *CSV {
	bw := bufio.NewWriter(w)
	return &CSV{bw: bw, cw: csv.NewWriter(bw)}
}

// CSVCell makes one untrusted string safe for a spreadsheet cell.
func CSVCell(s string) string {
	s = clip(printable(s, "\t\r\n"), maxValue)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (c *CSV) row(cells []string) error {
	for i, s := range cells {
		cells[i] = CSVCell(s)
	}
	if err := c.cw.Write(cells); err != nil {
		return err
	}
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

func (c *CSV) writeHeader() error {
	if c.header {
		return nil
	}
	c.header = true
	return c.row(append([]string(nil), CSVHeader...))
}

// WriteRecord writes the device's row.
func (c *CSV) WriteRecord(r *device.Record) error {
	if err := c.writeHeader(); err != nil {
		return err
	}
	var m device.Maker
	if r.Maker != nil {
		m = *r.Maker
	}
	ports := make([]string, len(r.Ports))
	for i, p := range r.Ports {
		ports[i] = strconv.Itoa(int(p))
	}
	sev := ""
	if s := r.MaxSeverity(); s > 0 {
		sev = s.String()
	}
	return c.row([]string{
		r.Time.UTC().Format("2006-01-02T15:04:05Z07:00"), r.RunID, store.Key(r), r.IP, r.MAC, r.MACVendor,
		strconv.FormatBool(r.Camera), string(r.DeviceType), vendorOf(r), r.Brand, r.Model, r.Firmware, r.Serial,
		strconv.FormatFloat(r.Confidence, 'f', 2, 64), m.ID, m.Name, m.Country, m.Parent, strings.Join(m.Lists, " "),
		r.Zone.Name, r.Zone.Kind, strings.Join(ports, " "), strings.Join(findingIDs(r), " "), sev,
		strconv.FormatBool(r.Flagged), strconv.FormatBool(r.Partial), strconv.FormatBool(r.OutOfScope),
	})
}

// WriteRun writes the header if no device was found, so the file is
// still a well-formed (empty) table.
func (c *CSV) WriteRun(*device.RunRecord) error { return c.writeHeader() }

// Close flushes.
func (c *CSV) Close() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

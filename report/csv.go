package report

import (
	"bufio"
	"encoding/csv"
	"errors"
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
	"partial", "out_of_scope", "switch", "switch_port", "switch_vlan",
}

// CSVChangeHeader is the first line of a CSV of changes (scan --emit
// changes, camsweep diff --format csv): the device columns of CSVHeader in
// the same places, then the transition (new, changed, missing, returned,
// flag-raised, flag-cleared) and the fields it changed, space separated
// like every other list cell.
var CSVChangeHeader = append(append([]string(nil), CSVHeader...), "change", "changed_fields")

// ErrCSVMixed is returned when device rows and change rows would go into
// one CSV stream. A CSV file is one table under one header: a second header
// line part-way is read as a data row, and a union header would change the
// device table every asset lookup already reads. So one stream holds
// devices or changes, never both.
var ErrCSVMixed = errors.New("csv: device rows and change rows cannot share one table")

type csvTable int

const (
	csvNone csvTable = iota
	csvDevices
	csvChanges
)

// CSV writes one row per device record, or one per change, and flushes
// after each. The run record has no row: the table is an inventory, the run
// is in the JSON formats. Every cell is defused against formula injection
// (OWASP "CSV Injection"): a cell starting with = + - @ tab or CR gets a
// leading apostrophe, so a spreadsheet shows it as text instead of running
// it.
type CSV struct {
	bw    *bufio.Writer
	cw    *csv.Writer
	table csvTable // which header was written
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

func (c *CSV) writeHeader(t csvTable) error {
	switch c.table {
	case t:
		return nil
	case csvNone:
	default:
		return ErrCSVMixed
	}
	c.table = t
	h := CSVHeader
	if t == csvChanges {
		h = CSVChangeHeader
	}
	return c.row(append([]string(nil), h...))
}

// WriteRecord writes the device's row.
func (c *CSV) WriteRecord(r *device.Record) error {
	if err := c.writeHeader(csvDevices); err != nil {
		return err
	}
	return c.row(csvDevice(r, store.Key(r)))
}

// csvDevice is the cells of a device row, under CSVHeader.
func csvDevice(r *device.Record, key string) []string {
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
	var sw device.SwitchPort
	vlan := ""
	if r.Switch != nil {
		sw = *r.Switch
		if sw.VLAN != 0 {
			vlan = strconv.Itoa(sw.VLAN)
		}
	}
	return []string{
		r.Time.UTC().Format("2006-01-02T15:04:05Z07:00"), r.RunID, key, r.IP, r.MAC, r.MACVendor,
		strconv.FormatBool(r.Camera), string(r.DeviceType), vendorOf(r), r.Brand, r.Model, r.Firmware, r.Serial,
		strconv.FormatFloat(r.Confidence, 'f', 2, 64), m.ID, m.Name, m.Country, m.Parent, strings.Join(m.Lists, " "),
		r.Zone.Name, r.Zone.Kind, strings.Join(ports, " "), strings.Join(findingIDs(r), " "), sev,
		strconv.FormatBool(r.Flagged), strconv.FormatBool(r.Partial), strconv.FormatBool(r.OutOfScope),
		sw.Name, sw.Port, vlan,
	}
}

// WriteRun writes the header if no device was found, so the file is
// still a well-formed (empty) table. After change rows it writes nothing.
func (c *CSV) WriteRun(*device.RunRecord) error {
	if c.table != csvNone {
		return nil
	}
	return c.writeHeader(csvDevices)
}

// Close flushes.
func (c *CSV) Close() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

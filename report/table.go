package report

import (
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/termsafe"
)

// Table collects the records and prints one aligned table when the run
// ends, flagged devices first, then a summary line. It holds only live
// hosts, which stays small even on large sweeps.
type Table struct {
	w    io.Writer
	rows []*device.Record
}

// NewTable returns a table writer.
func NewTable(w io.Writer) *Table { return &Table{w: w} }

// WriteRecord keeps the record for the final table.
func (t *Table) WriteRecord(r *device.Record) error {
	t.rows = append(t.rows, r)
	return nil
}

// WriteRun prints the table and the summary.
func (t *Table) WriteRun(rr *device.RunRecord) error {
	slices.SortFunc(t.rows, func(a, b *device.Record) int {
		if c := cmp.Compare(b.MaxSeverity(), a.MaxSeverity()); c != 0 {
			return c
		}
		if a.Camera != b.Camera {
			if a.Camera {
				return -1
			}
			return 1
		}
		// A device only a switch knows may have no IP: it sorts last,
		// by MAC.
		x, errx := netip.ParseAddr(a.IP)
		y, erry := netip.ParseAddr(b.IP)
		if errx != nil || erry != nil {
			return cmp.Or(cmp.Compare(b2i(errx != nil), b2i(erry != nil)), cmp.Compare(a.IP, b.IP), cmp.Compare(a.MAC, b.MAC))
		}
		return x.Compare(y)
	})
	// The switch port column appears when a switch placed a device
	// (--switches): it is the port to shut.
	withPort := slices.ContainsFunc(t.rows, func(r *device.Record) bool { return r.Switch != nil })
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	head := "IP\tMAC\tTYPE\tVENDOR\tBRAND\tMODEL\tZONE\tCONF\tPORTS\tFINDING"
	if withPort {
		head += "\tSWITCH PORT"
	}
	fmt.Fprintln(tw, head)
	for _, r := range t.rows {
		vendor := "-"
		if r.Vendor != nil {
			vendor = *r.Vendor
		}
		finding := "-"
		if len(r.Findings) > 0 {
			top := r.Findings[0]
			for _, f := range r.Findings[1:] {
				if f.Severity > top.Severity {
					top = f
				}
			}
			finding = strings.ToUpper(top.Severity.String()) + " " + top.ID
		}
		ports := make([]string, len(r.Ports))
		for i, p := range r.Ports {
			ports[i] = fmt.Sprint(p)
		}
		// Every cell goes through termsafe.Text: a device names itself, and a
		// TAB would shift the columns, a CR rewrite the row, an ESC drive the
		// terminal.
		t := termsafe.Text
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s",
			t(dash(r.IP)), t(dash(r.MAC)), t(string(r.DeviceType)), t(vendor), t(dash(r.Brand)), t(dash(r.Model)),
			t(dash(r.Zone.Name)+"("+r.Zone.Kind+")"), r.Confidence, dash(strings.Join(ports, ",")), t(finding))
		if withPort {
			fmt.Fprintf(tw, "\t%s", t(dash(switchPortText(r.Switch))))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	state := "finished"
	if rr.Interrupted {
		state = "INTERRUPTED (partial results)"
	}
	_, err := fmt.Fprintf(t.w, "\n%s in %.1fs: %d addresses probed, %d hosts up, %d cameras, %d flagged (policy %s; zones: %s)\n",
		state, float64(rr.DurationMS)/1000, rr.Probed, rr.HostsUp, rr.Cameras, rr.Flagged, termsafe.Text(rr.Policy), termsafe.Text(rr.Zones))
	return err
}

// Close does nothing: the table is printed by WriteRun.
func (t *Table) Close() error { return nil }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/vendors"
	"github.com/camsweep/camsweep/vendors/oui"
)

// ouiAnswer is one MAC's line of "camsweep oui" (and its JSON object).
type ouiAnswer struct {
	Input     string   `json:"input"`
	MAC       string   `json:"mac"`
	Prefix    string   `json:"prefix,omitempty"`
	Registry  string   `json:"registry,omitempty"`
	Org       string   `json:"org,omitempty"`
	Country   string   `json:"country,omitempty"`
	Local     bool     `json:"locally_administered,omitempty"`
	Multicast bool     `json:"multicast,omitempty"`
	ChipMaker bool     `json:"chip_maker,omitempty"`
	Maker     string   `json:"maker,omitempty"`
	Lists     []string `json:"lists,omitempty"`
	Note      string   `json:"note"`
}

func newOUICmd() *cobra.Command {
	var ouiFile, format string
	cmd := &cobra.Command{
		Use:   "oui MAC... | oui -",
		Short: "Look MAC addresses up in the IEEE registry camsweep embeds",
		Long: `Look MAC addresses up in the embedded IEEE registry (MA-L, MA-M and MA-S, longest
prefix first), for an engineer checking a switch's MAC table against the cameras a scan
found. For each MAC it prints the block, the registered organisation and country, and:

  - whether the address is locally administered (randomised or set by software: no
    maker can be read from it) or a group (multicast) address;
  - whether the organisation makes chips or modules that sit in many brands' devices
    (Espressif, Realtek, HiSilicon...): such an OUI says little about the maker;
  - the catalog maker camsweep's OUI rules read from the organisation, and the lists
    (uk-nil, us-ndaa889, fcc-covered) that cover that maker.

An OUI is weak evidence: a scan never makes a covered verdict from it alone (it gives
"possible" at most). Forms: 44:a6:42:46:67:24, 44-A6-42-46-67-24, 44a6.4246.6724,
44a642466724. With "-", MACs are read from standard input, one per line; the first
MAC-shaped word of each line is taken, so "show mac address-table" output can be
pasted as it is, and lines without one (headers, rules) are passed over.

Exit status: 0, or 2 when an argument is not a MAC (named in the message).`,
		Example: `  camsweep oui 44:a6:42:46:67:24 08-ED-ED-5A-10-22
  camsweep oui --format json 9c8e.cd12.3456
  ssh switch 'show mac address-table' | camsweep oui -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return usageErr("--format %q: want table or json", format)
			}
			table, err := loadOUI(ouiFile)
			if err != nil {
				return err
			}
			cat, err := vendors.LoadCatalog()
			if err != nil {
				return err
			}
			fp, err := fingerprint.New(fingerprint.Config{Catalog: cat})
			if err != nil {
				return err
			}
			var macs []string
			if len(args) == 1 && args[0] == "-" {
				if macs, err = readMACs(cmd.InOrStdin()); err != nil {
					return usageErr("reading MACs from standard input: %v", err)
				}
			} else {
				for _, a := range args {
					if _, err := oui.ParseMAC(a); err != nil {
						return usageErr("%q is not a MAC address (forms: 44:a6:42:46:67:24, 44-a6-42-46-67-24, 44a6.4246.6724, 44a642466724)", a)
					}
					macs = append(macs, a)
				}
			}
			answers := make([]ouiAnswer, 0, len(macs))
			for _, m := range macs {
				answers = append(answers, lookupMAC(table, fp, cat, m))
			}
			return writeOUI(cmd.OutOrStdout(), format, answers)
		},
	}
	cmd.Flags().StringVar(&ouiFile, "oui-file", "", "lay the registry in `FILE` (IEEE CSV, nmap-mac-prefixes or Wireshark manuf) over the built-in one")
	cmd.Flags().StringVar(&format, "format", "table", "output `FORMAT`: table or json (one object per line)")
	return cmd
}

// readMACs takes the first MAC-shaped word of each line; lines with none
// are headers or decoration of a switch's table and are passed over.
func readMACs(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for sc.Scan() {
		for w := range strings.FieldsSeq(sc.Text()) {
			if looksLikeMAC(w) {
				out = append(out, w)
				break
			}
		}
	}
	return out, sc.Err()
}

// looksLikeMAC accepts the separated forms only, so a bare 12-digit number
// in a switch's table (a counter, a port id) is not taken for a MAC.
func looksLikeMAC(w string) bool {
	if _, err := oui.ParseMAC(w); err != nil {
		return false
	}
	return strings.ContainsAny(w, ":-.")
}

// lookupMAC answers one MAC: the registry entry, the flags, and the maker
// the OUI rules read from it, with the lists that cover that maker.
func lookupMAC(t *oui.Table, fp *fingerprint.Engine, cat *vendors.Catalog, in string) ouiAnswer {
	hw, _ := oui.ParseMAC(in) // checked by the caller
	a := ouiAnswer{Input: in, MAC: oui.FormatMAC(hw)}
	switch {
	case oui.IsMulticast(hw):
		a.Multicast = true
		a.Note = "group (multicast) address: not a device's own"
		return a
	case oui.IsLocal(hw):
		a.Local = true
		a.Note = "locally administered (randomised or set by software): no maker can be read from it"
		return a
	}
	e, ok := t.LookupHW(hw)
	if !ok {
		a.Note = "not in the registry"
		return a
	}
	a.Prefix, a.Registry, a.Org, a.Country = e.Prefix(), e.Registry, e.Org, e.Country
	a.ChipMaker = oui.IsChipMaker(e.Org)
	if a.ChipMaker {
		a.Note = "chip or module maker: says little about who made the device"
		return a
	}
	h := device.Host{Evidence: []device.Evidence{{Source: device.SourceOUI, Fields: t.Fields(a.MAC)}}}
	id := fp.Identify(&h)
	if id.Vendor == "" {
		a.Note = "not a maker in camsweep's catalog"
		return a
	}
	a.Maker = id.Vendor
	var lists []string
	for _, l := range cat.Lists() {
		lists = append(lists, l.ID)
	}
	for _, m := range cat.CoveringLists(lists, id.Vendor) {
		a.Lists = append(a.Lists, m.List)
	}
	a.Note = "maker " + cat.ShortName(id.Vendor)
	if len(a.Lists) > 0 {
		a.Note += ", on " + strings.Join(a.Lists, ", ")
	}
	a.Note += " (an OUI alone is weak evidence)"
	return a
}

func writeOUI(w io.Writer, format string, answers []ouiAnswer) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		for _, a := range answers {
			if err := enc.Encode(a); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MAC\tBLOCK\tORGANISATION\tCOUNTRY\tNOTE")
	for _, a := range answers {
		block := "-"
		if a.Prefix != "" {
			block = a.Prefix + " " + a.Registry
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.MAC, block, dash(a.Org), dash(a.Country), a.Note)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

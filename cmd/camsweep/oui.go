package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/internal/maclookup"
	"github.com/camsweep/camsweep/sweep"
	"github.com/camsweep/camsweep/vendors"
)

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
			table, err := sweep.LoadOUI(ouiFile)
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
			macs := args
			if len(args) == 1 && args[0] == "-" {
				if macs, err = maclookup.ReadMACs(cmd.InOrStdin()); err != nil {
					return usageErr("reading MACs from standard input: %v", err)
				}
			}
			answers := make([]maclookup.Answer, 0, len(macs))
			for _, m := range macs {
				a, err := maclookup.Lookup(table, fp, cat, m)
				if err != nil {
					return usageErr("%v", err)
				}
				answers = append(answers, a)
			}
			return writeOUI(cmd.OutOrStdout(), format, answers)
		},
	}
	cmd.Flags().StringVar(&ouiFile, "oui-file", "", "lay the registry in `FILE` (IEEE CSV, nmap-mac-prefixes or Wireshark manuf) over the built-in one")
	cmd.Flags().StringVar(&format, "format", "table", "output `FORMAT`: table or json (one object per line)")
	return cmd
}

func writeOUI(w io.Writer, format string, answers []maclookup.Answer) error {
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

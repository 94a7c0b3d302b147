package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/internal/termsafe"
	"github.com/camsweep/camsweep/scanner/snmp"
	"github.com/camsweep/camsweep/sweep"
)

// switchesHelp is the --switches flag's help, shared by scan and switches.
const switchesHelp = "read switch ports and VLANs over SNMP from the switches in `FILE` (YAML: switches and CIDR-scoped v2c/v3 credentials; secrets in the file or $VARs it names, never on the command line)"

func newSwitchesCmd() *cobra.Command {
	var path, format string
	var verbose int
	var timeout, maxTime time.Duration
	cmd := &cobra.Command{
		Use:   "switches --switches FILE",
		Short: "Print the MAC, port and VLAN table of the switches in FILE (SNMP, read-only)",
		Long: `Read the switches named in FILE over SNMP (v2c, or v3 with SHA/SHA-256 and AES),
read-only, and print which MAC hangs on which access port and VLAN: for a change ticket
that shuts or moves a port. It walks BRIDGE-MIB and Q-BRIDGE-MIB forwarding tables, the
bridge ports' interfaces and their names and aliases (IF-MIB), the LLDP neighbours, and
the ARP tables (IP-MIB) for each MAC's IP. Ports facing other switches (an LLDP
neighbour that is a bridge or router, or more than 12 MACs) are uplinks: a MAC seen only
there is not listed. Each switch is read with GETBULK, at most 200 requests a second,
bounded to 2 minutes and 262144 rows per column.

FILE:
  switches:
    - {address: 198.18.30.2, name: access-1}
  credentials:
    - cidrs: [198.18.30.0/24]
      version: v3
      user: camsweep
      auth: SHA-256
      auth_password_env: SW_AUTH
      priv: AES
      priv_password_env: SW_PRIV

Exit status: 0; 1 when a switch gave nothing (one message per switch, the others are
still printed); 2 for a bad FILE (file:line).`,
		Example: `  camsweep switches --switches switches.yaml
  camsweep switches --switches switches.yaml --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return usageErr("--switches FILE is required")
			}
			if format != "table" && format != "json" {
				return usageErr("--format %q: want table or json", format)
			}
			log := newLogger(cmd.ErrOrStderr(), verbose, false)
			cfg, err := sweep.LoadSwitches(path, log)
			if err != nil {
				return err
			}
			ouiTable, err := sweep.LoadOUI("")
			if err != nil {
				return err
			}
			tbl := sweep.CollectSwitches(cmd.Context(), cfg, snmp.Options{Timeout: timeout, MaxTime: maxTime}, log)
			if err := writeSwitches(cmd.OutOrStdout(), format, tbl.Rows(ouiTable.Fields)); err != nil {
				return err
			}
			if errs := tbl.Errors(); len(errs) > 0 {
				return exitcode.With(exitcode.Error, fmt.Errorf("%d of %d switches gave nothing", len(errs), len(cfg.Switches)))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&path, "switches", "", switchesHelp)
	fl.StringVar(&format, "format", "table", "output `FORMAT`: table or json (one object per line)")
	fl.DurationVar(&timeout, "timeout", 3*time.Second, "wait for each SNMP answer (one resend)")
	fl.DurationVar(&maxTime, "max-time", 2*time.Minute, "bound on one switch's whole collection")
	fl.CountVarP(&verbose, "verbose", "v", "log each switch's requests, rows and time (-v)")
	return cmd
}

func writeSwitches(w io.Writer, format string, rows []sweep.SwitchRow) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SWITCH\tPORT\tALIAS\tVLAN\tMAC\tIP\tMAC VENDOR\tLLDP")
	for _, r := range rows {
		vlan := "-"
		if r.VLAN != 0 {
			vlan = strconv.Itoa(r.VLAN)
		}
		// Switch-chosen text (names, aliases, LLDP) is made terminal-safe.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", termsafe.Text(r.Switch), termsafe.Text(r.Port), dash(termsafe.Text(r.PortAlias)),
			vlan, r.MAC, dash(r.IP), dash(r.MACVendor), dash(termsafe.Text(r.LLDP)))
	}
	return tw.Flush()
}

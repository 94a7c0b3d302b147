package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/sweep"
)

// passiveFlags are the flags of pcap and listen: the output, history and
// policy options of scan, and the capture's own.
type passiveFlags struct {
	scanFlags
	src sweep.PassiveSource
}

const pcapLong = `Find and identify cameras in capture files (pcap or pcapng, as tcpdump, dumpcap or
Wireshark write them): the ARP, DHCP (hostname, vendor class, parameter request list), DNS
(queries for the makers' cloud domains) and discovery traffic (SADP, DHIP, XMEye,
WS-Discovery, mDNS, SSDP) that devices send by themselves or in answer to anyone. Link
types: Ethernet (802.1Q tags feed the zones' vlans), Linux cooked (SLL, SLL2), raw IP.

Nothing is sent. The records, run record, formats, zones, policy and history are those of
scan; evidence has source "passive" and names its protocol in passive.proto. A file cut
short keeps what was read before the cut and exits 1 naming the file and packet.`

const listenLong = `Listen on a network interface (a mirror/SPAN port, or any interface) and identify the
cameras its traffic shows, as "camsweep pcap" does for a file. Needs CAP_NET_RAW (an
AF_PACKET socket). camsweep never sends a packet on the interface. It listens for
--duration, or until interrupted (Ctrl-C: the records and the run record are written,
exit 130).`

func newPcapCmd() *cobra.Command {
	f := &passiveFlags{scanFlags: scanFlags{opts: sweep.Defaults()}}
	cmd := &cobra.Command{
		Use:     "pcap FILE...",
		Short:   "Identify cameras in capture files (pcap, pcapng), sending nothing",
		Long:    pcapLong,
		Example: "  camsweep pcap --zones zones.yaml mirror-port.pcapng\n  tcpdump -i eth1 -w cap.pcap; camsweep pcap --format table cap.pcap",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.src.Files = args
			return exitcode.Runtime(runPassive(cmd, f))
		},
	}
	passiveOutputFlags(cmd.Flags(), f)
	return cmd
}

func newListenCmd() *cobra.Command {
	f := &passiveFlags{scanFlags: scanFlags{opts: sweep.Defaults()}}
	cmd := &cobra.Command{
		Use:     "listen -i INTERFACE",
		Short:   "Identify cameras from the live traffic of an interface, sending nothing",
		Long:    listenLong,
		Example: "  camsweep listen -i eth1 --duration 10m --zones zones.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.src.Interface == "" {
				return usageErr("listen: give the interface with -i")
			}
			return exitcode.Runtime(runPassive(cmd, f))
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.src.Interface, "interface", "i", "", "listen on this network `interface`")
	fl.DurationVar(&f.src.Duration, "duration", 0, "stop listening after this long (default: until interrupted)")
	passiveOutputFlags(fl, f)
	return cmd
}

// passiveOutputFlags are scan's output, policy and history flags.
func passiveOutputFlags(fl *pflag.FlagSet, f *passiveFlags) {
	o := &f.opts
	fl.SortFlags = false
	fl.IntVar(&f.src.MaxHosts, "max-hosts", 0, "devices kept at most; more are counted in the run record (default 4096)")
	fl.IntVar(&f.src.MaxEvidence, "max-evidence", 0, "distinct evidence items kept per device (default 64)")
	fl.StringVar(&o.Format, "format", "", "output format: table, json, ecs, ocsf, csv, cef or report (default table on a terminal, json otherwise)")
	fl.StringVarP(&o.Output, "output", "o", "", "append results to `FILE` instead of standard output")
	fl.StringVar(&o.State, "state", "", "sweep history database `PATH` (as scan)")
	fl.BoolVar(&o.NoState, "no-state", false, "keep no history: no changes, no run lock")
	fl.BoolVar(&f.changes, "changes", false, "after the records, write what changed since the last run (same as --emit all)")
	fl.StringVar(&o.Emit, "emit", o.Emit, "what to write: records, changes or all")
	fl.StringVar(&o.Zones, "zones", "", "zones `FILE` (YAML) saying which networks and VLANs are primary and which isolated")
	fl.BoolVar(&o.StrictZones, "strict-zones", false, "refuse a zones file whose CIDRs overlap")
	fl.StringVar(&o.Policy, "policy", o.Policy, "which catalog lists make a maker covered (as scan)")
	fl.StringVar(&o.Catalog, "catalog", "", "read the vendor catalog from `FILE` instead of the built-in one")
	fl.StringArrayVar(&o.RulesDirs, "rules", nil, "add the fingerprint rules in `DIR`/*.yaml; repeatable")
	fl.StringVar(&o.OUIFile, "oui-file", "", "lay the MAC registry in `FILE` over the built-in one")
	fl.StringVar(&o.FailOn, "fail-on", o.FailOn, "exit 3 when a finding reaches this severity: info, low, medium, high, critical or none")
	fl.CountVarP(&f.verbose, "verbose", "v", "log more to standard error (-v info, -vv debug)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "log only errors")
}

// runPassive maps the flags onto sweep's options and runs the capture.
func runPassive(cmd *cobra.Command, f *passiveFlags) error {
	o := f.opts
	o.Stdout = cmd.OutOrStdout()
	o.Log = newLogger(cmd.ErrOrStderr(), f.verbose, f.quiet)
	o.Version = version
	if f.changes {
		o.Emit = sweep.EmitAll
	}
	p, err := sweep.OpenPassive(cmd.Context(), o, f.src)
	if err != nil {
		return err
	}
	defer p.Close()
	_, err = p.Run(cmd.Context())
	return err
}

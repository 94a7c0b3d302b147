package main

import (
	"io"
	"os"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/internal/termsafe"
	"github.com/camsweep/camsweep/sweep"
)

// scanFlags are the flags of scan: the sweep options they map onto, and
// the few that are the command's own (logging, --changes).
type scanFlags struct {
	opts    sweep.Options
	changes bool
	verbose int
	quiet   bool
}

var scanLong = `Scan the given targets for IP cameras, NVRs and DVRs, identify the maker behind each
device, place it in a zone and report the ones a policy covers.

TARGETS are IPv4 addresses (198.18.1.7), CIDRs (198.18.1.0/24) and ranges
(198.18.1.10-40, 198.18.1.10-198.18.2.5), given as arguments, in files (-l FILE, one or
more per line, '#' starts a comment) or on standard input (-l -). They are streamed, not
expanded in memory, so a /8 costs nothing up front. camsweep never probes 0.0.0.0/8,
127.0.0.0/8, multicast, 240.0.0.0/4, 255.255.255.255, nor the network and broadcast
address of a CIDR of /30 or wider; it says so when that removes an address you named.

WHAT IS SENT (read-only, paced for fragile embedded devices): the methods listed below,
by the names the run record's "methods" gives them. Sweepers go once for all targets at
once and collect replies for a short window; host probers go to each target still in the
running; port probers to each open port they take. Multicast and broadcast go out of
each interface (or the one -i names); routed subnets never see them: the unicast probes
are what find cameras there. ARP comes first; then liveness, on every other target
(routed ranges; all targets without raw sockets): one ICMP echo and a TCP SYN to 80 and
554 (raw, with CAP_NET_RAW), else a connect to 80 and 554, at most --new-rate (250) new
addresses a second per /16; only targets that answer (a reply, a SYN-ACK or a RST) or
that a multicast reply named get the unicast probes and the connects (--no-liveness:
every target does).
` + sweep.MethodsHelp(88) + `No password is ever guessed and no setting is ever changed. Every packet or connection
waits for the global budget (--rate, 1000/s) and the per-host budget (--host-rate, 2.9/s);
ARP requests, which stay on the segment, have their own budget (--arp-rate, 2000/s).

ZONES: --zones FILE names your networks and their kind (primary, isolated, ...):
  zones:
    - {name: core, kind: primary, sensitive: true, cidrs: [10.20.0.0/16]}
    - {name: cctv, kind: isolated, cidrs: [10.99.0.0/24], vlans: [99]}
Kinds are primary, isolated, guest and dmz; list any other under a top-level
"kinds: [lab]" (an undeclared kind or an unknown key is refused, exit 2).
The most specific CIDR places an address. A host no CIDR holds that answered ARP on a
Linux VLAN interface (arp.vlan) goes to the zone listing that VLAN id (1-4094, one zone
per VLAN). When a CIDR and the VLAN name different zones the CIDR wins, and findings
say "by CIDR; it answered on VLAN n of zone z".
Addresses in no zone, and every address when no zones file is given, count as primary.

OUTPUT: a table on a terminal, JSON lines otherwise (or with --format json): one
camsweep.device/v1 record per live host as soon as it is done, then one camsweep.run/v1
record. Logs go to standard error. --format ecs, ocsf, csv and cef map the same records
for SIEMs: ECS 9.x documents (event.kind asset per device, alert per finding, the rest
under "Camsweep"), OCSF 1.8 (Device Inventory Info 5001, Compliance Finding 2003, Scan
Activity 6007), CSV (one row per device, cells defused against formula injection) and
CEF (one line per device and per finding, severity 0-10). -o FILE appends.

EXIT CODES: 0 finished, nothing at or above --fail-on; 1 error; 2 bad usage or input;
3 finished with findings at or above --fail-on; 130 interrupted (partial results and the
run record are still written).

Only scan networks you are authorised to scan.`

const scanExample = `  camsweep scan 10.20.0.0/16 --zones zones.yaml
  camsweep scan 10.20.1.10-40 10.20.2.0/24 --exclude 10.20.2.1 --format json -o sweep.jsonl
  camsweep scan -l targets.txt --rate 100 --fail-on critical
  grep -v '^#' sites.txt | camsweep scan -l - --shard 2/4 --shuffle`

func newScanCmd() *cobra.Command {
	f := scanFlags{opts: sweep.Defaults()}
	o := &f.opts
	cmd := &cobra.Command{
		Use:     "scan [TARGET...]",
		Short:   "Scan targets for cameras and report covered makers on primary networks",
		Long:    scanLong,
		Example: scanExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			return exitcode.Runtime(runScan(cmd, args, &f))
		},
	}
	fl := cmd.Flags()
	fl.SortFlags = false
	fl.StringArrayVarP(&o.Lists, "list", "l", nil, "read targets from `FILE` ('-' = standard input); repeatable")
	fl.StringSliceVar(&o.Excludes, "exclude", nil, "never probe these targets (comma-separated, same forms as TARGET)")
	fl.StringArrayVar(&o.ExcludeFiles, "exclude-file", nil, "never probe the targets listed in `FILE`; repeatable")
	fl.StringVarP(&o.Interface, "interface", "i", "", "send only through this network `interface` (default: the routing table decides)")
	fl.Float64Var(&o.Rate, "rate", o.Rate, "global budget in packets (connection attempts) per second")
	fl.Float64Var(&o.HostRate, "host-rate", o.HostRate, "per-host budget in packets per second")
	fl.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "hosts probed at the same time")
	fl.DurationVar(&o.ConnTimeout, "connect-timeout", o.ConnTimeout, "a TCP port that has not answered a connect by then counts as filtered")
	fl.DurationVar(&o.Timeout, "timeout", o.Timeout, "timeout of one service exchange (HTTP request, RTSP OPTIONS and DESCRIBE)")
	fl.DurationVar(&o.HostTimeout, "host-timeout", o.HostTimeout, "give up on a host after this long (its record is marked partial)")
	fl.UintSliceVarP(&o.Ports, "ports", "p", o.Ports, "TCP ports to connect to")
	fl.StringVar(&o.Format, "format", "", "output format: table, json, ecs (Elastic Common Schema), ocsf, csv, cef, or report (Markdown compliance report: covered devices by zone, FAR 52.204-25(d)(2) fields); all but report also write changes (--emit) (default table on a terminal, json otherwise)")
	fl.StringVarP(&o.Output, "output", "o", "", "append results to `FILE` (created 0640, one flushed line per record, for log shippers) instead of standard output")
	fl.StringVar(&o.State, "state", "", "sweep history: an SQLite `PATH` or a postgres:// connection string without password (default $STATE_DIRECTORY/history.db under systemd, else $XDG_STATE_HOME/camsweep/history.db, else ~/.local/state/camsweep/history.db)")
	fl.BoolVar(&o.NoState, "no-state", false, "keep no history: no changes, no run lock")
	fl.StringVar(&o.StateFile, "state-file", "", "read the history's postgres:// connection string (with its password) from `FILE` (mode 0600); also $CAMSWEEP_STATE_DSN; never a password in --state")
	fl.StringVar(&o.SweepName, "sweep", "", "record this run as one of the sweep `NAME` (e.g. nightly): its runs from all scanners decide missing devices together")
	fl.StringVar(&o.Site, "site", "", "record the site (jump host, segment) this run scans from as `NAME`")
	fl.IntVar(&o.SweepSize, "sweep-size", 0, "runs one sweep expects from all its scanners (default: N of --shard K/N; 0 without shards: the sweep closes when a site runs again)")
	fl.BoolVar(&f.changes, "changes", false, "after the records, write what changed since the last run (same as --emit all)")
	fl.StringVar(&o.Emit, "emit", o.Emit, "what to write: records (every device and the run), changes (only transitions since the last run: new, changed, missing, returned, flag-raised, flag-cleared) or all (devices then changes; not with --format csv, which is one table)")
	fl.IntVar(&o.MissingAfter, "missing-after", o.MissingAfter, "report a device missing after this many consecutive runs without it")
	fl.StringVar(&o.Zones, "zones", "", "zones `FILE` (YAML) saying which networks are primary and which isolated")
	fl.BoolVar(&o.StrictZones, "strict-zones", false, "refuse a zones file whose CIDRs overlap (default: the most specific CIDR wins)")
	fl.StringVar(&o.Policy, "policy", o.Policy, "which catalog list makes a maker covered: uk-nil, us-ndaa889, fcc-covered, us (both US lists) or all; several joined by commas (see: camsweep vendors)")
	fl.StringVar(&o.Catalog, "catalog", "", "read the vendor catalog from `FILE` instead of the built-in one")
	fl.StringArrayVar(&o.RulesDirs, "rules", nil, "add the fingerprint rules in `DIR`/*.yaml (check them first with: camsweep rules test DIR); repeatable")
	fl.StringVar(&o.Credentials, "credentials", "", "ONVIF credentials `FILE` (YAML, each entry scoped to CIDRs; one login attempt per device, never logged; default $CAMSWEEP_CREDENTIALS)")
	fl.StringVar(&o.Switches, "switches", "", switchesHelp)
	fl.StringArrayVar(&o.Pcap, "pcap", nil, "add what capture `FILE` (pcap or pcapng) shows to the records: a device seen both ways gets one record, one only the capture shows gets its own (see camsweep pcap); repeatable")
	fl.StringVar(&o.FailOn, "fail-on", o.FailOn, "exit 3 when a finding reaches this severity: info, low, medium, high, critical or none")
	fl.BoolVar(&o.Shuffle, "shuffle", false, "probe addresses in a pseudo-random order (deterministic with --seed)")
	fl.Uint64Var(&o.Seed, "seed", o.Seed, "seed of --shuffle and --shard order")
	fl.StringVar(&o.Shard, "shard", "", "scan only shard `K/N` of the targets (split one range across N jump hosts)")
	fl.StringVar(&o.OUIFile, "oui-file", "", "lay the MAC registry in `FILE` (IEEE CSV, nmap-mac-prefixes or Wireshark manuf) over the built-in one")
	fl.IntVar(&o.ARPRetries, "arp-retries", o.ARPRetries, "ARP requests sent again to in-scope addresses of a directly connected subnet that did not answer")
	fl.DurationVar(&o.ARPWait, "arp-wait", o.ARPWait, "how long the ARP sweep waits for late replies after its last request")
	fl.Float64Var(&o.ARPRate, "arp-rate", o.ARPRate, "the ARP sweep's own budget in frames per second (ARP stays on the segment and leaves no router state, so it is paced apart from --rate)")
	fl.BoolVar(&o.NoLiveness, "no-liveness", false, "no liveness stage: every address that ARP does not vouch for gets the whole discovery salvo and the TCP connects (for networks that drop ICMP and SYNs to closed ports)")
	fl.Float64Var(&o.NewRate, "new-rate", o.NewRate, "the liveness stage's budget in new addresses per second per destination /16 (each address new to a router makes it hold a pending neighbour entry for about 3 s)")
	fl.StringVar(&o.Syslog, "syslog", "", "also send every record to a syslog receiver, `udp|tcp|tls://HOST:PORT` (RFC 5424; octet counting on tcp and tls)")
	fl.StringVar(&o.SyslogFormat, "syslog-format", o.SyslogFormat, "payload of the syslog messages: cef or json")
	fl.StringVar(&o.SyslogSpool, "syslog-spool", "", "keep messages the receiver has not taken in `DIR` (bounded, oldest dropped first) and send them when it returns, also on the next run (default: in memory)")
	fl.StringVar(&o.SyslogCA, "syslog-ca", "", "trust the CA certificates in PEM `FILE` for tls:// (default: the system roots)")
	fl.CountVarP(&f.verbose, "verbose", "v", "log more to standard error (-v info, -vv debug)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "log only errors")
	return cmd
}

func newLogger(w io.Writer, verbose int, quiet bool) zerolog.Logger {
	level := zerolog.WarnLevel
	switch {
	case quiet:
		level = zerolog.ErrorLevel
	case verbose == 1:
		level = zerolog.InfoLevel
	case verbose >= 2:
		level = zerolog.DebugLevel
	}
	if fd, ok := w.(*os.File); ok && term.IsTerminal(int(fd.Fd())) {
		// Log lines carry device strings (a probe error, a RelatesTo): the
		// console never receives their control characters.
		w = termsafe.Console(zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05"})
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

// runScan maps the command line onto sweep.Options, opens the scan and
// runs it; sweep says what every problem is worth (internal/exitcode).
func runScan(cmd *cobra.Command, args []string, f *scanFlags) error {
	o := f.opts
	o.Args = args
	o.Stdin = cmd.InOrStdin()
	o.Stdout = cmd.OutOrStdout()
	o.Log = newLogger(cmd.ErrOrStderr(), f.verbose, f.quiet)
	o.Version = version
	if f.changes {
		o.Emit = sweep.EmitAll
	}
	if errOut := cmd.ErrOrStderr(); !f.quiet && sweep.IsTerminal(errOut) {
		o.Progress = errOut
	}
	s, err := sweep.Open(cmd.Context(), o)
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = s.Run(cmd.Context())
	return err
}

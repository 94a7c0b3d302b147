package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/internal/termsafe"
	"github.com/camsweep/camsweep/policy"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/arp"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/scanner/liveness"
	"github.com/camsweep/camsweep/scanner/neigh"
	"github.com/camsweep/camsweep/scanner/rtspprobe"
	"github.com/camsweep/camsweep/scanner/targets"
	"github.com/camsweep/camsweep/scanner/tcpprobe"
	"github.com/camsweep/camsweep/store"
	"github.com/camsweep/camsweep/sweep"
)

type scanFlags struct {
	lists        []string
	excludes     []string
	excludeFiles []string
	iface        string
	rate         float64
	hostRate     float64
	concurrency  int
	timeout      time.Duration
	connTimeout  time.Duration
	hostTimeout  time.Duration
	ports        []uint
	format       string
	output       string
	zones        string
	strictZones  bool
	policy       string
	catalog      string
	rulesDirs    []string
	credentials  string
	failOn       string
	verbose      int
	quiet        bool
	shuffle      bool
	seed         uint64
	shard        string
	state        string
	noState      bool
	changes      bool
	emit         string
	missingAfter int
	ouiFile      string
	arpRetries   int
	arpWait      time.Duration
	arpRate      float64
	noLiveness   bool
	newRate      float64
	syslog       string
	syslogFormat string
	syslogSpool  string
	syslogCA     string
}

const scanLong = `Scan the given targets for IP cameras, NVRs and DVRs, identify the maker behind each
device, place it in a zone and report the ones a policy covers.

TARGETS are IPv4 addresses (198.18.1.7), CIDRs (198.18.1.0/24) and ranges
(198.18.1.10-40, 198.18.1.10-198.18.2.5), given as arguments, in files (-l FILE, one or
more per line, '#' starts a comment) or on standard input (-l -). They are streamed, not
expanded in memory, so a /8 costs nothing up front. camsweep never probes 0.0.0.0/8,
127.0.0.0/8, multicast, 240.0.0.0/4, 255.255.255.255, nor the network and broadcast
address of a CIDR of /30 or wider; it says so when that removes an address you named.

WHAT IS SENT (read-only, paced for fragile embedded devices):
  0. with CAP_NET_RAW, an ARP request to every target on a directly connected subnet;
     a target there that does not answer is absent and gets nothing more.
  0b. liveness, on every other target (routed ranges; all targets without raw sockets):
     one ICMP echo and a TCP SYN to 80 and 554 (raw, with CAP_NET_RAW), else a connect
     to 80 and 554, at most --new-rate (250) new addresses a second per /16; only targets
     that answer (a reply, a SYN-ACK or a RST) or that a multicast reply named get the
     unicast probes of 1 and the connects of 2 (--no-liveness: every target does).
  1. discovery, for all targets at once: one probe multicast on each interface (or the
     one -i names) and one unicast to every target, for ONVIF WS-Discovery (UDP 3702,
     typed probes), Hikvision SADP (UDP 37020), Dahua DHIP (UDP 37810), mDNS/DNS-SD
     (UDP 5353, to 224.0.0.251 and, on interfaces with an IPv6 link-local address, to
     ff02::fb as well) and SSDP (UDP 1900; the device description at LOCATION is fetched
     only from in-scope addresses), and for Xiongmai XMEye (UDP 34569) one broadcast to
     255.255.255.255 pinned to each of those interfaces instead of the multicast;
     replies are collected for a short window. Routed subnets never see multicast or
     broadcast: the unicast probes are what find cameras there. Dahua's legacy search
     (UDP 5050) goes by unicast only.
  2. per host: a TCP connect to each of --ports (default 80,443,554,8000,8080,8443,
     37777,34567,5000). An address silent on the first three ports that no discovery
     reply came from counts as absent and is not tried further;
  3. on open web ports one "GET /" (TLS on 443/8443, certificates not verified: this
     is fingerprinting, not trust), then a few unauthenticated follow-ups (maker
     pages, /favicon.ico unless the page is clearly no camera's); on open RTSP ports
     one OPTIONS and, when that shows no authentication realm, one DESCRIBE without
     credentials; on 37777 the Dahua DVRIP realm request that precedes a login (no
     login follows); on 8000, after a second of listening, nmap's "GET / HTTP/1.0";
     on 80, 8080, 8899 and 2000 (and the port of an XAddr WS-Discovery announced for
     the same address) the ONVIF device service, at most 6 SOAP requests per device:
     clock, services, identity, interfaces, host name, scopes, anonymously; with a
     --credentials entry for the address, one login (WS-Security, or HTTP Digest when
     the device asks for it) after an anonymous refusal.
No password is ever guessed and no setting is ever changed. Every packet or connection
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
	var f scanFlags
	cmd := &cobra.Command{
		Use:     "scan [TARGET...]",
		Short:   "Scan targets for cameras and report covered makers on primary networks",
		Long:    scanLong,
		Example: scanExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runtimeErr(runScan(cmd, args, &f))
		},
	}
	fl := cmd.Flags()
	fl.SortFlags = false
	fl.StringArrayVarP(&f.lists, "list", "l", nil, "read targets from `FILE` ('-' = standard input); repeatable")
	fl.StringSliceVar(&f.excludes, "exclude", nil, "never probe these targets (comma-separated, same forms as TARGET)")
	fl.StringArrayVar(&f.excludeFiles, "exclude-file", nil, "never probe the targets listed in `FILE`; repeatable")
	fl.StringVarP(&f.iface, "interface", "i", "", "send only through this network `interface` (default: the routing table decides)")
	fl.Float64Var(&f.rate, "rate", scanner.DefaultRate, "global budget in packets (connection attempts) per second")
	fl.Float64Var(&f.hostRate, "host-rate", scanner.DefaultHostRate, "per-host budget in packets per second")
	fl.IntVar(&f.concurrency, "concurrency", scanner.DefaultConcurrency, "hosts probed at the same time")
	fl.DurationVar(&f.connTimeout, "connect-timeout", tcpprobe.DefaultTimeout, "a TCP port that has not answered a connect by then counts as filtered")
	fl.DurationVar(&f.timeout, "timeout", httpprobe.DefaultTimeout, "timeout of one service exchange (HTTP request, RTSP OPTIONS and DESCRIBE)")
	fl.DurationVar(&f.hostTimeout, "host-timeout", scanner.DefaultHostTimeout, "give up on a host after this long (its record is marked partial)")
	defPorts := make([]uint, len(tcpprobe.DefaultPorts))
	for i, p := range tcpprobe.DefaultPorts {
		defPorts[i] = uint(p)
	}
	fl.UintSliceVarP(&f.ports, "ports", "p", defPorts, "TCP ports to connect to")
	fl.StringVar(&f.format, "format", "", "output format: table, json, ecs (Elastic Common Schema), ocsf, csv, cef, or report (Markdown compliance report: covered devices by zone, FAR 52.204-25(d)(2) fields); all but report also write changes (--emit) (default table on a terminal, json otherwise)")
	fl.StringVarP(&f.output, "output", "o", "", "append results to `FILE` (created 0640, one flushed line per record, for log shippers) instead of standard output")
	fl.StringVar(&f.state, "state", "", "sweep history database `PATH` (default $STATE_DIRECTORY/history.db under systemd, else $XDG_STATE_HOME/camsweep/history.db, else ~/.local/state/camsweep/history.db)")
	fl.BoolVar(&f.noState, "no-state", false, "keep no history: no changes, no run lock")
	fl.BoolVar(&f.changes, "changes", false, "after the records, write what changed since the last run (same as --emit all)")
	fl.StringVar(&f.emit, "emit", "records", "what to write: records (every device and the run), changes (only transitions since the last run: new, changed, missing, returned, flag-raised, flag-cleared) or all (devices then changes; not with --format csv, which is one table)")
	fl.IntVar(&f.missingAfter, "missing-after", 2, "report a device missing after this many consecutive runs without it")
	fl.StringVar(&f.zones, "zones", "", "zones `FILE` (YAML) saying which networks are primary and which isolated")
	fl.BoolVar(&f.strictZones, "strict-zones", false, "refuse a zones file whose CIDRs overlap (default: the most specific CIDR wins)")
	fl.StringVar(&f.policy, "policy", "uk-nil", "which catalog list makes a maker covered: uk-nil, us-ndaa889, fcc-covered, us (both US lists) or all; several joined by commas (see: camsweep vendors)")
	fl.StringVar(&f.catalog, "catalog", "", "read the vendor catalog from `FILE` instead of the built-in one")
	fl.StringArrayVar(&f.rulesDirs, "rules", nil, "add the fingerprint rules in `DIR`/*.yaml (check them first with: camsweep rules test DIR); repeatable")
	fl.StringVar(&f.credentials, "credentials", "", "ONVIF credentials `FILE` (YAML, each entry scoped to CIDRs; one login attempt per device, never logged; default $CAMSWEEP_CREDENTIALS)")
	fl.StringVar(&f.failOn, "fail-on", "high", "exit 3 when a finding reaches this severity: info, low, medium, high, critical or none")
	fl.BoolVar(&f.shuffle, "shuffle", false, "probe addresses in a pseudo-random order (deterministic with --seed)")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of --shuffle and --shard order")
	fl.StringVar(&f.shard, "shard", "", "scan only shard `K/N` of the targets (split one range across N jump hosts)")
	fl.StringVar(&f.ouiFile, "oui-file", "", "lay the MAC registry in `FILE` (IEEE CSV, nmap-mac-prefixes or Wireshark manuf) over the built-in one")
	fl.IntVar(&f.arpRetries, "arp-retries", arp.DefaultRetries, "ARP requests sent again to in-scope addresses of a directly connected subnet that did not answer")
	fl.DurationVar(&f.arpWait, "arp-wait", arp.DefaultWait, "how long the ARP sweep waits for late replies after its last request")
	fl.Float64Var(&f.arpRate, "arp-rate", scanner.DefaultL2Rate, "the ARP sweep's own budget in frames per second (ARP stays on the segment and leaves no router state, so it is paced apart from --rate)")
	fl.BoolVar(&f.noLiveness, "no-liveness", false, "no liveness stage: every address that ARP does not vouch for gets the whole discovery salvo and the TCP connects (for networks that drop ICMP and SYNs to closed ports)")
	fl.Float64Var(&f.newRate, "new-rate", scanner.DefaultNewRate, "the liveness stage's budget in new addresses per second per destination /16 (each address new to a router makes it hold a pending neighbour entry for about 3 s)")
	fl.StringVar(&f.syslog, "syslog", "", "also send every record to a syslog receiver, `udp|tcp|tls://HOST:PORT` (RFC 5424; octet counting on tcp and tls)")
	fl.StringVar(&f.syslogFormat, "syslog-format", "cef", "payload of the syslog messages: cef or json")
	fl.StringVar(&f.syslogSpool, "syslog-spool", "", "keep messages the receiver has not taken in `DIR` (bounded, oldest dropped first) and send them when it returns, also on the next run (default: in memory)")
	fl.StringVar(&f.syslogCA, "syslog-ca", "", "trust the CA certificates in PEM `FILE` for tls:// (default: the system roots)")
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

func runScan(cmd *cobra.Command, args []string, f *scanFlags) error {
	ctx := cmd.Context()
	log := newLogger(cmd.ErrOrStderr(), f.verbose, f.quiet)

	// Everything the command line says is checked before the target lists
	// are read and long before a packet leaves.
	if err := validateScanFlags(f); err != nil {
		return err
	}
	failOn, err := device.ParseSeverity(f.failOn)
	if err != nil {
		return usageErr("--fail-on: %v", err)
	}
	emit := f.emit
	if f.changes {
		emit = "all"
	}
	if emit != "records" && emit != "changes" && emit != "all" {
		return usageErr("--emit: %q (want records, changes or all)", f.emit)
	}
	if emit != "records" && f.noState {
		return usageErr("--emit %s and --changes need the history; drop --no-state", emit)
	}
	if err := checkSyslogTarget(ctx, f.syslog); err != nil {
		return err
	}

	// Targets.
	var incl, excl []targets.Token
	for i, a := range args {
		incl = append(incl, targets.Token{Text: a, Where: fmt.Sprintf("argument %d", i+1)})
	}
	for _, l := range f.lists {
		toks, err := readTargetFile(ctx, cmd, l)
		if err != nil {
			return err
		}
		incl = append(incl, toks...)
	}
	for _, e := range f.excludes {
		excl = append(excl, targets.Token{Text: e, Where: "--exclude"})
	}
	for _, l := range f.excludeFiles {
		toks, err := readTargetFile(ctx, cmd, l)
		if err != nil {
			return err
		}
		excl = append(excl, toks...)
	}
	if len(incl) == 0 {
		return usageErr("no targets: give addresses, CIDRs or ranges as arguments or with -l FILE")
	}
	set, err := targets.Build(incl, excl)
	if err != nil {
		return usageErr("%v", err)
	}
	for _, s := range set.Skipped() {
		if set.Count() == 0 {
			break // nothingToProbe names them all in its error
		}
		// A target the user named that will not be probed at all deserves a
		// warning; the routine removals (network/broadcast) are information.
		if s.Kind == targets.SkipTarget {
			log.Warn().Msg(s.String())
		} else {
			log.Info().Msg(s.String())
		}
	}
	iterOpts := targets.IterOptions{Shuffle: f.shuffle, Seed: f.seed}
	if f.shard != "" {
		k, n, err := targets.ParseShard(f.shard)
		if err != nil {
			return usageErr("--shard: %v", err)
		}
		iterOpts.Shard, iterOpts.Shards = k, n
	}
	it, err := set.Iter(iterOpts)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := nothingToProbe(set, it, iterOpts); err != nil {
		return err
	}
	if f.iface != "" {
		if err := scanner.CheckInterface(f.iface); err != nil {
			return usageErr("--interface: %v", err)
		}
	}

	// Policy and fingerprint data.
	cat, err := loadCatalog(f.catalog)
	if err != nil {
		return err
	}
	zones := policy.AllPrimary()
	if f.zones != "" {
		if zones, err = policy.LoadZonesWith(f.zones, policy.ZonesOptions{Strict: f.strictZones}); err != nil {
			return usageErr("%v", err)
		}
	} else {
		log.Warn().Msg("no --zones file: every address is treated as primary")
	}
	pol, err := policy.New(policy.Config{Name: f.policy, Catalog: cat, Zones: zones})
	if err != nil {
		return usageErr("--policy: %v", err)
	}
	fp, err := fingerprint.New(fingerprint.Config{Catalog: cat, ExtraRuleDirs: f.rulesDirs})
	if err != nil {
		if len(f.rulesDirs) > 0 {
			return usageErr("--rules: %v", err)
		}
		return fmt.Errorf("fingerprint rules: %w", err)
	}

	// Probers, in the order the engine runs them.
	// Each prober bounds its own exchanges; the dialler only binds.
	dial := scanner.Dialer(f.iface, 0)
	ports := make([]uint16, 0, len(f.ports))
	for _, p := range f.ports {
		ports = append(ports, uint16(p)) // 1-65535: validateScanFlags
	}
	tcp, err := tcpprobe.New(tcpprobe.Config{Ports: ports, Timeout: f.connTimeout, Dial: dial})
	if err != nil {
		return usageErr("%v", err)
	}
	// Follow-up requests go only to the makers whose devices answer them,
	// as the rules judge the root page.
	guess := func(root map[string]string) string {
		if g := fp.GuessMaker(device.SourceHTTP, root); g != fingerprint.NotACamera {
			return g
		}
		return httpprobe.NotACamera
	}
	web, err := httpprobe.New(httpprobe.Config{Timeout: f.timeout, Dial: dial, UserAgent: "camsweep/" + version, Guess: guess})
	if err != nil {
		return err
	}
	rtsp, err := rtspprobe.New(rtspprobe.Config{Timeout: f.timeout, Dial: dial, UserAgent: "camsweep/" + version})
	if err != nil {
		return err
	}
	ouiTable, err := loadOUI(f.ouiFile)
	if err != nil {
		return err
	}
	privilege := privilegeMode()
	sweeps, err := sweepers(wireOpts{Iface: f.iface, Timeout: f.timeout, Dial: dial, UserAgent: "camsweep/" + version, Log: log,
		ARPRetries: f.arpRetries, ARPWait: f.arpWait, Raw: privilege == privilegeRaw})
	if err != nil {
		return err
	}
	hostProbers := []scanner.HostProber{tcp}
	// The liveness stage (issue 16): ICMP echo and SYNs with raw sockets,
	// connects without, on the addresses ARP does not vouch for.
	var live *liveness.Sweeper
	if !f.noLiveness {
		if live, err = liveness.New(liveness.Config{Raw: privilege == privilegeRaw, Iface: f.iface, Dial: dial}); err != nil {
			return err
		}
	}
	onv, err := onvifProber(wireOpts{Timeout: f.timeout, Dial: dial, UserAgent: "camsweep/" + version, Log: log}, f.credentials)
	if err != nil {
		return err
	}
	tlsp, err := tlsProber(wireOpts{Timeout: f.timeout, Dial: dial})
	if err != nil {
		return err
	}
	dvr, err := dvripProber(wireOpts{Timeout: f.timeout, Dial: dial})
	if err != nil {
		return err
	}
	hik, err := hiksdkProber(wireOpts{Timeout: f.timeout, Dial: dial})
	if err != nil {
		return err
	}
	portProbers := []scanner.PortProber{web, rtsp, onv, tlsp, dvr, hik}
	methods := []string{}
	if live != nil {
		methods = append(methods, live.Name())
	}
	for _, s := range sweeps {
		methods = append(methods, s.Name())
	}
	for _, p := range hostProbers {
		methods = append(methods, p.Name())
	}
	for _, p := range portProbers {
		methods = append(methods, p.Name())
	}
	methods = append(methods, "neighbour-table")
	eng, err := scanner.New(scanner.Config{
		Targets:      it,
		Scope:        targetScope{set: set, opts: iterOpts},
		Sweepers:     sweeps,
		HostProbers:  hostProbers,
		PortProbers:  portProbers,
		ReportStrays: iterOpts.Shard <= 1,
		Rate:         f.rate,
		HostRate:     f.hostRate,
		L2Rate:       f.arpRate,
		Liveness:     livenessStage(live),
		NewRate:      f.newRate,
		Concurrency:  f.concurrency,
		HostTimeout:  f.hostTimeout,
		Neighbours:   neigh.Cached(neigh.DefaultPath, 200*time.Millisecond, time.Now),
		OUI:          ouiTable.Fields,
		Log:          log,
	})
	if err != nil {
		return err
	}

	// Output.
	out := cmd.OutOrStdout()
	if f.output != "" {
		file, err := openOutput(f.output)
		if err != nil {
			return usageErr("--output: %v", err)
		}
		defer file.Close()
		out = file
	}
	format := f.format
	if format == "" {
		format = "json"
		if fd, ok := out.(*os.File); ok && term.IsTerminal(int(fd.Fd())) {
			format = "table"
		}
	}
	// The history is opened before the writer: the compliance report
	// takes "first seen" from it.
	st, err := openHistory(ctx, f.state, f.noState)
	if err != nil {
		return err
	}
	hostname, _ := os.Hostname()
	ropts := report.Options{Version: version, Hostname: hostname, Catalog: cat}
	if st != nil {
		defer st.Close()
		if ropts.HistorySince, err = st.Since(ctx); err != nil {
			return stateErr(fmt.Errorf("state %s: %w", st.Path(), err))
		}
		ropts.History = st.Path()
		ropts.FirstSeen = func(r *device.Record) (time.Time, bool) {
			// The report is written after an interrupt too.
			t, ok, err := st.FirstSeen(context.WithoutCancel(ctx), r)
			if err != nil {
				log.Warn().Err(err).Str("ip", r.IP).Msg("state: first seen unknown, the report gives this run's time")
			}
			return t, ok
		}
	}
	w, err := report.NewWithOptions(format, out, ropts)
	if err != nil {
		return usageErr("--format: %v", err)
	}
	var cw report.ChangeWriter
	if emit != "records" {
		var ok bool
		if cw, ok = w.(report.ChangeWriter); !ok {
			return usageErr("--format %s cannot write changes (use table, json, ecs, ocsf, csv or cef)", format)
		}
		if emit == "all" && format == "csv" {
			// One CSV is one table under one header (report.ErrCSVMixed).
			return usageErr("--format csv holds devices or changes, not both: use --emit records or --emit changes (camsweep diff --format csv gives the changes of recorded runs)")
		}
	}
	if f.syslog != "" {
		sw, err := syslogWriter(ctx, f.syslog, f.syslogFormat, f.syslogSpool, f.syslogCA, hostname,
			report.Options{Version: version, Hostname: hostname, Catalog: cat}, log)
		if err != nil {
			return err
		}
		t := &tee{sys: sw, main: w}
		w = t
		if cw != nil {
			cw = t
		}
	}
	runID, start := sweep.NewRunID(time.Now()), time.Now()
	var rec *recorder
	if st != nil {
		rec = &recorder{ctx: ctx, st: st, out: w, changes: cw, records: emit != "changes", start: start,
			opts: store.FinishOptions{MissingAfter: f.missingAfter, InScope: func(ip string) bool {
				// A sharded run sees only its share of the targets: it
				// cannot tell a missing device from another shard's.
				a, err := netip.ParseAddr(ip)
				return err == nil && iterOpts.Shards <= 1 && set.Contains(a)
			}}}
		w = rec
	}

	if errOut := cmd.ErrOrStderr(); !f.quiet && isTerminal(errOut) {
		p := newProgress(w, errOut, eng.Stats, set.Count(), time.Now)
		go p.run(time.Second)
		defer p.finish()
		w = p
	}

	zonesNote := "none given: every address treated as primary"
	if f.zones != "" {
		zonesNote = f.zones
	}
	rr, err := sweep.Run(ctx, sweep.Config{
		Engine: eng, Identify: fp, Policy: pol, Writer: w, FailOn: failOn,
		Run: device.RunRecord{
			RunID:         runID,
			Start:         start,
			Version:       version,
			Targets:       capTargets(incl),
			TargetsTotal:  len(incl),
			Excludes:      capTargets(excl),
			ExcludesTotal: len(excl),
			Addresses:     set.Count(),
			Methods:       methods,
			Privilege:     privilege,
			Policy:        pol.Name(),
			Catalog:       cat.VersionString(),
			Zones:         zonesNote,
			Rate:          f.rate,
		},
	})
	if err != nil {
		return &codeError{code: exitError, err: fmt.Errorf("writing results: %w", err)}
	}
	if rec != nil && rec.Err() != nil {
		return stateErr(fmt.Errorf("%w; every record was written, but the history misses this run", rec.Err()))
	}
	log.Info().Str("run_id", rr.RunID).Int("hosts_up", rr.HostsUp).Int("flagged", rr.Flagged).Msg("scan finished")
	if rr.ExitStatus != exitOK {
		return &codeError{code: rr.ExitStatus, err: errors.New("scan finished with status " + fmt.Sprint(rr.ExitStatus))}
	}
	return nil
}

// livenessStage is the engine's Liveness: nil (not a typed nil) without
// one.
func livenessStage(l *liveness.Sweeper) scanner.Sweeper {
	if l == nil {
		return nil
	}
	return l
}

func readTargetFile(ctx context.Context, cmd *cobra.Command, name string) ([]targets.Token, error) {
	var r io.Reader
	display := name
	if name == "-" {
		r, display = cmd.InOrStdin(), "stdin"
	} else {
		file, err := os.Open(name)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		defer file.Close()
		r = file
	}
	toks, err := readTargets(ctx, r, display)
	if ctx.Err() != nil {
		return nil, &codeError{code: exitInterrupted, err: fmt.Errorf("interrupted while reading %s", display)}
	}
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return toks, nil
}

func tokenTexts(toks []targets.Token) []string {
	s := make([]string, len(toks))
	for i, t := range toks {
		s[i] = strings.TrimSpace(t.Text)
	}
	return s
}

// openOutput opens the -o file for appending, creating it 0640. Append,
// never truncate: a log shipper tails this file across runs. Never through
// a symlink: one planted at the name in a shared directory would make
// camsweep append to a file of the planter's choosing with camsweep's
// rights (O_NOFOLLOW; the error says "too many levels of symbolic links").
func openOutput(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|syscall.O_NOFOLLOW, 0o640)
}

// isTerminal reports whether w is a terminal (the progress line and the
// default table format are for people, not pipes).
func isTerminal(w io.Writer) bool {
	fd, ok := w.(*os.File)
	return ok && term.IsTerminal(int(fd.Fd()))
}

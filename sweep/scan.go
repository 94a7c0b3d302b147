package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/internal/progress"
	"github.com/camsweep/camsweep/policy"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/arp"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/scanner/neigh"
	"github.com/camsweep/camsweep/scanner/snmp"
	"github.com/camsweep/camsweep/scanner/tcpprobe"
	"github.com/camsweep/camsweep/store"
	"github.com/camsweep/camsweep/vendors"
)

// Defaults are the options "camsweep scan" starts from: its flags'
// defaults. Targets, output and logger are the caller's.
func Defaults() Options {
	ports := make([]uint, len(tcpprobe.DefaultPorts))
	for i, p := range tcpprobe.DefaultPorts {
		ports[i] = uint(p)
	}
	return Options{
		Rate: scanner.DefaultRate, HostRate: scanner.DefaultHostRate, ARPRate: scanner.DefaultL2Rate,
		Concurrency: scanner.DefaultConcurrency, Timeout: httpprobe.DefaultTimeout,
		ConnTimeout: tcpprobe.DefaultTimeout, HostTimeout: scanner.DefaultHostTimeout,
		Ports: ports, ARPRetries: arp.DefaultRetries, ARPWait: arp.DefaultWait, NewRate: scanner.DefaultNewRate, Seed: 1,
		Policy: "uk-nil", FailOn: "high", Emit: EmitRecords, MissingAfter: 2, SyslogFormat: "cef",
		Version: "dev",
	}
}

// Scan is one scan, opened by Open and ready to Run: the targets read,
// policy and rules loaded, probers and engine built, output, history and
// syslog opened. Close it after Run (or instead of it).
type Scan struct {
	opts      Options
	plan      *targetPlan
	cat       *vendors.Catalog
	pol       *policy.Policy
	fp        *fingerprint.Engine
	eng       *scanner.Engine
	methods   []string
	privilege string
	failOn    device.Severity
	switches  *snmp.Config                   // --switches, or nil
	passive   *PassiveEvidence               // --pcap, or nil
	oui       func(string) map[string]string // the OUI registry's fields

	runID string
	start time.Time
	file  *os.File       // -o, or nil
	hist  *store.Store   // nil with --no-state
	w     report.Writer  // the whole writer chain
	rec   *recorder      // nil without a history
	prog  *progress.Line // nil without a progress line
}

// Open checks opts and prepares the scan without sending anything. Every
// problem of the command line or of a file it names comes back as a usage
// error (exit 2) before a packet leaves; a history that cannot be opened
// is an error of the run (exit 1). See internal/exitcode.
func Open(ctx context.Context, opts Options) (s *Scan, err error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s = &Scan{opts: opts}
	s.failOn, _ = opts.failOn() // checked by Validate
	if err := opts.checkSyslogHost(ctx); err != nil {
		return nil, err
	}
	if s.plan, err = planTargets(ctx, &s.opts); err != nil {
		return nil, err
	}
	if opts.Interface != "" {
		if err := scanner.CheckInterface(opts.Interface); err != nil {
			return nil, exitcode.Usagef("--interface: %v", err)
		}
	}
	if err := s.loadData(); err != nil {
		return nil, err
	}
	if opts.Switches != "" {
		cfg, err := LoadSwitches(opts.Switches, opts.Log)
		if err != nil {
			return nil, err
		}
		s.switches = &cfg
	}
	if len(opts.Pcap) > 0 {
		if s.passive, err = ReadPcaps(ctx, opts.Pcap); err != nil {
			return nil, err
		}
		s.methods = append(s.methods, "pcap")
	}
	if err := s.buildEngine(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.Close()
			s = nil
		}
	}()
	if err := s.openOutput(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// loadData loads the catalog, the zones, the policy and the fingerprint
// rules.
func (s *Scan) loadData() error {
	o := &s.opts
	var err error
	if s.cat, err = LoadCatalog(o.Catalog); err != nil {
		return err
	}
	zones := policy.AllPrimary()
	if o.Zones != "" {
		if zones, err = policy.LoadZonesWith(o.Zones, policy.ZonesOptions{Strict: o.StrictZones}); err != nil {
			return exitcode.Usagef("%v", err)
		}
	} else {
		o.Log.Warn().Msg("no --zones file: every address is treated as primary")
	}
	if s.pol, err = policy.New(policy.Config{Name: o.Policy, Catalog: s.cat, Zones: zones}); err != nil {
		return exitcode.Usagef("--policy: %v", err)
	}
	if s.fp, err = fingerprint.New(fingerprint.Config{Catalog: s.cat, ExtraRuleDirs: o.RulesDirs}); err != nil {
		if len(o.RulesDirs) > 0 {
			return exitcode.Usagef("--rules: %v", err)
		}
		return fmt.Errorf("fingerprint rules: %w", err)
	}
	return nil
}

// buildEngine builds the probers, in the order the engine runs them, and
// the engine.
func (s *Scan) buildEngine() error {
	o := &s.opts
	// Each prober bounds its own exchanges; the dialler only binds.
	dial := scanner.Dialer(o.Interface, 0)
	ua := "camsweep/" + o.Version
	// The OUI file is checked first: a bad --oui-file is named before the
	// sweepers log what they lack.
	ouiTable, err := LoadOUI(o.OUIFile)
	if err != nil {
		return err
	}
	s.oui = ouiTable.Fields
	s.privilege = privilegeMode()
	ports := make([]uint16, 0, len(o.Ports))
	for _, p := range o.Ports {
		ports = append(ports, uint16(p)) // 1-65535: Validate
	}
	w := wireOpts{WireConfig: scanner.WireConfig{Iface: o.Interface, Timeout: o.Timeout, ConnTimeout: o.ConnTimeout,
		Ports: ports, Dial: dial, UserAgent: ua, Log: o.Log,
		ARPRetries: o.ARPRetries, ARPWait: o.ARPWait, Raw: s.privilege == privilegeRaw},
		guess: httpGuess(s.fp)}
	if w.creds, err = loadCredentials(w, o.Credentials); err != nil {
		return err
	}
	sweeps, hostProbers, portProbers, err := build(w)
	if err != nil {
		return err
	}
	live, err := s.liveness(w)
	if err != nil {
		return err
	}
	if live != nil {
		s.methods = append(s.methods, live.Name())
	}
	for _, sw := range sweeps {
		s.methods = append(s.methods, sw.Name())
	}
	for _, p := range hostProbers {
		s.methods = append(s.methods, p.Name())
	}
	for _, p := range portProbers {
		s.methods = append(s.methods, p.Name())
	}
	s.methods = append(s.methods, "neighbour-table")
	s.eng, err = scanner.New(scanner.Config{
		Targets:      s.plan.it,
		Scope:        targetScope{set: s.plan.set, opts: s.plan.iterOpts},
		Sweepers:     sweeps,
		HostProbers:  hostProbers,
		PortProbers:  portProbers,
		ReportStrays: s.plan.iterOpts.Shard <= 1,
		Rate:         o.Rate,
		HostRate:     o.HostRate,
		L2Rate:       o.ARPRate,
		Liveness:     livenessStage(live),
		NewRate:      o.NewRate,
		Concurrency:  o.Concurrency,
		HostTimeout:  o.HostTimeout,
		Neighbours:   neigh.Cached(neigh.DefaultPath, 200*time.Millisecond, time.Now),
		OUI:          ouiTable.Fields,
		Log:          o.Log,
	})
	return err
}

// openOutput opens -o (or takes Stdout), the history, the format's writer,
// the syslog tee, the history recorder and the progress line, in the
// order they wrap one another.
func (s *Scan) openOutput(ctx context.Context) error {
	o := &s.opts
	out := o.Stdout
	if out == nil {
		out = io.Discard
	}
	if o.Output != "" {
		f, err := openOutput(o.Output)
		if err != nil {
			return exitcode.Usagef("--output: %v", err)
		}
		s.file, out = f, f
	}
	format := o.Format
	if format == "" {
		format = "json"
		if isTerminal(out) {
			format = "table"
		}
	}
	// The history is opened before the writer: the compliance report
	// takes "first seen" from it.
	var err error
	if s.hist, err = openHistory(ctx, *o); err != nil {
		return err
	}
	hostname, _ := os.Hostname()
	ropts := report.Options{Version: o.Version, Hostname: hostname, Catalog: s.cat}
	if err := s.historyReport(ctx, &ropts); err != nil {
		return err
	}
	w, err := report.NewWithOptions(format, out, ropts)
	if err != nil {
		return exitcode.Usagef("--format: %v", err)
	}
	cw, err := s.changeWriter(w, format)
	if err != nil {
		return err
	}
	if o.Syslog != "" {
		sw, err := syslogWriter(ctx, o.Syslog, o.SyslogFormat, o.SyslogSpool, o.SyslogCA, hostname,
			report.Options{Version: o.Version, Hostname: hostname, Catalog: s.cat}, o.Log)
		if err != nil {
			return err
		}
		t := &tee{sys: sw, main: w}
		w = t
		if cw != nil {
			cw = t
		}
	}
	s.runID, s.start = NewRunID(time.Now()), time.Now()
	if s.hist != nil {
		s.rec = &recorder{ctx: ctx, st: s.hist, out: w, changes: cw, records: o.Emit != EmitChanges, start: s.start,
			opts: s.finishOptions(), meta: o.runMeta()}
		w = s.rec
	}
	if o.Progress != nil {
		s.prog = progress.New(w, o.Progress, s.eng.Stats, s.plan.set.Count(), time.Now)
		w = s.prog
	}
	s.w = w
	return nil
}

// historyReport gives the report what the history knows: since when it
// records, and when it first saw a device.
func (s *Scan) historyReport(ctx context.Context, ropts *report.Options) error {
	st := s.hist
	if st == nil {
		return nil
	}
	var err error
	if ropts.HistorySince, err = st.Since(ctx); err != nil {
		return stateErr(fmt.Errorf("state %s: %w", st.Path(), err))
	}
	ropts.History = st.Path()
	ropts.FirstSeen = func(r *device.Record) (time.Time, bool) {
		// The report is written after an interrupt too.
		t, ok, err := st.FirstSeen(context.WithoutCancel(ctx), r)
		if err != nil {
			s.opts.Log.Warn().Err(err).Str("ip", r.IP).Msg("state: first seen unknown, the report gives this run's time")
		}
		return t, ok
	}
	return nil
}

// changeWriter is w as the writer of the changes --emit asks for, or nil
// when only records are written.
func (s *Scan) changeWriter(w report.Writer, format string) (report.ChangeWriter, error) {
	if s.opts.Emit == EmitRecords {
		return nil, nil
	}
	cw, ok := w.(report.ChangeWriter)
	if !ok {
		return nil, exitcode.Usagef("--format %s cannot write changes (use table, json, ecs, ocsf, csv or cef)", format)
	}
	if s.opts.Emit == EmitAll && format == "csv" {
		// One CSV is one table under one header (report.ErrCSVMixed).
		return nil, exitcode.Usagef("--format csv holds devices or changes, not both: use --emit records or --emit changes (camsweep diff --format csv gives the changes of recorded runs)")
	}
	return cw, nil
}

// Run scans, writes every record and the run record, and returns the run
// record. The error carries the exit status (internal/exitcode): 1 when
// the output or the history failed, and the run record's status when it
// is not 0 (3: findings at or above --fail-on; 130: interrupted).
func (s *Scan) Run(ctx context.Context) (*device.RunRecord, error) {
	if s.prog != nil {
		go s.prog.Run(time.Second)
	}
	o := &s.opts
	zonesNote := "none given: every address treated as primary"
	if o.Zones != "" {
		zonesNote = o.Zones
	}
	p := s.plan
	var switches *SwitchTable
	if s.switches != nil {
		// Before the scan: a record is written as soon as its host is
		// done, and it carries its switch port.
		switches = CollectSwitches(ctx, *s.switches, snmp.Options{}, o.Log)
	}
	rr, err := Run(ctx, Config{
		Engine: s.eng, Identify: s.fp, Policy: s.pol, Writer: s.w, FailOn: s.failOn,
		Switches: switches, OUI: s.oui,
		Passive: s.passive, InScope: p.set.Contains,
		Run: device.RunRecord{
			RunID: s.runID, Start: s.start, Version: o.Version,
			Targets: capTargets(p.incl), TargetsTotal: len(p.incl),
			Excludes: capTargets(p.excl), ExcludesTotal: len(p.excl),
			Addresses: p.set.Count(), Methods: s.methods, Privilege: s.privilege, PrivilegeNote: privilegeNote(s.privilege),
			Policy: s.pol.Name(), Catalog: s.cat.VersionString(), Zones: zonesNote, Rate: o.Rate,
		},
	})
	if err != nil {
		return rr, exitcode.With(exitcode.Error, fmt.Errorf("writing results: %w", err))
	}
	if s.rec != nil && s.rec.Err() != nil {
		return rr, stateErr(fmt.Errorf("%w; every record was written, but the history misses this run", s.rec.Err()))
	}
	o.Log.Info().Str("run_id", rr.RunID).Int("hosts_up", rr.HostsUp).Int("flagged", rr.Flagged).Msg("scan finished")
	if rr.ExitStatus != exitcode.OK {
		return rr, exitcode.With(rr.ExitStatus, fmt.Errorf("scan finished with status %d", rr.ExitStatus))
	}
	return rr, nil
}

// Close stops the progress line and closes the history and the -o file.
// Run has closed the writers already; Close after a failed Open or
// without Run releases what was opened.
func (s *Scan) Close() error {
	if s == nil {
		return nil
	}
	if s.prog != nil {
		s.prog.Finish()
	}
	var errs []error
	if s.hist != nil {
		errs = append(errs, s.hist.Close())
	}
	if s.file != nil {
		errs = append(errs, s.file.Close())
	}
	return errors.Join(errs...)
}

// isTerminal reports whether w is a terminal (the progress line and the
// default table format are for people, not pipes).
func isTerminal(w io.Writer) bool {
	fd, ok := w.(*os.File)
	return ok && term.IsTerminal(int(fd.Fd()))
}

// IsTerminal reports whether w is a terminal: the CLI gives the progress
// line only to a terminal's standard error.
func IsTerminal(w io.Writer) bool { return isTerminal(w) }

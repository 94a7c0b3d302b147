package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/passive"
	"github.com/camsweep/camsweep/scanner/targets"
)

// PassiveSource is what a passive run reads: capture files ("camsweep
// pcap") or a live interface ("camsweep listen"), never both.
type PassiveSource struct {
	Files     []string
	Interface string
	// Duration ends a live capture; 0 listens until interrupted.
	Duration time.Duration
	// MaxHosts and MaxEvidence are the Collector's caps; 0: its defaults.
	MaxHosts, MaxEvidence int
}

// Passive is a passive run opened by OpenPassive: the same catalog,
// policy, rules, writers and history as a scan, fed by package passive
// instead of the scanner engine. It sends nothing.
type Passive struct {
	scan *Scan
	src  PassiveSource
	col  *passive.Collector
}

// OpenPassive checks opts (the scan's options; the targets and the
// probing options are not used) and src, and opens everything a run
// writes to. Problems are usage errors (exit 2) before anything is read.
func OpenPassive(ctx context.Context, opts Options, src PassiveSource) (*Passive, error) {
	if (len(src.Files) == 0) == (src.Interface == "") {
		return nil, exitcode.Usagef("give capture files or an interface to listen on")
	}
	if src.Duration < 0 {
		return nil, exitcode.Usagef("--duration: %v is negative", src.Duration)
	}
	if src.MaxHosts < 0 || src.MaxEvidence < 0 {
		return nil, exitcode.Usagef("--max-hosts and --max-evidence take a positive number (0: the default)")
	}
	for _, f := range src.Files {
		if _, err := os.Stat(f); err != nil {
			return nil, exitcode.Usagef("%v", err)
		}
	}
	// A capture never shows the progress line of a scan: it has no engine
	// to report on, and reading a file is quick.
	opts.Progress = nil
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s := &Scan{opts: opts, privilege: "passive"}
	s.failOn, _ = opts.failOn()
	empty, err := targets.Build(nil, nil)
	if err != nil {
		return nil, err
	}
	// No target: the history never calls a device missing because a
	// capture did not show it (a quiet device is not an absent one).
	s.plan = &targetPlan{set: empty}
	if err := s.loadData(); err != nil {
		return nil, err
	}
	table, err := LoadOUI(opts.OUIFile)
	if err != nil {
		return nil, err
	}
	if err := s.openOutput(ctx); err != nil {
		s.Close()
		return nil, err
	}
	col := passive.NewCollector(passive.Config{MaxHosts: src.MaxHosts, MaxEvidence: src.MaxEvidence, OUI: table.Fields})
	return &Passive{scan: s, src: src, col: col}, nil
}

// Close releases what OpenPassive opened.
func (p *Passive) Close() error { return p.scan.Close() }

// Run reads the files or listens, then identifies every device seen,
// writes its record and ends with the run record (with the passive
// counts). A file that cannot be read to its end keeps what was read
// before the bad record; its error is in the run record and the exit
// status is 1. An interrupt ends listening and is not an error of the
// records (exit 130, as a scan).
func (p *Passive) Run(ctx context.Context) (*device.RunRecord, error) {
	s := p.scan
	o := &s.opts
	rr := device.RunRecord{
		Schema: device.SchemaRun, RunID: s.runID, Start: s.start, Version: o.Version,
		Targets: []string{}, Privilege: s.privilege, PrivilegeNote: "listening only: nothing was sent",
		Policy: s.pol.Name(), Catalog: s.cat.VersionString(),
		Zones: "none given: every address treated as primary", Findings: map[string]int{},
	}
	if o.Zones != "" {
		rr.Zones = o.Zones
	}
	readErr := p.read(ctx, &rr)
	hosts := p.col.Hosts()
	st := p.col.Stats()
	st.Files, st.Interface = p.src.Files, p.src.Interface
	rr.Passive = &st
	var writeErr error
	for i := range hosts {
		rec := Build(&hosts[i], s.fp, s.pol, rr.RunID)
		tally(&rr, rec)
		if err := s.w.WriteRecord(rec); err != nil {
			writeErr = fmt.Errorf("writing record of %s: %w", rec.IP, err)
			break
		}
	}
	rr.Probed = 0
	rr.End = time.Now()
	rr.DurationMS = rr.End.Sub(rr.Start).Milliseconds()
	rr.Interrupted = ctx.Err() != nil
	switch {
	case writeErr != nil:
		rr.ExitStatus = exitcode.Error
		rr.Errors = append(rr.Errors, writeErr.Error())
	case readErr != nil:
		rr.ExitStatus = exitcode.Error
		rr.Errors = append(rr.Errors, readErr.Error())
	case rr.Interrupted:
		rr.ExitStatus = exitcode.Interrupted
	case s.failOn > 0 && maxSeverity(rr.Findings) >= s.failOn:
		rr.ExitStatus = exitcode.Findings
	default:
		rr.ExitStatus = exitcode.OK
	}
	werr := s.w.WriteRun(&rr)
	cerr := s.w.Close()
	if e := errors.Join(writeErr, werr, cerr); e != nil {
		rr.ExitStatus = exitcode.Error
		return &rr, exitcode.With(exitcode.Error, fmt.Errorf("writing results: %w", e))
	}
	if s.rec != nil && s.rec.Err() != nil {
		return &rr, stateErr(fmt.Errorf("%w; every record was written, but the history misses this run", s.rec.Err()))
	}
	o.Log.Info().Str("run_id", rr.RunID).Int("hosts_up", rr.HostsUp).Uint64("packets", st.Packets).Msg("passive run finished")
	switch {
	case readErr != nil:
		return &rr, exitcode.With(exitcode.Error, readErr)
	case rr.ExitStatus != exitcode.OK:
		return &rr, exitcode.With(rr.ExitStatus, fmt.Errorf("finished with status %d", rr.ExitStatus))
	}
	return &rr, nil
}

// read feeds the collector from the files or the interface, filling the
// run record's targets and methods.
func (p *Passive) read(ctx context.Context, rr *device.RunRecord) error {
	o := &p.scan.opts
	if p.src.Interface != "" {
		rr.Methods = []string{"listen"}
		rr.Targets = []string{p.src.Interface}
		lctx := ctx
		if p.src.Duration > 0 {
			var cancel context.CancelFunc
			lctx, cancel = context.WithTimeout(ctx, p.src.Duration)
			defer cancel()
		}
		o.Log.Warn().Str("interface", p.src.Interface).Msg("listening only: camsweep sends nothing on this interface")
		return passive.Listen(lctx, p.src.Interface, p.col)
	}
	rr.Methods = []string{"pcap"}
	rr.Targets = capStrings(p.src.Files)
	rr.TargetsTotal = len(p.src.Files)
	for _, f := range p.src.Files {
		if err := passive.ReadFile(ctx, f, p.col); err != nil {
			if ctx.Err() != nil {
				return nil // the interrupt is the run record's, not an error
			}
			return err
		}
	}
	return nil
}

// tally counts one record into the run record, as Run does for a scan.
func tally(rr *device.RunRecord, rec *device.Record) {
	rr.HostsUp++
	if rec.Camera {
		rr.Cameras++
	}
	if rec.MakerUncatalogued {
		if rr.UncataloguedMakers == nil {
			rr.UncataloguedMakers = map[string]int{}
		}
		rr.UncataloguedMakers[rec.StatedMaker]++
	}
	if rec.Flagged {
		rr.Flagged++
	}
	for _, f := range rec.Findings {
		rr.Findings[f.Severity.String()]++
	}
}

func capStrings(s []string) []string {
	if len(s) > 100 {
		return s[:100]
	}
	return s
}

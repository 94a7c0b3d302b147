// Package sweep runs one scan end to end: it drives the scanner engine,
// turns each host's evidence into an identity (fingerprint), a zone and
// findings (policy), builds the device record, hands it to the writer as
// soon as the host is done, and ends with the run record — also when the
// run is interrupted.
//
// A caller fills Options (the CLI maps its flags onto it one to one), and
// Open checks them, reads every file they name and builds the probers,
// engine and writers without sending anything; Scan.Run then scans. Every
// error carries its exit status (internal/exitcode): bad input is a usage
// error (2) before a packet leaves.
package sweep

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/scanner"
)

// Identifier turns evidence into an identity (fingerprint.Engine).
type Identifier interface {
	Identify(h *device.Host) device.Identity
}

// Evaluator places a host in a zone and applies the policy (policy.Policy).
type Evaluator interface {
	Evaluate(h *device.Host, id device.Identity) (device.Zone, *device.Maker, []device.Finding)
}

// Config wires one run.
type Config struct {
	Engine   *scanner.Engine
	Identify Identifier
	Policy   Evaluator
	Writer   report.Writer
	// FailOn is the severity at or above which the run exits 3; 0 never.
	FailOn device.Severity
	// Run is the run record to complete: targets, policy, zones, methods
	// and the like are filled in by the caller.
	Run device.RunRecord
	Now func() time.Time
	// Switches are the switch ports of --switches (nil: none); OUI is the
	// registry's word on a MAC, for the records of MACs only a switch
	// knows (switches.go).
	Switches *SwitchTable
	OUI      func(mac string) map[string]string
	// Passive is the evidence of --pcap files, merged into the records
	// of the same addresses (passive_merge.go; nil: none). InScope says
	// which of the addresses only the capture showed are targets.
	Passive *PassiveEvidence
	InScope func(netip.Addr) bool
}

// Run scans with engine and writer already built (Scan.Run builds them
// from Options), writes every record and the run record, and returns the
// run record. The run record's exit status is one of internal/exitcode's. A writer error stops the run and is returned with the run record
// (exit status 1); an interrupt is not an error (exit status 130).
func Run(ctx context.Context, cfg Config) (*device.RunRecord, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	rr := cfg.Run
	rr.Schema = device.SchemaRun
	if rr.RunID == "" {
		rr.RunID = NewRunID(now())
	}
	if rr.Start.IsZero() {
		rr.Start = now()
	}
	rr.Findings = map[string]int{}

	// The engine gets its own context so a writer failure can stop it; an
	// interrupt reaches it through the parent.
	scanCtx, stop := context.WithCancel(ctx)
	defer stop()
	hosts := make(chan device.Host)
	runErr := make(chan error, 1)
	go func() { runErr <- cfg.Engine.Run(scanCtx, hosts) }()

	var writeErr error
	write := func(rec *device.Record) {
		tally(&rr, rec)
		if err := cfg.Writer.WriteRecord(rec); err != nil {
			writeErr = fmt.Errorf("writing record of %s: %w", rec.IP, err)
			stop()
		}
	}
	for h := range hosts {
		if writeErr != nil {
			continue // drain so the engine can finish
		}
		cfg.Passive.merge(&h, cfg.OUI)
		cfg.Switches.attach(&h)
		rec := Build(&h, cfg.Identify, cfg.Policy, rr.RunID)
		cfg.Switches.annotate(rec)
		write(rec)
	}
	err := <-runErr
	if writeErr == nil && ctx.Err() == nil {
		// Devices only the --pcap files showed (before the switches'
		// own: a MAC both know is one record, annotated with its port).
		for _, rec := range cfg.Passive.unmerged(cfg.Identify, cfg.Policy, rr.RunID, cfg.OUI, cfg.InScope) {
			cfg.Switches.annotate(rec)
			if write(rec); writeErr != nil {
				break
			}
		}
	}
	if writeErr == nil && ctx.Err() == nil {
		// MACs the switches placed and no scanned record took.
		for _, rec := range cfg.Switches.unreached(cfg.Identify, cfg.Policy, rr.RunID, cfg.OUI, now()) {
			if write(rec); writeErr != nil {
				break
			}
		}
	}
	rr.Passive = cfg.Passive.Stats()
	rr.Errors = append(rr.Errors, cfg.Switches.Problems()...)
	st := cfg.Engine.Stats()
	rr.Probed = st.Probed
	rr.Discovery = &device.DiscoveryStats{LivenessChecked: st.LiveChecked, LivenessAnswered: st.LiveAnswered,
		ARPDemoted: st.ARPDemoted, UnprovenSources: st.Unproven, StraysRefused: st.StraysRefused}
	for name, d := range st.Phases {
		if rr.PhasesMS == nil {
			rr.PhasesMS = map[string]int64{}
		}
		rr.PhasesMS[name] = d.Milliseconds()
	}
	rr.End = now()
	rr.DurationMS = rr.End.Sub(rr.Start).Milliseconds()
	rr.Interrupted = ctx.Err() != nil
	switch {
	case writeErr != nil:
		rr.ExitStatus = exitcode.Error
		rr.Errors = append(rr.Errors, writeErr.Error())
	case rr.Interrupted:
		rr.ExitStatus = exitcode.Interrupted
	case err != nil && !errors.Is(err, context.Canceled):
		rr.ExitStatus = exitcode.Error
		rr.Errors = append(rr.Errors, err.Error())
	case cfg.FailOn > 0 && maxSeverity(rr.Findings) >= cfg.FailOn:
		rr.ExitStatus = exitcode.Findings
	default:
		rr.ExitStatus = exitcode.OK
	}
	werr := cfg.Writer.WriteRun(&rr)
	cerr := cfg.Writer.Close()
	if e := errors.Join(writeErr, werr, cerr); e != nil {
		rr.ExitStatus = exitcode.Error
		return &rr, e
	}
	return &rr, nil
}

func maxSeverity(counts map[string]int) device.Severity {
	var m device.Severity
	for name, n := range counts {
		if s, err := device.ParseSeverity(name); err == nil && n > 0 {
			m = max(m, s)
		}
	}
	return m
}

// Build makes the device record of one host. It is pure apart from the
// identifier and the policy it is handed.
func Build(h *device.Host, ider Identifier, pol Evaluator, runID string) *device.Record {
	id := ider.Identify(h)
	zone, maker, findings := pol.Evaluate(h, id)
	rec := &device.Record{
		Schema:            device.SchemaDevice,
		Time:              h.LastSeen.UTC(),
		RunID:             runID,
		IP:                h.Addr.String(),
		MAC:               h.MAC,
		Ports:             h.Ports,
		DeviceType:        id.DeviceType,
		Camera:            id.DeviceType.IsVideo(),
		Brand:             id.Brand,
		Model:             id.Model,
		Firmware:          id.Firmware,
		Serial:            id.Serial,
		StatedMaker:       id.StatedMaker,
		MakerUncatalogued: id.MakerUncatalogued,
		Confidence:        math.Round(id.Confidence*100) / 100,
		Maker:             maker,
		Zone:              zone,
		Findings:          findings,
		Conflicts:         id.Conflicts,
		Partial:           h.Partial,
		OutOfScope:        h.OutOfScope,
		Errors:            h.Errors,
		Outcomes:          h.Outcomes,
	}
	// What the host's budgets dropped and the ARP/SSDP claims that
	// contradict each other (scanner: issue 14).
	rec.Truncated, rec.AddressConflicts = h.Truncated, h.AddressConflicts
	if rec.DeviceType == "" {
		rec.DeviceType = device.TypeUnknown
	}
	if rec.Ports == nil {
		rec.Ports = []uint16{}
	}
	if rec.Findings == nil {
		rec.Findings = []device.Finding{}
	}
	if maker != nil {
		name := maker.Name
		rec.Vendor = &name
		if rec.Brand == "" {
			// Without relabel evidence, the label on the box is the maker's.
			rec.Brand = name
		}
	} else if id.Vendor != "" {
		v := id.Vendor
		rec.Vendor = &v
	}
	for _, f := range findings {
		if f.Severity >= device.SeverityHigh {
			rec.Flagged = true
		}
	}
	rec.Evidence = make([]device.RecordEvidence, len(h.Evidence))
	for i, ev := range h.Evidence {
		re := device.RecordEvidence{Source: ev.Source, Port: ev.Port, Fields: ev.Fields, Rules: []string{}}
		if re.Fields == nil {
			re.Fields = map[string]string{}
		}
		if v := ev.Fields["mac.vendor"]; v != "" && rec.MACVendor == "" {
			rec.MACVendor = v
		}
		for _, c := range id.Conclusions {
			if c.Evidence == i && !slices.Contains(re.Rules, c.Rule) {
				re.Rules = append(re.Rules, c.Rule)
			}
		}
		rec.Evidence[i] = re
	}
	if rec.Time.IsZero() {
		rec.Time = time.Now().UTC()
	}
	return rec
}

// NewRunID returns a UUIDv7 (RFC 9562): time-ordered, so run ids sort by
// start time in a SIEM and in the sweep history.
func NewRunID(t time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[6:])
	ms := uint64(t.UnixMilli())
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	b[6] = 0x70 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

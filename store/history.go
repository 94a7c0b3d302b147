package store

import (
	"context"
	"time"

	"github.com/camsweep/camsweep/device"
)

// History is what a sweep and the history and diff commands need of a
// store. The SQLite store (Open) and the PostgreSQL store (OpenPostgres)
// both provide it and pass one contract suite (contract_test.go).
type History interface {
	Path() string
	Close() error
	BeginRun(ctx context.Context, runID string, start time.Time) error
	BeginRunIn(ctx context.Context, runID string, start time.Time, m RunMeta) error
	AddRecord(ctx context.Context, r *device.Record) error
	FinishRun(ctx context.Context, rr *device.RunRecord, o FinishOptions) ([]Change, error)
	Runs(ctx context.Context, limit int) ([]Run, error)
	RunsWhere(ctx context.Context, limit int, f Filter) ([]Run, error)
	Devices(ctx context.Context, runID string) (map[string]*device.Record, error)
	ResolveRun(ctx context.Context, ref string) (Run, error)
	ResolveRunIn(ctx context.Context, ref string, f Filter) (Run, error)
	Since(ctx context.Context) (time.Time, error)
	FirstSeen(ctx context.Context, r *device.Record) (time.Time, bool, error)
	Diff(ctx context.Context, a, b Run) ([]Change, error)
	SweepInstances(ctx context.Context, name string) ([]SweepInstance, error)
	ResolveSweep(ctx context.Context, name, ref string) (SweepInstance, error)
	DiffSweeps(ctx context.Context, a, b SweepInstance) ([]Change, error)
}

var _ History = (*Store)(nil)

// RunMeta places a run among the organisation's scanners: the sweep it is
// part of (--sweep, e.g. "nightly"), the site it ran from (--site) and its
// shard (--shard K/N).
type RunMeta struct {
	Sweep, Site, Shard string
}

// Filter selects runs for history and diff; an empty field selects all.
type Filter struct {
	Sweep, Site string
}

// OpenState opens the history a --state value names for writing: a
// postgres:// connection string, else an SQLite file.
func OpenState(ctx context.Context, state string, cfg Config) (*Store, error) {
	if IsDSN(state) {
		return OpenPostgres(ctx, state, cfg)
	}
	cfg.Path = state
	return Open(ctx, cfg)
}

// OpenStateReadOnly opens the history a --state value names for reading.
func OpenStateReadOnly(ctx context.Context, state string) (*Store, error) {
	if IsDSN(state) {
		return OpenPostgresReadOnly(ctx, state)
	}
	return OpenReadOnly(ctx, state)
}

// SchemaHistory is the schema name of a `camsweep history --format json`
// line.
const SchemaHistory = "camsweep.history/v1"

// RunSummary is one run as `camsweep history --format json` writes it.
type RunSummary struct {
	Schema      string     `json:"schema"`
	RunID       string     `json:"run_id"`
	Started     time.Time  `json:"started"`
	Finished    *time.Time `json:"finished,omitempty"` // absent while running or after a crash
	ExitStatus  *int       `json:"exit_status,omitempty"`
	Interrupted bool       `json:"interrupted,omitempty"`
	Devices     int        `json:"devices"`
	Flagged     *int       `json:"flagged,omitempty"`
	Sweep       string     `json:"sweep,omitempty"`
	SweepID     string     `json:"sweep_id,omitempty"`
	Site        string     `json:"site,omitempty"`
	Shard       string     `json:"shard,omitempty"`
}

// Summary is the run as a history line.
func (r Run) Summary() RunSummary {
	s := RunSummary{Schema: SchemaHistory, RunID: r.ID, Started: r.Started, Interrupted: r.Interrupted, Devices: r.Devices,
		Sweep: r.Sweep, SweepID: r.SweepID, Site: r.Site, Shard: r.Shard}
	if r.Record != nil {
		fin, st, fl := r.Finished, r.ExitStatus, r.Record.Flagged
		s.Finished, s.ExitStatus, s.Flagged = &fin, &st, &fl
	}
	return s
}

package sweep

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/store"
)

// recorder is the report.Writer that sweep.Run feeds when a history is
// kept: it passes every record on unless only changes are wanted, stores
// it, and at the end of the run writes the changes.
//
// The output comes first and never depends on the history: a history that
// fails (locked by another process, disk full) once made the scan run to
// the end and then write nothing. Now the first history error stops the
// history writes, every record still reaches the output, the run record
// carries the error and exit status 1, and Err reports it.
type recorder struct {
	ctx     context.Context
	st      *store.Store
	out     report.Writer
	changes report.ChangeWriter // nil: no change output
	records bool                // pass device and run records on
	opts    store.FinishOptions
	meta    store.RunMeta // sweep, site and shard of the run
	begun   bool
	start   time.Time
	err     error // the first history failure; no history writes after it
}

// Err is the first history failure of the run, nil when the history holds
// the whole run.
func (r *recorder) Err() error { return r.err }

func (r *recorder) fail(err error) {
	if r.err == nil && err != nil {
		r.err = fmt.Errorf("state %s: %w", r.st.Path(), err)
	}
}

func (r *recorder) begin(runID string) error {
	if r.begun {
		return nil
	}
	// Records keep coming after an interrupt (the sweep writes what it
	// has): a cancelled context must not lose them or the run.
	if err := r.st.BeginRunIn(context.WithoutCancel(r.ctx), runID, r.start, r.meta); err != nil {
		return err
	}
	r.begun = true
	return nil
}

func (r *recorder) WriteRecord(rec *device.Record) error {
	var err error
	if r.records {
		err = r.out.WriteRecord(rec)
	}
	if r.err == nil {
		if herr := r.begin(rec.RunID); herr != nil {
			r.fail(herr)
		} else {
			r.fail(r.st.AddRecord(context.WithoutCancel(r.ctx), rec))
		}
	}
	return err
}

func (r *recorder) WriteRun(rr *device.RunRecord) error {
	var changes []store.Change
	if r.err == nil {
		if err := r.begin(rr.RunID); err != nil {
			r.fail(err)
		} else {
			// A context cancelled by an interrupt must not stop the
			// history from recording the partial run.
			var err error
			changes, err = r.st.FinishRun(context.WithoutCancel(r.ctx), rr, r.opts)
			r.fail(err)
		}
	}
	if r.err != nil {
		rr.ExitStatus = exitcode.Error
		rr.Errors = append(rr.Errors, r.err.Error()+" (the history misses this run; the records here are complete)")
	}
	if r.records {
		if err := r.out.WriteRun(rr); err != nil {
			return err
		}
	}
	if r.changes != nil && r.err == nil {
		for i := range changes {
			if err := r.changes.WriteChange(&changes[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *recorder) Close() error { return r.out.Close() }

// openHistory opens the history for a scan, or returns nil with --no-state:
// the SQLite file or the PostgreSQL database that --state, --state-file or
// $CAMSWEEP_STATE_DSN names (ResolveState).
func openHistory(ctx context.Context, o Options) (*store.Store, error) {
	if o.NoState {
		return nil, nil
	}
	state, err := ResolveState(o.State, o.StateFile)
	if err != nil {
		return nil, err
	}
	st, err := store.OpenState(ctx, state, store.Config{})
	if err != nil {
		return nil, stateErr(fmt.Errorf("%w (--no-state skips the history)", err))
	}
	return st, nil
}

// ResolveState is the history a command uses: --state-file's connection
// string, else --state (a file path, or a postgres:// connection string
// without a password), else $CAMSWEEP_STATE_DSN, else the default SQLite
// file. A password on the command line is refused (every user of the host
// reads argv in ps); libpq's PGPASSWORD and ~/.pgpass also work, pgx reads
// them.
func ResolveState(state, stateFile string) (string, error) {
	switch {
	case stateFile != "" && state != "":
		return "", exitcode.Usagef("--state and --state-file both name the history; give one")
	case stateFile != "":
		dsn, err := store.ReadDSNFile(stateFile)
		if err != nil {
			return "", exitcode.Usagef("%v", err)
		}
		return dsn, nil
	case store.IsDSN(state) && store.HasPassword(state):
		return "", exitcode.Usagef("--state %s: %v", store.Redact(state), store.ErrPasswordInArgv)
	case state == "":
		if dsn := os.Getenv(store.DSNEnv); dsn != "" {
			if !store.IsDSN(dsn) {
				return "", exitcode.Usagef("$%s: not a postgres:// connection string", store.DSNEnv)
			}
			return dsn, nil
		}
	}
	p, err := StatePath(state)
	if err != nil {
		return "", stateErr(err)
	}
	return p, nil
}

// validateHistory checks the sweep flags.
func (o *Options) validateHistory() error {
	if o.SweepSize < 0 || o.SweepSize > 100_000 {
		return exitcode.Usagef("--sweep-size %d: want an integer from 0 to 100000", o.SweepSize)
	}
	if o.NoState && (o.SweepName != "" || o.Site != "") {
		return exitcode.Usagef("--sweep and --site are recorded in the history; drop --no-state")
	}
	if o.SweepSize != 0 && o.SweepName == "" {
		return exitcode.Usagef("--sweep-size needs --sweep NAME")
	}
	return nil
}

// runMeta is where this run stands among the organisation's scanners.
func (o *Options) runMeta() store.RunMeta {
	return store.RunMeta{Sweep: o.SweepName, Site: o.Site, Shard: o.Shard}
}

// finishOptions says how the history closes this run: alone, or as one of
// a sweep's runs (store/sweeps.go), whose members are its shards, else its
// sites.
func (s *Scan) finishOptions() store.FinishOptions {
	o := s.opts
	fo := store.FinishOptions{MissingAfter: o.MissingAfter, InScope: s.plan.inScope}
	if o.SweepName == "" {
		return fo
	}
	member := o.Shard
	if member == "" {
		member = o.Site
	}
	fo.Sweep = store.SweepRun{Name: o.SweepName, Member: member, Size: store.SweepSize(o.Shard, o.SweepSize)}
	fo.InScope = s.plan.shardScope(o.Log)
	return fo
}

// maxShardScope bounds the addresses a sharded sweep run lists to know its
// own address space (4 bytes each).
const maxShardScope = 1 << 24

// shardScope is the address space of this run: its share of the targets
// when sharded (the addresses its iterator yields, listed once when the
// run finishes), else the targets. A shard too large to list has none: its
// run then makes no device missing, which is safe.
func (p *targetPlan) shardScope(log zerolog.Logger) func(ip string) bool {
	if p.iterOpts.Shards <= 1 {
		return p.inScope
	}
	var once sync.Once
	var addrs []uint32
	list := func() {
		it, err := p.set.Iter(p.iterOpts)
		if err != nil || it.Len() > maxShardScope {
			log.Warn().Msg("state: this shard is too large to list; its run marks no device missing")
			return
		}
		addrs = make([]uint32, 0, it.Len())
		for a, ok := it.Next(); ok; a, ok = it.Next() {
			b := a.As4()
			addrs = append(addrs, binary.BigEndian.Uint32(b[:]))
		}
		slices.Sort(addrs)
	}
	return func(ip string) bool {
		once.Do(list)
		a, err := netip.ParseAddr(ip)
		if err != nil || !a.Is4() {
			return false
		}
		b := a.As4()
		_, found := slices.BinarySearch(addrs, binary.BigEndian.Uint32(b[:]))
		return found
	}
}

// stateErr marks a history failure (locked, foreign, newer, unreadable) as
// an error of the run (exit 1), not of the command line.
func stateErr(err error) error { return exitcode.With(exitcode.Error, err) }

package sweep

import (
	"context"
	"fmt"
	"time"

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
	if err := r.st.BeginRun(context.WithoutCancel(r.ctx), runID, r.start); err != nil {
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

// openHistory opens the history for a scan, or returns nil with --no-state.
func openHistory(ctx context.Context, path string, noState bool) (*store.Store, error) {
	if noState {
		return nil, nil
	}
	p, err := StatePath(path)
	if err != nil {
		return nil, stateErr(err)
	}
	st, err := store.Open(ctx, store.Config{Path: p})
	if err != nil {
		return nil, stateErr(fmt.Errorf("%w (--no-state skips the history)", err))
	}
	return st, nil
}

// stateErr marks a history failure (locked, foreign, newer, unreadable) as
// an error of the run (exit 1), not of the command line.
func stateErr(err error) error { return exitcode.With(exitcode.Error, err) }

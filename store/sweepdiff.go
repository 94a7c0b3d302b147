package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/camsweep/camsweep/device"
)

// SweepInstance is one instance of a sweep (one night of "nightly"): the
// runs that joined it when they finished.
type SweepInstance struct {
	ID     string
	Name   string
	Opened time.Time
	Closed time.Time // zero while open
	Runs   []Run     // oldest first
}

// SweepInstances lists the instances of the sweep name, newest first.
func (s *Store) SweepInstances(ctx context.Context, name string) ([]SweepInstance, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id, opened, coalesce(closed, '') FROM sweeps WHERE name = ? ORDER BY opened DESC, id DESC"), name)
	if err != nil {
		return nil, err
	}
	var out []SweepInstance
	for rows.Next() {
		var in SweepInstance
		var opened, closed string
		if err := rows.Scan(&in.ID, &opened, &closed); err != nil {
			rows.Close()
			return nil, err
		}
		in.Name = name
		in.Opened, _ = time.Parse(timeFmt, opened)
		if closed != "" {
			in.Closed, _ = time.Parse(timeFmt, closed)
		}
		out = append(out, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	runs, err := s.RunsWhere(ctx, 0, Filter{Sweep: name})
	if err != nil {
		return nil, err
	}
	byID := map[string]int{}
	for i := range out {
		byID[out[i].ID] = i
	}
	for i := len(runs) - 1; i >= 0; i-- { // oldest first
		if j, ok := byID[runs[i].SweepID]; ok {
			out[j].Runs = append(out[j].Runs, runs[i])
		}
	}
	return out, nil
}

// OfSite is the instance with only the runs from site.
func (in SweepInstance) OfSite(site string) SweepInstance {
	var runs []Run
	for _, r := range in.Runs {
		if r.Site == site {
			runs = append(runs, r)
		}
	}
	in.Runs = runs
	return in
}

// ResolveSweep finds an instance of the sweep name by "last", "last~N" /
// "~N", or a unique prefix of its id (NAME/RUN-ID) or of its opening run's
// id.
func (s *Store) ResolveSweep(ctx context.Context, name, ref string) (SweepInstance, error) {
	ins, err := s.SweepInstances(ctx, name)
	if err != nil {
		return SweepInstance{}, err
	}
	if ref == "" || ref == "last" {
		ref = "~0"
	}
	ref = strings.TrimPrefix(ref, "last")
	if strings.HasPrefix(ref, "~") {
		if n, err := strconv.Atoi(ref[1:]); err == nil {
			if n >= 0 && n < len(ins) {
				return ins[n], nil
			}
			return SweepInstance{}, fmt.Errorf("%w: sweep %s %s (the history holds %d of its instances)", ErrNoRun, name, ref, len(ins))
		}
	}
	var found []SweepInstance
	for _, in := range ins {
		if strings.HasPrefix(in.ID, ref) || strings.HasPrefix(strings.TrimPrefix(in.ID, name+"/"), ref) {
			found = append(found, in)
		}
	}
	switch len(found) {
	case 0:
		return SweepInstance{}, fmt.Errorf("%w: sweep %s %s", ErrNoRun, name, ref)
	case 1:
		return found[0], nil
	}
	return SweepInstance{}, fmt.Errorf("sweep %s %q is ambiguous: %d instances match", name, ref, len(found))
}

// seen is a device as an instance saw it: the record, the run and the
// run's member (its shard or site).
type seen struct {
	rec    *device.Record
	run    string
	member string
}

// union is every device the instance's runs saw, by key; a device two runs
// saw is taken from the later one.
func (s *Store) union(ctx context.Context, in SweepInstance) (map[string]seen, error) {
	out := map[string]seen{}
	for _, r := range in.Runs {
		devs, err := s.Devices(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		for k, d := range devs {
			out[k] = seen{d, r.ID, r.Member}
		}
	}
	return out, nil
}

// DiffSweeps compares two instances of a sweep on the union of each one's
// runs: a device that moved from one site's (or shard's) run to another's
// is changed, not missing and new; a device of a is missing from b only
// when the member that saw it in a completed a run in b (a shard that
// failed in b makes none of its devices missing).
func (s *Store) DiffSweeps(ctx context.Context, a, b SweepInstance) ([]Change, error) {
	if len(a.Runs) == 0 || len(b.Runs) == 0 {
		return nil, errors.New("diff: a sweep instance without finished runs")
	}
	if a.Runs[0].Seq >= b.Runs[0].Seq {
		return nil, errors.New("diff: the first sweep must be older than the second")
	}
	ua, err := s.union(ctx, a)
	if err != nil {
		return nil, err
	}
	ub, err := s.union(ctx, b)
	if err != nil {
		return nil, err
	}
	completed := map[string]string{} // member -> a run of b that completed
	for _, r := range b.Runs {
		if !r.Interrupted && r.Record != nil {
			completed[r.Member] = r.ID
		}
	}
	da := make(map[string]*device.Record, len(ua))
	for k, v := range ua {
		da[k] = v.rec
	}
	db := make(map[string]*device.Record, len(ub))
	for k, v := range ub {
		db[k] = v.rec
	}
	var changes []Change
	keyOf := match(da, db)
	seenKeys := map[string]bool{}
	for bk, v := range ub {
		key := keyOf[bk]
		seenKeys[key] = true
		prev := da[key]
		returned := false
		if prev == nil {
			// Seen by any run before b began (a's union is not all of
			// it: a run that died is in no instance).
			if returned, err = s.seenBefore(ctx, b.Runs[0].Seq, key); err != nil {
				return nil, err
			}
		}
		changes = append(changes, compare(v.run, key, prev, v.rec, returned)...)
	}
	for key, v := range ua {
		if seenKeys[key] {
			continue
		}
		if run, ok := completed[v.member]; ok {
			changes = append(changes, Change{Schema: SchemaChange, Kind: ChangeMissing, Key: key, RunID: run, Misses: 1, Record: v.rec})
		}
	}
	sortChanges(changes)
	return changes, nil
}

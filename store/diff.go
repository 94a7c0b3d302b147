package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/camsweep/camsweep/device"
)

// ChangeKind names a transition between runs (the runZero vocabulary of
// docs/formats.md §C1). The values are part of the output; they never change.
type ChangeKind string

// The transitions.
const (
	ChangeNew         ChangeKind = "new"
	ChangeChanged     ChangeKind = "changed"
	ChangeMissing     ChangeKind = "missing"
	ChangeReturned    ChangeKind = "returned"
	ChangeFlagRaised  ChangeKind = "flag-raised"
	ChangeFlagCleared ChangeKind = "flag-cleared"
)

// SchemaChange is the schema name of a change line.
const SchemaChange = "camsweep.change/v1"

// Change is one transition of one device. Record is the device as this run
// saw it, or as last seen for missing; Previous is the earlier record.
type Change struct {
	Schema   string         `json:"schema"`
	Kind     ChangeKind     `json:"change"`
	Key      string         `json:"key"`
	RunID    string         `json:"run_id"`
	Fields   []string       `json:"fields,omitempty"` // for changed: which fields
	Misses   int            `json:"misses,omitempty"` // for missing: consecutive runs without it
	Record   *device.Record `json:"record"`
	Previous *device.Record `json:"previous,omitempty"`
}

// ChangedFields lists the fields that differ between two records of one
// device. Ports and confidence are left out: they wobble with packet loss.
// A MAC or serial that is known in one record and not in the other is no
// change: the MAC is seen only from the device's own segment, a serial
// only when a protocol that tells it answered.
func ChangedFields(a, b *device.Record) []string {
	var f []string
	add := func(name string, x, y string) {
		if x != y {
			f = append(f, name)
		}
	}
	known := func(name string, x, y string) {
		if x != "" && y != "" {
			add(name, x, y)
		}
	}
	add("ip", a.IP, b.IP)
	known("mac", a.MAC, b.MAC)
	add("zone", a.Zone.Name+"/"+a.Zone.Kind, b.Zone.Name+"/"+b.Zone.Kind)
	add("device_type", string(a.DeviceType), string(b.DeviceType))
	add("vendor", deref(a.Vendor), deref(b.Vendor))
	add("brand", a.Brand, b.Brand)
	add("model", a.Model, b.Model)
	add("firmware", a.Firmware, b.Firmware)
	known("serial", a.Serial, b.Serial)
	add("findings", strings.Join(ids(a), ","), strings.Join(ids(b), ","))
	return f
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ids(r *device.Record) []string {
	s := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		s[i] = f.ID
	}
	slices.Sort(s)
	return s
}

// compare yields the changes of a device seen now (cur) against its last
// record (prev, nil when never seen).
func compare(runID, key string, prev, cur *device.Record, returned bool) []Change {
	mk := func(k ChangeKind) Change {
		return Change{Schema: SchemaChange, Kind: k, Key: key, RunID: runID, Record: cur, Previous: prev}
	}
	var out []Change
	switch {
	case returned:
		c := mk(ChangeReturned)
		if prev != nil {
			c.Fields = ChangedFields(prev, cur)
		}
		out = append(out, c)
	case prev == nil:
		out = append(out, mk(ChangeNew))
	default:
		if f := ChangedFields(prev, cur); len(f) > 0 {
			c := mk(ChangeChanged)
			c.Fields = f
			out = append(out, c)
		}
	}
	wasFlagged := prev != nil && prev.Flagged
	switch {
	case cur.Flagged && !wasFlagged:
		out = append(out, mk(ChangeFlagRaised))
	case !cur.Flagged && wasFlagged:
		out = append(out, mk(ChangeFlagCleared))
	}
	return out
}

// FinishOptions says how to close a run.
type FinishOptions struct {
	// MissingAfter is how many consecutive runs without a device make it
	// missing (default 1).
	MissingAfter int
	// InScope reports whether an address was a target of this run; a
	// device last seen outside the run's targets is not missed. Nil means
	// everything was in scope.
	InScope func(ip string) bool
	// Sweep groups the run with the other runs of its sweep (sweeps.go):
	// missing is then decided on their union when the sweep closes.
	Sweep SweepRun
}

// FinishRun stores the run record, updates the asset table and returns the
// changes this run brings, in a stable order (by key, then kind). An
// interrupted run records what it saw but counts no misses.
func (s *Store) FinishRun(ctx context.Context, rr *device.RunRecord, o FinishOptions) ([]Change, error) {
	if o.MissingAfter <= 0 {
		o.MissingAfter = 1
	}
	// One transaction: a retry after a lost connection starts over.
	var changes []Change
	err := s.retry(ctx, func() error {
		var err error
		changes, err = s.finishRun(ctx, rr, o)
		return err
	})
	return changes, err
}

func (s *Store) finishRun(ctx context.Context, rr *device.RunRecord, o FinishOptions) ([]Change, error) {
	rec, err := json.Marshal(rr)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := s.lockFinish(ctx, tx); err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, s.q(`UPDATE runs SET finished = ?, exit_status = ?, interrupted = ?, record = ? WHERE id = ?`),
		rr.End.UTC().Format(timeFmt), rr.ExitStatus, b2i(rr.Interrupted), string(rec), rr.RunID)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, fmt.Errorf("%w: %s was never begun", ErrNoRun, rr.RunID)
	}
	var changes []Change
	sweepID := ""
	if o.Sweep.Name != "" {
		// Before the assets are read: closing a stale instance counts
		// misses that make this run's sightings "returned".
		var closed []Change
		if sweepID, closed, err = s.joinSweep(ctx, tx, rr, o); err != nil {
			return nil, err
		}
		changes = append(changes, closed...)
	}
	cur, err := s.devicesTx(ctx, tx, rr.RunID)
	if err != nil {
		return nil, err
	}
	type asset struct {
		missed int
		rec    *device.Record
	}
	assets := map[string]asset{}
	rows, err := tx.QueryContext(ctx, "SELECT key, missed, record FROM assets")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k, r string
		var a asset
		if err := rows.Scan(&k, &a.missed, &r); err != nil {
			rows.Close()
			return nil, err
		}
		a.rec = new(device.Record)
		if err := json.Unmarshal([]byte(r), a.rec); err != nil {
			rows.Close()
			return nil, fmt.Errorf("asset %s: %w", k, err)
		}
		assets[k] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	now := rr.End.UTC().Format(timeFmt)
	prevRecs := make(map[string]*device.Record, len(assets))
	for k, a := range assets {
		prevRecs[k] = a.rec
	}
	keyOf := match(prevRecs, cur)
	seenKeys := map[string]bool{}
	for ck, r := range cur {
		key := keyOf[ck]
		seenKeys[key] = true
		a, known := assets[key]
		var prev *device.Record
		if known {
			prev = a.rec
		}
		changes = append(changes, compare(rr.RunID, key, prev, r, known && a.missed >= o.MissingAfter)...)
		b, _ := json.Marshal(r)
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO assets(key, first_seen, last_seen, last_run, missed, record) VALUES(?, ?, ?, ?, 0, ?)
			ON CONFLICT(key) DO UPDATE SET last_seen = excluded.last_seen, last_run = excluded.last_run, missed = 0, record = excluded.record`),
			key, now, now, rr.RunID, string(b)); err != nil {
			return nil, err
		}
	}
	if !rr.Interrupted {
		for key, a := range assets {
			if seenKeys[key] || a.missed >= o.MissingAfter {
				continue
			}
			if o.InScope != nil && !o.InScope(a.rec.IP) {
				continue
			}
			if sweepID != "" {
				if err := s.noteMiss(ctx, tx, sweepID, key); err != nil {
					return nil, err
				}
				continue
			}
			missed := a.missed + 1
			if _, err := tx.ExecContext(ctx, s.q("UPDATE assets SET missed = ? WHERE key = ?"), missed, key); err != nil {
				return nil, err
			}
			if missed == o.MissingAfter {
				changes = append(changes, Change{Schema: SchemaChange, Kind: ChangeMissing, Key: key, RunID: rr.RunID, Misses: missed, Record: a.rec})
			}
		}
	}
	if sweepID != "" {
		done, err := s.sweepComplete(ctx, tx, sweepID)
		if err != nil {
			return nil, err
		}
		if done {
			closed, err := s.closeSweep(ctx, tx, sweepID, rr, o.MissingAfter)
			if err != nil {
				return nil, err
			}
			changes = append(changes, closed...)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	sortChanges(changes)
	return changes, nil
}

func sortChanges(c []Change) {
	order := map[ChangeKind]int{ChangeNew: 0, ChangeReturned: 1, ChangeChanged: 2, ChangeMissing: 3, ChangeFlagRaised: 4, ChangeFlagCleared: 5}
	slices.SortStableFunc(c, func(a, b Change) int {
		if x := strings.Compare(a.Key, b.Key); x != 0 {
			return x
		}
		return order[a.Kind] - order[b.Kind]
	})
}

func (s *Store) devicesTx(ctx context.Context, tx *sql.Tx, runID string) (map[string]*device.Record, error) {
	rows, err := tx.QueryContext(ctx, s.q("SELECT key, record FROM observations WHERE run_id = ?"), runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*device.Record{}
	for rows.Next() {
		var k, r string
		if err := rows.Scan(&k, &r); err != nil {
			return nil, err
		}
		rec := new(device.Record)
		if err := json.Unmarshal([]byte(r), rec); err != nil {
			return nil, err
		}
		out[k] = rec
	}
	return out, rows.Err()
}

// Diff compares two runs of the history: new and missing are relative to
// run a alone (a device absent from a but seen in an earlier run is
// returned), changed and flag transitions compare the two records.
func (s *Store) Diff(ctx context.Context, a, b Run) ([]Change, error) {
	if a.Seq >= b.Seq {
		return nil, errors.New("diff: the first run must be older than the second")
	}
	da, err := s.Devices(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	db, err := s.Devices(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	var changes []Change
	keyOf := match(da, db)
	seenKeys := map[string]bool{}
	for bk, r := range db {
		key := keyOf[bk]
		seenKeys[key] = true
		prev := da[key]
		returned := false
		if prev == nil {
			if returned, err = s.seenBefore(ctx, a.Seq, key); err != nil {
				return nil, err
			}
		}
		changes = append(changes, compare(b.ID, key, prev, r, returned)...)
	}
	if !b.Interrupted {
		for key, r := range da {
			if !seenKeys[key] {
				changes = append(changes, Change{Schema: SchemaChange, Kind: ChangeMissing, Key: key, RunID: b.ID, Misses: 1, Record: r})
			}
		}
	}
	sortChanges(changes)
	return changes, nil
}

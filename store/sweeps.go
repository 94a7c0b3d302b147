package store

// Sweeps across scanners (issue 19). Runs that share --sweep NAME are
// grouped into instances (one night of "nightly"); an instance's runs decide
// "missing" together, on the union of what they saw:
//
//   - new, changed, returned and flag transitions are reported by the run
//     that sees the device, at once: a device that moved from one site's
//     segment to another's is "changed" (ip, zone) in the run that finds it
//     at its new place, whichever run finishes first.
//   - a completed run (not interrupted) notes the known devices it did not
//     see in its own address space (sweep_misses) instead of counting a miss.
//   - the instance closes when its expected runs have finished (Size, from
//     --shard K/N or --sweep-size), or, when a run of a member that already
//     ran finishes (the next night, after a scanner died), before that run
//     joins a new instance. Closing counts a miss for each noted device no
//     run of the instance saw; the closing run reports the "missing" ones.
//     A run that was killed, or interrupted, noted nothing: its address
//     space never makes a device missing.
//
// Instances are found, joined and closed inside FinishRun's transaction
// under its lock, so concurrent scanners agree on them.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/camsweep/camsweep/device"
)

// SweepRun places a run in a sweep for FinishRun.
type SweepRun struct {
	Name   string // --sweep; empty: the run stands alone
	Member string // the run's place in the sweep: its shard "K/N", else its site
	Size   int    // runs an instance expects; 0: unknown (closes when a member repeats)
}

// SweepSize is the number of runs a sweep instance expects: N of a shard
// "K/N", else size.
func SweepSize(shard string, size int) int {
	if _, n, ok := strings.Cut(shard, "/"); ok {
		var v int
		if _, err := fmt.Sscanf(n, "%d", &v); err == nil && v > 0 {
			return v
		}
	}
	return size
}

// joinSweep finds the open instance of the sweep (closing it first when
// this run's member already ran in it), or opens one, and files the run in
// it. It returns the instance and the changes of an instance it closed.
func (s *Store) joinSweep(ctx context.Context, tx *sql.Tx, rr *device.RunRecord, o FinishOptions) (string, []Change, error) {
	sw := o.Sweep
	member := sw.Member
	if member == "" {
		member = "-"
	}
	var changes []Change
	var id string
	err := tx.QueryRowContext(ctx, s.q("SELECT id FROM sweeps WHERE name = ? AND closed IS NULL ORDER BY opened LIMIT 1"), sw.Name).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id = ""
	case err != nil:
		return "", nil, err
	default:
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT count(*) FROM runs WHERE sweep_id = ? AND member = ?"), id, member).Scan(&n); err != nil {
			return "", nil, err
		}
		if n > 0 {
			if changes, err = s.closeSweep(ctx, tx, id, rr, o.MissingAfter); err != nil {
				return "", nil, err
			}
			id = ""
		}
	}
	if id == "" {
		id = sw.Name + "/" + rr.RunID
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO sweeps(id, name, size, opened) VALUES(?, ?, ?, ?)"),
			id, sw.Name, sw.Size, rr.End.UTC().Format(timeFmt)); err != nil {
			return "", nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, s.q("UPDATE runs SET sweep_id = ?, member = ? WHERE id = ?"), id, member, rr.RunID); err != nil {
		return "", nil, err
	}
	return id, changes, nil
}

// noteMiss records that a completed run of the instance did not see key in
// its address space.
func (s *Store) noteMiss(ctx context.Context, tx *sql.Tx, sweepID, key string) error {
	_, err := tx.ExecContext(ctx, s.q("INSERT INTO sweep_misses(sweep_id, key) VALUES(?, ?) ON CONFLICT DO NOTHING"), sweepID, key)
	return err
}

// sweepComplete reports whether the instance's expected runs have all
// finished.
func (s *Store) sweepComplete(ctx context.Context, tx *sql.Tx, sweepID string) (bool, error) {
	var size, n int
	if err := tx.QueryRowContext(ctx, s.q("SELECT size FROM sweeps WHERE id = ?"), sweepID).Scan(&size); err != nil {
		return false, err
	}
	if size <= 0 {
		return false, nil
	}
	err := tx.QueryRowContext(ctx, s.q("SELECT count(DISTINCT member) FROM runs WHERE sweep_id = ? AND finished IS NOT NULL"), sweepID).Scan(&n)
	return n >= size, err
}

// closeSweep closes the instance: every device a completed run noted and no
// run of the instance saw counts a miss; those reaching missingAfter are
// the changes, reported as rr's.
func (s *Store) closeSweep(ctx context.Context, tx *sql.Tx, sweepID string, rr *device.RunRecord, missingAfter int) ([]Change, error) {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT a.key, a.missed, a.record, coalesce(r.sweep_id, '') FROM sweep_misses m
		JOIN assets a ON a.key = m.key LEFT JOIN runs r ON r.id = a.last_run WHERE m.sweep_id = ?`), sweepID)
	if err != nil {
		return nil, err
	}
	type miss struct {
		key    string
		missed int
		rec    *device.Record
	}
	var misses []miss
	for rows.Next() {
		var m miss
		var rec, seenIn string
		if err := rows.Scan(&m.key, &m.missed, &rec, &seenIn); err != nil {
			rows.Close()
			return nil, err
		}
		if seenIn == sweepID || m.missed >= missingAfter {
			continue // another run of the sweep saw it, or reported already
		}
		m.rec = new(device.Record)
		if err := json.Unmarshal([]byte(rec), m.rec); err != nil {
			rows.Close()
			return nil, fmt.Errorf("asset %s: %w", m.key, err)
		}
		misses = append(misses, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var changes []Change
	for _, m := range misses {
		missed := m.missed + 1
		if _, err := tx.ExecContext(ctx, s.q("UPDATE assets SET missed = ? WHERE key = ?"), missed, m.key); err != nil {
			return nil, err
		}
		if missed == missingAfter {
			changes = append(changes, Change{Schema: SchemaChange, Kind: ChangeMissing, Key: m.key, RunID: rr.RunID, Misses: missed, Record: m.rec})
		}
	}
	if _, err := tx.ExecContext(ctx, s.q("UPDATE sweeps SET closed = ? WHERE id = ?"), rr.End.UTC().Format(timeFmt), sweepID); err != nil {
		return nil, err
	}
	return changes, nil
}

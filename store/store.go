// Package store keeps the sweep history: every run and every device it saw,
// in an embedded SQLite database (modernc.org/sqlite, pure Go), so that
// consecutive runs turn into changes (new, changed, missing, returned,
// flag-raised, flag-cleared; see Diff).
//
// One writer at a time: Open takes an exclusive run lock (flock on
// PATH.lock) before it touches the database, waiting up to Config.LockWait
// for a run in progress to end. Readers (OpenReadOnly) take no lock; WAL
// lets them read while a run writes.
//
// A file that is not a camsweep history (another SQLite database, or not
// SQLite at all) or that was written by a newer camsweep is refused, never
// modified.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/camsweep/camsweep/device"
)

// Errors a caller can match.
var (
	ErrLocked      = errors.New("another camsweep run holds the state lock")
	ErrForeign     = errors.New("not a camsweep state database")
	ErrNewerSchema = errors.New("state database is from a newer camsweep")
	ErrNoRun       = errors.New("no such run")
)

// applicationID marks the SQLite file as ours ("csw1").
const applicationID = 0x63737731

// migrations are applied in order; PRAGMA user_version counts those applied.
// Never edit one that has shipped: append a new one.
var migrations = []string{
	`CREATE TABLE runs (
		seq         INTEGER PRIMARY KEY AUTOINCREMENT,
		id          TEXT NOT NULL UNIQUE,
		started     TEXT NOT NULL,
		finished    TEXT,
		exit_status INTEGER,
		interrupted INTEGER NOT NULL DEFAULT 0,
		record      TEXT
	);
	CREATE TABLE observations (
		run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
		key    TEXT NOT NULL,
		ip     TEXT NOT NULL,
		record TEXT NOT NULL,
		PRIMARY KEY (run_id, key)
	);
	CREATE INDEX observations_key ON observations(key);
	CREATE TABLE assets (
		key        TEXT PRIMARY KEY,
		first_seen TEXT NOT NULL,
		last_seen  TEXT NOT NULL,
		last_run   TEXT NOT NULL,
		missed     INTEGER NOT NULL DEFAULT 0,
		record     TEXT NOT NULL
	);`,
	migrationRunMeta,
}

// migrationRunMeta is schema 2 of both stores (issue 19): the sweep a run
// belongs to, the site it ran from and its shard, so that history and diff
// can select them; and the sweep instances (sweeps.go) whose runs decide
// "missing" together: runs.sweep_id is the instance a finished run joined,
// runs.member its place in it (shard, else site), sweep_misses the devices
// a completed run of the instance did not see in its own address space.
const migrationRunMeta = `ALTER TABLE runs ADD COLUMN sweep TEXT NOT NULL DEFAULT '';
	ALTER TABLE runs ADD COLUMN site TEXT NOT NULL DEFAULT '';
	ALTER TABLE runs ADD COLUMN shard TEXT NOT NULL DEFAULT '';
	ALTER TABLE runs ADD COLUMN sweep_id TEXT NOT NULL DEFAULT '';
	ALTER TABLE runs ADD COLUMN member TEXT NOT NULL DEFAULT '';
	CREATE INDEX runs_sweep_id ON runs(sweep_id);
	CREATE TABLE sweeps (
		id     TEXT PRIMARY KEY,
		name   TEXT NOT NULL,
		size   INTEGER NOT NULL DEFAULT 0,
		opened TEXT NOT NULL,
		closed TEXT
	);
	CREATE TABLE sweep_misses (
		sweep_id TEXT NOT NULL,
		key      TEXT NOT NULL,
		PRIMARY KEY (sweep_id, key)
	);`

// SchemaVersion is the schema this build writes.
var SchemaVersion = len(migrations)

// Config opens a store.
type Config struct {
	// Path of the database file, taken literally (any byte may be in it);
	// its directory is created 0700 and the file 0600.
	Path string
	// LockWait is how long Open waits for another run's lock (default 10s).
	LockWait time.Duration
	// Now is the clock (tests).
	Now func() time.Time
}

// Store is an open history database.
type Store struct {
	db   *sql.DB
	path string // the file, or the DSN without its password
	lock *os.File
	now  func() time.Time
	pg   bool // PostgreSQL (postgres.go): "$n" placeholders, no file lock
}

// DefaultPath is where the history lives when --state is not given:
// $STATE_DIRECTORY/history.db under systemd (StateDirectory=camsweep gives
// /var/lib/camsweep), else $XDG_STATE_HOME/camsweep/history.db, else
// ~/.local/state/camsweep/history.db — also for root outside systemd, so a
// manual or test run never touches the service's history by accident.
func DefaultPath() (string, error) {
	if d, _, _ := strings.Cut(os.Getenv("STATE_DIRECTORY"), ":"); filepath.IsAbs(d) {
		return filepath.Join(d, "history.db"), nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "camsweep", "history.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no state directory: %w (give --state PATH or --no-state)", err)
	}
	return filepath.Join(home, ".local", "state", "camsweep", "history.db"), nil
}

// Open takes the run lock and opens (creating or migrating) the database
// for writing.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Path == "" {
		return nil, errors.New("store: empty path")
	}
	if cfg.LockWait <= 0 {
		cfg.LockWait = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	if err := checkFile(cfg.Path); err != nil {
		return nil, err
	}
	lock, err := acquire(ctx, cfg.Path+".lock", cfg.LockWait)
	if err != nil {
		return nil, err
	}
	if err := createPrivate(cfg.Path); err != nil {
		lock.Close()
		return nil, err
	}
	s, err := open(cfg.Path, false)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.lock, s.now = lock, cfg.Now
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// OpenReadOnly opens an existing database for reading (history, diff).
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	s, err := open(path, true)
	if err != nil {
		return nil, err
	}
	s.now = time.Now
	if _, err := s.version(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// checkFile refuses a file that exists, is not empty and is not SQLite.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, 16)
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF) {
		return nil
	}
	if !bytes.Equal(head[:n], []byte("SQLite format 3\x00")) {
		return fmt.Errorf("%w: %s is not an SQLite file; move it away or give another --state", ErrForeign, path)
	}
	return nil
}

func open(path string, readOnly bool) (*Store, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Set("mode", "ro")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
	}
	dsn, err := fileURI(path)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// fileURI is the SQLite URI of the file at path: "file:" and the absolute
// path with every byte but the unreserved ones and "/" percent-encoded.
// Pasting the path in as it was let "dir#x/h.db" open the file "dir",
// "%41" become "A" and "?" inject URI parameters; the driver also takes the
// first "?" of the name as the start of its own parameters, so none may be
// left in the path.
func fileURI(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if strings.IndexByte(abs, 0) >= 0 {
		return "", errors.New("NUL byte in path")
	}
	var b strings.Builder
	b.WriteString("file:")
	for i := 0; i < len(abs); i++ {
		c := abs[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String(), nil
}

// createPrivate creates the database file 0600 before SQLite opens it: the
// history is an inventory of the network's devices and their weaknesses,
// for the account that runs the scans only (SQLite would create it 0644,
// and gives its -wal and -shm files the database file's mode). An existing
// file keeps its mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("state %s: %w", path, err)
	}
	return f.Close()
}

// version checks that the database is ours and not newer than this build.
func (s *Store) version(ctx context.Context) (int, error) {
	if s.pg {
		return s.pgVersion(ctx, s.db)
	}
	var app, ver, tables int
	if err := s.db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrForeign, s.path, err)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&ver); err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrForeign, s.path, err)
	}
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrForeign, s.path, err)
	}
	switch {
	case app == 0 && ver == 0 && tables == 0:
		return 0, nil // new, empty
	case app != applicationID:
		return 0, fmt.Errorf("%w: %s belongs to another program (application_id %#x); move it away or give another --state", ErrForeign, s.path, app)
	case ver > SchemaVersion:
		return 0, fmt.Errorf("%w: %s has schema version %d, this camsweep knows up to %d; upgrade camsweep", ErrNewerSchema, s.path, ver, SchemaVersion)
	}
	return ver, nil
}

func (s *Store) migrate(ctx context.Context) error {
	if s.pg {
		return s.pgMigrate(ctx)
	}
	ver, err := s.version(ctx)
	if err != nil {
		return err
	}
	for i := ver; i < len(migrations); i++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("state %s: migration %d: %w", s.path, i+1, err)
		}
		// PRAGMAs take no parameters; the values are our own integers.
		if _, err := tx.ExecContext(ctx, "PRAGMA application_id = "+strconv.Itoa(applicationID)); err != nil {
			tx.Rollback()
			return err
		}
		if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(i+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("state %s: migration %d: %w", s.path, i+1, err)
		}
	}
	return nil
}

// acquire takes an exclusive flock, retrying until wait has passed. The
// kernel drops the lock when the process dies, so there is no stale lock.
func acquire(ctx context.Context, path string, wait time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state lock: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			_ = f.Truncate(0)
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("state lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			holder, _ := os.ReadFile(path)
			f.Close()
			pid := strings.TrimSpace(string(holder))
			if pid == "" {
				pid = "unknown"
			}
			return nil, fmt.Errorf("%w (pid %s, lock %s); waited %s — try again when it ends, or give another --state",
				ErrLocked, pid, path, wait)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database and releases the run lock.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.lock != nil {
		err = errors.Join(err, s.lock.Close())
		s.lock = nil
	}
	return err
}

// Run is one row of the history.
type Run struct {
	Seq         int64
	ID          string
	Started     time.Time
	Finished    time.Time // zero while running or after a crash
	ExitStatus  int
	Interrupted bool
	Devices     int
	Record      *device.RunRecord // nil until finished
	Sweep       string            // RunMeta of BeginRunIn; empty before schema 2
	Site        string
	Shard       string
	SweepID     string // the sweep instance the run joined when it finished
	Member      string // its member in the instance (shard, else site)
}

const timeFmt = time.RFC3339Nano

// BeginRun records that a run has started.
func (s *Store) BeginRun(ctx context.Context, runID string, start time.Time) error {
	return s.BeginRunIn(ctx, runID, start, RunMeta{})
}

// BeginRunIn records that a run of a sweep has started, with its site and
// shard.
func (s *Store) BeginRunIn(ctx context.Context, runID string, start time.Time, m RunMeta) error {
	// A retry after a lost connection may find the row its first try
	// wrote: the run id is unique to the run, so that is the same run.
	return s.retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO runs(id, started, sweep, site, shard) VALUES(?, ?, ?, ?, ?)
			ON CONFLICT(id) DO NOTHING`), runID, start.UTC().Format(timeFmt), m.Sweep, m.Site, m.Shard)
		return err
	})
}

// AddRecord records one device of the run. A record whose key another
// address already holds in this run (two devices claiming one MAC, serial
// or endpoint reference) is filed under its zone and address instead of
// replacing the first one; FinishRun then decides which of them, if either,
// continues the device's history (see match).
func (s *Store) AddRecord(ctx context.Context, r *device.Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	// Both statements are upserts: a retry after a lost connection
	// writes the same rows.
	return s.retry(ctx, func() error { return s.addRecord(ctx, r, b) })
}

func (s *Store) addRecord(ctx context.Context, r *device.Record, b []byte) error {
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO observations(run_id, key, ip, record) VALUES(?, ?, ?, ?)
		ON CONFLICT(run_id, key) DO UPDATE SET record = excluded.record WHERE observations.ip = excluded.ip`), r.RunID, Key(r), r.IP, string(b))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO observations(run_id, key, ip, record) VALUES(?, ?, ?, ?)
		ON CONFLICT(run_id, key) DO UPDATE SET ip = excluded.ip, record = excluded.record`), r.RunID, ipKey(r), r.IP, string(b))
	return err
}

// Runs lists the most recent runs, newest first; limit <= 0 lists all.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	return s.RunsWhere(ctx, limit, Filter{})
}

// RunsWhere lists the most recent runs that f selects, newest first;
// limit <= 0 lists all.
func (s *Store) RunsWhere(ctx context.Context, limit int, f Filter) ([]Run, error) {
	query := `SELECT seq, id, started, coalesce(finished, ''), coalesce(exit_status, -1), interrupted,
		coalesce(record, ''), (SELECT count(*) FROM observations o WHERE o.run_id = runs.id), sweep, site, shard,
		sweep_id, member FROM runs WHERE (? = '' OR sweep = ?) AND (? = '' OR site = ?) ORDER BY seq DESC`
	args := []any{f.Sweep, f.Sweep, f.Site, f.Site}
	if limit > 0 {
		query += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var started, finished, rec string
		var intr int
		if err := rows.Scan(&r.Seq, &r.ID, &started, &finished, &r.ExitStatus, &intr, &rec, &r.Devices, &r.Sweep, &r.Site, &r.Shard, &r.SweepID, &r.Member); err != nil {
			return nil, err
		}
		r.Started, _ = time.Parse(timeFmt, started)
		if finished != "" {
			r.Finished, _ = time.Parse(timeFmt, finished)
		}
		r.Interrupted = intr != 0
		if rec != "" {
			r.Record = new(device.RunRecord)
			if err := json.Unmarshal([]byte(rec), r.Record); err != nil {
				return nil, fmt.Errorf("run %s: %w", r.ID, err)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Devices returns the records of one run by key.
func (s *Store) Devices(ctx context.Context, runID string) (map[string]*device.Record, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT key, record FROM observations WHERE run_id = ?"), runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*device.Record{}
	for rows.Next() {
		var key, rec string
		if err := rows.Scan(&key, &rec); err != nil {
			return nil, err
		}
		r := new(device.Record)
		if err := json.Unmarshal([]byte(rec), r); err != nil {
			return nil, fmt.Errorf("run %s device %s: %w", runID, key, err)
		}
		out[key] = r
	}
	return out, rows.Err()
}

// seenBefore lists which of the keys were observed in a finished run older
// than seq (for "returned").
func (s *Store) seenBefore(ctx context.Context, seq int64, key string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM observations o JOIN runs r ON r.id = o.run_id
		WHERE o.key = ? AND r.seq < ?`), key, seq).Scan(&n)
	return n > 0, err
}

// ResolveRun finds a run by id, unique id prefix, "last", or "last~N" /
// "~N" (N runs before the last, "~1" being the one before it).
func (s *Store) ResolveRun(ctx context.Context, ref string) (Run, error) {
	return s.ResolveRunIn(ctx, ref, Filter{})
}

// ResolveRunIn is ResolveRun among the runs f selects ("last" is the last
// run of the sweep or site).
func (s *Store) ResolveRunIn(ctx context.Context, ref string, f Filter) (Run, error) {
	runs, err := s.RunsWhere(ctx, 0, f)
	if err != nil {
		return Run{}, err
	}
	if ref == "last" || ref == "" {
		ref = "~0"
	}
	ref = strings.TrimPrefix(ref, "last")
	if strings.HasPrefix(ref, "~") {
		n, err := strconv.Atoi(ref[1:])
		if err == nil {
			if n < len(runs) {
				return runs[n], nil
			}
			return Run{}, fmt.Errorf("%w: %s (the history holds %d runs)", ErrNoRun, ref, len(runs))
		}
	}
	var found []Run
	for _, r := range runs {
		if strings.HasPrefix(r.ID, ref) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return Run{}, fmt.Errorf("%w: %s", ErrNoRun, ref)
	case 1:
		return found[0], nil
	}
	return Run{}, fmt.Errorf("run %q is ambiguous: %d runs start with it", ref, len(found))
}

// Since is the start of the oldest run in the history; zero when it holds
// none.
func (s *Store) Since(ctx context.Context) (time.Time, error) {
	var started string
	err := s.db.QueryRowContext(ctx, "SELECT started FROM runs ORDER BY seq LIMIT 1").Scan(&started)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(timeFmt, started)
}

// FirstSeen is when the history first saw the device of r (the end of the
// first run that recorded it): the asset under r's key, else the one asset
// that carries one of r's other identifiers (global MAC, serial,
// WS-Discovery endpoint reference), by the rule FinishRun follows when a
// MAC comes or goes. ok is false when no asset, or more than one, fits.
func (s *Store) FirstSeen(ctx context.Context, r *device.Record) (first time.Time, ok bool, err error) {
	var fs string
	err = s.db.QueryRowContext(ctx, s.q("SELECT first_seen FROM assets WHERE key = ?"), Key(r)).Scan(&fs)
	if err == nil {
		first, err = time.Parse(timeFmt, fs)
		return first, err == nil, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, err
	}
	ids := identifiers(r)
	if len(ids) == 0 {
		return time.Time{}, false, nil
	}
	rows, err := s.db.QueryContext(ctx, "SELECT key, first_seen, record FROM assets")
	if err != nil {
		return time.Time{}, false, err
	}
	defer rows.Close()
	index := map[string][]string{} // identifier -> first_seen of the assets carrying it
	for rows.Next() {
		var k, f, rec string
		if err := rows.Scan(&k, &f, &rec); err != nil {
			return time.Time{}, false, err
		}
		a := new(device.Record)
		if err := json.Unmarshal([]byte(rec), a); err != nil {
			return time.Time{}, false, fmt.Errorf("asset %s: %w", k, err)
		}
		for _, id := range identifiers(a) {
			index[id] = append(index[id], f)
		}
	}
	if err := rows.Err(); err != nil {
		return time.Time{}, false, err
	}
	for _, id := range ids {
		if c := index[id]; len(c) == 1 {
			first, err = time.Parse(timeFmt, c[0])
			return first, err == nil, err
		}
	}
	return time.Time{}, false, nil
}

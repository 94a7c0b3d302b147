package store

// The PostgreSQL store (issue 19): one history shared by many scanners on
// many jump hosts. It is the SQLite store's code with "$n" placeholders
// (Store.q) and its own schema bookkeeping; what differs is concurrency:
// there is no file lock, many runs write at once, and FinishRun, the only
// read-modify-write of shared rows (the asset table), runs under a
// transaction-scoped advisory lock so that two scanners finishing together
// never lose each other's updates or create one device twice (assets.key is
// the primary key besides).

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// DSNEnv is the environment variable that holds the PostgreSQL connection
// string when it carries a password (never argv: ps shows argv to every
// user of the host).
const DSNEnv = "CAMSWEEP_STATE_DSN"

// ErrPasswordInArgv is returned for a --state connection string that
// carries a password on the command line.
var ErrPasswordInArgv = errors.New("the --state connection string holds a password: every user of this host can read it in the process list; give it in $" + DSNEnv + " or a file (--state-file FILE, mode 0600), or use ~/.pgpass")

// finishLock is the advisory lock key FinishRun holds ("csw1", the SQLite
// application id, as one bigint).
const finishLock = applicationID

// IsDSN reports whether a --state value names a PostgreSQL database rather
// than an SQLite file.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// HasPassword reports whether a connection string carries a password (in
// its user information or as a password= parameter).
func HasPassword(dsn string) bool {
	u, err := url.Parse(dsn)
	if err != nil {
		// Unparseable: assume the worst, the caller refuses it in argv.
		return strings.Contains(dsn, "@") || strings.Contains(dsn, "password")
	}
	if _, ok := u.User.Password(); ok {
		return true
	}
	return u.Query().Has("password")
}

// Redact is the connection string without its password, for messages and
// the report's "history" field.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparseable connection string)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// ReadDSNFile reads a connection string from a file (--state-file): the
// first line, trimmed. A file others can read is refused, as ssh and libpq
// refuse a readable key or .pgpass.
func ReadDSNFile(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("--state-file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("--state-file %s: mode %#o lets others read the password; chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--state-file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if !IsDSN(line) {
		return "", fmt.Errorf("--state-file %s:1: not a postgres:// connection string", path)
	}
	return line, nil
}

// pgMigrations are applied in order; camsweep_schema.version counts those
// applied. They track the SQLite migrations one for one, so one version
// number means one set of tables in both stores. Never edit one that has
// shipped: append.
//
// Schema 1 is SQLite's with the one spelling PostgreSQL needs for an
// auto-numbered key; deriving it keeps the two stores' tables one text.
var pgMigrations = []string{
	strings.Replace(migrations[0], "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY", 1),
	migrationRunMeta,
}

// OpenPostgres connects to the history at dsn, creating or migrating its
// tables on first use. ctx bounds the connection attempt; cfg.Now is the
// clock, the other fields do not apply.
func OpenPostgres(ctx context.Context, dsn string, cfg Config) (*Store, error) {
	name := Redact(dsn)
	if _, err := pgconn.ParseConfig(dsn); err != nil {
		// pgconn's message never repeats the password.
		return nil, fmt.Errorf("state %s: %w", name, err)
	}
	s, err := openPG(ctx, dsn, name)
	if err != nil {
		return nil, err
	}
	if cfg.Now != nil {
		s.now = cfg.Now
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// OpenPostgresReadOnly connects for history and diff: it checks the schema
// and creates nothing.
func OpenPostgresReadOnly(ctx context.Context, dsn string) (*Store, error) {
	name := Redact(dsn)
	s, err := openPG(ctx, dsn, name)
	if err != nil {
		return nil, err
	}
	ver, err := s.version(ctx)
	if err == nil && ver == 0 {
		err = fmt.Errorf("%w: %s holds no camsweep history yet (a scan with --state creates it)", ErrNoRun, name)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openPG(ctx context.Context, dsn, name string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", name, err)
	}
	// A scan writes from one goroutine; a few connections let the
	// report's first-seen lookups run beside it.
	db.SetMaxOpenConns(4)
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("state %s: cannot connect: %w", name, err)
	}
	return &Store{db: db, path: name, pg: true, now: time.Now}, nil
}

// q turns the "?" placeholders of the shared queries into PostgreSQL's
// "$1, $2, ..."; no shared query has a "?" in a literal.
func (s *Store) q(query string) string {
	if !s.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// pgQuerier is a *sql.DB or *sql.Tx.
type pgQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// pgVersion is the schema version of the database: 0 when it holds no
// camsweep tables (new), an error when it holds tables named like ours
// without our bookkeeping (another program's) or a newer schema.
func (s *Store) pgVersion(ctx context.Context, q pgQuerier) (int, error) {
	var hasSchema, hasRuns bool
	if err := q.QueryRowContext(ctx, `SELECT to_regclass('camsweep_schema') IS NOT NULL, to_regclass('runs') IS NOT NULL`).Scan(&hasSchema, &hasRuns); err != nil {
		return 0, fmt.Errorf("state %s: %w", s.path, err)
	}
	if !hasSchema {
		if hasRuns {
			return 0, fmt.Errorf("%w: %s has a table \"runs\" that is not camsweep's; give camsweep its own database or schema (search_path)", ErrForeign, s.path)
		}
		return 0, nil
	}
	var ver int
	if err := q.QueryRowContext(ctx, `SELECT version FROM camsweep_schema`).Scan(&ver); err != nil {
		return 0, fmt.Errorf("%w: %s: camsweep_schema: %v", ErrForeign, s.path, err)
	}
	if ver > len(pgMigrations) {
		return 0, fmt.Errorf("%w: %s has schema version %d, this camsweep knows up to %d; upgrade camsweep (it never migrates down)", ErrNewerSchema, s.path, ver, len(pgMigrations))
	}
	return ver, nil
}

// pgMigrate applies the missing migrations in one transaction under an
// advisory lock, so that scanners starting together migrate once and never
// see half a schema (PostgreSQL's DDL is transactional).
func (s *Store) pgMigrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("state %s: %w", s.path, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", finishLock+1); err != nil {
		return fmt.Errorf("state %s: %w", s.path, err)
	}
	ver, err := s.pgVersion(ctx, tx)
	if err != nil {
		return err
	}
	if ver == len(pgMigrations) {
		return nil
	}
	if ver == 0 {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE camsweep_schema (version INTEGER NOT NULL);
			INSERT INTO camsweep_schema VALUES (0)`); err != nil {
			return fmt.Errorf("state %s: creating the schema table: %w%s", s.path, err, permissionHint(err))
		}
	}
	for i := ver; i < len(pgMigrations); i++ {
		if _, err := tx.ExecContext(ctx, pgMigrations[i]); err != nil {
			return fmt.Errorf("state %s: migration %d: %w%s", s.path, i+1, err, permissionHint(err))
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE camsweep_schema SET version = $1", len(pgMigrations)); err != nil {
		return fmt.Errorf("state %s: %w", s.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("state %s: migration: %w", s.path, err)
	}
	return nil
}

// permissionHint says what to do when the role may not create tables.
func permissionHint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42501" { // insufficient_privilege
		return " (the role may not create tables: have the database owner run the first scan, or GRANT CREATE ON SCHEMA public to this role)"
	}
	return ""
}

// lockFinish serialises FinishRun across scanners (PostgreSQL only; SQLite
// has one writer by its file lock). The lock ends with the transaction.
func (s *Store) lockFinish(ctx context.Context, tx *sql.Tx) error {
	if !s.pg {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", finishLock)
	return err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// RetryWait is how long a PostgreSQL store keeps retrying a statement whose
// connection was lost (the server restarted, a failover, a network blip)
// before the error reaches the run; every statement it retries is
// idempotent or a whole transaction.
var RetryWait = 30 * time.Second

// retry runs f, again after a lost connection until RetryWait has passed;
// SQLite and other errors return at once.
func (s *Store) retry(ctx context.Context, f func() error) error {
	err := f()
	if !s.pg {
		return err
	}
	deadline := time.Now().Add(RetryWait)
	pause := 100 * time.Millisecond
	for err != nil && connLost(err) && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		pause = min(2*pause, 2*time.Second)
		err = f()
	}
	return err
}

// connLost reports whether err says the connection, not the statement,
// failed.
func connLost(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// admin_shutdown, crash_shutdown, cannot_connect_now
		return pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "connection refused")
}

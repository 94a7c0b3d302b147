package store

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
)

func TestDSN_passwordDetectedAndRedacted(t *testing.T) {
	for _, tt := range []struct {
		dsn    string
		pw     bool
		redact string
	}{
		{"postgres://scan@db.example:5432/camsweep", false, "postgres://scan@db.example:5432/camsweep"},
		{"postgres://scan:s3cret@db.example/camsweep", true, "postgres://scan:xxxxx@db.example/camsweep"},
		{"postgresql://db.example/camsweep?user=scan&password=s3cret", true, "postgresql://db.example/camsweep?password=xxxxx&user=scan"},
		{"postgres:///camsweep?host=/run/postgresql", false, "postgres:///camsweep?host=/run/postgresql"},
	} {
		if got := HasPassword(tt.dsn); got != tt.pw {
			t.Errorf("HasPassword(%q) = %v", tt.dsn, got)
		}
		got := Redact(tt.dsn)
		if got != tt.redact || strings.Contains(got, "s3cret") {
			t.Errorf("Redact(%q) = %q, want %q", tt.dsn, got, tt.redact)
		}
	}
	if !IsDSN("postgres://x/y") || !IsDSN("postgresql://x/y") || IsDSN("/var/lib/camsweep/history.db") || IsDSN("postgres.db") {
		t.Error("IsDSN")
	}
}

func TestReadDSNFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "dsn")
	os.WriteFile(p, []byte("postgres://scan:s3cret@db.example/camsweep\n# comment\n"), 0o600)
	if got, err := ReadDSNFile(p); err != nil || got != "postgres://scan:s3cret@db.example/camsweep" {
		t.Errorf("ReadDSNFile = %q, %v", got, err)
	}
	os.Chmod(p, 0o644)
	if _, err := ReadDSNFile(p); err == nil || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("readable file: %v", err)
	}
	q := filepath.Join(dir, "notdsn")
	os.WriteFile(q, []byte("/var/lib/x.db\n"), 0o600)
	if _, err := ReadDSNFile(q); err == nil || !strings.Contains(err.Error(), q+":1:") {
		t.Errorf("not a DSN: %v", err)
	}
}

// TestPostgres_badInput: clear errors, never a password in them, never a
// change to a database that is not ours or is newer.
func TestPostgres_badInput(t *testing.T) {
	srv := needPostgres(t)
	ctx := t.Context()

	t.Run("nothing listening", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		_, err := OpenPostgres(ctx, fmt.Sprintf("postgres://scan:s3cret@127.0.0.1:%d/x?sslmode=disable&connect_timeout=5", port), Config{})
		if err == nil || !strings.Contains(err.Error(), "cannot connect") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no such database", func(t *testing.T) {
		_, err := OpenPostgres(ctx, srv.DSN("nosuchdb"), Config{})
		if err == nil || !strings.Contains(err.Error(), "nosuchdb") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("unparseable", func(t *testing.T) {
		_, err := OpenPostgres(ctx, "postgres://scan:s3cret@127.0.0.1:notaport/x", Config{})
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no permission to create tables", func(t *testing.T) {
		dsn := srv.NewDB(t)
		db := dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
		srv.Admin(t, "DROP ROLE IF EXISTS reader", "CREATE ROLE reader LOGIN")
		ro := strings.Replace(dsn, "postgres@", "reader@", 1)
		_, err := OpenPostgres(ctx, ro, Config{})
		if err == nil || !strings.Contains(err.Error(), "may not create tables") {
			t.Errorf("err = %v", err)
		}
		// The owner's first scan creates them; then the role that was
		// granted what it needs records runs.
		s := openPGT(t, dsn)
		s.Close()
		// The grants deploy/README.md names are enough to record runs.
		srv.Admin(t, "GRANT CONNECT ON DATABASE "+db+" TO reader")
		g := openPGTNoMigrate(t, dsn)
		for _, q := range []string{"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO reader",
			"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO reader"} {
			if _, err := g.db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		r, err := OpenPostgres(ctx, ro, Config{})
		if err != nil {
			t.Fatalf("granted role: %v", err)
		}
		defer r.Close()
		if got := kinds(sweep(t, r, 0, FinishOptions{Sweep: SweepRun{Name: "nightly", Member: "1/1", Size: 1}}, rec("198.18.181.1", "44:a6:42:00:00:0a", "seg1", false))); got != "mac:44:a6:42:00:00:0a new" {
			t.Errorf("granted role's run: %q", got)
		}
	})
	t.Run("newer schema refused, not migrated down", func(t *testing.T) {
		dsn := srv.NewDB(t)
		s := openPGT(t, dsn)
		s.db.Exec("UPDATE camsweep_schema SET version = 99")
		s.Close()
		_, err := OpenPostgres(ctx, dsn, Config{})
		if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade camsweep") {
			t.Errorf("err = %v", err)
		}
		if _, err := OpenPostgresReadOnly(ctx, dsn); !errors.Is(err, ErrNewerSchema) {
			t.Errorf("read-only: %v", err)
		}
		s = openPGTNoMigrate(t, dsn)
		var v int
		s.db.QueryRow("SELECT version FROM camsweep_schema").Scan(&v)
		if v != 99 {
			t.Errorf("version %d after refusal, want 99 untouched", v)
		}
	})
	t.Run("foreign runs table", func(t *testing.T) {
		dsn := srv.NewDB(t)
		s := openPGTNoMigrate(t, dsn)
		s.db.Exec("CREATE TABLE runs (x int)")
		_, err := OpenPostgres(ctx, dsn, Config{})
		if !errors.Is(err, ErrForeign) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("empty database read-only", func(t *testing.T) {
		_, err := OpenPostgresReadOnly(ctx, srv.NewDB(t))
		if err == nil || !strings.Contains(err.Error(), "no camsweep history yet") {
			t.Errorf("err = %v", err)
		}
	})
}

func openPGTNoMigrate(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := openPG(t.Context(), dsn, Redact(dsn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestPostgres_restartMidRun: the database restarts between a run's
// records; the store reconnects and the run is recorded whole.
func TestPostgres_restartMidRun(t *testing.T) {
	srv := needPostgres(t)
	dsn := srv.NewDB(t)
	s := openPGT(t, dsn)
	ctx := t.Context()
	if err := s.BeginRun(ctx, "r1", t0); err != nil {
		t.Fatal(err)
	}
	a := rec("198.18.181.10", "44:a6:42:00:00:0a", "seg1", false)
	a.RunID = "r1"
	if err := s.AddRecord(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	b := rec("198.18.181.11", "44:a6:42:00:00:0b", "seg1", false)
	b.RunID = "r1"
	// The pool's connection died with the server: the store retries on a
	// new one, the caller sees no error.
	if err := s.AddRecord(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	ch, err := s.FinishRun(ctx, &device.RunRecord{RunID: "r1", End: t0}, FinishOptions{})
	if got := kinds(ch); err != nil || got != "mac:44:a6:42:00:00:0a new; mac:44:a6:42:00:00:0b new" {
		t.Errorf("after restart: %q, %v", got, err)
	}
}

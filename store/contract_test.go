package store

import (
	"path/filepath"
	"testing"
	"time"
)

// forEachStore runs one behaviour test, the contract of History, on the
// SQLite store and on the PostgreSQL store (pg_test.go): both must give the
// same changes, runs and first-seen times for the same sweeps.
func forEachStore(t *testing.T, f func(t *testing.T, newStore func(*testing.T) History)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, func(t *testing.T) History {
			return openT(t, filepath.Join(t.TempDir(), "h.db"))
		})
	})
	t.Run("postgres", func(t *testing.T) {
		srv := needPostgres(t)
		f(t, func(t *testing.T) History { return openPGT(t, srv.NewDB(t)) })
	})
}

func openPGT(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := OpenPostgres(t.Context(), dsn, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var _ = time.Second

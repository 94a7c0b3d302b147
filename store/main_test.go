package store

import (
	"os"
	"testing"

	"github.com/camsweep/camsweep/store/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Shutdown()
	os.Exit(code)
}

func needPostgres(t testing.TB) *pgtest.Server { return pgtest.Need(t) }

package store

// A real PostgreSQL for the tests: Debian's postgresql package, a cluster
// initdb'd into a temporary directory and started on 127.0.0.1 with a free
// port by the test binary itself, as the unprivileged "postgres" account
// when the tests run as root (postgres refuses to run as root). TestMain
// stops it and removes the directory, also after a failed test; Pdeathsig
// stops it if the test binary dies.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

type pgServer struct {
	dir  string
	port int
	cred *syscall.Credential // nil: run as ourselves
	cmd  *exec.Cmd
	done chan error
}

var (
	pgOnce sync.Once
	pgSrv  *pgServer
	pgErr  error
	pgDBs  atomic.Int32
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgSrv != nil {
		pgSrv.stop()
		os.RemoveAll(pgSrv.dir)
	}
	os.Exit(code)
}

// pgBin finds a PostgreSQL server program: Debian keeps them in
// /usr/lib/postgresql/VERSION/bin, off PATH.
func pgBin(name string) (string, error) {
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(m) > 0 {
		sort.Strings(m)
		return m[len(m)-1], nil
	}
	return exec.LookPath(name)
}

// needPostgres returns the package's server, starting it on first use. No
// PostgreSQL fails the test under CI (where .ci/run installs it) and skips
// it elsewhere.
func needPostgres(t *testing.T) *pgServer {
	t.Helper()
	pgOnce.Do(func() { pgSrv, pgErr = startPostgres() })
	if pgErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL needed under CI: %v", pgErr)
		}
		t.Skipf("no PostgreSQL (apt-get install postgresql): %v", pgErr)
	}
	return pgSrv
}

func startPostgres() (*pgServer, error) {
	initdb, err := pgBin("initdb")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "camsweep-pg-")
	if err != nil {
		return nil, err
	}
	s := &pgServer{dir: dir}
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root, and postgres will not: no account to run it as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	cmd := exec.Command(initdb, "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := s.start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// start runs the server and waits until it answers (generously: a loaded
// 2-core machine).
func (s *pgServer) start() error {
	postgres, err := pgBin("postgres")
	if err != nil {
		return err
	}
	s.cmd = exec.Command(postgres, "-D", filepath.Join(s.dir, "data"), "-k", s.dir, "-h", "127.0.0.1",
		"-p", strconv.Itoa(s.port), "-F", "-c", "max_connections=100")
	s.cmd.Dir = s.dir
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGTERM}
	logf, err := os.Create(filepath.Join(s.dir, "log"))
	if err == nil {
		s.cmd.Stdout, s.cmd.Stderr = logf, logf
		defer logf.Close()
	}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan error, 1)
	go func() { s.done <- s.cmd.Wait() }()
	deadline := time.Now().Add(90 * time.Second)
	for {
		db, err := sql.Open("pgx", s.dsn("postgres"))
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil {
			return nil
		}
		select {
		case werr := <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
			return fmt.Errorf("postgres exited: %v: %s", werr, log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("postgres not ready after 90s: %v", err)
		}
	}
}

// stop shuts the server down (fast shutdown: SIGINT) and waits for it.
func (s *pgServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

func (s *pgServer) dsn(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// admin runs statements as the superuser on the "postgres" database.
func (s *pgServer) admin(t *testing.T, stmts ...string) {
	t.Helper()
	db, err := sql.Open("pgx", s.dsn("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// newDB creates an empty database for one test and returns its connection
// string; the database is dropped afterwards.
func (s *pgServer) newDB(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("t%d", pgDBs.Add(1))
	s.admin(t, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		if s.cmd == nil {
			return
		}
		db, err := sql.Open("pgx", s.dsn("postgres"))
		if err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			db.Close()
		}
	})
	return s.dsn(name)
}

// restart stops and starts the server (a database restarted mid-run).
func (s *pgServer) restart() error {
	s.stop()
	if s.done == nil {
		return errors.New("not running")
	}
	return s.start()
}

// Package pgtest starts a real PostgreSQL for tests.
package pgtest

// A real PostgreSQL for the tests: Debian's postgresql package, a cluster
// initdb'd into a temporary directory and started on 127.0.0.1 with a free
// port by the test binary itself (Need), as the unprivileged "postgres" account
// when the tests run as root (postgres refuses to run as root). TestMain
// stops it and removes the directory, also after a failed test; Pdeathsig
// stops it if the test binary dies. A package using it calls Shutdown
// from its TestMain.

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
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Server is a running PostgreSQL on 127.0.0.1.
type Server struct {
	dir  string
	port int
	cred *syscall.Credential // nil: run as ourselves
	cmd  *exec.Cmd
	done chan error
}

var (
	pgOnce sync.Once
	pgSrv  *Server
	pgErr  error
	pgDBs  atomic.Int32
)

// Shutdown stops the server, if one was started, and removes its
// directory; call it from TestMain after m.Run.
func Shutdown() {
	if pgSrv != nil {
		pgSrv.Stop()
		os.RemoveAll(pgSrv.dir)
	}
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

// Need returns the package's server, starting it on first use. No
// PostgreSQL fails the test under CI (where .ci/run installs it) and skips
// it elsewhere.
func Need(t testing.TB) *Server {
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

func startPostgres() (*Server, error) {
	initdb, err := pgBin("initdb")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "camsweep-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir}
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
	// A free port, asked of the kernel and let go: another test binary
	// (go test -p 2 runs several) may take it first, so try a few.
	for try := 0; ; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s.port = l.Addr().(*net.TCPAddr).Port
		l.Close()
		err = s.start()
		if err == nil {
			return s, nil
		}
		if try == 4 || !strings.Contains(err.Error(), "could not bind") && !strings.Contains(err.Error(), "could not create any TCP/IP sockets") {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

// start runs the server and waits until it answers (generously: a loaded
// 2-core machine).
func (s *Server) start() error {
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
		db, err := sql.Open("pgx", s.DSN("postgres"))
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
			s.Stop()
			return fmt.Errorf("postgres not ready after 90s: %v", err)
		}
	}
}

// Stop shuts the server down (fast shutdown: SIGINT) and waits for it.
func (s *Server) Stop() {
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

// SocketDSN is the connection string of database db through the server's
// Unix socket: reachable from every network namespace of the host (a
// scanner in a lab namespace), where 127.0.0.1 is the namespace's own.
func (s *Server) SocketDSN(db string) string {
	return fmt.Sprintf("postgres:///%s?host=%s&port=%d&user=postgres&sslmode=disable", db, s.dir, s.port)
}

// Name is the database name of a connection string from NewDB.
func Name(dsn string) string {
	rest := dsn[strings.LastIndex(dsn, "/")+1:]
	name, _, _ := strings.Cut(rest, "?")
	return name
}

func (s *Server) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// Admin runs statements as the superuser on the "postgres" database.
func (s *Server) Admin(t testing.TB, stmts ...string) {
	t.Helper()
	db, err := sql.Open("pgx", s.DSN("postgres"))
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

// NewDB creates an empty database for one test and returns its connection
// string; the database is dropped afterwards.
func (s *Server) NewDB(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d", pgDBs.Add(1))
	s.Admin(t, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		if s.cmd == nil {
			return
		}
		db, err := sql.Open("pgx", s.DSN("postgres"))
		if err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			db.Close()
		}
	})
	return s.DSN(name)
}

// Restart stops and starts the server (a database restarted mid-run).
func (s *Server) Restart() error {
	s.Stop()
	if s.done == nil {
		return errors.New("not running")
	}
	return s.start()
}

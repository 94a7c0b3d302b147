// Package scantest holds the small fakes the scanner packages' tests share:
// a Scope over a fixed list of addresses, a Pacer that counts, TCP and UDP
// responders on loopback, and a collector of a sweeper's evidence.
package scantest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/vendors"
)

// Scope is a scanner.Scope over a fixed list, in order.
type Scope = scanner.AddrList

// Pacer is a scanner.Pacer that never waits and counts its calls in N.
type Pacer struct{ N atomic.Int64 }

// Wait implements scanner.Pacer.
func (p *Pacer) Wait(ctx context.Context) error {
	p.N.Add(1)
	return ctx.Err()
}

// ServeTCP answers every connection to 127.0.0.1:0 with handle until the
// test ends; done closes then, for handlers that stall. It returns the
// listener's address.
func ServeTCP(t testing.TB, handle func(c net.Conn, done <-chan struct{})) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				handle(c, done)
			})
		}
	})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
	return netip.MustParseAddrPort(ln.Addr().String())
}

// ServeUDP answers every datagram that reaches addr:port (port 0: a free
// one) with the payloads reply returns, sent back to the sender, until the
// test ends. It returns the port, so that further responders on other
// loopback addresses can share it as a device population does.
func ServeUDP(t testing.TB, addr string, port int, reply func(req []byte) [][]byte) int {
	t.Helper()
	return ServeUDPTo(t, addr, port, func(req []byte, _ *net.UDPAddr) ([][]byte, *net.UDPAddr) {
		return reply(req), nil
	})
}

// ServeUDPTo is ServeUDP for devices that answer elsewhere than the
// sender (XMEye's reply to the discovery port): reply also names where
// its payloads go, nil meaning the sender.
func ServeUDPTo(t testing.TB, addr string, port int, reply func(req []byte, from *net.UDPAddr) ([][]byte, *net.UDPAddr)) int {
	t.Helper()
	pc, err := net.ListenPacket("udp4", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		pc.Close()
		wg.Wait()
	})
	wg.Go(func() {
		buf := make([]byte, 64<<10) // any datagram
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			ua := from.(*net.UDPAddr)
			reps, to := reply(append([]byte(nil), buf[:n]...), ua)
			if to == nil {
				to = ua
			}
			for _, r := range reps {
				pc.WriteTo(r, to)
			}
		}
	})
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// Collect runs one sweep and returns what it emitted, by address; a sweep
// error fails the test.
func Collect(t testing.TB, s scanner.Sweeper, scope scanner.Scope, pace scanner.Pacer) map[netip.Addr][]device.Evidence {
	t.Helper()
	var mu sync.Mutex
	got := map[netip.Addr][]device.Evidence{}
	if err := s.Sweep(t.Context(), scope, pace, func(ev device.Evidence) {
		mu.Lock()
		defer mu.Unlock()
		got[ev.Addr] = append(got[ev.Addr], ev)
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// OpenPort is a port of 127.0.0.1 that accepts every connection and
// closes it at once, until the test ends.
func OpenPort(t testing.TB) uint16 {
	t.Helper()
	return ServeTCP(t, func(net.Conn, <-chan struct{}) {}).Port()
}

// ClosedPort is a port of 127.0.0.1 that was free a moment ago: a connect
// to it is refused, unless another process took it since.
func ClosedPort(t testing.TB) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return netip.MustParseAddrPort(ln.Addr().String()).Port()
}

// ClosedAddr is ClosedPort on 127.0.0.1.
func ClosedAddr(t testing.TB) netip.AddrPort {
	t.Helper()
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ClosedPort(t))
}

// Build calls a prober's or sweeper's New with cfg, failing the test on
// an error: the tests' newProber helpers are one line of it.
func Build[C, P any](t testing.TB, mk func(C) (P, error), cfg C) P {
	t.Helper()
	p, err := mk(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Identifier is the fingerprint engine over the embedded vendor catalog,
// for tests that check what the rules make of a package's fields.
func Identifier(t testing.TB) *fingerprint.Engine {
	t.Helper()
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := fingerprint.New(fingerprint.Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// BenchFields benchmarks a pure parser and its field extraction on each
// named fixture, read with read (make bench).
func BenchFields[R interface{ Fields() map[string]string }](b *testing.B, names []string, read func(testing.TB, string) []byte, parse func([]byte) (R, error)) {
	for _, name := range names {
		raw := read(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				r, err := parse(raw)
				if err != nil {
					b.Fatal(err)
				}
				_ = r.Fields()
			}
		})
	}
}

// Testdata reads a file below the repository's testdata/ folder, named by
// its path there; every scanner package sits two levels below the root, so
// the one relative path serves them all. A missing file fails the test.
func Testdata(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", "..", "testdata"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Fixtures is Testdata for one folder below testdata/: a package's
// readFixture.
func Fixtures(dir string) func(t testing.TB, name string) []byte {
	return func(t testing.TB, name string) []byte {
		t.Helper()
		return Testdata(t, dir, name)
	}
}

// SeedDir adds every file of testdata/<elem...> to a fuzz corpus; an empty
// or missing folder fails, since a fuzz target without its real seeds
// starts from nothing.
func SeedDir(f *testing.F, elem ...string) {
	f.Helper()
	dir := filepath.Join(append([]string{"..", "..", "testdata"}, elem...)...)
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no seeds in %s", dir)
	}
}

// Rejects checks that parse refuses each input with an error that is
// want (errors.Is).
func Rejects[R any](t testing.TB, parse func([]byte) (R, error), want error, inputs ...string) {
	t.Helper()
	for _, in := range inputs {
		if _, err := parse([]byte(in)); !errors.Is(err, want) {
			t.Errorf("parse(%q) error = %v, want %v", in, err, want)
		}
	}
}

// NoEmptyFields fails the test on a field with an empty value: the
// parsers leave a field out rather than emit it empty.
func NoEmptyFields(t testing.TB, fields map[string]string) {
	t.Helper()
	for k, v := range fields {
		if v == "" {
			t.Fatalf("empty field %s", k)
		}
	}
}

// GoldenFields compares fields, as indented JSON, with the golden file
// testdata/<fixture without its extension>.fields.json of the package under
// test: the full field set a real reply gives, kept beside the package
// rather than as a map literal in each test. CAMSWEEP_GOLDEN=update, or a
// package's own -update flag, rewrites the file instead.
func GoldenFields(t testing.TB, fixture string, fields map[string]string) {
	t.Helper()
	got, err := json.MarshalIndent(fields, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", strings.TrimSuffix(fixture, filepath.Ext(fixture))+".fields.json")
	if updateGolden() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (CAMSWEEP_GOLDEN=update go test creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("fields differ from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func updateGolden() bool {
	if os.Getenv("CAMSWEEP_GOLDEN") == "update" {
		return true
	}
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// MustParse runs a pure parser on b and fails the test on an error: for
// the fixtures that must parse, so that what a test goes on to check is
// the parse's result.
func MustParse[R any](t testing.TB, parse func([]byte) (R, error), b []byte) R {
	t.Helper()
	r, err := parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// EqualFields fails the test unless got is want exactly: no field missing,
// none extra.
func EqualFields(t testing.TB, got, want map[string]string) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("fields\n got %v\nwant %v", got, want)
	}
}

// WantFields reports each key of want whose value in got differs, a
// missing key reading as "": a subset check, for parsers whose other fields
// another test pins.
func WantFields(t testing.TB, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

package scantest

// The parser side of the shared test kit: reading testdata/, golden field
// files, and the checks every pure parser's tests make.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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

// SeedDir adds every file of testdata/<elem...> to a fuzz corpus
// (SeedFiles; the folders it is used on hold files only).
func SeedDir(f *testing.F, elem ...string) {
	f.Helper()
	SeedFiles(f, filepath.Join(append(append([]string{"..", "..", "testdata"}, elem...), "*")...))
}

// SeedFiles adds every file the glob patterns match, relative to the
// package under test, to a fuzz corpus; if none matches at all the target
// would start from nothing, and that fails.
func SeedFiles(f *testing.F, patterns ...string) {
	f.Helper()
	n := 0
	for _, pat := range patterns {
		files, err := filepath.Glob(pat)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no seeds in %q", patterns)
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

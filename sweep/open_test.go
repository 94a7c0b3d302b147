package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/targets"
)

// noSuchIface is an interface that exists nowhere: every test of Open that
// is meant to stop at a usage error also names it, so that if the check
// under test were missing, Open would still stop at "--interface" before
// anything is sent.
const noSuchIface = "camsweep-nope0"

// testOptions are the command's defaults with one target, no history and
// an interface that does not exist.
func testOptions() Options {
	o := Defaults()
	o.Args, o.NoState, o.Interface = []string{"198.18.0.1"}, true, noSuchIface
	o.Log = zerolog.Nop()
	return o
}

// TestOptions_validate: the options Validate refuses are usage errors
// naming the flag; the command's defaults pass.
func TestOptions_validate(t *testing.T) {
	d := Defaults()
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tt := range []struct {
		set  func(o *Options)
		want string
	}{
		{func(o *Options) { o.Rate = 0 }, "--rate 0: want a number above 0"},
		{func(o *Options) { o.Ports = nil }, "--ports: give at least one port"},
		{func(o *Options) { o.FailOn = "severe" }, "--fail-on:"},
		{func(o *Options) { o.Emit = "some" }, `--emit: "some" (want records, changes or all)`},
		{func(o *Options) { o.Emit, o.NoState = EmitChanges, true }, "--emit changes and --changes need the history"},
		{func(o *Options) { o.Syslog = "udp://127.0.0.1:0" }, `port "0" is not 1-65535`},
	} {
		o := Defaults()
		tt.set(&o)
		err := o.Validate()
		if exitcode.Of(err, 0) != exitcode.Usage || !strings.Contains(fmt.Sprint(err), tt.want) {
			t.Errorf("Validate = %v; want a usage error with %q", err, tt.want)
		}
	}
}

// TestOpen_nothingSentOnBadInput: Open stops at the first usage error and
// returns no scan.
func TestOpen_nothingSentOnBadInput(t *testing.T) {
	o := testOptions()
	s, err := Open(t.Context(), o)
	if s != nil || exitcode.Of(err, 0) != exitcode.Usage || !strings.Contains(fmt.Sprint(err), "--interface") {
		t.Errorf("Open = %v, %v; want no scan and the --interface error", s, err)
	}
	o.Args = nil
	if _, err := Open(t.Context(), o); !strings.Contains(fmt.Sprint(err), "no targets") {
		t.Errorf("no targets: %v", err)
	}
}

// TestOpen_syslogCheckedBeforeTheScan: an impossible port or a host that
// does not resolve fails at once, not after the whole scan.
func TestOpen_syslogCheckedBeforeTheScan(t *testing.T) {
	lookup := func(ctx context.Context, host string) ([]string, error) {
		if host == "syslog.example" {
			return []string{"198.51.100.7"}, nil
		}
		return nil, errors.New("no such host")
	}
	open := func(target string) error {
		o := testOptions()
		o.Syslog, o.LookupHost = target, lookup
		s, err := Open(t.Context(), o)
		s.Close()
		return err
	}
	for target, want := range map[string]string{
		"udp://127.0.0.1:99999":      `--syslog udp://127.0.0.1:99999: port "99999" is not 1-65535`,
		"tcp://127.0.0.1:0":          `port "0" is not 1-65535`,
		"tls://nowhere.invalid:6514": `--syslog tls://nowhere.invalid:6514: host "nowhere.invalid" does not resolve: no such host`,
		"ftp://127.0.0.1:514":        "want udp://, tcp:// or tls://host:port",
	} {
		err := open(target)
		if exitcode.Of(err, 0) != exitcode.Usage || !strings.Contains(fmt.Sprint(err), want) {
			t.Errorf("--syslog %s: %v (exit %d); want 2 and %q", target, err, exitcode.Of(err, 0), want)
		}
	}
	// A resolvable host passes the check (and the scan stops at -i).
	if err := open("tcp://syslog.example:514"); exitcode.Of(err, 0) != exitcode.Usage || !strings.Contains(fmt.Sprint(err), "--interface") {
		t.Errorf("resolvable --syslog: %v", err)
	}
}

// TestNothingToProbe_emptyShard: a shard that holds none of the addresses
// is a usage error too.
func TestNothingToProbe_emptyShard(t *testing.T) {
	set, err := targets.Build([]targets.Token{{Text: "198.18.0.7"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	empty := 0
	for k := 1; k <= 2; k++ {
		o := targets.IterOptions{Shard: k, Shards: 2}
		it, err := set.Iter(o)
		if err != nil {
			t.Fatal(err)
		}
		err = nothingToProbe(set, it, o)
		if it.Len() == 0 {
			empty++
			if err == nil || !strings.Contains(err.Error(), "nothing to probe: shard") {
				t.Errorf("empty shard %d/2: %v", k, err)
			}
		} else if err != nil {
			t.Errorf("shard %d/2 of %d addresses: %v", k, it.Len(), err)
		}
	}
	if empty != 1 {
		t.Errorf("%d empty shards of 2 for one address", empty)
	}
}

// TestOpenOutput_noSymlinkAndMode: -o never follows a symlink, and creates
// its file 0640.
func TestOpenOutput_noSymlinkAndMode(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "out.jsonl")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if f, err := openOutput(link); err == nil {
		f.Close()
		t.Fatal("openOutput followed a symlink")
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep\n" {
		t.Errorf("victim now %q", b)
	}
	p := filepath.Join(dir, "new.jsonl")
	f, err := openOutput(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&^0o640 != 0 {
		t.Errorf("created %v, %v; want at most 0640", fi.Mode(), err)
	}
}

// TestConfigFilesBounded: the catalog, OUI registry and --syslog-ca files
// are read with a bound: /dev/zero is an error, not an OOM kill.
func TestConfigFilesBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	if _, err := LoadCatalog("/dev/zero"); err == nil || !strings.Contains(err.Error(), "--catalog: /dev/zero: larger than 16 MiB") {
		t.Errorf("catalog: %v", err)
	}
	if _, err := LoadOUI("/dev/zero"); err == nil || !strings.Contains(err.Error(), "--oui-file") {
		t.Errorf("oui: %v", err)
	}
	if _, err := readConfigFile("/dev/zero"); err == nil || !strings.Contains(err.Error(), "larger than 16 MiB") {
		t.Errorf("syslog CA: %v", err)
	}
	// The OUI reader fails past the bound instead of ending the file there.
	lr := &limitedReader{r: strings.NewReader("abcdef"), n: 5}
	if b, err := io.ReadAll(lr); !errors.Is(err, errTooLarge) || string(b) != "abcde" {
		t.Errorf("limitedReader over: %q, %v", b, err)
	}
	lr = &limitedReader{r: strings.NewReader("abcde"), n: 5}
	if b, err := io.ReadAll(lr); err != nil || string(b) != "abcde" {
		t.Errorf("limitedReader at the bound: %q, %v", b, err)
	}
}

// TestCapTargets: the run record holds the first 100 targets; the count
// says how many there were.
func TestCapTargets(t *testing.T) {
	toks := make([]targets.Token, 100_000)
	for i := range toks {
		toks[i] = targets.Token{Text: " 198.18.0.1 "}
	}
	got := capTargets(toks)
	if len(got) != 100 || got[0] != "198.18.0.1" {
		t.Errorf("%d targets, first %q", len(got), got[0])
	}
	if got := capTargets(toks[:3]); len(got) != 3 {
		t.Errorf("%d targets of 3", len(got))
	}
}

// TestCredentialsWarnings: a credentials file readable by others and a /0
// scope are loaded with warnings; a private, narrow one without.
func TestCredentialsWarnings(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		mode  os.FileMode
		cidr  string
		warns []string
	}{
		{0o644, "0.0.0.0/0", []string{"readable by group or others", "covers every address"}},
		{0o600, "198.18.10.0/24", nil},
	} {
		p := filepath.Join(dir, "creds.yaml")
		os.Remove(p)
		if err := os.WriteFile(p, []byte("credentials:\n  - cidrs: ["+tt.cidr+"]\n    username: admin\n    password: s3cret-Pa55\n"), tt.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, tt.mode)
		var logs bytes.Buffer
		if _, err := loadCredentials(wireOpts{WireConfig: scanner.WireConfig{Timeout: time.Second, Log: zerolog.New(&logs)}}, p); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.warns {
			if !strings.Contains(logs.String(), w) {
				t.Errorf("mode %#o scope %s: logs %q lack %q", tt.mode, tt.cidr, logs.String(), w)
			}
		}
		if tt.warns == nil && logs.Len() > 0 {
			t.Errorf("mode %#o scope %s: unexpected logs %q", tt.mode, tt.cidr, logs.String())
		}
		if strings.Contains(logs.String(), "s3cret") {
			t.Error("the password reached the log")
		}
	}
}

// TestOpen_readyWithoutSending: options that pass open a scan whose
// engine, history and output are ready; Close without Run releases them,
// and nothing is written before Run.
func TestOpen_readyWithoutSending(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	o.Interface, o.NoState = "", false
	o.State = filepath.Join(dir, "history.db")
	o.Output = filepath.Join(dir, "out.jsonl")
	o.Format = "json"
	s, err := Open(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if s.eng == nil || s.rec == nil || s.w == nil || s.plan.set.Count() != 1 {
		t.Errorf("scan not ready: engine %v, recorder %v, writer %v", s.eng != nil, s.rec != nil, s.w != nil)
	}
	if len(s.methods) == 0 || s.methods[len(s.methods)-1] != "neighbour-table" {
		t.Errorf("methods %q", s.methods)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(o.Output); err != nil || len(b) != 0 {
		t.Errorf("output before Run: %q, %v", b, err)
	}
}

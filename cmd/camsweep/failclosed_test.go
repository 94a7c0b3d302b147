package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/scanner/targets"
	"github.com/camsweep/camsweep/store"
)

// cli runs camsweep with args and returns its exit code and streams.
func cli(t *testing.T, ctx context.Context, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errb bytes.Buffer
	code := runIO(ctx, args, stdin, &out, &errb)
	return code, out.String(), errb.String()
}

// noSuchIface is an interface that exists nowhere: every scan test that is
// meant to stop at a usage error also names it, so that if the check under
// test were missing, the scan would still stop at "--interface" before
// anything is sent. Tests then tell the two errors apart by message.
const noSuchIface = "camsweep-nope0"

// TestScan_numericFlagsRefused: NaN, infinities, zero, negative and absurd
// values of every numeric flag are usage errors naming the flag, before a
// target is read (NaN and +Inf once switched pacing off).
func TestScan_numericFlagsRefused(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--rate", "NaN"}, "--rate NaN: want a number above 0"},
		{[]string{"--rate", "+Inf"}, "--rate +Inf: want a number above 0"},
		{[]string{"--rate", "0"}, "--rate 0:"},
		{[]string{"--rate", "-5"}, "--rate -5:"},
		{[]string{"--rate", "1e9"}, "--rate 1e+09: want a number above 0 and at most 100000"},
		{[]string{"--host-rate", "NaN"}, "--host-rate NaN:"},
		{[]string{"--host-rate", "-Inf"}, "--host-rate -Inf:"},
		{[]string{"--host-rate", "1000"}, "--host-rate 1000: want a number above 0 and at most 100"},
		{[]string{"--arp-rate", "NaN"}, "--arp-rate NaN:"},
		{[]string{"--arp-rate", "Inf"}, "--arp-rate +Inf:"},
		{[]string{"--arp-rate", "0"}, "--arp-rate 0:"},
		{[]string{"--concurrency", "2000000"}, "--concurrency 2000000: want an integer from 1 to 4096"},
		{[]string{"--concurrency", "0"}, "--concurrency 0:"},
		{[]string{"--timeout", "0s"}, "--timeout 0s: want a duration above 0"},
		{[]string{"--timeout", "-1s"}, "--timeout -1s:"},
		{[]string{"--connect-timeout", "10h"}, "--connect-timeout 10h0m0s: want a duration above 0 and at most 5m0s"},
		{[]string{"--host-timeout", "0s"}, "--host-timeout 0s:"},
		{[]string{"--host-timeout", "1000h"}, "--host-timeout 1000h0m0s:"},
		{[]string{"--arp-wait", "-1s"}, "--arp-wait -1s: want a duration from 0"},
		{[]string{"--arp-retries", "-1"}, "--arp-retries -1: want an integer from 0 to 10"},
		{[]string{"--missing-after", "-5"}, "--missing-after -5: want an integer from 1 to 10000"},
		{[]string{"--missing-after", "0"}, "--missing-after 0:"},
		{[]string{"--ports", "0"}, "--ports: 0 is not a TCP port (want 1-65535)"},
		{[]string{"--ports", "80,65536"}, "--ports: 65536 is not a TCP port"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{"scan", "198.18.0.1", "--no-state", "-i", noSuchIface}, tt.args...)
			code, out, errs := cli(t, t.Context(), nil, args...)
			if code != exitUsage || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.want)
			}
			if out != "" {
				t.Errorf("stdout %q", out)
			}
		})
	}
}

// TestScan_syslogCheckedBeforeTheScan: an impossible port or a host that
// does not resolve fails at once, not after the whole scan.
func TestScan_syslogCheckedBeforeTheScan(t *testing.T) {
	lookupHost = func(ctx context.Context, host string) ([]string, error) {
		if host == "syslog.example" {
			return []string{"198.51.100.7"}, nil
		}
		return nil, errors.New("no such host")
	}
	t.Cleanup(func() { lookupHost = defaultLookupHost })
	for target, want := range map[string]string{
		"udp://127.0.0.1:99999":      `--syslog udp://127.0.0.1:99999: port "99999" is not 1-65535`,
		"tcp://127.0.0.1:0":          `port "0" is not 1-65535`,
		"tls://nowhere.invalid:6514": `--syslog tls://nowhere.invalid:6514: host "nowhere.invalid" does not resolve: no such host`,
		"ftp://127.0.0.1:514":        "want udp://, tcp:// or tls://host:port",
	} {
		code, _, errs := cli(t, t.Context(), nil, "scan", "198.18.0.1", "--no-state", "-i", noSuchIface, "--syslog", target)
		if code != exitUsage || !strings.Contains(errs, want) {
			t.Errorf("--syslog %s: exit %d, stderr %q; want 2 and %q", target, code, errs, want)
		}
	}
	// A resolvable host passes the check (and the scan stops at -i).
	code, _, errs := cli(t, t.Context(), nil, "scan", "198.18.0.1", "--no-state", "-i", noSuchIface, "--syslog", "tcp://syslog.example:514")
	if code != exitUsage || !strings.Contains(errs, "--interface") {
		t.Errorf("resolvable --syslog: exit %d, stderr %q", code, errs)
	}
}

var defaultLookupHost = lookupHost

// TestScan_nothingToProbe: a scan whose targets are all removed exits 2
// with a message naming what removed them, not 0 after probing nothing.
func TestScan_nothingToProbe(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"198.18.0.0/24", "--exclude", "198.18.0.0/24"},
			[]string{"nothing to probe", "excluded by 198.18.0.0/24 (--exclude): 254 addresses"}},
		{[]string{"127.0.0.1"}, []string{"nothing to probe", "loopback (127.0.0.0/8)"}},
	}
	for _, tt := range tests {
		code, out, errs := cli(t, t.Context(), nil, append([]string{"scan", "--no-state", "-i", noSuchIface}, tt.args...)...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", tt.args, code, errs)
		}
		for _, w := range tt.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr %q lacks %q", tt.args, errs, w)
			}
		}
		if out != "" {
			t.Errorf("%v: stdout %q", tt.args, out)
		}
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

// TestScan_hostWithMaskRefused: 198.18.0.5/24 is refused as the zones file
// refuses it, instead of scanning the whole /24.
func TestScan_hostWithMaskRefused(t *testing.T) {
	code, _, errs := cli(t, t.Context(), nil, "scan", "--no-state", "-i", noSuchIface, "198.18.0.5/24")
	if code != exitUsage || !strings.Contains(errs, "host bits set: write the network 198.18.0.0/24, or the single address 198.18.0.5") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// TestScan_interruptWhileReadingStdin: Ctrl-C while "scan -l -" waits for
// its input ends camsweep with 130 at once.
func TestScan_interruptWhileReadingStdin(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		pw.Write([]byte("198.18.0.1\n")) // some input, then none
		time.Sleep(100 * time.Millisecond)
		cancel()
	}()
	done := make(chan int, 1)
	go func() {
		code, _, _ := cli(t, ctx, pr, "scan", "--no-state", "-i", noSuchIface, "-l", "-")
		done <- code
	}()
	select {
	case code := <-done:
		if code != exitInterrupted {
			t.Errorf("exit %d, want 130", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("camsweep scan -l - ignored the interrupt while reading stdin")
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
	if _, err := loadCatalog("/dev/zero"); err == nil || !strings.Contains(err.Error(), "--catalog: /dev/zero: larger than 16 MiB") {
		t.Errorf("catalog: %v", err)
	}
	if _, err := loadOUI("/dev/zero"); err == nil || !strings.Contains(err.Error(), "--oui-file") {
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
		if _, err := onvifProber(wireOpts{Timeout: time.Second, Log: zerolog.New(&logs)}, p); err != nil {
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

// TestRecorder_historyFailureKeepsOutput: with the history database locked
// by another process, every record and the run record still reach the
// output, the run record says what failed with exit status 1, and Err
// reports it.
func TestRecorder_historyFailureKeepsOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for SQLite's 5 s busy timeout")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	ctx := t.Context()
	st, err := store.Open(ctx, store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Another process's write transaction: camsweep's flock does not see it.
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")

	var out bytes.Buffer
	w, err := report.NewWithOptions("json", &out, report.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &recorder{ctx: ctx, st: st, out: w, records: true, start: start, opts: store.FinishOptions{MissingAfter: 1}}
	for _, ip := range []string{"198.18.10.21", "198.18.10.22", "198.18.10.23"} {
		rec := &device.Record{Schema: device.SchemaDevice, RunID: "run-1", IP: ip, Time: start}
		if err := r.WriteRecord(rec); err != nil {
			t.Fatalf("WriteRecord: %v", err)
		}
	}
	rr := &device.RunRecord{Schema: device.SchemaRun, RunID: "run-1", Start: start, End: start.Add(time.Second)}
	if err := r.WriteRun(rr); err != nil {
		t.Fatalf("WriteRun: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if r.Err() == nil || !strings.Contains(r.Err().Error(), "state "+path) {
		t.Errorf("Err() = %v, want the history failure", r.Err())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d output lines, want 3 records and the run:\n%s", len(lines), out.String())
	}
	for i, ip := range []string{"198.18.10.21", "198.18.10.22", "198.18.10.23"} {
		if !strings.Contains(lines[i], `"ip":"`+ip+`"`) {
			t.Errorf("line %d %s lacks %s", i+1, lines[i], ip)
		}
	}
	if !strings.Contains(lines[3], `"exit_status":1`) || !strings.Contains(lines[3], "the history misses this run") {
		t.Errorf("run record %s: want exit_status 1 and the history error", lines[3])
	}
}

// TestRulesTest_duplicatesAndEmptyFolders: "rules test" refuses what scan
// --rules refuses: a rule id used twice (across files, or by a built-in
// rule), and a folder that loads no rules.
func TestRulesTest_duplicatesAndEmptyFolders(t *testing.T) {
	rule := func(id string) string {
		return "rules:\n  - id: " + id + "\n    description: test\n    field: http.server\n    match: '^X$'\n" +
			"    conclude: {vendor: hikvision, device_type: camera}\n    weight: 0.5\n    source: test\n" +
			"    examples:\n      - fields: {http.server: X}\n        expect: {vendor: hikvision, device_type: camera}\n"
	}
	write := func(dir, name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	good := t.TempDir()
	write(good, "a.yaml", rule("local.http.server.x"))
	dupFiles := t.TempDir()
	write(dupFiles, "a.yaml", rule("local.http.server.x"))
	write(dupFiles, "b.yaml", rule("local.http.server.x"))
	dupBuiltin := t.TempDir()
	write(dupBuiltin, "a.yaml", rule("hikvision.http.server.app-webs"))
	yml := t.TempDir()
	write(yml, "a.yml", rule("local.http.server.x"))
	empty := t.TempDir()
	write(empty, "a.yaml", "rules: []\n")

	code, out, errs := cli(t, t.Context(), nil, "rules", "test", good)
	if code != exitOK || !strings.Contains(out, "ok: 1 rules") {
		t.Fatalf("good folder: exit %d, %q %q", code, out, errs)
	}
	// The built-in rule files pass as they are.
	code, out, errs = cli(t, t.Context(), nil, "rules", "test", filepath.Join("..", "..", "vendors", "rules"))
	if code != exitOK || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("built-in rules: exit %d, %q %q", code, out, errs)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{dupFiles}, `b.yaml:2: duplicate rule id "local.http.server.x" (first at ` + filepath.Join(dupFiles, "a.yaml") + `:2)`},
		{[]string{good, good}, `duplicate rule id "local.http.server.x"`},
		{[]string{dupBuiltin}, `a.yaml:2: duplicate rule id "hikvision.http.server.app-webs" (first at built-in hikvision.yaml:`},
		{[]string{yml}, yml + ": no *.yaml rule file"},
		{[]string{empty}, empty + ": the *.yaml files hold no rules"},
	} {
		code, out, errs := cli(t, t.Context(), nil, append([]string{"rules", "test"}, tt.args...)...)
		if code != exitUsage || !strings.Contains(errs, tt.want) || strings.Contains(out, "ok:") {
			t.Errorf("rules test %v: exit %d, stdout %q, stderr %q; want 2 and %q", tt.args, code, out, errs, tt.want)
		}
	}
}

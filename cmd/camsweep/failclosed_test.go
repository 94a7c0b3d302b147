package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/internal/exitcode"
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
			if code != exitcode.Usage || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.want)
			}
			if out != "" {
				t.Errorf("stdout %q", out)
			}
		})
	}
}

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
		if code != exitcode.Usage {
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

// TestScan_hostWithMaskRefused: 198.18.0.5/24 is refused as the zones file
// refuses it, instead of scanning the whole /24.
func TestScan_hostWithMaskRefused(t *testing.T) {
	code, _, errs := cli(t, t.Context(), nil, "scan", "--no-state", "-i", noSuchIface, "198.18.0.5/24")
	if code != exitcode.Usage || !strings.Contains(errs, "host bits set: write the network 198.18.0.0/24, or the single address 198.18.0.5") {
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
		if code != exitcode.Interrupted {
			t.Errorf("exit %d, want 130", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("camsweep scan -l - ignored the interrupt while reading stdin")
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
	if code != exitcode.OK || !strings.Contains(out, "ok: 1 rules") {
		t.Fatalf("good folder: exit %d, %q %q", code, out, errs)
	}
	// The built-in rule files pass as they are.
	code, out, errs = cli(t, t.Context(), nil, "rules", "test", filepath.Join("..", "..", "vendors", "rules"))
	if code != exitcode.OK || !strings.HasPrefix(out, "ok: ") {
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
		if code != exitcode.Usage || !strings.Contains(errs, tt.want) || strings.Contains(out, "ok:") {
			t.Errorf("rules test %v: exit %d, stdout %q, stderr %q; want 2 and %q", tt.args, code, out, errs, tt.want)
		}
	}
}

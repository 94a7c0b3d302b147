package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These run the binary without the lab: bad input must exit 2 with one
// line naming the file, line and token, before anything is sent.
func TestCLI_badInput_exits2NamingTheToken(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	targets := write("targets.txt", "# site A\n198.18.1.0/24\n198.18.1.300 # typo\n")
	zones := write("zones.yaml", "zones:\n  - name: core\n    kind: primary\n    cidrs: [198.18.0.0/33]\n")
	rulesDir := filepath.Join(dir, "rules")
	if err := os.Mkdir(rulesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	write("rules/bad.yaml", "rules:\n  - id: site.http.server\n    description: d\n    source: s\n    field: http.nope\n    match: 'x'\n    conclude: {vendor: hikvision}\n    weight: 0.5\n    examples:\n      - fields: {http.nope: x}\n        expect: {vendor: hikvision}\n")
	spec := write("lab.yaml", "prefix: csw-\nsegments:\n  - name: primary\n    cidr: 10.0.0.0/24\n")

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"target argument", []string{"scan", "198.18.1.0/24", "198.18.2.1-300"}, `argument 2: bad target "198.18.2.1-300"`},
		{"target file", []string{"scan", "-l", targets}, `targets.txt:3: bad target "198.18.1.300"`},
		{"IPv6", []string{"scan", "2001:db8::1"}, "IPv6 targets are not supported yet"},
		{"zones file", []string{"scan", "--zones", zones, "198.18.1.1"}, `zones.yaml:4: bad CIDR "198.18.0.0/33"`},
		{"rules dir", []string{"scan", "--rules", rulesDir, "198.18.1.1"}, `bad.yaml:5: unknown field "http.nope"`},
		{"rules test", []string{"rules", "test", rulesDir}, `bad.yaml:5: unknown field "http.nope"`},
		{"fail-on", []string{"scan", "--fail-on", "severe", "198.18.1.1"}, `unknown severity "severe"`},
		{"shard", []string{"scan", "--shard", "5/4", "198.18.1.1"}, "--shard"},
		{"unknown flag", []string{"scan", "--bogus"}, "unknown flag: --bogus"},
		{"no targets", []string{"scan"}, "no targets"},
		{"lab spec", []string{"lab", "up", "--spec", spec}, "lab.yaml:4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin, args := binary, tc.args
			if args[0] == "lab" { // the lab's own command: camsweep-lab up ...
				bin, args = labBinary, args[1:]
			}
			cmd := exec.Command(bin, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("exit %v, want 2; stderr:\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q does not name %q", stderr.String(), tc.want)
			}
			if len(out) != 0 {
				t.Errorf("bad input wrote results: %q", out)
			}
		})
	}
}

func TestCLI_rulesTest_builtInRulesPass(t *testing.T) {
	out, err := exec.Command(binary, "rules", "test", "../vendors/rules").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok: ") {
		t.Fatalf("%v: %s", err, out)
	}
}

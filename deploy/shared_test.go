package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/camsweep/camsweep/scanner/targets"
	"github.com/camsweep/camsweep/store"
)

// TestDeploy_sharedUnits: the nightly units of a shared history verify,
// take the connection string from a systemd credential through
// --state-file (never argv), record one sweep with the host's shard or
// site, and keep the sweep unit's sandbox rating.
func TestDeploy_sharedUnits(t *testing.T) {
	svc := filepath.Join("shared", "camsweep-nightly.service")
	tmr := filepath.Join("shared", "camsweep-nightly.timer")
	b, err := os.ReadFile(svc)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"LoadCredential=statedsn:/etc/camsweep/state.dsn", "--state-file %d/statedsn", "--sweep nightly",
		"EnvironmentFile=/etc/camsweep/sweep.env", " $CAMSWEEP_SWEEP_ARGS ", "SuccessExitStatus=3", "AmbientCapabilities=CAP_NET_RAW"} {
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %q", svc, want)
		}
	}
	for i, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "#") && (strings.Contains(line, "postgres://") || strings.Contains(line, " #")) {
			t.Errorf("%s:%d: a connection string or a trailing comment outside a comment line", svc, i+1)
		}
	}
	tb, _ := os.ReadFile(tmr)
	if !strings.Contains(string(tb), "Persistent=true") || !strings.Contains(string(tb), "OnCalendar=") {
		t.Errorf("%s: want a calendar time and Persistent=true", tmr)
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze not installed (make deps installs it)")
		}
		t.Skip("systemd-analyze not installed: static checks only")
	}
	out, _ := exec.Command(sa, "verify", "--man=no", svc, tmr).CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "Unknown key") || strings.Contains(line, "Failed to parse") || strings.Contains(line, "Invalid") {
			t.Errorf("systemd-analyze: %s", line)
		}
	}
	out, err = exec.Command(sa, "security", "--offline=true", "--no-pager", svc).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for camsweep-nightly\.service: ([0-9]+\.[0-9]+) `).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: no overall rating (%v):\n%s", err, out)
	}
	if got, _ := strconv.ParseFloat(string(m[1]), 64); got > maxExposure {
		t.Errorf("%s: exposure %.1f, want at most %.1f", svc, got, maxExposure)
	}
}

// TestDeploy_indexedCronJob: the Kubernetes example is an Indexed Job whose
// pods, index 0..N-1, run shards 1/N..N/N of one sweep (the shell
// arithmetic run here for each index), with the connection string from a
// Secret.
func TestDeploy_indexedCronJob(t *testing.T) {
	path := filepath.Join("kubernetes", "camsweep-nightly-cronjob.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cj struct {
		Kind string
		Spec struct {
			JobTemplate struct {
				Spec struct {
					CompletionMode string `yaml:"completionMode"`
					Completions    int
					Parallelism    int
					Template       struct {
						Spec struct {
							Containers []struct {
								Command []string
								Args    []string
								Env     []struct {
									Name      string
									Value     string
									ValueFrom *struct {
										SecretKeyRef *struct{ Name, Key string } `yaml:"secretKeyRef"`
									} `yaml:"valueFrom"`
								}
							}
						}
					}
				}
			} `yaml:"jobTemplate"`
		}
	}
	if err := yaml.Unmarshal(b, &cj); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	js := cj.Spec.JobTemplate.Spec
	if cj.Kind != "CronJob" || js.CompletionMode != "Indexed" || js.Completions < 2 || js.Parallelism != js.Completions {
		t.Fatalf("%s: kind %q, completionMode %q, completions %d, parallelism %d", path, cj.Kind, js.CompletionMode, js.Completions, js.Parallelism)
	}
	if len(js.Template.Spec.Containers) != 1 {
		t.Fatalf("%s: want one container", path)
	}
	c := js.Template.Spec.Containers[0]
	secret := false
	for _, e := range c.Env {
		if e.Name == store.DSNEnv && e.Value == "" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			secret = true
		}
	}
	if !secret {
		t.Errorf("%s: $%s must come from a secretKeyRef", path, store.DSNEnv)
	}
	script := strings.Join(c.Args, " ")
	if strings.Contains(script, "postgres://") || !strings.Contains(script, "--sweep nightly") || len(c.Command) != 2 || c.Command[0] != "/bin/sh" {
		t.Errorf("%s: command %q args %q", path, c.Command, script)
	}
	// Run the script's --shard argument through the shell for each index.
	shardRE := regexp.MustCompile(`--shard (\$\(\([^)]*\)\)\S*|\S+)`)
	sm := shardRE.FindStringSubmatch(script)
	if sm == nil {
		t.Fatalf("%s: no --shard", path)
	}
	seen := map[int]bool{}
	for i := 0; i < js.Completions; i++ {
		cmd := exec.Command("/bin/sh", "-c", "echo "+sm[1])
		cmd.Env = []string{fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i)}
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		k, n, err := targets.ParseShard(strings.TrimSpace(string(out)))
		if err != nil || n != js.Completions {
			t.Errorf("index %d: --shard %q: %v (want N = completions %d)", i, out, err, js.Completions)
		}
		seen[k] = true
	}
	if len(seen) != js.Completions {
		t.Errorf("shards %v, want each of 1..%d once", seen, js.Completions)
	}
}

// Package deploy holds the systemd units and the cron example; its test
// checks them.
package deploy

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestUnits_systemdAnalyzeVerify(t *testing.T) {
	for _, f := range []string{"camsweep-sweep.service", "camsweep-sweep.timer"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			// systemd takes comments only on their own lines.
			if !strings.HasPrefix(line, "#") && strings.Contains(line, " #") {
				t.Errorf("%s:%d: trailing comment", f, i+1)
			}
		}
	}
	svc, _ := os.ReadFile("camsweep-sweep.service")
	for _, want := range []string{"SuccessExitStatus=3", "AmbientCapabilities=CAP_NET_RAW", "LoadCredential=", "StateDirectory=camsweep", "--emit changes"} {
		if !strings.Contains(string(svc), want) {
			t.Errorf("service lacks %s", want)
		}
	}
	tmr, _ := os.ReadFile("camsweep-sweep.timer")
	for _, want := range []string{"Persistent=true", "RandomizedDelaySec="} {
		if !strings.Contains(string(tmr), want) {
			t.Errorf("timer lacks %s", want)
		}
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed; static checks only")
	}
	// The unit names a binary and a user that need not exist here: only
	// syntax and directive errors count.
	out, _ := exec.Command(sa, "verify", "--man=no", "camsweep-sweep.service", "camsweep-sweep.timer").CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "Unknown key") || strings.Contains(line, "Failed to parse") || strings.Contains(line, "Invalid") {
			t.Errorf("systemd-analyze: %s", line)
		}
	}
}

package lab

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needLab skips without root and iproute2, except under CI, where the lab
// tests must run and a missing prerequisite fails.
func needLab(t *testing.T) {
	t.Helper()
	if err := Check(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and the lab cannot run: %v", err)
		}
		t.Skip(err)
	}
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("-short: no lab")
	}
}

// buildLabCommand builds camsweep-lab, the lab's own command, whose
// "serve" runs the emulators. It does not link the scanner, so a scanner
// that does not build yet leaves the lab testable.
func buildLabCommand(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "camsweep-lab")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/camsweep-lab")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/camsweep-lab: %v\n%s", err, out)
	}
	return bin
}

func rootLinks(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("ip", "-o", "link", "show").Output()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for l := range strings.Lines(string(out)) {
		if f := strings.Fields(l); len(f) > 1 {
			names = append(names, strings.TrimSuffix(f[1], ":"))
		}
	}
	slices.Sort(names)
	return names
}

func labNamespaces(t *testing.T, prefix string) []string {
	t.Helper()
	nss, err := namespaces(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	return nss
}

func emulatorPIDs(t *testing.T, ctx context.Context, prefix string) []int {
	t.Helper()
	st, err := Status(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range st.Emulators {
		pids = append(pids, e.PIDs...)
	}
	return pids
}

func TestLab_upDown(t *testing.T) {
	needLab(t)
	bin := buildLabCommand(t)
	spec, err := DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	spec.Prefix = testPrefix()
	opts := Options{Binary: bin, StateDir: filepath.Join(t.TempDir(), "state")}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		if err := Down(context.Background(), spec.Prefix, opts); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	before := rootLinks(t)

	start := time.Now()
	if err := Up(ctx, spec, opts); err != nil {
		t.Fatal(err)
	}
	t.Logf("lab up in %s", time.Since(start))

	want := spec.Namespaces()
	slices.Sort(want)
	if got := labNamespaces(t, testPrefix()); !slices.Equal(got, want) {
		t.Errorf("namespaces\n got %v\nwant %v", got, want)
	}
	st, err := Status(ctx, spec.Prefix)
	if err != nil || !st.Up() || len(st.Emulators) != len(spec.Devices) {
		t.Fatalf("status %+v %v", st, err)
	}
	for _, f := range []string{"zones.yaml", "spec.yaml"} {
		if _, err := os.Stat(filepath.Join(opts.StateDir, f)); err != nil {
			t.Error(err)
		}
	}

	t.Run("reachable from the jump namespace", func(t *testing.T) {
		// bash's /dev/tcp: a primary camera on the jump host's own segment,
		// and CCTV cameras one routed hop away.
		script := `
set -e
get() { exec 3<>/dev/tcp/$1/$2; printf "$3" >&3; timeout 3 cat <&3 || true; exec 3<&-; }
echo "== hik"; get 198.18.10.21 80 'GET / HTTP/1.0\r\n\r\n'
echo "== cctv-dahua"; get 198.18.20.22 80 'GET / HTTP/1.0\r\n\r\n'
echo "== cctv-hik rtsp"; exec 3<>/dev/tcp/198.18.20.21/554; printf 'OPTIONS * RTSP/1.0\r\nCSeq: 9\r\n\r\n' >&3; timeout 1 cat <&3 || true
`
		out, err := Exec(ctx, spec.JumpNS(), "bash", "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		s := string(out)
		for _, want := range []string{
			"HTTP/1.0 200 OK\r\n", "Server: webserver\r\n", "\xef\xbb\xbf<!doctype html>", // hik-cam
			"CONNECTION: close\r\n", "<title>WEB SERVICE</title>", // cctv-dahua
			"CSeq: 9\r\n", "Date:  ", // cctv-hik RTSP
		} {
			if !strings.Contains(s, want) {
				t.Errorf("jump output lacks %q:\n%s", want, s)
			}
		}
		// The jump host learnt the camera's real OUI by ARP; the routed
		// CCTV camera's MAC stays behind the router.
		neigh, err := exec.Command("ip", "-n", spec.JumpNS(), "neigh", "show").Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(neigh), "44:a6:42:46:67:24") || strings.Contains(string(neigh), "3c:ef:8c") {
			t.Errorf("jump neighbours:\n%s", neigh)
		}
	})

	if after := rootLinks(t); !slices.Equal(before, after) {
		t.Errorf("root namespace links changed\nbefore %v\nafter  %v", before, after)
	}

	t.Run("up again is idempotent", func(t *testing.T) {
		old := emulatorPIDs(t, ctx, spec.Prefix)
		if err := Up(ctx, spec, opts); err != nil {
			t.Fatal(err)
		}
		if got := labNamespaces(t, testPrefix()); !slices.Equal(got, want) {
			t.Errorf("namespaces after second up %v", got)
		}
		for _, pid := range old {
			if alive(pid) {
				t.Errorf("emulator %d of the first up still runs", pid)
			}
		}
		if st, _ := Status(ctx, spec.Prefix); !st.Up() {
			t.Errorf("status after second up %+v", st)
		}
	})

	t.Run("stale lab is cleaned by the next up", func(t *testing.T) {
		// A crash: an emulator killed, the state dir (PID files) lost,
		// the namespaces left behind.
		pids := emulatorPIDs(t, ctx, spec.Prefix)
		syscall.Kill(pids[0], syscall.SIGKILL)
		if err := os.RemoveAll(opts.StateDir); err != nil {
			t.Fatal(err)
		}
		if err := Up(ctx, spec, opts); err != nil {
			t.Fatal(err)
		}
		if st, _ := Status(ctx, spec.Prefix); !st.Up() {
			t.Errorf("status after stale up %+v", st)
		}
		for _, pid := range pids[1:] {
			if alive(pid) {
				t.Errorf("stale emulator %d still runs", pid)
			}
		}
	})

	t.Run("down leaves nothing", func(t *testing.T) {
		pids := emulatorPIDs(t, ctx, spec.Prefix)
		if err := Down(ctx, spec.Prefix, opts); err != nil {
			t.Fatal(err)
		}
		if got := labNamespaces(t, testPrefix()); len(got) != 0 {
			t.Errorf("namespaces left: %v", got)
		}
		for _, pid := range pids {
			if alive(pid) {
				t.Errorf("emulator %d still runs", pid)
			}
		}
		if _, err := os.Stat(opts.StateDir); !os.IsNotExist(err) {
			t.Errorf("state dir left: %v", err)
		}
		if err := Down(ctx, spec.Prefix, opts); err != nil {
			t.Errorf("down with nothing to do: %v", err)
		}
		if st, err := Status(ctx, spec.Prefix); err != nil || st.Up() || len(st.Namespaces) != 0 {
			t.Errorf("status after down %+v %v", st, err)
		}
	})
}

// testPrefix is "cswt-" unless CAMSWEEP_LAB_PREFIX names another, so that
// several checkouts can run the lab tests on one machine at once.
func testPrefix() string {
	if p := os.Getenv("CAMSWEEP_LAB_PREFIX"); p != "" {
		return p
	}
	return "cswt-"
}

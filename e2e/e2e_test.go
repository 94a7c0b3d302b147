// Package e2e runs the camsweep binary against the simulated lab: the
// promises of the foundation issue, checked the way a user would see them.
// It needs root and iproute2; with CI set, their absence fails the run
// instead of skipping it.
package e2e

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
)

// prefix differs from the lab package's own tests so both can run at once;
// CAMSWEEP_E2E_PREFIX overrides it for a second checkout on the machine.
var prefix = cmp.Or(os.Getenv("CAMSWEEP_E2E_PREFIX"), "cswe-")

var (
	// binary is the scanner (cmd/camsweep); labBinary is the lab's own
	// command (cmd/camsweep-lab), the Binary of every lab.Options.
	binary    string
	labBinary string
	spec      *lab.Spec
	opts      lab.Options
	labErr    error // why the lab is not available
	workdir   string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	workdir, err = os.MkdirTemp("", "camsweep-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(workdir)
	binary = filepath.Join(workdir, "camsweep")
	labBinary = filepath.Join(workdir, "camsweep-lab")
	for _, b := range []struct{ out, pkg string }{{binary, "../cmd/camsweep"}, {labBinary, "../cmd/camsweep-lab"}} {
		build := exec.Command("go", "build", "-o", b.out, b.pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", b.pkg, err, out)
			return 1
		}
	}
	if labErr = lab.Check(); labErr == nil {
		spec, labErr = lab.DefaultSpec()
	}
	if labErr == nil {
		spec.Prefix = prefix
		// A real mDNS responder next to the web server's emulator when
		// avahi-daemon is installed (avahi_test.go fails in CI without it).
		if _, err := exec.LookPath("avahi-daemon"); err == nil {
			for i := range spec.Devices {
				if spec.Devices[i].Name == avahiDevice {
					spec.Devices[i].Avahi = true
				}
			}
		}
		opts = lab.Options{Binary: labBinary, StateDir: filepath.Join(workdir, "lab")}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		labErr = lab.Up(ctx, spec, opts)
		cancel()
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := lab.Down(ctx, prefix, opts); err != nil {
				fmt.Fprintln(os.Stderr, "lab down:", err)
			}
		}()
	}
	return m.Run()
}

// needLab skips without the lab, except in CI where a missing lab is a
// failure: a skipped end-to-end test is not a passing one.
func needLab(t *testing.T) {
	t.Helper()
	if labErr == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("the lab is required in CI: %v", labErr)
	}
	t.Skipf("lab not available: %v", labErr)
}

// scanCmd runs camsweep scan inside the jump namespace.
func scanCmd(ctx context.Context, args ...string) *exec.Cmd {
	// Tests keep no sweep history: it would land in root's home and share
	// the run lock between concurrent test runs.
	argv := append([]string{binary, "scan", "--no-state"}, args...)
	return lab.Exec(ctx, spec.JumpNS(), argv...)
}

func decodeLines(t *testing.T, out []byte) (map[string]device.Record, *device.RunRecord) {
	t.Helper()
	recs := map[string]device.Record{}
	var run *device.RunRecord
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if run != nil {
			t.Errorf("line after the run record: %s", line)
		}
		var probe struct{ Schema string }
		if err := json.Unmarshal(line, &probe); err != nil {
			t.Fatalf("invalid JSON line %q: %v", line, err)
		}
		switch probe.Schema {
		case device.SchemaDevice:
			var r device.Record
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&r); err != nil {
				t.Fatalf("device record %s: %v", line, err)
			}
			recs[r.IP] = r
		case device.SchemaRun:
			run = &device.RunRecord{}
			if err := json.Unmarshal(line, run); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("unknown schema in %s", line)
		}
	}
	if run == nil {
		t.Fatal("no run record")
	}
	return recs, run
}

// labScanResult is the one scan of both lab segments that several tests
// read different parts of: a scan takes tens of seconds, so it runs once.
var labScanResult struct {
	once   sync.Once
	out    []byte
	stderr string
	code   int
	err    error
	took   time.Duration
}

// labScan scans 198.18.10.0/24 and 198.18.20.0/24 from the jump host with
// the lab's zones, once per test binary, and returns the decoded lines and
// the exit code.
func labScan(t *testing.T) (map[string]device.Record, *device.RunRecord, int) {
	t.Helper()
	needLab(t)
	r := &labScanResult
	r.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := scanCmd(ctx, "198.18.10.0/24", "198.18.20.0/24",
			"--zones", filepath.Join(opts.StateDir, "zones.yaml"), "--format", "json")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		r.out, r.err = cmd.Output()
		r.took = time.Since(start)
		r.stderr = stderr.String()
		var ee *exec.ExitError
		switch {
		case r.err == nil:
		case errors.As(r.err, &ee):
			r.code, r.err = ee.ExitCode(), nil
		}
	})
	if r.err != nil {
		t.Fatalf("scan: %v\nstderr:\n%s", r.err, r.stderr)
	}
	t.Logf("scan of two /24s took %v", r.took.Round(time.Millisecond))
	recs, run := decodeLines(t, r.out)
	return recs, run, r.code
}

func TestScan_lab_flagsCoveredCamerasOnPrimaryOnly(t *testing.T) {
	recs, run, code := labScan(t)
	if code != 3 {
		t.Fatalf("scan exit %d, want 3: findings at or above high\nstderr:\n%s", code, labScanResult.stderr)
	}

	type want struct {
		flagged bool
		camera  bool
		vendor  string
		finding string
		mac     bool // on the jump host's segment, so the MAC is known
	}
	wants := map[string]want{}
	for _, d := range spec.Devices {
		w := want{mac: d.Segment == spec.Jump.Segment}
		onPrimary := d.Segment == spec.Jump.Segment
		switch d.Profile {
		case "hikvision-camera", "hikvision-rtsp", "hikvision-nvr", "dahua-camera":
			w.camera = true // an NVR counts: it records camera video
			w.vendor = map[string]string{"hikvision-camera": "Hikvision", "hikvision-rtsp": "Hikvision", "hikvision-nvr": "Hikvision", "dahua-camera": "Dahua"}[d.Profile]
			w.flagged = onPrimary
			w.finding = device.FindingCoveredIsolated
			if onPrimary {
				w.finding = device.FindingCoveredOnPrimary
			}
		case "axis-camera":
			w.camera, w.vendor, w.finding = true, "Axis", device.FindingCameraOnPrimary
		case "arp-only":
			// Only ARP answers: the Hikvision OUI (weight 0.3) makes a
			// "possible" covered device, medium, never flagged or a camera.
			w.vendor, w.finding = "Hikvision", device.FindingCoveredOnPrimary
		case "uniview-camera":
			// Covered by the default policy, uk-nil, as a policy judgement.
			w.camera, w.vendor, w.flagged, w.finding = true, "Uniview", true, device.FindingCoveredOnPrimary
		case "xiongmai-dvr":
			// Covered by uk-nil as a policy judgement, like Uniview (xmeye_test.go).
			w.camera, w.vendor, w.flagged, w.finding = true, "Xiongmai", onPrimary, device.FindingCoveredIsolated
			if onPrimary {
				w.finding = device.FindingCoveredOnPrimary
			}
		}
		if d.Also != nil {
			// Dual-homed: scanned on CCTV, a leg on primary (policy_test.go).
			w.flagged, w.finding = true, device.FindingCoveredMultihomed
		}
		wants[d.Address] = w
		_ = d
	}
	for _, d := range spec.Devices {
		w := wants[d.Address]
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		vendor := ""
		if r.Vendor != nil {
			vendor = *r.Vendor
		}
		if r.Flagged != w.flagged || r.Camera != w.camera || vendor != w.vendor {
			t.Errorf("%s: flagged %v camera %v vendor %q; want %v %v %q\n%+v", d.Name, r.Flagged, r.Camera, vendor, w.flagged, w.camera, w.vendor, r)
		}
		if w.finding != "" && !r.HasFinding(w.finding) {
			t.Errorf("%s: findings %+v lack %s", d.Name, r.Findings, w.finding)
		}
		if w.finding == "" && len(r.Findings) > 0 {
			t.Errorf("%s: unexpected findings %+v", d.Name, r.Findings)
		}
		if w.mac && r.MAC != strings.ToLower(d.MAC) {
			t.Errorf("%s: MAC %q, want %q from the neighbour table", d.Name, r.MAC, d.MAC)
		}
		if !w.mac && r.MAC != "" {
			t.Errorf("%s: MAC %q behind a router, want none", d.Name, r.MAC)
		}
		if r.Schema != device.SchemaDevice || r.RunID != run.RunID || r.Time.IsZero() || len(r.Evidence) == 0 {
			t.Errorf("%s: record incomplete: %+v", d.Name, r)
		}
		wantZone := map[bool]string{true: device.ZonePrimary, false: device.ZoneIsolated}[d.Segment == spec.Jump.Segment]
		if r.Zone.Kind != wantZone {
			t.Errorf("%s: zone %+v, want kind %s", d.Name, r.Zone, wantZone)
		}
	}
	flagged := 0
	for _, r := range recs {
		if r.Flagged {
			flagged++
		}
	}
	if run.Interrupted || run.ExitStatus != 3 || run.Flagged != flagged || flagged < 4 || run.Addresses != 508 || run.Probed != 508 {
		t.Errorf("run record %+v", run)
	}
}

func TestScan_lab_interruptSlash16(t *testing.T) {
	needLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	outPath := filepath.Join(workdir, "interrupt.jsonl")
	cmd := scanCmd(ctx, "198.18.0.0/16", "--format", "json", "-o", outPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// ip netns exec execs camsweep in place, so this PID is camsweep's.
	time.Sleep(3 * time.Second)
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	took := time.Since(sent)
	t.Logf("exit %v %v after SIGINT", err, took.Round(time.Millisecond))
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130\nstderr:\n%s", err, stderr.String())
	}
	if took > time.Second {
		t.Errorf("took %v to stop after SIGINT, want under 1s", took)
	}
	out, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	_, run := decodeLines(t, out)
	// Three seconds into a /16 the discovery sweeps are still sending, so
	// the per-host phase may not have started: Probed can be 0.
	if !run.Interrupted || run.ExitStatus != 130 || run.Probed >= run.Addresses || run.Addresses != 65534 {
		t.Errorf("run record %+v", run)
	}
}

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsweep/camsweep/lab"
	"github.com/camsweep/camsweep/store"
	"github.com/camsweep/camsweep/store/pgtest"
)

// pgSweepLab is issue 19's lab: four device segments, each swept by its own
// scanner process (site s1..s4 of the sweep "nightly"), all recording into
// one PostgreSQL history the test starts. The scanners run in the jump
// namespace and reach the database through its Unix socket; every device
// is routed, so a device's key is its serial, else its zone and address.
//
// Sweep 1: axis (s1), dahua (s2), pc (s3), hik (s4).
// Sweep 2: dahua moved to s3, pc removed; scanner 4 killed mid-run.
// Sweep 3: as sweep 2, all four complete; scanner 1 first, alone.
const pgSweepLab = `
prefix: cswq- # replaced by pgSweepPrefix
segments:
  - {name: mgmt, cidr: 198.18.180.0/28, gateway: 198.18.180.1, zone: {name: pg-mgmt, kind: primary}}
  - {name: s1, cidr: 198.18.180.16/28, gateway: 198.18.180.17, zone: {name: pg-s1, kind: primary}}
  - {name: s2, cidr: 198.18.180.32/28, gateway: 198.18.180.33, zone: {name: pg-s2, kind: primary}}
  - {name: s3, cidr: 198.18.180.48/28, gateway: 198.18.180.49, zone: {name: pg-s3, kind: primary}}
  - {name: s4, cidr: 198.18.180.64/28, gateway: 198.18.180.65, zone: {name: pg-s4, kind: primary}}
jump: {segment: mgmt, address: 198.18.180.2}
devices:
  - {name: axis, segment: s1, profile: axis-camera, address: 198.18.180.20, mac: ac:cc:8e:4a:9c:14, model: M3106-L Mk II, firmware: 10.12.182}
  - {name: dahua, segment: s2, profile: dahua-camera, address: 198.18.180.36, mac: 08:ed:ed:5a:9c:16, model: IPC-HDW5831R-ZE, serial: 4X7C5A1ZAG21L9Q, firmware: 2.800.0000000.1.R}
  - {name: pc, segment: s3, profile: office-pc, address: 198.18.180.52, mac: 00:1b:21:3a:9c:15}
  - {name: hik, segment: s4, profile: hikvision-camera, address: 198.18.180.68, mac: 44:a6:42:46:9c:17, model: DS-2CD2366G2-ISU/SL, serial: DS-2CD2366G2-ISU/SL20210726AAWRG41399999, firmware: V5.7.13, realm: C2875, server: webserver}
`

func pgSweepPrefix() string { return ownPrefix("q") }

var pgSites = map[string]string{"s1": "198.18.180.16/28", "s2": "198.18.180.32/28", "s3": "198.18.180.48/28", "s4": "198.18.180.64/28"}

// TestScan_lab_postgresSweep: four scanner processes record one sweep in a
// shared PostgreSQL at once; a device that moved between two segments is
// changed (not missing and new); a scanner killed mid-run makes none of
// its segment's devices missing; missing is reported once the sweep's
// completed runs are known.
func TestScan_lab_postgresSweep(t *testing.T) {
	needLab(t)
	srv := pgtest.Need(t)
	t.Cleanup(pgtest.Shutdown)
	dsn := srv.NewDB(t)
	sock := srv.SocketDSN(pgtest.Name(dsn))
	s1, err := lab.ParseSpec("pgsweep.yaml", []byte(pgSweepLab))
	if err != nil {
		t.Fatal(err)
	}
	s1.Prefix = pgSweepPrefix()
	s2 := pgMovedLab(t, s1)
	o := ownLab(t, s1.Prefix)
	zones := filepath.Join(o.StateDir, "zones.yaml")

	argv := func(site string, extra ...string) []string {
		return append([]string{binary, "scan", "--state", sock, "--sweep", "nightly", "--site", site, "--sweep-size", "4",
			"--missing-after", "1", "--zones", zones, "--emit", "changes", "--format", "json"}, append(extra, pgSites[site])...)
	}
	scan := func(s *lab.Spec, site string) ([]string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := lab.Exec(ctx, s.JumpNS(), argv(site)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var ee *exec.ExitError
		if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 3) {
			return nil, fmt.Errorf("scan %s: %v\nstderr:\n%s", site, err, stderr.String())
		}
		return summarize(t, decodeChanges(t, out), s1, s2), nil
	}
	together := func(s *lab.Spec, sites ...string) map[string][]string {
		t.Helper()
		var mu sync.Mutex
		var wg sync.WaitGroup
		got := map[string][]string{}
		for _, site := range sites {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cs, err := scan(s, site)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Error(err)
				}
				got[site] = cs
			}()
		}
		wg.Wait()
		return got
	}
	check := func(sweep int, got map[string][]string, want map[string][]string) {
		t.Helper()
		for site, w := range want {
			if !sameSet(got[site], w) {
				t.Errorf("sweep %d, %s: changes %q, want %q", sweep, site, got[site], w)
			}
		}
	}

	upLab(t, s1, o, 2*time.Minute)
	check(1, together(s1, "s1", "s2", "s3", "s4"), map[string][]string{
		"s1": {"new axis", "new router"},
		"s2": {"new dahua", "flag-raised dahua", "new router"},
		"s3": {"new pc", "new router"},
		"s4": {"new hik", "flag-raised hik", "new router"},
	})

	// Sweep 2: scanner 4 is killed once its run is in the history (its
	// first record), the others run to the end at the same time.
	upLab(t, s2, o, 2*time.Minute)
	killed := make(chan error, 1)
	go func() { killed <- killMidRun(t, s2, dsn, argv("s4")) }()
	check(2, together(s2, "s1", "s2", "s3"), map[string][]string{
		"s1": nil, "s2": nil, "s3": {"changed dahua"},
	})
	if err := <-killed; err != nil {
		t.Fatal(err)
	}

	// Sweep 3: scanner 1 finishes first and closes sweep 2, whose completed
	// runs did not see pc (missing); hik's segment never completed in
	// sweep 2, so hik is not missing.
	check(3, together(s2, "s1"), map[string][]string{"s1": {"missing pc"}})
	check(3, together(s2, "s2", "s3", "s4"), map[string][]string{"s2": nil, "s3": nil, "s4": nil})

	// diff --sweep: sweep 1 against sweep 2 on their unions.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "diff", "--state", sock, "--sweep", "nightly", "last~2", "last~1", "--format", "json").Output()
	if err != nil {
		t.Fatalf("diff --sweep: %v", err)
	}
	if got, want := summarize(t, decodeChanges(t, out), s1, s2), []string{"changed dahua", "missing pc"}; !sameSet(got, want) {
		t.Errorf("diff --sweep nightly last~2 last~1: %q, want %q", got, want)
	}
	out, err = exec.CommandContext(ctx, binary, "history", "--state", sock, "--sweep", "nightly", "--site", "s4", "--format", "json").Output()
	if n := strings.Count(string(out), `"site":"s4"`); err != nil || n != 3 || strings.Count(string(out), `"exit_status"`) != 2 {
		t.Errorf("history --site s4: %v\n%s (want 3 runs, the killed one unfinished)", err, out)
	}
}

// killMidRun starts a scanner and SIGKILLs it once its run is in the
// history (BeginRun comes with its first record), before it finishes.
func killMidRun(t *testing.T, s *lab.Spec, dsn string, argv []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	st, err := store.OpenPostgresReadOnly(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	before, err := st.RunsWhere(ctx, 0, store.Filter{Site: "s4"})
	if err != nil {
		return err
	}
	cmd := lab.Exec(ctx, s.JumpNS(), argv...)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		runs, err := st.RunsWhere(ctx, 0, store.Filter{Site: "s4"})
		if err != nil {
			return err
		}
		if len(runs) > len(before) {
			cmd.Process.Signal(os.Kill)
			break
		}
		select {
		case err := <-done:
			return fmt.Errorf("scanner 4 ended (%v) before its run reached the history", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	<-done
	runs, err := st.RunsWhere(ctx, 1, store.Filter{Site: "s4"})
	if err != nil {
		return err
	}
	if len(runs) != 1 || runs[0].Record != nil {
		return fmt.Errorf("scanner 4 finished before the kill reached it: %+v", runs)
	}
	t.Logf("scanner 4 killed with %d device(s) recorded", runs[0].Devices)
	return nil
}

// pgMovedLab is the lab of sweeps 2 and 3: dahua on s3, pc gone.
func pgMovedLab(t *testing.T, s1 *lab.Spec) *lab.Spec {
	t.Helper()
	var devs []lab.Device
	for _, d := range s1.Devices {
		switch d.Name {
		case "pc":
			continue
		case "dahua":
			d.Segment, d.Address = "s3", "198.18.180.54"
		}
		devs = append(devs, d)
	}
	s2 := *s1
	s2.Devices = devs
	b, err := s2.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := lab.ParseSpec("pgsweep-2.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

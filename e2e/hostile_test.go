package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
	"github.com/camsweep/camsweep/lab/emulator"
)

// hostileLab is issue 14's lab of hostile devices beside one normal
// camera, on a segment of its own (198.18.160.0/24, used nowhere else) with
// the jump host on it, so that the forger's ARP and the flooders' multicast
// answers reach the scanner. The forger claims 198.18.160.192/26, which no
// device owns. The camera is the default lab's hik-cam.
const hostileLab = `
prefix: cswhh- # replaced by hostilePrefix
segments:
  - {name: hostile, cidr: 198.18.160.0/24, gateway: 198.18.160.1, zone: {name: hostile-lab, kind: primary}}
jump: {segment: hostile, address: 198.18.160.2}
devices:
  - name: cam
    segment: hostile
    profile: hikvision-camera
    address: 198.18.160.21
    mac: 44:a6:42:46:67:24
    model: DS-2CD2366G2-ISU/SL
    serial: DS-2CD2366G2-ISU/SL20210726AAWRG41390691
    firmware: V5.7.13
    realm: C2875
    server: webserver
    password: lab-admin-1
  - {name: flood, segment: hostile, profile: hostile-flood, address: 198.18.160.30, mac: "02:48:00:00:00:30"}
  - {name: forger, segment: hostile, profile: hostile-arp, address: 198.18.160.31, mac: "02:48:00:00:00:31", claims: 198.18.160.192/26, claim_macs: 12}
  - {name: tarpit, segment: hostile, profile: hostile-tarpit, address: 198.18.160.32, mac: "02:48:00:00:00:32"}
  - {name: drip, segment: hostile, profile: hostile-drip, address: 198.18.160.33, mac: "02:48:00:00:00:33"}
  - {name: endless, segment: hostile, profile: hostile-endless, address: 198.18.160.34, mac: "02:48:00:00:00:34"}
  - {name: xmlbomb, segment: hostile, profile: hostile-xmlbomb, address: 198.18.160.35, mac: "02:48:00:00:00:35"}
  - {name: garbage, segment: hostile, profile: hostile-garbage, address: 198.18.160.36, mac: "02:48:00:00:00:36"}
  - {name: widener, segment: hostile, profile: hostile-widener, address: 198.18.160.37, mac: "02:48:00:00:00:37", peers: [198.18.160.21]}
  - {name: hijack, segment: hostile, profile: hostile-ssdp, address: 198.18.160.38, mac: "02:48:00:00:00:38", peers: [198.18.160.21]}
  - {name: escape, segment: hostile, profile: hostile-escape, address: 198.18.160.39, mac: "02:48:00:00:00:39"}
`

// hostileTarget is what every scan of the test covers; hostileTimeout is
// the --host-timeout: shorter than what a tarpit, a drip or an endless
// body costs, so those hosts are cut.
const (
	hostileTarget  = "198.18.160.0/24"
	hostileTimeout = 4 * time.Second
	// hostileRSSSlack is the constant of "hostile peak RSS <= 2 x baseline
	// + slack": what a few thousand datagrams in flight may add before the
	// budgets drop them.
	hostileRSSSlack = 16 << 10 // KiB
)

// hostilePrefix derives the lab's prefix from the e2e prefix like
// changesPrefix (cswe- gives csweh-), so CAMSWEEP_E2E_PREFIX keeps two
// concurrent runs apart.
func hostilePrefix() string { return ownPrefix("h") }

// hostileScan is one run of the scanner in the jump namespace.
type hostileScan struct {
	out, stderr []byte
	code        int
	took        time.Duration
	maxRSS      int64 // KiB, of the scanner process (ip netns exec execs it)
}

func runHostileScan(t *testing.T, s *lab.Spec, o lab.Options, format string) hostileScan {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	scanner := binary
	if b := os.Getenv("CAMSWEEP_HOSTILE_SCANNER"); b != "" {
		// Another build of the scanner: one from before issue 14's fixes
		// shows what this test catches.
		scanner = b
	}
	argv := []string{scanner, "scan", "--no-state", hostileTarget, "--zones", filepath.Join(o.StateDir, "zones.yaml"),
		"--host-timeout", hostileTimeout.String(), "--format", format}
	cmd := lab.Exec(ctx, s.JumpNS(), argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := hostileScan{out: stdout.Bytes(), stderr: stderr.Bytes(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && (ee.ExitCode() == 3 || ee.ExitCode() == 1):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("scan %s: %v\nstderr:\n%s", format, err, stderr.String())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss
	}
	t.Logf("scan --format %s: exit %d in %v, max RSS %d KiB", format, r.code, r.took.Round(time.Millisecond), r.maxRSS)
	return r
}

// TestScan_lab_hostile is issue 14's done-when for hostile devices: in a
// scan of the hostile lab, no record over 1 MiB, no record for an address
// nobody owns (the forger's claims), every host cut by the host timeout
// marked partial, the flooder's record truncated, the normal camera still
// identified, no terminal control in the table, and a peak RSS at most
// twice that of the same scan without the hostile devices (plus a small
// constant).
func TestScan_lab_hostile(t *testing.T) {
	needLab(t)
	hs, err := lab.ParseSpec("hostile.yaml", []byte(hostileLab))
	if err != nil {
		t.Fatal(err)
	}
	hs.Prefix = hostilePrefix()
	// The baseline: the same segment with the camera alone.
	base := *hs
	base.Devices = slices.DeleteFunc(slices.Clone(hs.Devices), func(d lab.Device) bool { return emulator.IsHostile(d.Profile) })
	o := ownLab(t, hs.Prefix)
	up := func(s *lab.Spec) { t.Helper(); upLab(t, s, o, 2*time.Minute) }

	up(&base)
	baseline := runHostileScan(t, &base, o, "json")
	baseRecs, _, _ := decodeHostile(t, baseline.out)
	if r, ok := baseRecs["198.18.160.21"]; !ok || r.Vendor == nil || *r.Vendor != "Hikvision" {
		t.Fatalf("baseline: the camera is not identified: %+v", r)
	}

	up(hs) // Up tears the baseline lab down first
	hostile := runHostileScan(t, hs, o, "json")
	recs, lines, run := decodeHostile(t, hostile.out)
	devices := map[string]lab.Device{}
	owned := map[string]bool{hs.Jump.Address: true}
	for _, sg := range hs.Segments {
		owned[sg.Gateway] = true
	}
	for _, d := range hs.Devices {
		devices[d.Name] = d
		owned[d.Address] = true
	}

	// No record over 1 MiB.
	for ip, n := range lines {
		if n > 1<<20 {
			t.Errorf("%s: record of %d bytes", ip, n)
		}
	}
	// No record for an address nobody owns, though the forger did claim
	// them: its log names each address it first answered for.
	claims := netip.MustParsePrefix(devices["forger"].Claims)
	if flog, err := os.ReadFile(filepath.Join(o.StateDir, "forger.log")); err != nil {
		t.Errorf("forger log: %v", err)
	} else if n := bytes.Count(flog, []byte("arp forger: claimed ")); n < 48 {
		t.Errorf("the forger answered for %d addresses of %s, want at least 48: the test proves nothing\n%s", n, claims, flog)
	} else {
		t.Logf("the forger answered ARP for %d addresses of %s", n, claims)
		// The run record says why those addresses have no record.
		if run == nil || run.Discovery == nil || run.Discovery.ARPDemoted < n {
			t.Errorf("run record's discovery %+v: want arp_demoted >= %d", run, n)
		}
	}
	for ip := range recs {
		if !owned[ip] {
			t.Errorf("record for %s, which nobody owns (forger claims %s): %s", ip, claims, brief(recs[ip]))
			for _, ev := range recs[ip].Evidence {
				t.Logf("  its evidence: %s port %d fields %v", ev.Source, ev.Port, ev.Fields)
			}
		}
	}
	// Hosts cut by the host timeout are partial: the three that cannot
	// finish in it, and any whose errors name a deadline (issue 14 item 3:
	// a limiter's refusal filed as a device error).
	for _, name := range []string{"tarpit", "drip", "endless"} {
		r, ok := recs[devices[name].Address]
		if !ok {
			t.Errorf("%s: no record", name)
			continue
		}
		if !r.Partial {
			t.Errorf("%s: cut by a %v host timeout but not partial: %s", name, hostileTimeout, brief(r))
		}
	}
	for ip, r := range recs {
		for _, e := range r.Errors {
			if !r.Partial && (strings.Contains(e, "deadline") || strings.Contains(e, "Wait(n=")) {
				t.Errorf("%s: error %q but not partial", ip, e)
			}
		}
	}
	// What the sweepers dropped before the engine's budgets (logged, not
	// in a record).
	var drops []string
	for l := range strings.Lines(string(hostile.stderr)) {
		if len(drops) < 12 && (strings.Contains(l, "drop") || strings.Contains(l, "bound")) {
			drops = append(drops, strings.TrimSpace(l))
			t.Logf("stderr: %s", strings.TrimSpace(l))
		}
	}
	// The flooder's record says what its budget dropped.
	if r, ok := recs[devices["flood"].Address]; !ok || !r.Truncated.Any() {
		t.Errorf("flood: record without truncated: %s", brief(r))
	} else {
		t.Logf("flood: %d evidence items kept, truncated %+v", len(r.Evidence), *r.Truncated)
	}
	// The normal camera is still identified, and nobody took its identity.
	cam := devices["cam"]
	if r, ok := recs[cam.Address]; !ok {
		t.Errorf("camera: no record")
	} else {
		if r.Vendor == nil || *r.Vendor != "Hikvision" || !strings.Contains(r.Model, "DS-2CD2366G2") {
			t.Errorf("camera not identified: %s", brief(r))
		}
		if r.Truncated.Any() {
			t.Errorf("camera: truncated %+v beside hostile devices", *r.Truncated)
		}
	}
	// The hijacker's LOCATION on the camera is a conflict on its own
	// record, not the camera's identity.
	if r, ok := recs[devices["hijack"].Address]; ok {
		if !slices.ContainsFunc(r.AddressConflicts, func(c device.AddressConflict) bool {
			return c.Kind == device.ConflictLocation && slices.Contains(c.Addrs, cam.Address)
		}) {
			t.Errorf("hijack: no %s conflict naming %s: %+v", device.ConflictLocation, cam.Address, r.AddressConflicts)
		}
	}
	for ip, r := range recs {
		t.Logf("%-15s %s %q", ip, brief(r), r.Errors)
	}

	// Peak memory: at most twice the baseline's, plus a small constant.
	t.Logf("peak RSS: baseline %d KiB in %v, hostile %d KiB in %v", baseline.maxRSS, baseline.took.Round(time.Millisecond),
		hostile.maxRSS, hostile.took.Round(time.Millisecond))
	if baseline.maxRSS <= 0 || hostile.maxRSS > 2*baseline.maxRSS+hostileRSSSlack {
		t.Errorf("peak RSS %d KiB with the hostile devices, baseline %d KiB: want at most 2x + %d KiB", hostile.maxRSS, baseline.maxRSS, hostileRSSSlack)
	}

	// The escape device's controls reached the scanner (its evidence; the
	// JSON escapes them), so the human-facing outputs below have something
	// to sanitise; whether they reach a cell (the model) is the rules'
	// business, logged.
	if r := recs[devices["escape"].Address]; !slices.ContainsFunc(r.Evidence, func(ev device.RecordEvidence) bool {
		for _, v := range ev.Fields {
			if len(terminalControls([]byte(v))) > 0 {
				return true
			}
		}
		return false
	}) {
		ev, _ := json.Marshal(r.Evidence)
		t.Errorf("escape: no control character in its evidence, the table test proves nothing: %s\n%s", brief(r), ev)
	} else {
		t.Logf("escape: model %q brand %q stated maker %q", r.Model, r.Brand, r.StatedMaker)
	}

	// The table and the Markdown report: no device's control character
	// reaches the terminal (nor the logs on stderr).
	table := runHostileScan(t, hs, o, "table")
	report := runHostileScan(t, hs, o, "report")
	if !bytes.Contains(table.out, []byte(devices["escape"].Address)) {
		t.Errorf("the escape device has no row in the table:\n%s", table.out)
	}
	for l := range strings.Lines(string(table.out)) {
		if strings.HasPrefix(l, devices["escape"].Address+" ") || strings.HasPrefix(l, cam.Address+" ") {
			t.Logf("table row: %q", l)
		}
	}
	for name, b := range map[string][]byte{"table": table.out, "table stderr": table.stderr, "report": report.out, "report stderr": report.stderr} {
		if bad := terminalControls(b); len(bad) > 0 {
			t.Errorf("%s holds terminal controls %q:\n%q", name, bad, b)
		}
	}
	if path := os.Getenv("CAMSWEEP_HOSTILE_REPORT"); path != "" {
		var flood device.Truncated
		if r := recs[devices["flood"].Address]; r.Truncated != nil {
			flood = *r.Truncated
		}
		writeHostileReport(t, path, baseline, hostile, len(baseRecs), len(recs), flood, drops)
	}
}

// decodeHostile decodes the JSON lines of a scan and returns the records
// by IP and each record's line length.
func decodeHostile(t *testing.T, out []byte) (map[string]device.Record, map[string]int, *device.RunRecord) {
	t.Helper()
	// decodeLines bounds a line to 1 MiB: count the lengths first, so that
	// an oversized record is reported as such rather than as a decode error.
	lines := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 256<<20)
	var small bytes.Buffer
	for sc.Scan() {
		line := sc.Bytes()
		ip := ""
		if i := bytes.Index(line, []byte(`"ip":"`)); i >= 0 {
			rest := line[i+6:]
			if j := bytes.IndexByte(rest, '"'); j >= 0 {
				ip = string(rest[:j])
			}
		}
		if ip != "" {
			lines[ip] = len(line)
		}
		if len(line) <= 1<<20 {
			small.Write(line)
			small.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading the scan's output: %v", err)
	}
	recs, run := decodeLines(t, small.Bytes())
	return recs, lines, run
}

// terminalControls returns the characters of b a terminal would act on:
// C0 controls but TAB and LF, DEL, C1 controls, bidi overrides and
// isolates, and invalid UTF-8.
func terminalControls(b []byte) []rune {
	var bad []rune
	for _, r := range string(b) {
		switch {
		case r == '\t' || r == '\n':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			bad = append(bad, r)
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			bad = append(bad, r)
		}
	}
	if !utf8.Valid(b) {
		bad = append(bad, utf8.RuneError)
	}
	return bad
}

// brief is a record in one line for the log.
func brief(r device.Record) string {
	vendor := "-"
	if r.Vendor != nil {
		vendor = *r.Vendor
	}
	var kinds []string
	for _, c := range r.AddressConflicts {
		kinds = append(kinds, c.Kind)
	}
	tr := "-"
	if r.Truncated.Any() {
		tr = fmt.Sprintf("%d items/%d MACs", r.Truncated.EvidenceItems, r.Truncated.MACs)
	}
	return fmt.Sprintf("vendor %s model %q ports %v evidence %d partial %v truncated %s conflicts %v errors %d",
		vendor, r.Model, r.Ports, len(r.Evidence), r.Partial, tr, kinds, len(r.Errors))
}

// writeHostileReport writes the benchmark line of the hostile lab: time and
// peak RSS with and without the hostile devices.
func writeHostileReport(t *testing.T, path string, base, hostile hostileScan, baseHosts, hostileHosts int, flood device.Truncated, drops []string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "# Hostile devices: what they cost a scan\n\n")
	fmt.Fprintf(&b, "Written by `TestScan_lab_hostile` (e2e/hostile_test.go) with `CAMSWEEP_HOSTILE_REPORT` set, %s.\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "One scan of %s from the jump host, `--host-timeout %v`, JSON output; peak RSS is the scanner's\n", hostileTarget, hostileTimeout)
	fmt.Fprintf(&b, "max resident set (getrusage of the child). The baseline lab is the same segment with the normal\n")
	fmt.Fprintf(&b, "camera alone; the hostile lab adds a reply flood, an ARP forger (a /26 of claims, 12 MACs),\n")
	fmt.Fprintf(&b, "a tarpit, a slow drip, an endless body, XML bombs, binary garbage, a scope widener, an SSDP\n")
	fmt.Fprintf(&b, "hijacker and terminal-escape names (lab/emulator/hostile.go).\n\n")
	fmt.Fprintf(&b, "| lab | records | time | peak RSS |\n|---|---|---|---|\n")
	fmt.Fprintf(&b, "| camera alone | %d | %.1f s | %.1f MiB |\n", baseHosts, base.took.Seconds(), float64(base.maxRSS)/1024)
	fmt.Fprintf(&b, "| camera + 10 hostile devices | %d | %.1f s | %.1f MiB |\n", hostileHosts, hostile.took.Seconds(), float64(hostile.maxRSS)/1024)
	fmt.Fprintf(&b, "\nAdded by the hostile devices: %+.1f s, %+.1f MiB (x%.2f; the bound is x2 + %d MiB).\n",
		(hostile.took - base.took).Seconds(), float64(hostile.maxRSS-base.maxRSS)/1024, float64(hostile.maxRSS)/float64(max(base.maxRSS, 1)), hostileRSSSlack>>10)
	fmt.Fprintf(&b, "\nThe flooder's record: `truncated` %d evidence items, %d bytes (by source %v).\n", flood.EvidenceItems, flood.EvidenceBytes, flood.BySource)
	if len(drops) > 0 {
		fmt.Fprintf(&b, "Dropped by the sweepers before the per-host budget (logged on stderr, not counted in the record):\n\n")
		for _, d := range drops {
			fmt.Fprintf(&b, "    %s\n", d)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Errorf("hostile report: %v", err)
	}
	t.Logf("wrote %s:\n%s", path, b.String())
}

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
	"github.com/camsweep/camsweep/store"
)

// changesLab is a lab of its own for the sweep-history test, so that changing
// it between sweeps never disturbs the shared one. The jump host sits alone
// on a management segment: every device is routed, so none has a MAC, and a
// device's identity (store.Key) is its serial when it tells one, else its
// zone and address — the same on every segment, which is what lets a camera
// move between segments without turning into new + missing.
//
// Sweep 1: axis (office), pc (office), dahua (office: covered, on primary).
// Sweep 2: pc removed; hik added on office; dahua moved to the CCTV segment.
// Sweep 3: as sweep 2.
const changesLab = `
prefix: cswch- # replaced by changesPrefix
segments:
  - {name: mgmt, cidr: 198.18.140.0/28, gateway: 198.18.140.1, zone: {name: chg-mgmt, kind: primary}}
  - {name: office, cidr: 198.18.140.16/28, gateway: 198.18.140.17, zone: {name: chg-office, kind: primary}}
  - {name: cctv, cidr: 198.18.140.32/28, gateway: 198.18.140.33, zone: {name: chg-cctv, kind: isolated}}
jump: {segment: mgmt, address: 198.18.140.2}
devices:
  - name: axis
    segment: office
    profile: axis-camera
    address: 198.18.140.20
    mac: ac:cc:8e:4a:8c:14
    model: M3106-L Mk II
    firmware: 10.12.182
  - name: pc
    segment: office
    profile: office-pc
    address: 198.18.140.21
    mac: 00:1b:21:3a:8c:15
  - name: dahua
    segment: office
    profile: dahua-camera
    address: 198.18.140.22
    mac: 08:ed:ed:5a:8c:16
    model: IPC-HDW5831R-ZE
    serial: 4X7C5A1ZAG21L3F
    firmware: 2.800.0000000.1.R
`

// changesPrefix derives the lab's prefix from the e2e prefix (cswe- gives
// cswec-), so CAMSWEEP_E2E_PREFIX keeps two concurrent runs apart: lab.Down
// of one would otherwise kill the other's scanner in the jump namespace.
func changesPrefix() string { return ownPrefix("c") }

// changesLabTargets are the two device segments; the management segment
// holds only the jump host and the router.
var changesLabTargets = []string{"198.18.140.16/28", "198.18.140.32/28"}

// TestScan_lab_historyChanges is issue 8's "two consecutive lab sweeps with one
// device added, one removed and one moved to another zone in between produce
// exactly those changes, and --emit changes emits nothing on a third,
// unchanged sweep", run with the real binary against a real history file.
func TestScan_lab_historyChanges(t *testing.T) {
	needLab(t)
	s1, err := lab.ParseSpec("changes.yaml", []byte(changesLab))
	if err != nil {
		t.Fatal(err)
	}
	s1.Prefix = changesPrefix()
	s2 := changedLab(t, s1)
	o := ownLab(t, s1.Prefix)
	history := filepath.Join(t.TempDir(), "history.db")
	up := func(s *lab.Spec) { t.Helper(); upLab(t, s, o, 2*time.Minute) }
	scan := func(s *lab.Spec, args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		argv := append([]string{binary, "scan", "--state", history, "--missing-after", "1",
			"--zones", filepath.Join(o.StateDir, "zones.yaml")}, args...)
		cmd := lab.Exec(ctx, s.JumpNS(), append(argv, changesLabTargets...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		out, err := cmd.Output()
		var ee *exec.ExitError
		if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 3) {
			t.Fatalf("scan: %v\nstderr:\n%s", err, stderr.String())
		}
		t.Logf("sweep %v took %v", args, time.Since(start).Round(time.Millisecond))
		return out
	}
	sweep := func(s *lab.Spec) []store.Change {
		t.Helper()
		cs := decodeChanges(t, scan(s, "--emit", "changes", "--format", "json"))
		t.Logf("%d changes:\n%s", len(cs), dump(cs))
		return cs
	}

	// Sweep 1: everything is new; the covered camera on primary is flagged.
	up(s1)
	got := sweep(s1)
	addr := map[string]string{} // key -> device name, from the first sweep
	for _, c := range got {
		addr[c.Key] = deviceAt(t, s1, c.Record.IP)
	}
	// The routers' office and CCTV addresses answer the liveness stage with
	// RSTs: live hosts, reported (issue 16), unchanged in later sweeps.
	want1 := []string{"new axis", "new dahua", "flag-raised dahua", "new pc", "new router", "new router"}
	if d := summarize(t, got, s1, s2); !sameSet(d, want1) {
		t.Fatalf("first sweep: changes %v, want %v\n%s", d, want1, dump(got))
	}
	dahuaKey := keyOf(t, got, "198.18.140.22")
	if !strings.HasPrefix(dahuaKey, "serial:") {
		t.Errorf("dahua key %q, want its serial: routed, it has no MAC", dahuaKey)
	}

	// A compliance report on the same lab: the flagged dahua was first
	// seen by the first sweep (issue 7 item 6), not by the report's run.
	// The pause makes the two runs differ in RFC 3339 seconds.
	time.Sleep(1100 * time.Millisecond)
	md := string(scan(s1, "--format", "report"))
	firstSeenByReport(t, history, md, got, "198.18.140.22")

	// Sweep 2: pc removed, hik added, dahua moved from office to CCTV.
	up(s2)
	got = sweep(s2)
	want2 := []string{"new hik", "flag-raised hik", "missing pc", "changed dahua", "flag-cleared dahua"}
	if d := summarize(t, got, s1, s2); !sameSet(d, want2) {
		t.Fatalf("second sweep: changes %v, want %v\n%s", d, want2, dump(got))
	}
	for _, c := range got {
		switch {
		case c.Kind == store.ChangeChanged:
			if c.Key != dahuaKey {
				t.Errorf("changed key %q, want %q (the same device)", c.Key, dahuaKey)
			}
			// It moved (ip, zone) and its finding followed the zone:
			// covered-on-primary became covered-isolated.
			if want := []string{"ip", "zone", "findings"}; !slices.Equal(c.Fields, want) {
				t.Errorf("changed fields %v, want %v", c.Fields, want)
			}
			if c.Previous == nil || c.Previous.IP != "198.18.140.22" || c.Previous.Zone.Name != "chg-office" ||
				c.Record.IP != "198.18.140.38" || c.Record.Zone.Name != "chg-cctv" || c.Record.Zone.Kind != device.ZoneIsolated {
				t.Errorf("changed: previous %+v, record %+v", c.Previous, c.Record)
			}
			if c.Record.Flagged || !c.Record.HasFinding(device.FindingCoveredIsolated) ||
				!c.Previous.Flagged || !c.Previous.HasFinding(device.FindingCoveredOnPrimary) {
				t.Errorf("changed: findings %+v -> %+v", c.Previous.Findings, c.Record.Findings)
			}
		case c.Kind == store.ChangeMissing:
			if c.Misses != 1 || c.Record.IP != "198.18.140.21" || addr[c.Key] != "pc" {
				t.Errorf("missing: %+v", c)
			}
		case c.Kind == store.ChangeNew:
			if _, seen := addr[c.Key]; seen || c.Record.IP != "198.18.140.23" || !c.Record.Flagged {
				t.Errorf("new: key %q, record %+v", c.Key, c.Record)
			}
		}
		if c.RunID == "" || c.Schema != store.SchemaChange {
			t.Errorf("change %+v lacks its run or schema", c)
		}
	}

	// camsweep diff says the same of the last two runs.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "diff", "--state", history, "--format", "json").Output()
	if err != nil {
		t.Fatalf("diff: %v", err)
	}
	if d := summarize(t, decodeChanges(t, out), s1, s2); !sameSet(d, want2) {
		t.Errorf("camsweep diff: %v, want %v", d, want2)
	}

	// Sweep 3: nothing changed, so --emit changes writes nothing at all.
	if got := sweep(s2); len(got) != 0 {
		t.Errorf("third, unchanged sweep emitted %d changes:\n%s", len(got), dump(got))
	}

	out, err = exec.CommandContext(ctx, binary, "history", "--state", history).Output()
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	if n := len(strings.Split(strings.TrimSpace(string(out)), "\n")) - 1; n != 4 {
		t.Errorf("history lists %d runs, want 4 (three sweeps and the report):\n%s", n, out)
	}
}

// firstSeenByReport checks that report md, written by the latest run of
// history, gives the device at ip (which the first run's changes cs hold)
// the first run's time as "first seen", as the history does, and names the
// history as its source.
func firstSeenByReport(t *testing.T, history, md string, cs []store.Change, ip string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := store.OpenReadOnly(ctx, history)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Record == nil || runs[1].Record == nil {
		t.Fatalf("history holds %d runs, want the first sweep and the report's, finished", len(runs))
	}
	first, last := runs[1].Record, runs[0].Record
	var rec *device.Record
	for _, c := range cs {
		if c.Record.IP == ip {
			rec = c.Record
		}
	}
	if rec == nil {
		t.Fatalf("the first sweep did not see %s", ip)
	}
	fs, ok, err := st.FirstSeen(ctx, rec)
	if err != nil || !ok || !fs.Equal(first.End) {
		t.Errorf("history: %s first seen %v, %v, %v; want the first sweep's end %v", ip, fs, ok, err, first.End)
	}

	want := "| First seen | " + first.End.UTC().Format(time.RFC3339) + " |"
	i := strings.Index(md, "### "+ip+":")
	if i < 0 {
		t.Fatalf("report lists no %s:\n%s", ip, md)
	}
	section, _, _ := strings.Cut(md[i+1:], "\n#") // up to the next heading
	if !strings.Contains(section, want) {
		t.Errorf("report: %s lacks %q (first sweep %s, report run %s to %s):\n%s", ip, want,
			first.End.UTC().Format(time.RFC3339), last.Start.UTC().Format(time.RFC3339), last.End.UTC().Format(time.RFC3339), md)
	}
	if !first.End.Truncate(time.Second).Before(last.Start.Truncate(time.Second)) {
		t.Errorf("the report's run started %v, in the second the first sweep ended (%v): the check proves nothing", last.Start, first.End)
	}
	if strings.Contains(section, "(this run") {
		t.Errorf("report: %s first seen in this run:\n%s", ip, section)
	}
	if hdr := "which holds the runs since " + runs[1].Started.UTC().Format(time.RFC3339) + ";"; !strings.Contains(md, "| First seen | by the sweep history ") || !strings.Contains(md, hdr) {
		t.Errorf("report header lacks the history since %s:\n%s", runs[1].Started.UTC().Format(time.RFC3339), md)
	}
	t.Logf("report: %s first seen %s (first sweep), report run %s", ip, first.End.UTC().Format(time.RFC3339), last.Start.UTC().Format(time.RFC3339))
}

// changedLab returns the lab of the second sweep: pc removed, a covered
// Hikvision camera added on primary, the Dahua camera moved to CCTV.
func changedLab(t *testing.T, s1 *lab.Spec) *lab.Spec {
	t.Helper()
	var devs []lab.Device
	for _, d := range s1.Devices {
		switch d.Name {
		case "pc":
			continue
		case "dahua":
			d.Segment, d.Address = "cctv", "198.18.140.38"
		}
		devs = append(devs, d)
	}
	devs = append(devs, lab.Device{
		Name: "hik", Segment: "office", Profile: "hikvision-camera", Address: "198.18.140.23",
		MAC: "44:a6:42:46:8c:17", Model: "DS-2CD2366G2-ISU/SL", Serial: "DS-2CD2366G2-ISU/SL20210726AAWRG41390777",
		Firmware: "V5.7.13", Realm: "C2875", Server: "webserver",
	})
	s2 := *s1
	s2.Devices = devs
	b, err := s2.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := lab.ParseSpec("changes-2.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func decodeChanges(t *testing.T, out []byte) []store.Change {
	t.Helper()
	var cs []store.Change
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var c store.Change
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("change line %s: %v", sc.Bytes(), err)
		}
		if c.Schema != store.SchemaChange || c.Record == nil {
			t.Fatalf("not a change: %s", sc.Bytes())
		}
		cs = append(cs, c)
	}
	return cs
}

// deviceAt names the device of spec s at ip.
func deviceAt(t *testing.T, s *lab.Spec, ip string) string {
	t.Helper()
	for _, d := range s.Devices {
		if d.Address == ip {
			return d.Name
		}
	}
	for _, g := range s.Segments {
		if g.Gateway == ip {
			return "router"
		}
	}
	return "?" + ip
}

// summarize turns changes into "kind device" strings, naming the device by
// its address in either lab.
func summarize(t *testing.T, cs []store.Change, specs ...*lab.Spec) []string {
	t.Helper()
	var out []string
	for _, c := range cs {
		name := "?" + c.Record.IP
		for _, s := range specs {
			if n := deviceAt(t, s, c.Record.IP); !strings.HasPrefix(n, "?") {
				name = n
				break
			}
		}
		out = append(out, string(c.Kind)+" "+name)
	}
	return out
}

func keyOf(t *testing.T, cs []store.Change, ip string) string {
	t.Helper()
	for _, c := range cs {
		if c.Record.IP == ip {
			return c.Key
		}
	}
	t.Fatalf("no change for %s", ip)
	return ""
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func dump(cs []store.Change) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "  %s %s fields=%v ip=%s zone=%s flagged=%v\n", c.Kind, c.Key, c.Fields, c.Record.IP, c.Record.Zone.Name, c.Record.Flagged)
	}
	return b.String()
}

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/lab"
)

// Secrets of the SNMP tests: none may appear in any output or log.
const (
	snmpCommunity = "c0mmunity-S3cret-lab"
	snmpAuthPass  = "auth-Pa55-S3cret"
	snmpPrivPass  = "priv-Pa55-S3cret"
)

// needSnmpd fails in CI (make deps installs it) and skips elsewhere.
func needSnmpd(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("snmpd"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("snmpd (Debian package snmpd) is required in CI: %v", err)
		}
		t.Skipf("snmpd not installed: %v", err)
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("the SNMP lab tests need root (network namespaces)")
		}
		t.Skip("the SNMP lab tests need root (network namespaces)")
	}
}

// snmpNetns is a namespace of the test's own with only lo up: the agents
// listen on 127.0.0.1 there and the scanner runs there.
func snmpNetns(t *testing.T) string {
	t.Helper()
	ns := ownPrefix("s") + "snmp"
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", ns, err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns, err, bytes.TrimSpace(out))
		}
	})
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("lo up: %v: %s", err, bytes.TrimSpace(out))
	}
	return ns
}

// startAgent starts snmpd in ns with the test's credentials and rows, and
// stops it when the test ends.
func startAgent(t *testing.T, ns, listen, name string, rows []lab.SNMPRow) *lab.SNMPD {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "snmpd-"+name)
	d, err := lab.StartSNMPD(ctx, ns, dir, lab.SNMPAgent{Listen: listen, SysName: name, Community: snmpCommunity,
		V3User: "camsweep", V3Auth: "SHA-256", V3AuthPass: snmpAuthPass, V3PrivPass: snmpPrivPass, Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Errorf("stopping snmpd: %v", err)
		}
	})
	return d
}

// switchesFile writes a switches file (0600) for the addresses with the
// credential cred (YAML lines of one credentials entry, indented).
func switchesFile(t *testing.T, cred string, addrs ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("switches:\n")
	for _, a := range addrs {
		fmt.Fprintf(&b, "  - address: %s\n", a)
	}
	b.WriteString("credentials:\n  - cidrs: [127.0.0.0/8]\n" + cred)
	p := filepath.Join(t.TempDir(), "switches.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	v2cCred = "    version: v2c\n    community: " + snmpCommunity + "\n"
	v3Cred  = "    version: v3\n    user: camsweep\n    auth: SHA-256\n    auth_password_env: CSW_SNMP_AUTH\n    priv: AES\n    priv_password_env: CSW_SNMP_PRIV\n"
)

type switchRow struct {
	Switch, Address, Port, MAC, IP string
	VLAN                           int
}

// runSwitches runs "camsweep switches" in ns and returns its rows, exit
// status and stderr; it fails the test if any output holds a secret.
func runSwitches(t *testing.T, ns string, env []string, args ...string) ([]switchRow, int, string, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := lab.Exec(ctx, ns, append([]string{binary, "switches", "--format", "json", "-v"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	noSecrets(t, stdout.String()+stderr.String())
	var rows []switchRow
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if l == "" {
			continue
		}
		var r switchRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		rows = append(rows, r)
	}
	return rows, code, stderr.String(), took
}

func noSecrets(t *testing.T, out string) {
	t.Helper()
	for _, s := range []string{snmpCommunity, snmpAuthPass, snmpPrivPass} {
		if strings.Contains(out, s) {
			t.Errorf("a secret is in the output:\n%s", out)
		}
	}
}

// smallSwitch is a switch with three cameras on access ports of two
// VLANs, a camera also learned through an uplink in another VLAN, and two
// uplinks whose LLDP neighbours are switches.
func smallSwitch(t *testing.T) []lab.SNMPRow {
	rows, err := lab.SwitchRows([]lab.SwitchPort{
		{Port: 1, Alias: "lobby", MAC: "44:a6:42:46:67:24", VLAN: 10, IP: "198.18.10.21"},
		{Port: 2, Alias: "car park", MAC: "ac:cc:8e:10:20:30", VLAN: 10},
		{Port: 3, Alias: "store", MAC: "bc:ad:28:5a:00:01", VLAN: 999},
	}, []lab.SwitchUplink{
		{Port: 49, Neighbour: "core-1", Chassis: "02:00:5e:00:00:49", VLAN: 1, MACs: []string{"44:a6:42:46:67:24", "02:00:5e:00:01:01"}},
		{Port: 50, Neighbour: "core-2", Chassis: "02:00:5e:00:00:50", VLAN: 1, MACs: []string{"02:00:5e:00:01:02"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestSNMP_switchesAgainstSnmpd: "camsweep switches" against the real
// net-snmp agent: v2c and v3 authPriv read the same table (every camera
// on its access port and VLAN, never an uplink); a wrong community and a
// wrong v3 auth password are one clear error each; an agent that hangs
// (SIGSTOP, socket still bound) times out while the other switch of the
// file is still read; no secret is ever printed.
func TestSNMP_switchesAgainstSnmpd(t *testing.T) {
	needSnmpd(t)
	ns := snmpNetns(t)
	startAgent(t, ns, "udp:127.0.0.1:161", "access-1", smallSwitch(t))
	env := []string{"CSW_SNMP_AUTH=" + snmpAuthPass, "CSW_SNMP_PRIV=" + snmpPrivPass}
	want := map[string]string{
		"44:a6:42:46:67:24": "Gi1/0/1 10 198.18.10.21",
		"ac:cc:8e:10:20:30": "Gi1/0/2 10 ",
		"bc:ad:28:5a:00:01": "Gi1/0/3 999 ",
	}
	for _, tc := range []struct{ name, cred string }{{"v2c", v2cCred}, {"v3-authPriv", v3Cred}} {
		rows, code, stderr, took := runSwitches(t, ns, env, "--switches", switchesFile(t, tc.cred, "127.0.0.1:161"))
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", tc.name, code, stderr)
		}
		got := map[string]string{}
		for _, r := range rows {
			got[r.MAC] = r.Port + " " + strconv.Itoa(r.VLAN) + " " + r.IP
			if strings.HasPrefix(r.Port, "Te") {
				t.Errorf("%s: %s placed on uplink %s", tc.name, r.MAC, r.Port)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: rows %v, want %v", tc.name, got, want)
		}
		t.Logf("%s: %d rows in %v; %s", tc.name, len(rows), took.Round(time.Millisecond), strings.TrimSpace(stderr))
	}

	for _, tc := range []struct{ name, cred, want string }{
		{"wrong community", strings.Replace(v2cCred, snmpCommunity, "not-the-community", 1), "no answer"},
		{"wrong v3 auth password", v3Cred, "authentication failed"},
	} {
		env := env
		if tc.name == "wrong v3 auth password" {
			env = []string{"CSW_SNMP_AUTH=wrong-Pa55-word", "CSW_SNMP_PRIV=" + snmpPrivPass}
		}
		rows, code, stderr, took := runSwitches(t, ns, env, "--switches", switchesFile(t, tc.cred, "127.0.0.1:161"), "--timeout", "2s")
		if code != 1 || len(rows) != 0 || strings.Count(stderr, tc.want) != 1 || !strings.Contains(stderr, "127.0.0.1:161") {
			t.Errorf("%s: exit %d, rows %v, stderr:\n%s", tc.name, code, rows, stderr)
		}
		t.Logf("%s: failed in %v", tc.name, took.Round(time.Millisecond))
	}

	hung := startAgent(t, ns, "udp:127.0.0.1:1162", "hung-1", smallSwitch(t))
	if err := hung.Pause(); err != nil {
		t.Fatal(err)
	}
	rows, code, stderr, took := runSwitches(t, ns, nil, "--switches", switchesFile(t, v2cCred, "127.0.0.1:161", "127.0.0.1:1162"), "--timeout", "2s")
	if err := hung.Resume(); err != nil {
		t.Error(err)
	}
	if code != 1 || len(rows) != 3 || strings.Count(stderr, "no answer") != 1 || !strings.Contains(stderr, "127.0.0.1:1162") {
		t.Errorf("hung agent: exit %d, %d rows, stderr:\n%s", code, len(rows), stderr)
	}
	// One request and one resend, 2 s each: well under a minute even on a
	// loaded machine.
	if took > time.Minute {
		t.Errorf("hung agent took %v", took)
	}
	t.Logf("hung agent beside a good one: %v", took.Round(time.Millisecond))
}

// labSwitch is the lab's access switch: every lab device on its own
// access port (port i+1, named after the device, VLAN 10 for the primary
// segment and 30 for the CCTV one), a covered camera on VLAN 999 that
// the jump host cannot reach (it is in no namespace at all: only the
// switch knows it), and two uplinks whose LLDP neighbours are switches,
// one of them also carrying a lab camera's MAC in VLAN 1.
func labSwitch(t *testing.T) (rows []lab.SNMPRow, ports map[string]string) {
	t.Helper()
	vlanOf := map[string]int{}
	for i, sg := range spec.Segments {
		vlanOf[sg.Name] = 10 + 20*i
	}
	ports = map[string]string{}
	var access []lab.SwitchPort
	var camMAC string
	for i, d := range spec.Devices {
		p := lab.SwitchPort{Port: i + 1, Alias: d.Name, MAC: d.MAC, VLAN: vlanOf[d.Segment], IP: d.Address}
		access = append(access, p)
		ports[d.Name] = "Gi1/0/" + strconv.Itoa(p.Port) + " " + strconv.Itoa(p.VLAN)
		if camMAC == "" && strings.Contains(d.Profile, "camera") {
			camMAC = d.MAC
		}
	}
	if len(access) > 40 {
		t.Fatalf("%d lab devices: more than the switch's 40 access ports", len(access))
	}
	access = append(access, lab.SwitchPort{Port: 41, Alias: "unreachable-cam", MAC: unreachableCam, VLAN: 999})
	rows, err := lab.SwitchRows(access, []lab.SwitchUplink{
		{Port: 49, Neighbour: "core-1", Chassis: "02:00:5e:00:00:49", VLAN: 1, MACs: []string{camMAC, "02:00:5e:00:01:01", "02:00:5e:00:01:03"}},
		{Port: 50, Neighbour: "core-2", Chassis: "02:00:5e:00:00:50", VLAN: 1, MACs: []string{"02:00:5e:00:01:02"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, ports
}

// unreachableCam is a MAC of Hikvision's OUI (bc:ad:28, IEEE MA-L) that no
// lab namespace holds.
const unreachableCam = "bc:ad:28:5a:00:41"

// TestSNMP_lab_scanMerges: a scan of the lab with --switches (v3 authPriv
// against the real snmpd, here in the jump host's namespace) gives every
// camera its access port and VLAN — by MAC on the jump host's segment, by
// the switch's ARP table behind the router — never an uplink, and reports
// the covered camera only the switch knows, with its port, as "possible".
func TestSNMP_lab_scanMerges(t *testing.T) {
	needLab(t)
	needSnmpd(t)
	rows, ports := labSwitch(t)
	startAgent(t, spec.JumpNS(), "udp:127.0.0.1:1161", "lab-access-1", rows)
	file := switchesFile(t, v3Cred, "127.0.0.1:1161")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := scanCmd(ctx, "198.18.10.0/24", "198.18.20.0/24", "--zones", filepath.Join(opts.StateDir, "zones.yaml"),
		"--format", "json", "--switches", file, "-v")
	cmd.Env = append(os.Environ(), "CSW_SNMP_AUTH="+snmpAuthPass, "CSW_SNMP_PRIV="+snmpPrivPass)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	t.Logf("scan with --switches: %v", time.Since(start).Round(time.Millisecond))
	noSecrets(t, string(out)+stderr.String())
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "switch read") {
			t.Log(l)
		}
	}
	recs, run := decodeLines(t, out)
	for _, e := range run.Errors {
		if strings.Contains(e, "127.0.0.1:1161") {
			t.Errorf("switch error in the run record: %s", e)
		}
	}
	cameras := 0
	for _, d := range spec.Devices {
		r, ok := recs[d.Address]
		if !ok || !r.Camera {
			continue
		}
		cameras++
		if r.Switch == nil {
			t.Errorf("%s (%s): no switch port, want %s", d.Name, d.Address, ports[d.Name])
			continue
		}
		if got := r.Switch.Port + " " + strconv.Itoa(r.Switch.VLAN); got != ports[d.Name] || r.Switch.PortAlias != d.Name {
			t.Errorf("%s: switch %+v, want %s", d.Name, *r.Switch, ports[d.Name])
		}
	}
	if cameras < 10 {
		t.Errorf("%d lab cameras checked, want at least 10", cameras)
	}
	var found bool
	for _, r := range recs {
		if r.Switch != nil && strings.HasPrefix(r.Switch.Port, "Te") {
			t.Errorf("%s placed on uplink %s", r.IP, r.Switch.Port)
		}
		if r.MAC != unreachableCam {
			continue
		}
		found = true
		if r.Switch == nil || r.Switch.Port != "Gi1/0/41" || r.Switch.VLAN != 999 || r.Vendor == nil || *r.Vendor != "Hikvision" {
			t.Errorf("unreachable camera: %+v", r)
		}
		t.Logf("only the switch knows %s: %s", r.MAC, r.Findings)
		if len(r.Findings) == 0 || !strings.Contains(r.Findings[0].Summary, "possible") || !strings.Contains(r.Findings[0].Summary, "port Gi1/0/41 (VLAN 999)") {
			t.Errorf("unreachable camera's findings %+v", r.Findings)
		}
	}
	if !found {
		t.Errorf("no record of the camera only the switch knows (%s)", unreachableCam)
	}
}

package e2e

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
	"github.com/camsweep/camsweep/lab/emulator"
	"github.com/camsweep/camsweep/vendors/oui"
)

// TestScan_lab_arpFindsPrimarySegment: run as root in the jump namespace,
// the scan sweeps the primary segment with ARP and every device there
// appears with its MAC, learnt by an ARP reply, and the registry's name for
// it; nothing on the routed CCTV segment has ARP evidence (ARP does not
// cross the router).
func TestScan_lab_arpFindsPrimarySegment(t *testing.T) {
	recs, run, _ := labScan(t)
	if !strings.HasPrefix(run.Privilege, "raw") {
		t.Fatalf("run privilege %q, want raw", run.Privilege)
	}
	reg, err := oui.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range labDevices(t, func(d lab.Device) bool { return d.Segment == "primary" }) {
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s): no record", d.Name, d.Address)
			continue
		}
		if r.MAC != strings.ToLower(d.MAC) {
			t.Errorf("%s: mac %q, want %q", d.Name, r.MAC, d.MAC)
		}
		e, _ := reg.Lookup(d.MAC)
		if r.MACVendor == "" || r.MACVendor != e.Org {
			t.Errorf("%s: mac_vendor %q, want %q", d.Name, r.MACVendor, e.Org)
		}
		if !hasEvidence(r, device.SourceARP, "arp.method", "request") {
			t.Errorf("%s: no arp request evidence: %+v", d.Name, r.Evidence)
		}
	}
	cctv := netip.MustParsePrefix("198.18.20.0/24")
	for ip, r := range recs {
		if a, err := netip.ParseAddr(ip); err == nil && cctv.Contains(a) && hasEvidence(r, device.SourceARP, "", "") {
			t.Errorf("%s on the routed segment has ARP evidence", ip)
		}
	}
}

func hasEvidence(r device.Record, src device.Source, key, val string) bool {
	for _, ev := range r.Evidence {
		if ev.Source == src && (key == "" || ev.Fields[key] == val) {
			return true
		}
	}
	return false
}

// TestScan_lab_unprivileged: with CAP_NET_RAW dropped (setpriv, as an
// operator would run it from a service account), the scan still completes,
// says it ran unprivileged, skips the ARP sweep, and still knows the MACs of
// the primary devices it reached over TCP, from the kernel's neighbour table.
func TestScan_lab_unprivileged(t *testing.T) {
	needLab(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("setpriv (util-linux) is required in CI: %v", err)
		}
		t.Skip("setpriv not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	argv := []string{"setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw", "--",
		binary, "scan", "--no-state", "198.18.10.0/24", "--zones", filepath.Join(opts.StateDir, "zones.yaml"), "--format", "json"}
	cmd := lab.Exec(ctx, spec.JumpNS(), argv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 3) {
		t.Fatalf("scan: %v\n%s", err, stderr.String())
	}
	recs, run := decodeLines(t, out)
	if !strings.HasPrefix(run.Privilege, "unprivileged") {
		t.Errorf("run privilege %q, want unprivileged", run.Privilege)
	}
	if !strings.Contains(stderr.String(), "CAP_NET_RAW") {
		t.Errorf("no word about the missing capability on stderr:\n%s", stderr.String())
	}
	for _, d := range labDevices(t, func(d lab.Device) bool { return d.Segment == "primary" }) {
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s): no record", d.Name, d.Address)
			continue
		}
		if hasEvidence(r, device.SourceARP, "arp.method", "request") {
			t.Errorf("%s: ARP sweep evidence without CAP_NET_RAW", d.Name)
		}
		if len(r.Ports) > 0 && r.MAC != strings.ToLower(d.MAC) {
			t.Errorf("%s: mac %q, want %q from the neighbour table", d.Name, r.MAC, d.MAC)
		}
		// The ARP-only device answered no connect, but the kernel
		// resolved it for them: the neighbour table is its evidence.
		if d.Profile == emulator.ProfileARPOnly && (r.MAC != strings.ToLower(d.MAC) || !hasEvidence(r, device.SourceARP, "arp.method", "kernel-neighbour")) {
			t.Errorf("%s: arp-only device without kernel-neighbour evidence and MAC %s: %+v", d.Name, d.MAC, r)
		}
	}
}

// TestScan_lab_arpOnlyDevice: a device that answers nothing but ARP (every
// other reply blackholed in its namespace) is found by the ARP sweep alone,
// with its MAC and the registry's name, no open port and no other evidence,
// and its Hikvision OUI makes only a "possible" covered device (medium).
func TestScan_lab_arpOnlyDevice(t *testing.T) {
	recs, _, _ := labScan(t)
	ds := labDevices(t, func(d lab.Device) bool { return d.Profile == emulator.ProfileARPOnly })
	if len(ds) == 0 {
		t.Fatal("the lab spec has no arp-only device")
	}
	for _, d := range ds {
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s): not found", d.Name, d.Address)
			continue
		}
		var sources []string
		for _, ev := range r.Evidence {
			sources = append(sources, string(ev.Source))
		}
		if strings.Join(sources, ",") != "arp,oui" || len(r.Ports) != 0 || r.MAC != strings.ToLower(d.MAC) {
			t.Errorf("%s: evidence %v ports %v mac %s; want arp,oui only, no port, mac %s", d.Name, sources, r.Ports, r.MAC, d.MAC)
		}
		if r.Camera || r.Flagged || r.Confidence > 0.5 {
			t.Errorf("%s: camera %v flagged %v confidence %.2f from an OUI alone", d.Name, r.Camera, r.Flagged, r.Confidence)
		}
		for _, f := range r.Findings {
			if f.Severity > device.SeverityMedium || !strings.HasPrefix(f.Summary, "possible ") {
				t.Errorf("%s: finding %+v, want at most a medium \"possible\"", d.Name, f)
			}
		}
	}
}

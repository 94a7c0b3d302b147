package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
)

// labDevices returns the devices of the lab spec that pick is true for.
func labDevices(t *testing.T, pick func(lab.Device) bool) []lab.Device {
	t.Helper()
	var ds []lab.Device
	for _, d := range spec.Devices {
		if pick(d) {
			ds = append(ds, d)
		}
	}
	if len(ds) == 0 {
		t.Fatal("no such device in the lab spec")
	}
	return ds
}

// TestScan_lab_multihomed: the Hikvision camera on the CCTV segment whose
// second leg is on primary is scanned at its CCTV address, and its own
// WS-Discovery XAddrs name the primary address: covered-vendor-multihomed,
// high, instead of covered-vendor-isolated.
func TestScan_lab_multihomed(t *testing.T) {
	recs, run, _ := labScan(t)
	if !strings.HasPrefix(run.Catalog, "catalog.yaml ") {
		t.Errorf("run record names catalog %q", run.Catalog)
	}
	for _, d := range labDevices(t, func(d lab.Device) bool { return d.Also != nil }) {
		r, ok := recs[d.Address]
		if !ok {
			t.Fatalf("%s (%s) not found", d.Name, d.Address)
		}
		if r.Zone.Kind != device.ZoneIsolated {
			t.Errorf("%s: zone %+v, want the isolated CCTV zone", d.Name, r.Zone)
		}
		var f *device.Finding
		for i := range r.Findings {
			if r.Findings[i].ID == device.FindingCoveredMultihomed {
				f = &r.Findings[i]
			}
		}
		if f == nil || f.Severity != device.SeverityHigh || !r.Flagged || r.HasFinding(device.FindingCoveredIsolated) {
			t.Fatalf("%s: findings %+v flagged %v, want covered-vendor-multihomed high only", d.Name, r.Findings, r.Flagged)
		}
		if !strings.Contains(f.Summary, d.Also.Address) || !strings.Contains(f.Summary, "wsd.other_addrs") {
			t.Errorf("%s: summary %q does not name %s and the evidence", d.Name, f.Summary, d.Also.Address)
		}
		seen := false
		for _, ev := range r.Evidence {
			if ev.Source == device.SourceWSD && strings.Contains(ev.Fields["wsd.other_addrs"], d.Also.Address) {
				seen = true
			}
		}
		if !seen {
			t.Errorf("%s: no wsd.other_addrs naming %s in %+v", d.Name, d.Also.Address, r.Evidence)
		}
	}
}

// TestScan_lab_policyUniview: the Uniview camera is covered under the default
// uk-nil (a policy judgement on a PRC-headquartered maker) and not under
// us-ndaa889, which names five companies. The second scan covers just the
// Uniview and the dual-homed Hikvision addresses, so it stays fast; the
// Hikvision is covered under both.
func TestScan_lab_policyUniview(t *testing.T) {
	recs, _, _ := labScan(t)
	unv := labDevices(t, func(d lab.Device) bool { return d.Profile == "uniview-camera" })[0]
	dual := labDevices(t, func(d lab.Device) bool { return d.Also != nil })[0]

	r, ok := recs[unv.Address]
	if !ok {
		t.Fatalf("%s not found", unv.Address)
	}
	if r.Vendor == nil || *r.Vendor != "Uniview" || !r.Flagged || !r.HasFinding(device.FindingCoveredOnPrimary) {
		t.Fatalf("uk-nil: Uniview record %+v", r)
	}
	for _, f := range r.Findings {
		if f.Policy != "uk-nil" || !strings.Contains(f.Summary, "policy judgement") {
			t.Errorf("uk-nil finding %+v", f)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := scanCmd(ctx, unv.Address, dual.Address, "--policy", "us-ndaa889",
		"--zones", filepath.Join(opts.StateDir, "zones.yaml"), "--format", "json")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 3) {
		t.Fatalf("scan: %v", err)
	}
	us, run := decodeLines(t, out)
	if run.Policy != "us-ndaa889" || run.ExitStatus != 3 {
		t.Errorf("run record %+v", run)
	}
	r, ok = us[unv.Address]
	if !ok {
		t.Fatalf("us-ndaa889: %s not found", unv.Address)
	}
	if r.Flagged || !r.HasFinding(device.FindingCameraOnPrimary) || r.HasFinding(device.FindingCoveredOnPrimary) {
		t.Errorf("us-ndaa889: Uniview flagged %v findings %+v, want camera-on-primary only", r.Flagged, r.Findings)
	}
	if h, ok := us[dual.Address]; !ok || !h.HasFinding(device.FindingCoveredMultihomed) || !h.Flagged {
		t.Errorf("us-ndaa889: dual-homed Hikvision %+v", h)
	}
}

// TestCLI_policyBadInput: a catalog with a cycle of parents, an overlapping
// zones file under --strict-zones, a VLAN in two zones and an unknown policy
// among several are refused at start, exit 2, naming the file and line.
func TestCLI_policyBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	catalog := write("catalog.yaml", `sources:
  S: {title: t}
lists:
  - {id: uk-nil, name: n, jurisdiction: GB, since: 2022-11-24, kind: property, sources: [S]}
owners:
  - {id: a, name: a, short: a, country: CN, parent: b, as_of: 2026-01-01, sources: [S]}
  - {id: b, name: b, short: b, country: CN, parent: a, as_of: 2026-01-01, sources: [S]}
makers:
  - {id: hikvision, name: h, short: h, country: CN, parent: a, as_of: 2026-01-01, sources: [S]}
`)
	zones := write("zones.yaml", "zones:\n  - {name: site, kind: primary, cidrs: [198.18.0.0/16]}\n  - {name: cctv, kind: isolated, cidrs: [198.18.20.0/24]}\n")
	vlans := write("vlans.yaml", "zones:\n  - {name: site, kind: primary, cidrs: [198.18.0.0/16], vlans: [10]}\n  - {name: cctv, kind: isolated, vlans: [20, 10]}\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"catalog cycle", []string{"vendors", "--catalog", catalog}, `catalog.yaml:6: cycle of parents: a -> b -> a`},
		{"catalog cycle on scan", []string{"scan", "--catalog", catalog, "198.18.1.1"}, `catalog.yaml:6: cycle of parents`},
		{"strict zones", []string{"scan", "--zones", zones, "--strict-zones", "198.18.1.1"}, `zones.yaml:3: CIDR 198.18.20.0/24 in zone "cctv" overlaps 198.18.0.0/16 of zone "site"`},
		{"vlan in two zones", []string{"scan", "--zones", vlans, "198.18.1.1"}, `vlans.yaml:3: VLAN 10 in zone "cctv" is already in zone "site" (line 2)`},
		{"policy list", []string{"scan", "--policy", "uk-nil,us-ndaa899", "198.18.1.1"}, `unknown policy "us-ndaa899"`},
		{"vendors list", []string{"vendors", "--list", "uk-nl"}, `unknown list "uk-nl"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(binary, tc.args...)
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

// TestCLI_vendorsList: what an auditor sees of uk-nil.
func TestCLI_vendorsList(t *testing.T) {
	out, err := exec.Command(binary, "vendors", "--list", "uk-nil").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"MAKER", "BASIS", "AS-OF", "Hikvision", "CETC", "Uniview", "judgement", "Tiandy", "Xiongmai", "TVT", "Milesight", "L7 "} {
		if !strings.Contains(string(out), want) {
			t.Errorf("vendors --list uk-nil lacks %q:\n%s", want, out)
		}
	}
}

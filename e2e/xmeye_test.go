package e2e

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
)

// xmeyeRules returns the rules that read r's XMEye evidence.
func xmeyeRules(r device.Record) []string {
	for _, ev := range r.Evidence {
		if ev.Source == device.SourceXMEye {
			return ev.Rules
		}
	}
	return nil
}

// xmeyeEvidence returns the fields of r's XMEye evidence, nil if none.
func xmeyeEvidence(r device.Record) map[string]string {
	for _, ev := range r.Evidence {
		if ev.Source == device.SourceXMEye {
			return ev.Fields
		}
	}
	return nil
}

// TestScan_lab_xmeye: issue 6's Xiongmai DVR. Every xiongmai-dvr device is
// identified as Xiongmai with the serial and firmware of its own XMEye
// discovery reply — on primary and, by the unicast search, behind the
// router. Xiongmai is covered by uk-nil as a policy judgement: the primary
// one is a high covered-vendor-on-primary finding, the CCTV one isolated.
func TestScan_lab_xmeye(t *testing.T) {
	recs, _, _ := labScan(t)
	for _, d := range labDevices(t, func(d lab.Device) bool { return d.Profile == "xiongmai-dvr" }) {
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		f := xmeyeEvidence(r)
		if f == nil {
			t.Errorf("%s (%s segment): no xmeye evidence in %+v", d.Name, d.Segment, r.Evidence)
			continue
		}
		if f["xmeye.serial"] != d.Serial || f["xmeye.firmware"] != d.Firmware || f["xmeye.ipv4_address"] != d.Address ||
			f["xmeye.mac"] != strings.ToLower(d.MAC) || f["xmeye.tcp_port"] != "34567" {
			t.Errorf("%s: xmeye fields %v", d.Name, f)
		}
		if r.Vendor == nil || *r.Vendor != "Xiongmai" || r.Serial != d.Serial || r.Firmware != d.Firmware || !r.Camera {
			t.Errorf("%s: vendor %v serial %q firmware %q camera %v", d.Name, r.Vendor, r.Serial, r.Firmware, r.Camera)
		}
		if r.Model != "" {
			t.Errorf("%s: model %q: nothing the DVR sends names one", d.Name, r.Model)
		}
		wantFinding, wantSev := device.FindingCoveredIsolated, device.SeverityInfo
		if d.Segment == spec.Jump.Segment {
			wantFinding, wantSev = device.FindingCoveredOnPrimary, device.SeverityHigh
		}
		var fd *device.Finding
		for i := range r.Findings {
			if r.Findings[i].ID == wantFinding {
				fd = &r.Findings[i]
			}
		}
		if fd == nil || fd.Severity != wantSev || fd.Policy != "uk-nil" || !strings.Contains(fd.Summary, "policy judgement") {
			t.Errorf("%s: findings %+v, want %s %s under uk-nil (policy judgement)", d.Name, r.Findings, wantFinding, wantSev)
			continue
		}
		t.Logf("%s: %s, confidence %.2f, ports %v, rules %v: %s", d.Name, r.DeviceType, r.Confidence, r.Ports, xmeyeRules(r), fd.Summary)
	}
}

// TestScan_lab_xmeyeBroadcast: a scan of one address that is no XMEye
// device still hears xm-dvr, which can only have answered the broadcast
// search; it is recorded out of scope and probed no further. The routed
// CCTV device never sees the broadcast.
func TestScan_lab_xmeyeBroadcast(t *testing.T) {
	needLab(t)
	web := labDevices(t, func(d lab.Device) bool { return d.Profile == "web-server" })[0]
	var onPrimary, behind []lab.Device
	for _, d := range labDevices(t, func(d lab.Device) bool { return d.Profile == "xiongmai-dvr" }) {
		if d.Segment == spec.Jump.Segment {
			onPrimary = append(onPrimary, d)
		} else {
			behind = append(behind, d)
		}
	}
	if len(onPrimary) == 0 {
		t.Fatal("no xiongmai-dvr device on the jump host's segment")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := scanCmd(ctx, web.Address, "--zones", filepath.Join(opts.StateDir, "zones.yaml"), "--format", "json").Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("scan: %v", err)
	}
	t.Logf("scan of %s took %v", web.Address, time.Since(start).Round(time.Millisecond))
	recs, _ := decodeLines(t, out)
	for _, d := range onPrimary {
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) did not answer the broadcast search; records %v", d.Name, d.Address, recordIPs(recs))
			continue
		}
		f := xmeyeEvidence(r)
		if !r.OutOfScope || f == nil || f["xmeye.serial"] != d.Serial {
			t.Errorf("%s: out_of_scope %v xmeye %v", d.Name, r.OutOfScope, f)
		}
		for _, ev := range r.Evidence {
			if ev.Source == device.SourceTCP || ev.Source == device.SourceHTTP {
				t.Errorf("%s: out of scope but probed: %+v", d.Name, ev)
			}
		}
	}
	for _, d := range behind {
		if r, ok := recs[d.Address]; ok {
			t.Errorf("%s behind the router answered a scan of %s: %+v", d.Name, web.Address, r)
		}
	}
}

func recordIPs(m map[string]device.Record) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

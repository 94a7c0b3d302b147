package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/scanner"
)

type oneAddr struct {
	list []netip.Addr
}

func (o *oneAddr) Next() (netip.Addr, bool) {
	if len(o.list) == 0 {
		return netip.Addr{}, false
	}
	a := o.list[0]
	o.list = o.list[1:]
	return a, true
}

type openHTTP struct{ block bool }

func (openHTTP) Name() string { return "tcp" }
func (o openHTTP) ProbeHost(ctx context.Context, _ scanner.Target, p scanner.Pacer) ([]device.Evidence, error) {
	ev := []device.Evidence{{Source: device.SourceTCP, Port: 80, Fields: map[string]string{"tcp.state": "open"}},
		{Source: device.SourceHTTP, Port: 80, Fields: map[string]string{"http.server": "App-webs/"}}}
	if o.block {
		<-ctx.Done()
		return ev[:1], ctx.Err()
	}
	return ev, nil
}

type fakeID struct{}

func (fakeID) Identify(h *device.Host) device.Identity {
	for i, ev := range h.Evidence {
		if ev.Fields["http.server"] == "App-webs/" {
			return device.Identity{DeviceType: device.TypeCamera, Vendor: "hikvision", Model: "DS-2CD2032F-I", Confidence: 0.876,
				Conclusions: []device.Conclusion{{Key: "vendor", Value: "hikvision", Rule: "hik.http.server", Evidence: i, Weight: 0.8}}}
		}
	}
	return device.Identity{DeviceType: device.TypeUnknown}
}

type fakePolicy struct{}

func (fakePolicy) Evaluate(h *device.Host, id device.Identity) (device.Zone, *device.Maker, []device.Finding) {
	z := device.Zone{Name: "core", Kind: device.ZonePrimary}
	if id.Vendor != "hikvision" {
		return z, nil, nil
	}
	return z, &device.Maker{ID: "hikvision", Name: "Hikvision", Country: "CN", Lists: []string{"uk-nil"}},
		[]device.Finding{{ID: device.FindingCoveredOnPrimary, Severity: device.SeverityHigh, Policy: "uk-nil", Summary: "x"}}
}

func runOnce(t *testing.T, ctx context.Context, prober scanner.HostProber, failOn device.Severity) (*device.RunRecord, []map[string]any) {
	t.Helper()
	eng, err := scanner.New(scanner.Config{
		Targets:     &oneAddr{list: []netip.Addr{netip.MustParseAddr("198.18.10.21"), netip.MustParseAddr("198.18.10.22")}},
		HostProbers: []scanner.HostProber{prober}, Rate: 1000, HostRate: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rr, err := Run(ctx, Config{Engine: eng, Identify: fakeID{}, Policy: fakePolicy{}, Writer: report.NewJSON(&buf), FailOn: failOn,
		Run: device.RunRecord{Targets: []string{"198.18.10.21-22"}, Policy: "uk-nil"}})
	if err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("invalid JSON line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return rr, lines
}

func TestRun_recordsThenRunRecord(t *testing.T) {
	rr, lines := runOnce(t, context.Background(), openHTTP{}, device.SeverityHigh)
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 2 devices and the run record", len(lines))
	}
	for _, l := range lines[:2] {
		if l["schema"] != device.SchemaDevice {
			t.Errorf("schema %v", l["schema"])
		}
		for _, k := range []string{"time", "run_id", "ip", "mac", "mac_vendor", "ports", "camera", "device_type", "vendor", "brand",
			"model", "firmware", "serial", "confidence", "maker", "zone", "findings", "flagged", "evidence"} {
			if _, ok := l[k]; !ok {
				t.Errorf("device record lacks %q", k)
			}
		}
		if l["flagged"] != true || l["vendor"] != "Hikvision" || l["brand"] != "Hikvision" || l["confidence"] != 0.88 {
			t.Errorf("record %v", l)
		}
		ev := l["evidence"].([]any)[1].(map[string]any)
		if rules := ev["rules"].([]any); len(rules) != 1 || rules[0] != "hik.http.server" {
			t.Errorf("evidence does not name the rule that used it: %v", ev)
		}
	}
	last := lines[2]
	if last["schema"] != device.SchemaRun || last["interrupted"] != false || last["exit_status"] != 3.0 {
		t.Errorf("run record %v", last)
	}
	// The engine's judgements reach the run record (zeros here: no ARP,
	// no liveness stage), so a missing host can be explained.
	if d, ok := last["discovery"].(map[string]any); !ok || len(d) != 5 || d["arp_demoted"] != 0.0 || d["liveness_checked"] != 0.0 {
		t.Errorf("run record's discovery %v", last["discovery"])
	}
	if rr.ExitStatus != exitcode.Findings || rr.HostsUp != 2 || rr.Cameras != 2 || rr.Flagged != 2 || rr.Probed != 2 {
		t.Errorf("run %+v", rr)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(rr.RunID) {
		t.Errorf("run id %q is not a UUIDv7", rr.RunID)
	}
}

func TestRun_failOnCritical_exitsZero(t *testing.T) {
	rr, _ := runOnce(t, context.Background(), openHTTP{}, device.SeverityCritical)
	if rr.ExitStatus != exitcode.OK {
		t.Errorf("exit %d, want 0: no finding reaches critical", rr.ExitStatus)
	}
}

func TestRun_interrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	rr, lines := runOnce(t, ctx, openHTTP{block: true}, device.SeverityHigh)
	if time.Since(start) > time.Second {
		t.Errorf("interrupt took %v", time.Since(start))
	}
	if !rr.Interrupted || rr.ExitStatus != exitcode.Interrupted {
		t.Errorf("run %+v", rr)
	}
	last := lines[len(lines)-1]
	if last["schema"] != device.SchemaRun || last["interrupted"] != true {
		t.Errorf("last line %v", last)
	}
	if len(lines) != 3 || lines[0]["partial"] != true {
		t.Errorf("partial hosts not flushed: %v", lines)
	}
}

package sweep

import (
	"context"
	"net/netip"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/exitcode"
)

// TestPassiveEvidence_merge: scan --pcap gives a device seen both ways one
// record with both kinds of evidence, the capture's MAC when the scan had
// none (with its registry entry), and nothing left over.
func TestPassiveEvidence_merge(t *testing.T) {
	p, err := ReadPcaps(context.Background(), []string{writeCapture(t, 0)})
	if err != nil {
		t.Fatal(err)
	}
	cam := netip.MustParseAddr("198.18.180.21")
	h := device.Host{Addr: cam, Evidence: []device.Evidence{{Source: device.SourceHTTP, Fields: map[string]string{"http.server": "App-webs/"}}}}
	oui := func(mac string) map[string]string { return map[string]string{"mac.vendor": "registrant of " + mac} }
	p.merge(&h, oui)
	var srcs []device.Source
	for _, ev := range h.Evidence {
		srcs = append(srcs, ev.Source)
	}
	if h.MAC != "c0:56:e3:01:02:03" || len(h.Evidence) < 4 || srcs[0] != device.SourceHTTP || srcs[1] != device.SourceOUI {
		t.Fatalf("merged host MAC %q sources %v", h.MAC, srcs)
	}
	if recs := p.unmerged(fakeID{}, fakePolicy{}, "run", oui, func(netip.Addr) bool { return true }); len(recs) != 0 {
		t.Errorf("%d records left after the merge", len(recs))
	}
	if st := p.Stats(); st == nil || st.Packets != 3 || len(st.Files) != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestPassiveEvidence_unmerged: a device only the capture showed gets its
// own record, out of scope when the targets do not hold it.
func TestPassiveEvidence_unmerged(t *testing.T) {
	p, err := ReadPcaps(context.Background(), []string{writeCapture(t, 0)})
	if err != nil {
		t.Fatal(err)
	}
	recs := p.unmerged(fakeID{}, fakePolicy{}, "run", nil, func(netip.Addr) bool { return false })
	if len(recs) != 1 || recs[0].IP != "198.18.180.21" || !recs[0].OutOfScope || recs[0].Evidence[0].Source != device.SourcePassive {
		t.Fatalf("records %+v", recs)
	}
	var nilP *PassiveEvidence
	nilP.merge(&device.Host{}, nil)
	if nilP.unmerged(fakeID{}, fakePolicy{}, "run", nil, nil) != nil || nilP.Stats() != nil {
		t.Error("a nil PassiveEvidence is not empty")
	}
	if _, err := ReadPcaps(context.Background(), []string{writeCapture(t, 5)}); exitcode.Of(err, 0) != exitcode.Usage {
		t.Errorf("a cut capture: %v, want a usage error", err)
	}
}

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/corpus"
	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/lab"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/vendors"
)

// replayPrefix derives the replay lab's prefix from the e2e prefix (cswe-
// gives cswer-), as changesPrefix does.
func replayPrefix() string { return ownPrefix("r") }

const replayCIDR = "198.18.150.0/24"

// replayDevices picks corpus devices the lab can serve over the network
// (HTTP, ONVIF, RTSP or a WS-Discovery ProbeMatches), one per stated maker
// first, up to n, in key order so that the choice is stable.
func replayDevices(t *testing.T, devs []*corpus.Device, n int) []*corpus.Device {
	t.Helper()
	var served []*corpus.Device
	for _, d := range devs {
		if corpus.NewServer(d).Servable() {
			served = append(served, d)
		}
	}
	slices.SortFunc(served, func(a, b *corpus.Device) int { return strings.Compare(a.Key, b.Key) })
	var out []*corpus.Device
	seen := map[string]bool{}
	for _, pass := range []bool{true, false} {
		for _, d := range served {
			if len(out) == n {
				return out
			}
			if slices.Contains(out, d) || (pass && (d.Expect.Maker == "" || seen[d.Expect.Maker])) {
				continue
			}
			seen[d.Expect.Maker] = true
			out = append(out, d)
		}
	}
	return out
}

// replaySpec is a lab of one segment holding the replayed devices at .11 on.
func replaySpec(t *testing.T, devs []*corpus.Device) *lab.Spec {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "prefix: %s\ncorpus: %s\nsegments:\n  - {name: replay, cidr: %s, gateway: 198.18.150.1, zone: {name: replay, kind: primary}}\n",
		replayPrefix(), mustAbs(t, "../testdata/real"), replayCIDR)
	b.WriteString("jump: {segment: replay, address: 198.18.150.2}\ndevices:\n")
	for i, d := range devs {
		// Locally administered MACs: the replayed replies, not an OUI,
		// must carry the identity.
		fmt.Fprintf(&b, "  - {name: r%d, segment: replay, profile: replay, replay: %q, address: 198.18.150.%d, mac: \"02:00:5e:10:96:%02x\"}\n",
			i, d.Key, 11+i, 11+i)
	}
	s, err := lab.ParseSpec("replay.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("replay spec: %v\n%s", err, b.String())
	}
	return s
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestScan_lab_replayedCorpusDevices scans devices of the corpus of real
// replies, replayed verbatim by the lab, and checks that the scan over real
// sockets concludes what the in-process replay (the corpus test) concludes:
// maker, brand, model, firmware and serial. The corpus test scores those
// against what the devices state; this test shows the scanner reaches the
// same verdicts through its engine, pacing and sockets.
func TestScan_lab_replayedCorpusDevices(t *testing.T) {
	needLab(t)
	all, err := corpus.Load("../testdata/real")
	if err != nil {
		t.Fatal(err)
	}
	devs := replayDevices(t, all, 8)
	if len(devs) < 4 {
		t.Fatalf("only %d corpus devices can be replayed over the network", len(devs))
	}
	s := replaySpec(t, devs)
	o := ownLab(t, s.Prefix)
	upLab(t, s, o, 3*time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := lab.Exec(ctx, s.JumpNS(), binary, "scan", "--no-state", "--format", "json", replayCIDR)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 3) {
		t.Fatalf("scan: %v\nstderr:\n%s", err, stderr.String())
	}
	recs, _ := decodeLines(t, out)

	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	fp, err := fingerprint.New(fingerprint.Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	guess := func(root map[string]string) string {
		if g := fp.GuessMaker(device.SourceHTTP, root); g != fingerprint.NotACamera {
			return g
		}
		return httpprobe.NotACamera
	}
	for i, d := range devs {
		ip := fmt.Sprintf("198.18.150.%d", 11+i)
		r, ok := recs[ip]
		if !ok {
			t.Errorf("%s (%s): no record", d.Key, ip)
			continue
		}
		h, err := corpus.Replay(t.Context(), d, corpus.ProberConfig{Guess: guess})
		if err != nil {
			t.Fatal(err)
		}
		want := corpus.FromIdentity(fp.Identify(h), cat.ShortName)
		got := corpus.Got{Brand: r.Brand, Model: r.Model, Firmware: r.Firmware, Serial: r.Serial}
		if r.Maker != nil {
			got.Maker = r.Maker.ID
		} else if r.MakerUncatalogued {
			got.Maker = r.StatedMaker
		}
		t.Logf("%s at %s: maker %q brand %q model %q firmware %q serial %q (stated: %+v)", d.Key, ip, got.Maker, got.Brand, got.Model, got.Firmware, got.Serial, d.Expect)
		if got.Maker != want.Maker || got.Brand != want.Brand || got.Model != want.Model || got.Firmware != want.Firmware || got.Serial != want.Serial {
			t.Errorf("%s: the lab scan concluded %+v, the in-process replay %+v", d.Key, got, want)
		}
	}
}

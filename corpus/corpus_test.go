package corpus

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/vendors"
)

// The recorded score: the corpus test fails below it. Raise these when the
// score rises, never lower them to make a change pass. Issue 13's target is
// 95% over every stated field. The corpus is scored twice: as an anonymous
// scan sees it (replies the source read signed in, Entry.Auth, answer a
// Digest challenge) and as a scan with a credential for the range
// (credentials file, protocols [onvif, http]) sees it.
//
// 2026-12-04: 85.1% (302 of 355) anonymous, 99.3% over the devices whose
// replies a scan receives. 2026-12-05 (260 replies, 131 devices, 34
// makers): 86.1% (321 of 373) anonymous, 99.4% over the reached devices;
// 96.5% (360 of 373) with the credential. What the anonymous scan misses
// is, but for two devices, replies the public sources read signed in.
// Later that day (283 replies, 151 devices, 35 makers): 87.0% (347 of 399)
// anonymous, 99.4% reached, 96.7% (386 of 399) with the credential.
const (
	minReplies             = 150
	minMakers              = 25
	minRightPercent        = 86.9
	minReachedRightPercent = 99.3
	minLoginRightPercent   = 96.6
)

const corpusDir = "../testdata/real"

func engine(t testing.TB) (*fingerprint.Engine, *vendors.Catalog) {
	t.Helper()
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	fp, err := fingerprint.New(fingerprint.Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	return fp, cat
}

func guess(fp *fingerprint.Engine) func(map[string]string) string {
	return func(root map[string]string) string {
		if g := fp.GuessMaker(device.SourceHTTP, root); g != fingerprint.NotACamera {
			return g
		}
		return httpprobe.NotACamera
	}
}

// runCorpus replays and scores every device of the corpus, with the
// corpus credential when login is set.
func runCorpus(t *testing.T, login bool) ([]Result, int) {
	devs, err := Load(corpusDir)
	if err != nil {
		t.Fatalf("corpus manifests: %v", err)
	}
	fp, cat := engine(t)
	var rs []Result
	replies := 0
	for _, d := range devs {
		replies += len(d.Entries)
		h, unserved, err := ReplayDetail(t.Context(), d, ProberConfig{Guess: guess(fp), Login: login})
		id := fp.Identify(h)
		r := Score(d, FromIdentity(id, cat.ShortName))
		r.Unasked = len(unserved) == len(d.Entries)
		if err != nil {
			// A reply camsweep cannot parse is a miss of every field it
			// states, and the table lists it; it is not a broken test.
			r.Errors = append(r.Errors, err.Error())
		}
		rs = append(rs, r)
	}
	return rs, replies
}

// TestCorpus scores camsweep on every recorded reply. `make corpus` runs it
// with CAMSWEEP_CORPUS_TABLE=1 to print the table.
func TestCorpus(t *testing.T) {
	rs, replies := runCorpus(t, false)
	lrs, _ := runCorpus(t, true)
	var buf bytes.Buffer
	buf.WriteString("## An anonymous scan (the default)\n\n")
	WriteTable(&buf, rs, replies)
	buf.WriteString("## A scan with a credential for the range (credentials file, protocols [onvif, http])\n\n")
	WriteTable(&buf, lrs, replies)
	if os.Getenv("CAMSWEEP_CORPUS_TABLE") != "" {
		os.Stdout.Write(buf.Bytes())
	} else {
		t.Log("\n" + buf.String())
	}
	var devs []*Device
	for _, r := range rs {
		devs = append(devs, r.Device)
	}
	if replies < minReplies {
		t.Errorf("corpus holds %d replies, want at least %d", replies, minReplies)
	}
	if n := len(Makers(devs)); n < minMakers {
		t.Errorf("corpus holds %d makers, want at least %d", n, minMakers)
	}
	var reached []Result
	for _, r := range rs {
		if !r.Unasked {
			reached = append(reached, r)
		}
	}
	checkScore(t, "", rs, minRightPercent)
	checkScore(t, " over the devices a scan reaches", reached, minReachedRightPercent)
	checkScore(t, " with the credential", lrs, minLoginRightPercent)
}

// checkScore fails below floor percent of stated fields right, and on any
// wrong maker.
func checkScore(t *testing.T, what string, rs []Result, floor float64) {
	t.Helper()
	right, stated := Count(rs).Total()
	if p := 100 * float64(right) / float64(max(stated, 1)); p < floor {
		t.Errorf("%.1f%% of stated fields right%s (%d/%d), want at least %.1f%%", p, what, right, stated, floor)
	}
	for _, r := range rs {
		if r.Outcomes["maker"] == Wrong {
			t.Errorf("device %s%s: maker WRONG: want %q, got %q", r.Device.Key, what, r.Device.Expect.Maker, r.Got.Maker)
		}
	}
}

// TestCorpusMakersCatalogued: a maker a corpus device states must be in the
// catalog, or it is a gap the catalog must close (or the manifest must say
// the device is uncatalogued by naming the maker as stated, with a capital).
func TestCorpusMakersCatalogued(t *testing.T) {
	devs, err := Load(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	_, cat := engine(t)
	for _, d := range devs {
		m := d.Expect.Maker
		if m == "" || m != strings.ToLower(m) {
			continue
		}
		if !cat.HasMaker(m) {
			t.Errorf("device %s (%s): maker %q is not a catalog maker id", d.Key, d.Entries[0].pos(), m)
		}
	}
}

// TestLoadErrors: a broken manifest is refused with manifest:line.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("wsd/a.xml", "<x/>")
	for _, tc := range []struct{ manifest, want string }{
		{"replies:\n  - file: wsd/a.xml\n    protocol: wsd\n    device: a\n    source: {repo: o/r, commit: abcdef1}\n    expect: {makr: x}\n", "m.yaml:2: "},
		{"replies:\n  - file: wsd/a.xml\n    protocol: telnet\n    device: a\n    source: {repo: o/r, commit: abcdef1}\n", `protocol "telnet"`},
		{"replies:\n  - file: wsd/missing.xml\n    protocol: wsd\n    device: a\n    source: {url: https://example.org/t, date: 2024-01-02}\n", "m.yaml:2: open"},
		{"replies:\n  - file: wsd/a.xml\n    protocol: wsd\n    device: a\n    source: {repo: o/r}\n", "without commit or date"},
		{"replies:\n  - file: ../etc/passwd\n    protocol: wsd\n    device: a\n    source: {url: u, date: 2024}\n", `file "../etc/passwd"`},
		{"replis: []\n", `unknown key "replis"`},
		{"replies:\n  - file: wsd/a.xml\n    protocol: wsd\n    device: a\n    auth: login\n    source: {repo: o/r, commit: abcdef1}\n", `auth login on protocol "wsd"`},
		{"replies:\n  - file: wsd/a.xml\n    protocol: http:/x\n    device: a\n    auth: yes\n    source: {repo: o/r, commit: abcdef1}\n", `auth "yes"`},
	} {
		write("m.yaml", tc.manifest)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("manifest %q: error %v, want it to contain %q", tc.manifest, err, tc.want)
		}
	}
}

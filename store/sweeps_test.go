package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
)

// forEachShared runs f on each store with open giving a new handle on one
// database per store, as separate scanners (processes) would have: an
// SQLite file they take turns on (its run lock), or one PostgreSQL
// database they write at once.
func forEachShared(t *testing.T, f func(t *testing.T, open func() (History, error))) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "h.db")
		f(t, func() (History, error) {
			return Open(t.Context(), Config{Path: path, LockWait: 5 * time.Minute})
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := needPostgres(t).NewDB(t)
		f(t, func() (History, error) { return OpenPostgres(t.Context(), dsn, Config{}) })
	})
}

// scanner is one simulated camsweep process of the "nightly" sweep: shard
// K/4 of four, at site-K, whose address space is 198.18.18K.0/24.
type scanner struct {
	night, shard int
	recs         []*device.Record
	killed       bool // dies after its records, before it finishes
}

func (sc scanner) run(t *testing.T, open func() (History, error)) (string, error) {
	s, err := open()
	if err != nil {
		return "", err
	}
	defer s.Close() // a dead process's lock and connections go too
	ctx := t.Context()
	id := fmt.Sprintf("n%d-s%d", sc.night, sc.shard)
	start := t0.Add(time.Duration(sc.night)*24*time.Hour + time.Duration(sc.shard)*time.Minute)
	shard := fmt.Sprintf("%d/4", sc.shard)
	if err := s.BeginRunIn(ctx, id, start, RunMeta{Sweep: "nightly", Site: fmt.Sprintf("site-%d", sc.shard), Shard: shard}); err != nil {
		return "", err
	}
	for _, r := range sc.recs {
		c := *r
		c.RunID = id
		if err := s.AddRecord(ctx, &c); err != nil {
			return "", err
		}
	}
	if sc.killed {
		return "(killed)", nil
	}
	prefix := fmt.Sprintf("198.18.18%d.", sc.shard)
	ch, err := s.FinishRun(ctx, &device.RunRecord{RunID: id, End: start.Add(30 * time.Second)}, FinishOptions{
		MissingAfter: 1,
		InScope:      func(ip string) bool { return strings.HasPrefix(ip, prefix) },
		Sweep:        SweepRun{Name: "nightly", Member: shard, Size: SweepSize(shard, 0)},
	})
	return kinds(ch), err
}

// runAll runs the scanners at once and returns each one's changes by shard.
func runAll(t *testing.T, open func() (History, error), scs ...scanner) map[int]string {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[int]string{}
	for _, sc := range scs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := sc.run(t, open)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("night %d shard %d: %v", sc.night, sc.shard, err)
			}
			out[sc.shard] = got
		}()
	}
	wg.Wait()
	return out
}

// TestSweep_fourScannersOneSweep is issue 19's multi-scanner scenario on a
// store shared by four simulated scanners (goroutines with their own
// connections; not four lab namespaces): a sweep's runs decide "missing"
// together, a device that moved between two segments is "changed", and a
// scanner killed mid-run never makes its segment's devices missing.
func TestSweep_fourScannersOneSweep(t *testing.T) {
	forEachShared(t, func(t *testing.T, open func() (History, error)) {
		a := rec("198.18.181.10", "44:a6:42:00:00:0a", "seg1", false)
		d := rec("198.18.182.20", "44:a6:42:00:00:0d", "seg2", true)
		e := rec("198.18.183.30", "44:a6:42:00:00:0e", "seg3", false)
		g := rec("198.18.184.40", "44:a6:42:00:00:07", "seg4", false)
		h := rec("198.18.184.41", "44:a6:42:00:00:08", "seg4", false)
		moved := *d // D is moved to segment 3 after night 1
		moved.IP, moved.Zone.Name = "198.18.183.21", "seg3"

		// Night 1: all four at once; everything is new.
		got := runAll(t, open, scanner{1, 1, []*device.Record{a}, false}, scanner{1, 2, []*device.Record{d}, false},
			scanner{1, 3, []*device.Record{e}, false}, scanner{1, 4, []*device.Record{g}, false})
		want := map[int]string{
			1: "mac:44:a6:42:00:00:0a new",
			2: "mac:44:a6:42:00:00:0d new; mac:44:a6:42:00:00:0d flag-raised",
			3: "mac:44:a6:42:00:00:0e new",
			4: "mac:44:a6:42:00:00:07 new",
		}
		checkNight(t, 1, got, want)

		// Night 2: D is on segment 3 now, E and G are gone, and scanner 4
		// dies after recording H. D is changed wherever the runs finish;
		// nothing is missing yet (scanner 4 never finished: the sweep is open).
		got = runAll(t, open, scanner{2, 1, []*device.Record{a}, false}, scanner{2, 2, nil, false},
			scanner{2, 3, []*device.Record{&moved}, false}, scanner{2, 4, []*device.Record{h}, true})
		want = map[int]string{1: "", 2: "", 3: "mac:44:a6:42:00:00:0d changed(ip,zone)", 4: "(killed)"}
		checkNight(t, 2, got, want)

		// Night 3: scanner 1 first: its run closes night 2's sweep, whose
		// completed runs did not see E (missing); G's segment was never
		// completed, so G is not missing. Then the rest at once: E is back.
		got = runAll(t, open, scanner{3, 1, []*device.Record{a}, false})
		checkNight(t, 3, got, map[int]string{1: "mac:44:a6:42:00:00:0e missing"})
		got = runAll(t, open, scanner{3, 2, nil, false}, scanner{3, 3, []*device.Record{&moved, e}, false},
			scanner{3, 4, []*device.Record{g, h}, false})
		want = map[int]string{2: "", 3: "mac:44:a6:42:00:00:0e returned", 4: "mac:44:a6:42:00:00:08 new"}
		checkNight(t, 3, got, want)

		s, err := open()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		runs, err := s.RunsWhere(t.Context(), 0, Filter{Sweep: "nightly"})
		if err != nil || len(runs) != 12 {
			t.Fatalf("runs of the sweep: %d, %v; want 12", len(runs), err)
		}
		site4, err := s.RunsWhere(t.Context(), 0, Filter{Sweep: "nightly", Site: "site-4"})
		if err != nil || len(site4) != 3 || site4[0].Shard != "4/4" || site4[1].Record != nil {
			t.Errorf("site-4 runs: %v %+v (want 3, the killed one unfinished)", err, site4)
		}
		if other, _ := s.RunsWhere(t.Context(), 0, Filter{Sweep: "weekly"}); len(other) != 0 {
			t.Errorf("weekly: %d runs", len(other))
		}
		// diff --sweep: instance against instance, on the unions.
		n2, err := s.ResolveSweep(t.Context(), "nightly", "last~1")
		if err != nil || len(n2.Runs) != 3 {
			t.Fatalf("night 2: %+v %v; want its 3 finished runs", n2, err)
		}
		n1, _ := s.ResolveSweep(t.Context(), "nightly", "~2")
		n3, _ := s.ResolveSweep(t.Context(), "nightly", "last")
		ch, err := s.DiffSweeps(t.Context(), n1, n2)
		if got := kinds(ch); err != nil || got != "mac:44:a6:42:00:00:0d changed(ip,zone); mac:44:a6:42:00:00:0e missing" {
			t.Errorf("diff night 1 → 2: %q, %v (G's shard failed: not missing)", got, err)
		}
		ch, err = s.DiffSweeps(t.Context(), n2, n3)
		if got := kinds(ch); err != nil || got != "mac:44:a6:42:00:00:07 returned; mac:44:a6:42:00:00:08 returned; mac:44:a6:42:00:00:0e returned" {
			t.Errorf("diff night 2 → 3: %q, %v", got, err)
		}
		if _, err := s.DiffSweeps(t.Context(), n3, n2); err == nil {
			t.Error("diff newer → older accepted")
		}
		if _, err := s.ResolveSweep(t.Context(), "nightly", "~3"); !errors.Is(err, ErrNoRun) {
			t.Errorf("~3: %v", err)
		}
		st := s.(*Store)
		var assets, open3 int
		st.db.QueryRow("SELECT count(*) FROM assets").Scan(&assets)
		st.db.QueryRow("SELECT count(*) FROM sweeps WHERE closed IS NULL").Scan(&open3)
		if assets != 5 || open3 != 0 {
			t.Errorf("%d assets (want 5: A D E G H, no duplicates), %d open sweeps (want 0)", assets, open3)
		}
	})
}

func checkNight(t *testing.T, night int, got, want map[int]string) {
	t.Helper()
	for shard, w := range want {
		if got[shard] != w {
			t.Errorf("night %d shard %d: changes %q, want %q", night, shard, got[shard], w)
		}
	}
}

// TestSweep_concurrentWritersNoLostUpdates: four scanners that all see the
// same 50 devices plus 100 of their own, finishing at once: every device is
// new exactly once across the runs and the asset table holds each once.
func TestSweep_concurrentWritersNoLostUpdates(t *testing.T) {
	forEachShared(t, func(t *testing.T, open func() (History, error)) {
		var scs []scanner
		for k := 1; k <= 4; k++ {
			sc := scanner{night: 1, shard: k}
			for i := 0; i < 50; i++ {
				sc.recs = append(sc.recs, rec(fmt.Sprintf("198.18.180.%d", i), fmt.Sprintf("44:a6:42:00:01:%02x", i), "shared", false))
			}
			for i := 0; i < 100; i++ {
				sc.recs = append(sc.recs, rec(fmt.Sprintf("198.18.18%d.%d", k, i), fmt.Sprintf("44:a6:42:00:%02x:%02x", 0x10+k, i), "own", false))
			}
			scs = append(scs, sc)
		}
		got := runAll(t, open, scs...)
		news := 0
		for _, c := range got {
			news += strings.Count(c, " new")
		}
		if news != 450 {
			t.Errorf("%d new across the runs, want 450 (50 shared once, 4×100 own)", news)
		}
		s, err := open()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var assets int
		s.(*Store).db.QueryRow("SELECT count(*) FROM assets").Scan(&assets)
		if assets != 450 {
			t.Errorf("%d assets, want 450", assets)
		}
	})
}

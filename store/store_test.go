package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func rec(ip, mac, zone string, flagged bool) *device.Record {
	r := &device.Record{Schema: device.SchemaDevice, Time: t0, IP: ip, MAC: mac, DeviceType: device.TypeCamera, Camera: true,
		Zone: device.Zone{Name: zone, Kind: device.ZonePrimary}, Flagged: flagged}
	if flagged {
		r.Findings = []device.Finding{{ID: device.FindingCoveredOnPrimary, Severity: device.SeverityHigh}}
	}
	return r
}

func openT(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{Path: path, LockWait: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sweep records one synthetic run and returns its changes.
func sweep(t *testing.T, s History, n int, o FinishOptions, recs ...*device.Record) []Change {
	t.Helper()
	ctx := t.Context()
	id := "run-" + string(rune('a'+n))
	if err := s.BeginRun(ctx, id, t0.Add(time.Duration(n)*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		c := *r
		c.RunID = id
		if err := s.AddRecord(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	ch, err := s.FinishRun(ctx, &device.RunRecord{RunID: id, End: t0.Add(time.Duration(n) * time.Hour)}, o)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func kinds(c []Change) string {
	var s []string
	for _, x := range c {
		k := x.Key + " " + string(x.Kind)
		if len(x.Fields) > 0 {
			k += "(" + strings.Join(x.Fields, ",") + ")"
		}
		s = append(s, k)
	}
	return strings.Join(s, "; ")
}

func TestStore_FinishRun_transitions(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) History) {
		s := newStore(t)
		o := FinishOptions{MissingAfter: 2}
		a := rec("198.18.1.10", "44:a6:42:00:00:01", "core", true)
		b := rec("198.18.1.11", "00:40:8c:00:00:02", "core", false)
		c := rec("198.18.1.12", "", "core", false)

		if got := kinds(sweep(t, s, 0, o, a, b, c)); got != "ip:core/198.18.1.12 new; mac:00:40:8c:00:00:02 new; mac:44:a6:42:00:00:01 new; mac:44:a6:42:00:00:01 flag-raised" {
			t.Errorf("run 1: %s", got)
		}
		moved := *a
		moved.Zone = device.Zone{Name: "cctv", Kind: device.ZoneIsolated}
		moved.Flagged, moved.Findings = false, nil
		if got := kinds(sweep(t, s, 1, o, &moved, c)); got != "mac:44:a6:42:00:00:01 changed(zone,findings); mac:44:a6:42:00:00:01 flag-cleared" {
			t.Errorf("run 2: %s", got)
		}
		// b missed twice: missing once, on the second miss.
		if got := kinds(sweep(t, s, 2, o, &moved, c)); got != "mac:00:40:8c:00:00:02 missing" {
			t.Errorf("run 3: %s", got)
		}
		if got := kinds(sweep(t, s, 3, o, &moved, c)); got != "" {
			t.Errorf("run 4 (unchanged): %s", got)
		}
		if got := kinds(sweep(t, s, 4, o, &moved, b, c)); got != "mac:00:40:8c:00:00:02 returned" {
			t.Errorf("run 5: %s", got)
		}
		runs, err := s.Runs(t.Context(), 0)
		if err != nil || len(runs) != 5 || runs[0].ID != "run-e" || runs[0].Devices != 3 {
			t.Fatalf("runs: %v %+v", err, runs)
		}
		ch, err := s.Diff(t.Context(), runs[4], runs[3])
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(ch); got != "mac:00:40:8c:00:00:02 missing; mac:44:a6:42:00:00:01 changed(zone,findings); mac:44:a6:42:00:00:01 flag-cleared" {
			t.Errorf("diff: %s", got)
		}
		ch, _ = s.Diff(t.Context(), runs[1], runs[0])
		if got := kinds(ch); got != "mac:00:40:8c:00:00:02 returned" {
			t.Errorf("diff returned: %s", got)
		}
		r, err := s.ResolveRun(t.Context(), "last~1")
		if err != nil || r.ID != "run-d" {
			t.Errorf("ResolveRun(last~1) = %v, %v", r.ID, err)
		}
	})
}

func TestStore_FinishRun_interruptedAndOutOfScopeNotMissed(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) History) {
		s := newStore(t)
		a := rec("198.18.1.10", "44:a6:42:00:00:01", "core", false)
		b := rec("198.18.2.10", "44:a6:42:00:00:02", "core", false)
		sweep(t, s, 0, FinishOptions{}, a, b)
		ctx := t.Context()
		if err := s.BeginRun(ctx, "int", t0); err != nil {
			t.Fatal(err)
		}
		ch, err := s.FinishRun(ctx, &device.RunRecord{RunID: "int", End: t0, Interrupted: true}, FinishOptions{})
		if err != nil || len(ch) != 0 {
			t.Errorf("interrupted run: %v %s", err, kinds(ch))
		}
		inScope := func(ip string) bool { return strings.HasPrefix(ip, "198.18.1.") }
		if got := kinds(sweep(t, s, 2, FinishOptions{InScope: inScope})); got != "mac:44:a6:42:00:00:01 missing" {
			t.Errorf("scoped run: %s", got)
		}
	})
}

func TestOpen_lockedSecondRunWaitsThenFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	openT(t, path)
	start := time.Now()
	_, err := Open(t.Context(), Config{Path: path, LockWait: 300 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if time.Since(start) < 300*time.Millisecond {
		t.Error("did not wait")
	}
	if !strings.Contains(err.Error(), "pid") {
		t.Errorf("message does not name the holder: %v", err)
	}
	// A reader is not blocked by the run lock.
	r, err := OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}

func TestOpen_refusesForeignAndNewer(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	body := []byte("this is my shopping list\n")
	os.WriteFile(junk, body, 0o600)
	if _, err := Open(t.Context(), Config{Path: junk}); !errors.Is(err, ErrForeign) {
		t.Errorf("text file: %v", err)
	}
	if b, _ := os.ReadFile(junk); string(b) != string(body) {
		t.Error("foreign file was modified")
	}

	other := filepath.Join(dir, "other.db")
	s, err := open(other, false)
	if err != nil {
		t.Fatal(err)
	}
	s.db.Exec("CREATE TABLE notes(x)")
	s.db.Close()
	if _, err := Open(t.Context(), Config{Path: other}); !errors.Is(err, ErrForeign) {
		t.Errorf("other SQLite: %v", err)
	}

	newer := filepath.Join(dir, "newer.db")
	s = openT(t, newer)
	s.db.Exec("PRAGMA user_version = 99")
	s.Close()
	if _, err := Open(t.Context(), Config{Path: newer}); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("newer schema: %v", err)
	}
	if _, err := OpenReadOnly(t.Context(), newer); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("newer schema read-only: %v", err)
	}
}

func TestOpen_reopenKeepsHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "h.db")
	s := openT(t, path)
	sweep(t, s, 0, FinishOptions{}, rec("198.18.1.10", "", "core", false))
	s.Close()
	s = openT(t, path)
	if got := kinds(sweep(t, s, 1, FinishOptions{}, rec("198.18.1.10", "", "core", false))); got != "" {
		t.Errorf("after reopen: %s", got)
	}
	var mode string
	s.db.QueryRowContext(context.Background(), "PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode %s", mode)
	}
}

func TestKey(t *testing.T) {
	v := "Hikvision"
	for _, tc := range []struct {
		r    device.Record
		want string
	}{
		{device.Record{IP: "10.0.0.1", MAC: "44:A6:42:00:00:01", Zone: device.Zone{Name: "z"}}, "mac:44:a6:42:00:00:01"},
		{device.Record{IP: "10.0.0.1", MAC: "02:00:00:00:00:01", Serial: "S1", Vendor: &v}, "serial:hikvision:S1"},
		{device.Record{IP: "10.0.0.1", Evidence: []device.RecordEvidence{{Fields: map[string]string{"wsd.epr": "urn:uuid:ABC-1"}}}}, "epr:abc-1"},
		{device.Record{IP: "10.0.0.1", MAC: "ff:ff:ff:ff:ff:ff", Zone: device.Zone{Name: "z"}}, "ip:z/10.0.0.1"},
	} {
		if got := Key(&tc.r); got != tc.want {
			t.Errorf("Key(%+v) = %s, want %s", tc.r, got, tc.want)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("STATE_DIRECTORY", "/var/lib/camsweep")
	if p, _ := DefaultPath(); p != "/var/lib/camsweep/history.db" {
		t.Errorf("systemd: %s", p)
	}
	t.Setenv("STATE_DIRECTORY", "")
	t.Setenv("XDG_STATE_HOME", "/x/state")
	if p, _ := DefaultPath(); p != "/x/state/camsweep/history.db" {
		t.Errorf("XDG: %s", p)
	}
	t.Setenv("XDG_STATE_HOME", "relative")
	t.Setenv("HOME", "/home/u")
	if p, _ := DefaultPath(); p != "/home/u/.local/state/camsweep/history.db" {
		t.Errorf("home: %s", p)
	}
}

// TestStore_FinishRun_identityKeptWhenMACComesAndGoes: a camera seen from
// its own segment (MAC and serial) and then across a router (serial only,
// another address) is one device that changed address, not a new device
// and a missing one; the history stays under its first key, in FinishRun
// and in Diff, and a third sweep with the MAC again matches directly.
func TestStore_FinishRun_identityKeptWhenMACComesAndGoes(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) History) {
		s := newStore(t)
		o := FinishOptions{MissingAfter: 1}
		hik := "Hikvision"
		onLink := rec("198.18.10.21", "44:a6:42:00:00:01", "core", true)
		onLink.Serial, onLink.Vendor = "DS-2CD2143G2-I20210101AAWRF00000001", &hik
		routed := *onLink
		routed.IP, routed.MAC = "198.18.20.21", ""
		other := rec("198.18.10.30", "00:40:8c:00:00:02", "core", false)

		sweep(t, s, 0, o, onLink, other)
		if got := kinds(sweep(t, s, 1, o, &routed, other)); got != "mac:44:a6:42:00:00:01 changed(ip)" {
			t.Errorf("run 2 (MAC gone): %s", got)
		}
		if got := kinds(sweep(t, s, 2, o, onLink, other)); got != "mac:44:a6:42:00:00:01 changed(ip)" {
			t.Errorf("run 3 (MAC back): %s", got)
		}
		runs, err := s.Runs(t.Context(), 0)
		if err != nil {
			t.Fatal(err)
		}
		ch, err := s.Diff(t.Context(), runs[2], runs[1])
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(ch); got != "mac:44:a6:42:00:00:01 changed(ip)" {
			t.Errorf("diff run 1 → run 2: %s", got)
		}
		// Two known devices carrying one serial are ambiguous: no match.
		twin := *onLink
		twin.MAC, twin.IP = "44:a6:42:00:00:09", "198.18.10.29"
		s2 := newStore(t)
		sweep(t, s2, 0, o, onLink, &twin)
		if got := kinds(sweep(t, s2, 1, o, &routed)); !strings.Contains(got, "new") {
			t.Errorf("ambiguous serial matched a device: %s", got)
		}
	})
}

// TestStore_FirstSeen: the first sweep's time follows a device by its key,
// and by its serial once its MAC is gone (before and after a sweep records
// it so); an unknown device, or a serial two devices carry, is not known.
func TestStore_FirstSeen(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) History) {
		s := newStore(t)
		ctx := t.Context()
		if since, err := s.Since(ctx); err != nil || !since.IsZero() {
			t.Errorf("empty history: Since = %v, %v; want zero", since, err)
		}
		o := FinishOptions{MissingAfter: 1}
		hik := "Hikvision"
		onLink := rec("198.18.10.21", "44:a6:42:00:00:01", "core", true)
		onLink.Serial, onLink.Vendor = "DS-2CD2143G2-I20210101AAWRF00000001", &hik
		routed := *onLink
		routed.IP, routed.MAC = "198.18.20.21", ""
		stranger := rec("198.18.10.40", "00:40:8c:00:00:40", "core", true)

		check := func(name string, r *device.Record, want time.Time, wantOK bool) {
			t.Helper()
			got, ok, err := s.FirstSeen(ctx, r)
			if err != nil || ok != wantOK || !got.Equal(want) {
				t.Errorf("%s: FirstSeen = %v, %v, %v; want %v, %v", name, got, ok, err, want, wantOK)
			}
		}
		sweep(t, s, 0, o, onLink)
		sweep(t, s, 1, o, onLink)
		check("by key", onLink, t0, true)
		check("by serial, MAC gone", &routed, t0, true)
		check("unknown", stranger, time.Time{}, false)

		sweep(t, s, 2, o, &routed) // the asset now holds the routed record
		check("by serial after a sweep without the MAC", &routed, t0, true)
		check("by key after a sweep without the MAC", onLink, t0, true)
		if since, err := s.Since(ctx); err != nil || !since.Equal(t0) {
			t.Errorf("Since = %v, %v; want %v", since, err, t0)
		}

		// Two devices carrying one serial: which one it is cannot be told.
		s = newStore(t)
		twin := *onLink
		twin.MAC, twin.IP = "44:a6:42:00:00:09", "198.18.10.29"
		sweep(t, s, 0, o, onLink, &twin)
		check("ambiguous serial", &routed, time.Time{}, false)
		check("twin by key", &twin, t0, true)
	})
}

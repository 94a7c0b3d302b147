package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/store"
	"github.com/camsweep/camsweep/store/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Shutdown()
	os.Exit(code)
}

// TestHistoryDiff_postgresSweep: history and diff read the shared history
// from $CAMSWEEP_STATE_DSN with --sweep and --site; diff --sweep compares
// two nights of a two-site sweep on their unions (a camera that moved from
// leeds to york is changed, not missing and new), in every change format.
func TestHistoryDiff_postgresSweep(t *testing.T) {
	dsn := pgtest.Need(t).NewDB(t)
	ctx := t.Context()
	st, err := store.OpenPostgres(ctx, dsn, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	cam := func(ip, site string) *device.Record {
		return &device.Record{Schema: device.SchemaDevice, IP: ip, MAC: "44:a6:42:00:00:01", DeviceType: device.TypeCamera, Camera: true,
			Zone: device.Zone{Name: site, Kind: device.ZonePrimary}}
	}
	other := &device.Record{Schema: device.SchemaDevice, IP: "198.18.190.9", MAC: "00:40:8c:00:00:09", Zone: device.Zone{Name: "leeds"}}
	night := func(n int, leeds, york []*device.Record) {
		for i, site := range []string{"leeds", "york"} {
			id := "n" + string(rune('0'+n)) + "-" + site
			start := t0.Add(time.Duration(n)*24*time.Hour + time.Duration(i)*time.Minute)
			if err := st.BeginRunIn(ctx, id, start, store.RunMeta{Sweep: "nightly", Site: site}); err != nil {
				t.Fatal(err)
			}
			recs := leeds
			if site == "york" {
				recs = york
			}
			for _, r := range recs {
				c := *r
				c.RunID = id
				if err := st.AddRecord(ctx, &c); err != nil {
					t.Fatal(err)
				}
			}
			pfx := map[string]string{"leeds": "198.18.190.", "york": "198.18.191."}[site]
			if _, err := st.FinishRun(ctx, &device.RunRecord{RunID: id, End: start.Add(time.Minute)}, store.FinishOptions{
				MissingAfter: 1, InScope: func(ip string) bool { return strings.HasPrefix(ip, pfx) },
				Sweep: store.SweepRun{Name: "nightly", Member: site, Size: 2}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	night(1, []*device.Record{cam("198.18.190.10", "leeds"), other}, nil)
	night(2, []*device.Record{other}, []*device.Record{cam("198.18.191.10", "york")})
	st.Close()

	t.Setenv(store.DSNEnv, dsn)
	cli := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := runIO(context.Background(), args, strings.NewReader(""), &out, &errb); code != 0 {
			t.Fatalf("camsweep %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	h := cli("history", "--sweep", "nightly", "--site", "york")
	if strings.Count(h, "\n") != 3 || !strings.Contains(h, "n1-york") || !strings.Contains(h, "nightly") || strings.Contains(h, "leeds") {
		t.Errorf("history --site york:\n%s", h)
	}
	var sum store.RunSummary
	hj := cli("history", "--sweep", "nightly", "--site", "leeds", "-n", "1", "--format", "json")
	if err := json.Unmarshal([]byte(hj), &sum); err != nil || sum.Schema != store.SchemaHistory || sum.RunID != "n2-leeds" ||
		sum.Site != "leeds" || sum.Devices != 1 || sum.ExitStatus == nil || sum.SweepID == "" {
		t.Errorf("history --format json: %+v %v\n%s", sum, err, hj)
	}
	for _, format := range []string{"json", "ecs", "ocsf", "csv", "cef", "table"} {
		out := cli("diff", "--sweep", "nightly", "--format", format)
		if !strings.Contains(out, "198.18.191.10") || strings.Contains(out, "missing") {
			t.Errorf("diff --sweep --format %s: want the camera changed, nothing missing:\n%s", format, out)
		}
	}
	var c store.Change
	if err := json.Unmarshal([]byte(cli("diff", "--sweep", "nightly", "--format", "json")), &c); err != nil ||
		c.Kind != store.ChangeChanged || strings.Join(c.Fields, ",") != "ip,zone" || c.RunID != "n2-york" {
		t.Errorf("diff --sweep json: %+v %v", c, err)
	}
	// Without --sweep, the last two runs are the two sites of night 2.
	if out := cli("diff", "--site", "leeds", "--format", "json"); !strings.Contains(out, `"missing"`) {
		t.Errorf("diff --site leeds (run against run): %s", out)
	}
	var errb bytes.Buffer
	if code := runIO(context.Background(), []string{"history", "--state", "postgres://u:s3cret@127.0.0.1/x"}, strings.NewReader(""), &bytes.Buffer{}, &errb); code != 2 ||
		strings.Contains(errb.String(), "s3cret") || !strings.Contains(errb.String(), "CAMSWEEP_STATE_DSN") {
		t.Errorf("password in argv: exit %d, %s", code, errb.String())
	}
}

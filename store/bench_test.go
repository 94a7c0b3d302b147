package store

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
)

// benchRecs is one scanner's share of 10,000 devices: n of them, shard k.
func benchRecs(k, n int) []*device.Record {
	hik := "Hikvision"
	out := make([]*device.Record, n)
	for i := range out {
		r := rec(fmt.Sprintf("10.%d.%d.%d", k, i/250, i%250+1), fmt.Sprintf("44:a6:42:%02x:%02x:%02x", k, i/256, i%256), fmt.Sprintf("site-%d", k), i%7 == 0)
		r.Vendor, r.Model, r.Firmware = &hik, "DS-2CD2143G2-I", "V5.7.3"
		out[i] = r
	}
	return out
}

// BenchmarkRecord10k records 10,000 devices (issue 19): into PostgreSQL
// from 4 concurrent scanners of one sweep (2,500 each), and into SQLite
// from one scanner; it reports the database size beside the time. Not a
// timed test: go test -run '^$' -bench Record10k -benchtime 1x ./store/
func BenchmarkRecord10k(b *testing.B) {
	run := func(b *testing.B, s History, id string, recs []*device.Record, sw SweepRun) {
		ctx := b.Context()
		if err := s.BeginRunIn(ctx, id, t0, RunMeta{Sweep: sw.Name, Shard: sw.Member}); err != nil {
			b.Fatal(err)
		}
		for _, r := range recs {
			c := *r
			c.RunID = id
			if err := s.AddRecord(ctx, &c); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.FinishRun(ctx, &device.RunRecord{RunID: id, End: t0.Add(time.Minute)}, FinishOptions{Sweep: sw}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("postgres-4-scanners", func(b *testing.B) {
		srv := needPostgres(b)
		var size, empty int64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			dsn := srv.NewDB(b)
			stores := make([]*Store, 4)
			for k := range stores {
				s, err := OpenPostgres(b.Context(), dsn, Config{})
				if err != nil {
					b.Fatal(err)
				}
				stores[k] = s
			}
			stores[0].db.QueryRow("SELECT pg_database_size(current_database())").Scan(&empty)
			b.StartTimer()
			var wg sync.WaitGroup
			for k, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					shard := fmt.Sprintf("%d/4", k+1)
					run(b, s, fmt.Sprintf("b%d-%d", i, k), benchRecs(k, 2500), SweepRun{Name: "bench", Member: shard, Size: 4})
				}()
			}
			wg.Wait()
			b.StopTimer()
			stores[0].db.QueryRow("SELECT pg_database_size(current_database())").Scan(&size)
			for _, s := range stores {
				s.Close()
			}
		}
		b.ReportMetric(float64(size)/(1<<20), "MiB-db")
		// PostgreSQL's catalogue of an empty database, with our tables.
		b.ReportMetric(float64(size-empty)/(1<<20), "MiB-recorded")
	})
	b.Run("sqlite-1-scanner", func(b *testing.B) {
		var size int64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			path := filepath.Join(b.TempDir(), "h.db")
			s, err := Open(b.Context(), Config{Path: path})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			run(b, s, fmt.Sprintf("b%d", i), benchRecs(0, 10000), SweepRun{})
			b.StopTimer()
			s.Close() // checkpoints the WAL into the file
			fi, err := os.Stat(path)
			if err == nil {
				size = fi.Size()
			}
		}
		b.ReportMetric(float64(size)/(1<<20), "MiB-db")
	})
}

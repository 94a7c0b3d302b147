package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
)

// TestOpen_pathTakenLiterally: the path is no longer pasted into the SQLite
// URI, where "#" ended the path, "%41" meant "A" and "?" began parameters:
// each database lands exactly at the path given, created 0600, and nowhere
// else.
func TestOpen_pathTakenLiterally(t *testing.T) {
	ctx := context.Background()
	for _, rel := range []string{"dir#x/h.db", "%41/h%41.db", "q?mode=memory&x=1/h.db", "sp ace/ü.db", "semi;colon/h.db"} {
		t.Run(rel, func(t *testing.T) {
			root := t.TempDir()
			p := filepath.Join(root, rel)
			st, err := Open(ctx, Config{Path: p})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.BeginRun(ctx, "run-1", time.Unix(1, 0)); err != nil {
				t.Fatal(err)
			}
			if err := st.AddRecord(ctx, &device.Record{RunID: "run-1", IP: "198.18.0.1"}); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("no database at the path given: %v", err)
			}
			if fi.Size() == 0 {
				t.Errorf("%s is empty", p)
			}
			if m := fi.Mode().Perm(); m != 0o600 {
				t.Errorf("%s created %#o, want 0600", p, m)
			}
			// Nothing but the database, its lock and SQLite's own side files
			// beside it, and nothing at the path's truncations.
			var found []string
			filepath.WalkDir(root, func(q string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					r, _ := filepath.Rel(root, q)
					found = append(found, r)
				}
				return nil
			})
			for _, f := range found {
				switch f {
				case rel, rel + ".lock", rel + "-wal", rel + "-shm":
				default:
					t.Errorf("unexpected file %q (files: %q)", f, found)
				}
			}
			ro, err := OpenReadOnly(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			defer ro.Close()
			runs, err := ro.Runs(ctx, 0)
			if err != nil || len(runs) != 1 || runs[0].Devices != 1 {
				t.Errorf("read back %+v, %v", runs, err)
			}
		})
	}
}

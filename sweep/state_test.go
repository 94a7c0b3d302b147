package sweep

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/store"
)

// TestResolveState: a password on the command line is refused (usage
// error, the message without it); --state-file and $CAMSWEEP_STATE_DSN give
// connection strings; a plain --state is a path as before.
func TestResolveState(t *testing.T) {
	t.Setenv(store.DSNEnv, "")
	dir := t.TempDir()
	file := filepath.Join(dir, "dsn")
	os.WriteFile(file, []byte("postgres://scan:s3cret@db.example/camsweep\n"), 0o600)

	_, err := ResolveState("postgres://scan:s3cret@db.example/camsweep", "")
	if exitcode.Of(err, 0) != exitcode.Usage || !strings.Contains(err.Error(), "CAMSWEEP_STATE_DSN") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("password in argv: %v", err)
	}
	if got, err := ResolveState("postgres://scan@db.example/camsweep", ""); err != nil || got != "postgres://scan@db.example/camsweep" {
		t.Errorf("no password: %q %v", got, err)
	}
	if got, err := ResolveState("", file); err != nil || got != "postgres://scan:s3cret@db.example/camsweep" {
		t.Errorf("--state-file: %q %v", got, err)
	}
	if _, err := ResolveState("x.db", file); exitcode.Of(err, 0) != exitcode.Usage {
		t.Errorf("both: %v", err)
	}
	t.Setenv(store.DSNEnv, "postgres://scan:s3cret@db.example/env")
	if got, err := ResolveState("", ""); err != nil || got != "postgres://scan:s3cret@db.example/env" {
		t.Errorf("env: %q %v", got, err)
	}
	if got, err := ResolveState(filepath.Join(dir, "h.db"), ""); err != nil || got != filepath.Join(dir, "h.db") {
		t.Errorf("--state PATH beats the environment: %q %v", got, err)
	}
	t.Setenv(store.DSNEnv, "/not/a/dsn")
	if _, err := ResolveState("", ""); exitcode.Of(err, 0) != exitcode.Usage {
		t.Errorf("bad env: %v", err)
	}
}

// TestShardScope: a sharded run of a sweep owns exactly the addresses its
// iterator yields, shuffled or not; the shards' scopes partition the
// targets.
func TestShardScope(t *testing.T) {
	for _, shuffle := range []bool{false, true} {
		owners := map[string]int{}
		var total uint64
		for k := 1; k <= 3; k++ {
			o := &Options{Args: []string{"198.18.180.0/28", "198.18.181.5"}, Shard: fmt.Sprintf("%d/3", k), Shuffle: shuffle, Seed: 7}
			p, err := planTargets(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			in := p.shardScope(zerolog.Nop())
			total = p.set.Count() // .0 and .15 of the /28 are left out
			it, _ := p.set.Iter(p.iterOpts)
			for a, ok := it.Next(); ok; a, ok = it.Next() {
				if !in(a.String()) {
					t.Errorf("shuffle %v shard %d: own address %s out of scope", shuffle, k, a)
				}
			}
			for i := 0; i < 16; i++ {
				ip := fmt.Sprintf("198.18.180.%d", i)
				if in(ip) {
					owners[ip]++
				}
			}
			if in("198.18.181.5") {
				owners["198.18.181.5"]++
			}
			if in("198.18.182.1") || in("not an ip") || in("2001:db8::1") {
				t.Errorf("shard %d: an address outside the targets is in scope", k)
			}
		}
		if uint64(len(owners)) != total || total < 15 {
			t.Errorf("shuffle %v: %d addresses owned, want all %d", shuffle, len(owners), total)
		}
		for ip, n := range owners {
			if n != 1 {
				t.Errorf("shuffle %v: %s owned by %d shards", shuffle, ip, n)
			}
		}
	}
}

func TestValidateHistory(t *testing.T) {
	o := Defaults()
	o.NoState, o.SweepName = true, "nightly"
	if err := o.validateHistory(); exitcode.Of(err, 0) != exitcode.Usage {
		t.Errorf("--no-state --sweep: %v", err)
	}
	o = Defaults()
	o.SweepSize = 4
	if err := o.validateHistory(); exitcode.Of(err, 0) != exitcode.Usage {
		t.Errorf("--sweep-size without --sweep: %v", err)
	}
	o.SweepName, o.Site, o.Shard = "nightly", "leeds", "2/4"
	if err := o.validateHistory(); err != nil {
		t.Error(err)
	}
	if m := o.runMeta(); m != (store.RunMeta{Sweep: "nightly", Site: "leeds", Shard: "2/4"}) {
		t.Errorf("runMeta %+v", m)
	}
}

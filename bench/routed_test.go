package main

import (
	"bufio"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/lab"
)

// TestQuietSpecs: the routed and office labs validate as lab specs, hold
// 250 silent hosts inside their target range, and put the jump host where
// the comparison needs it (routed: off the range; office: on it).
func TestQuietSpecs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   *lab.Spec
		target string
		routed bool
	}{
		{"routed", routedSpec(), routedCIDR, true},
		{"office", officeSpec(), officeCIDR, false},
	} {
		data, err := tc.spec.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		s, err := lab.ParseSpec(tc.name+".yaml", data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		pfx := netip.MustParsePrefix(tc.target)
		seen := map[string]bool{}
		for _, d := range s.Devices {
			if d.Profile != "silent-host" || !pfx.Contains(netip.MustParseAddr(d.Address)) || seen[d.Address] {
				t.Errorf("%s: device %+v", tc.name, d)
			}
			seen[d.Address] = true
		}
		if len(seen) != quietHosts {
			t.Errorf("%s: %d hosts, want %d", tc.name, len(seen), quietHosts)
		}
		if jumpIn := pfx.Contains(netip.MustParseAddr(s.Jump.Address)); jumpIn == tc.routed {
			t.Errorf("%s: jump host %s inside the target %v, want %v", tc.name, s.Jump.Address, jumpIn, !tc.routed)
		}
	}
}

func TestQuietBounds(t *testing.T) {
	// 65534 addresses at 250 a second, + 1.5 s listening.
	if got, want := routedBound(), 263636*time.Millisecond; got < want-time.Second || got > want+time.Second {
		t.Errorf("routed bound %v, want about %v", got, want)
	}
	if b := officeBound(); b < 4*time.Second || b > 10*time.Second {
		t.Errorf("office bound %v, want 4-10 s", b)
	}
}

func TestParseTableFulls(t *testing.T) {
	const stat = `entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls
00000001 0000074a 000004a3 00000003   0001aa66 00014032 0000092f   00000000         00000000         00000000         00000001       00000000            0000000a
00000001 00000000 00000000 00000000   00000000 00000000 00000000   00000000         00000000         00000000         00000000       00000000            00000010
`
	if got := parseTableFulls(bufio.NewScanner(strings.NewReader(stat))); got != 26 {
		t.Errorf("table_fulls = %d, want 26 (0xa + 0x10)", got)
	}
	if got := parseTableFulls(bufio.NewScanner(strings.NewReader("entries allocs\n1 2\n"))); got != -1 {
		t.Errorf("no table_fulls column: %d, want -1", got)
	}
}

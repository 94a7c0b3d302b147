package neigh

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var fixture = filepath.Join("..", "..", "testdata", "neigh", "proc-net-arp.txt")

func TestParseProcNetARP_fixture(t *testing.T) {
	f, err := os.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseProcNetARP(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Addr: netip.MustParseAddr("198.18.1.10"), MAC: "c4:2f:90:42:5f:1a", Device: "veth-cctv", Flags: 0x2},
		{Addr: netip.MustParseAddr("198.18.1.11"), MAC: "3c:ef:8c:61:01:c0", Device: "veth-cctv", Flags: 0x2},
		{Addr: netip.MustParseAddr("198.18.0.1"), MAC: "02:00:5e:10:00:01", Device: "veth-jump", Flags: 0x6},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseProcNetARP_errors(t *testing.T) {
	const hdr = "IP address       HW type     Flags       HW address            Mask     Device\n"
	for name, in := range map[string]string{
		"empty":       "",
		"not the arp": "Iface\tDestination\tGateway\n",
		"short row":   hdr + "198.18.1.10 0x1 0x2\n",
		"bad address": hdr + "198.18.1.300 0x1 0x2 c4:2f:90:42:5f:1a * eth0\n",
		"bad flags":   hdr + "198.18.1.3 0x1 0xZZ c4:2f:90:42:5f:1a * eth0\n",
	} {
		if _, err := ParseProcNetARP(strings.NewReader(in)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error = %v, want ErrFormat", name, err)
		}
	}
}

func TestParseProcNetARP_skipsNonMAC(t *testing.T) {
	in := "IP address       HW type     Flags       HW address            Mask     Device\n" +
		"198.18.1.5       0x20        0x2         80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:1f:9a:51 * ib0\n"
	got, err := ParseProcNetARP(strings.NewReader(in))
	if err != nil || len(got) != 0 {
		t.Errorf("got %v, %v; want nothing", got, err)
	}
}

func TestLookup(t *testing.T) {
	m, err := Lookup(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 3 || m[netip.MustParseAddr("198.18.1.10")] != "c4:2f:90:42:5f:1a" {
		t.Errorf("Lookup = %v", m)
	}
	if _, ok := m[netip.MustParseAddr("198.18.1.12")]; ok {
		t.Error("incomplete entry returned")
	}
	if _, err := Lookup(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error = %v", err)
	}
}

func TestLookup_defaultPath(t *testing.T) {
	if _, err := os.Stat(DefaultPath); err != nil {
		t.Skip("no /proc/net/arp here")
	}
	if _, err := Lookup(DefaultPath); err != nil {
		t.Fatal(err)
	}
}

func TestEntry_Evidence(t *testing.T) {
	e := Entry{Addr: netip.MustParseAddr("198.18.1.10"), MAC: "c4:2f:90:42:5f:1a"}.Evidence()
	if e.Source != "arp" || e.MAC != "c4:2f:90:42:5f:1a" || e.Fields["arp.method"] != "kernel-neighbour" {
		t.Errorf("Evidence() = %+v", e)
	}
}

func FuzzParseProcNetARP(f *testing.F) {
	b, err := os.ReadFile(fixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, _ := ParseProcNetARP(strings.NewReader(string(b)))
		for _, e := range entries {
			if !e.Addr.Is4() || len(e.MAC) != 17 || e.MAC != strings.ToLower(e.MAC) || e.MAC == "00:00:00:00:00:00" {
				t.Fatalf("bad entry %+v", e)
			}
		}
	})
}

// TestCached: the table is reread once ttl has passed, not on every call.
func TestCached(t *testing.T) {
	path := filepath.Join(t.TempDir(), "arp")
	write := func(mac string) {
		t.Helper()
		tbl := "IP address       HW type     Flags       HW address            Mask     Device\n" +
			"198.18.10.27     0x1         0x2         " + mac + "     *        eth0\n"
		if err := os.WriteFile(path, []byte(tbl), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Unix(1000, 0)
	lookup := Cached(path, time.Second, func() time.Time { return now })
	a := netip.MustParseAddr("198.18.10.27")
	write("c0:56:e3:1b:10:27")
	if m, err := lookup(); err != nil || m[a] != "c0:56:e3:1b:10:27" {
		t.Fatalf("first lookup: %v %v", m, err)
	}
	write("c0:56:e3:1b:10:28")
	now = now.Add(500 * time.Millisecond)
	if m, _ := lookup(); m[a] != "c0:56:e3:1b:10:27" {
		t.Errorf("reread before ttl: %v", m)
	}
	now = now.Add(600 * time.Millisecond)
	if m, _ := lookup(); m[a] != "c0:56:e3:1b:10:28" {
		t.Errorf("not reread after ttl: %v", m)
	}
}

package arp

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
)

// TestSweeper_Sweep_alternatingMACsOnce: a forger answering one address
// with MACs taking turns makes one evidence per (address, MAC), not one per
// change of MAC (issue 14 item 2: 236 items for one address), and at most
// maxMACsPerAddr MACs per address.
func TestSweeper_Sweep_alternatingMACsOnce(t *testing.T) {
	fc := newFake(nil)
	a, b := netip.MustParseAddr("198.18.10.20"), netip.MustParseAddr("198.18.10.21")
	for range 100 {
		fc.frames <- replyFrame(hik, a, ourAddr, OpReply)
		fc.frames <- replyFrame(dahua, a, ourAddr, OpReply)
	}
	for i := range 40 {
		fc.frames <- replyFrame([6]byte{2, 0, 0, 0, 0, byte(i)}, b, ourAddr, OpReply)
	}
	got := sweepWith(t, fc, rangeScope("198.18.10.0", 20, 21), 0)
	n := map[netip.Addr]int{}
	for _, ev := range got {
		n[ev.Addr]++
	}
	if n[a] != 2 || n[b] != maxMACsPerAddr {
		t.Errorf("evidence per address %v, want 2 for %s and %d for %s", n, a, maxMACsPerAddr, b)
	}
}

// TestSweeper_Sweep_gatewayMarked: a reply from a router of the interface
// (by the route table) carries arp.gateway, so the engine does not take
// its proxy ARP for spoofing; another sender does not.
func TestSweeper_Sweep_gatewayMarked(t *testing.T) {
	gw, other := netip.MustParseAddr("198.18.10.1"), netip.MustParseAddr("198.18.10.20")
	fc := newFake(map[netip.Addr][6]byte{gw: dahua, other: hik})
	s, err := New(Config{
		Retries: 0, Wait: 50 * time.Millisecond,
		Links: func(string) ([]Link, error) {
			return []Link{{Name: "eth0", Index: 2, MAC: ourMAC, Prefix: netip.PrefixFrom(ourAddr, 24)}}, nil
		},
		Open:     func(Link) (Conn, error) { return fc, nil },
		Gateways: func() (map[string][]netip.Addr, error) { return map[string][]netip.Addr{"eth0": {gw}}, nil },
		VLANs:    func() (map[string]uint16, error) { return nil, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[netip.Addr]device.Evidence{}
	err = s.Sweep(context.Background(), rangeScope("198.18.10.0", 1, 30), nopPacer{}, func(ev device.Evidence) {
		mu.Lock()
		got[ev.Addr] = ev
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if got[gw].Fields["arp.gateway"] != "true" || got[other].Fields["arp.gateway"] != "" || len(got) != 2 {
		t.Errorf("evidence %+v", got)
	}
}

func TestParseRoutes(t *testing.T) {
	const table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		"eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
		"eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
		"eth0\t0000A8C0\t010200C0\t0003\t0\t0\t0\t0000FFFF\t0\t0\t0\n" +
		"eth1\t000012C6\t FE0012C6\t0003\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
	got, err := ParseRoutes("route", []byte(table))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got["eth0"]) != 1 || got["eth0"][0].String() != "192.0.2.1" || got["eth1"][0].String() != "198.18.0.254" {
		t.Errorf("ParseRoutes = %v", got)
	}
	for _, bad := range []string{"h\neth0 0 1\n", "h\neth0 00000000 0102 0003\n", "h\neth0 00000000 010200C0 zz\n"} {
		if _, err := ParseRoutes("route", []byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "route:2: ") {
			t.Errorf("ParseRoutes(%q) = %v, want an error at route:2", bad, err)
		}
	}
}

func FuzzParseRoutes(f *testing.F) {
	f.Add([]byte("Iface\tDestination\tGateway\tFlags\neth0\t00000000\t010200C0\t0003\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseRoutes("fuzz", b)
	})
}

package ssdp

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// hostPacer counts its waits and the hosts it was asked to pace for.
type hostPacer struct {
	scantest.Pacer
	mu    sync.Mutex
	hosts []netip.Addr
}

func (p *hostPacer) ForHost(a netip.Addr) scanner.Pacer {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hosts = append(p.hosts, a)
	return &p.Pacer
}

// responders answers M-SEARCH on each of addrs (127.0.0.x, one UDP port
// for all) with the Axis reply whose LOCATION is loc.
func responders(t *testing.T, addrs []string, loc string) uint16 {
	t.Helper()
	reply := strings.Replace(string(readFixture(t, "axis-msearch-response.txt")),
		"http://192.0.2.23:49152/rootdesc1.xml", loc, 1)
	var port int
	for attempt := 0; ; attempt++ {
		var conns []net.PacketConn
		ok := true
		for i, a := range addrs {
			pc, err := net.ListenPacket("udp4", fmt.Sprintf("%s:%d", a, port))
			if err != nil {
				ok = false
				break
			}
			if i == 0 {
				port = pc.LocalAddr().(*net.UDPAddr).Port
			}
			conns = append(conns, pc)
		}
		if !ok {
			for _, c := range conns {
				c.Close()
			}
			port = 0
			if attempt > 20 {
				t.Skip("no common UDP port free on 127.0.0.x")
			}
			continue
		}
		for _, pc := range conns {
			t.Cleanup(func() { pc.Close() })
			go func() {
				buf := make([]byte, 4096)
				for {
					n, src, err := pc.ReadFrom(buf)
					if err != nil {
						return
					}
					if strings.HasPrefix(string(buf[:n]), "M-SEARCH * HTTP/1.1\r\n") {
						pc.WriteTo([]byte(reply), src)
					}
				}
			}()
		}
		return uint16(port)
	}
}

// TestSweeper_Sweep_locationHijack: responders whose LOCATION names
// another in-scope host neither make the scan connect there nor take its
// description; the host itself has its description fetched once, paced by
// its own budget (issue 14 item 4).
func TestSweeper_Sweep_locationHijack(t *testing.T) {
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Write(readFixture(t, "axis-rootdesc.xml"))
	}))
	t.Cleanup(srv.Close)
	loc := srv.URL + "/rootdesc1.xml" // on 127.0.0.1
	for _, tc := range []struct {
		name     string
		addrs    []string
		fetches  int32
		describe []string
	}{
		{"host and hijackers", []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}, 1, []string{"127.0.0.1"}},
		{"hijackers only", []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fetches.Store(0)
			port := responders(t, tc.addrs, loc)
			scope := scantest.Scope{}
			for _, a := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"} {
				scope = append(scope, netip.MustParseAddr(a))
			}
			s := scantest.Build(t, New, Config{Port: port, NoMulticast: true, Window: 300 * time.Millisecond, FetchTimeout: time.Second, Interfaces: noIfs})
			var mu sync.Mutex
			var got []device.Evidence
			pace := &hostPacer{}
			if err := s.Sweep(context.Background(), scope, pace, func(ev device.Evidence) {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, ev)
			}); err != nil {
				t.Fatal(err)
			}
			if n := fetches.Load(); n != tc.fetches {
				t.Errorf("%d description fetches, want %d", n, tc.fetches)
			}
			var described []string
			msgs := 0
			for _, ev := range got {
				if ev.Fields["ssdp.model_name"] != "" {
					described = append(described, ev.Addr.String())
				} else if ev.Fields["ssdp.location"] == loc {
					msgs++
				}
			}
			if fmt.Sprint(described) != fmt.Sprint(tc.describe) || msgs != len(tc.addrs) {
				t.Errorf("described %v (want %v), %d message items (want %d)", described, tc.describe, msgs, len(tc.addrs))
			}
			if want := tc.describe; fmt.Sprint(pace.hosts) != fmt.Sprint(want) {
				t.Errorf("ForHost %v, want %v", pace.hosts, want)
			}
		})
	}
}

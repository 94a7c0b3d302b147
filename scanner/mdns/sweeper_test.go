package mdns

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

type listScope []netip.Addr

type listIter struct {
	s listScope
	i int
}

func (it *listIter) Next() (netip.Addr, bool) {
	if it.i >= len(it.s) {
		return netip.Addr{}, false
	}
	it.i++
	return it.s[it.i-1], true
}

func (s listScope) Iter() scanner.AddrSource { return &listIter{s: s} }
func (s listScope) Contains(a netip.Addr) bool {
	for _, x := range s {
		if x == a {
			return true
		}
	}
	return false
}

type countPacer struct{ n atomic.Int64 }

func (p *countPacer) Wait(ctx context.Context) error {
	p.n.Add(1)
	return ctx.Err()
}

// responder answers a query that asks for _CGI._tcp with the real
// Hikvision reply, the ID echoed as legacy unicast requires, twice.
func responder(t *testing.T) (uint16, *atomic.Int64) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	var asked atomic.Int64
	go func() {
		buf := make([]byte, 9000)
		for {
			n, src, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var q dns.Msg
			if q.Unpack(buf[:n]) != nil {
				continue
			}
			for _, qq := range q.Question {
				if qq.Name == "_CGI._tcp.local." && qq.Qclass&(1<<15) != 0 {
					asked.Add(1)
					r := hikvisionCGI()
					r.Id = q.Id
					b, _ := r.Pack()
					pc.WriteTo(b, src)
					pc.WriteTo(b, src) // answered twice: emitted once
					pc.WriteTo([]byte("garbage"), src)
				}
			}
		}
	}()
	return uint16(pc.LocalAddr().(*net.UDPAddr).Port), &asked
}

func TestSweeper_Sweep_unicastReply(t *testing.T) {
	port, asked := responder(t)
	s, err := New(Config{Port: port, NoMulticast: true, Window: 300 * time.Millisecond,
		Interfaces: func() ([]net.Interface, error) { return nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []device.Evidence
	pace := &countPacer{}
	scope := listScope{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")}
	err = s.Sweep(t.Context(), scope, pace, func(ev device.Evidence) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
	})
	if err != nil {
		t.Fatal(err)
	}
	if pace.n.Load() != 2 {
		t.Errorf("pace.Wait called %d times, want one per target", pace.n.Load())
	}
	if asked.Load() != 1 {
		t.Errorf("responder asked %d times", asked.Load())
	}
	if len(got) != 1 {
		t.Fatalf("got %d evidence items, want 1: %v", len(got), got)
	}
	ev := got[0]
	if ev.Addr != netip.MustParseAddr("127.0.0.1") || ev.Fields["mdns.instance"] != "HIKVISION DS-2CD2722FWD-IZS - 733050075" {
		t.Errorf("evidence %+v", ev)
	}
}

func TestSweeper_Sweep_ctxEnds(t *testing.T) {
	s, err := New(Config{Port: 9, NoMulticast: true, Window: time.Hour,
		Interfaces: func() ([]net.Interface, error) { return nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = s.Sweep(ctx, listScope{netip.MustParseAddr("127.0.0.1")}, &countPacer{}, func(device.Evidence) {})
	if time.Since(start) > 2*time.Second {
		t.Errorf("sweep outlived its context")
	}
}

func TestNew_badConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"window":  {Window: -1},
		"group":   {Group: netip.MustParseAddr("198.18.0.1")},
		"service": {Services: []string{"http"}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

package wsd

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

type noPace struct{ n int }

func (p *noPace) Wait(ctx context.Context) error { p.n++; return ctx.Err() }

// responder answers each probe whose Types ask for an NVT (or nothing) with
// the real Hikvision reply, RelatesTo set to the probe's id, and then with
// a reply to a probe nobody sent.
func responder(t *testing.T, answer func(m *Message) bool) (netip.AddrPort, *sync.Map) {
	t.Helper()
	tpl := string(fixture(t, "hikvision-ds-2cd3955fwd-iws.xml"))
	var got sync.Map
	port := scantest.ServeUDP(t, "127.0.0.1", 0, func(req []byte) [][]byte {
		m, err := Parse(req)
		if err != nil || m.Kind != KindProbe {
			return nil
		}
		got.Store(m.MessageID, strings.Join(m.ProbeTypes, " "))
		if !answer(m) {
			return nil
		}
		rep := strings.Replace(tpl, "uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649", m.MessageID, 1)
		// The second reply's RelatesTo matches nothing of ours.
		return [][]byte{[]byte(rep), []byte(tpl), []byte("garbage")}
	})
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), &got
}

func collect() (func(device.Evidence), func() []device.Evidence) {
	var mu sync.Mutex
	var evs []device.Evidence
	return func(ev device.Evidence) {
			mu.Lock()
			evs = append(evs, ev)
			mu.Unlock()
		}, func() []device.Evidence {
			mu.Lock()
			defer mu.Unlock()
			return append([]device.Evidence(nil), evs...)
		}
}

func TestSweeper_Sweep_unicastReply(t *testing.T) {
	ap, got := responder(t, func(m *Message) bool {
		return len(m.ProbeTypes) == 1 && m.ProbeTypes[0] == TypeNVT
	})
	s := scantest.Build(t, New, Config{NoMulticast: true, UnicastPort: ap.Port(), Window: 300 * time.Millisecond})
	emit, evs := collect()
	pace := &noPace{}
	scope := scantest.Scope{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}
	if err := s.Sweep(t.Context(), scope, pace, emit); err != nil {
		t.Fatal(err)
	}
	if pace.n != 2 {
		t.Errorf("pace.Wait called %d times, want 2 (two typed probes to the one IPv4 target)", pace.n)
	}
	n := 0
	got.Range(func(_, _ any) bool { n++; return true })
	if n != 2 {
		t.Errorf("responder saw %d probes, want 2", n)
	}
	e := evs()
	if len(e) != 1 {
		t.Fatalf("%d evidence items, want 1: %+v", len(e), e)
	}
	f := e[0].Fields
	if e[0].Addr != ap.Addr() || f["wsd.via"] != "unicast" || f["wsd.scope.hardware"] != "DS-2CD3955FWD-IWS" {
		t.Errorf("evidence %v %v", e[0].Addr, f)
	}
	if f["wsd.other_addrs"] != "192.168.0.218" {
		t.Errorf("wsd.other_addrs = %q", f["wsd.other_addrs"])
	}
}

// The multicast half sends each typed probe Repeat times on each interface;
// the group is a loopback responder here.
func TestSweeper_Sweep_multicastRepeatsAndDedups(t *testing.T) {
	ap, got := responder(t, func(*Message) bool { return true })
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skip("no lo interface")
	}
	hello := make(chan net.PacketConn, 1)
	s, err := New(Config{
		NoUnicast:  true,
		Untyped:    true,
		Group:      ap,
		Window:     300 * time.Millisecond,
		Jitter:     time.Millisecond,
		Interfaces: func() ([]net.Interface, error) { return []net.Interface{*lo}, nil },
		Iface:      "lo",
		ListenHello: func([]net.Interface) (net.PacketConn, error) {
			c, err := net.ListenPacket("udp4", "127.0.0.1:0")
			hello <- c
			return c, err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	emit, evs := collect()
	pace := &noPace{}
	done := make(chan error)
	go func() { done <- s.Sweep(t.Context(), nil, pace, emit) }()
	hc := <-hello
	sender, err := net.Dial("udp4", hc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	sender.Write(fixture(t, "dahua-ipc-hfw2228m-i1-v2-hello.xml"))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if pace.n != 6 {
		t.Errorf("%d packets, want 2 rounds x 3 probes", pace.n)
	}
	n := 0
	got.Range(func(_, _ any) bool { n++; return true })
	if n != 6 {
		t.Errorf("responder saw %d probes, want 6", n)
	}
	var matches, hellos int
	for _, ev := range evs() {
		switch ev.Fields["wsd.via"] {
		case "multicast":
			matches++
		case "passive":
			hellos++
			if ev.Fields["wsd.scope.hardware"] != "IPC-HFW2228M-I1-V2" {
				t.Errorf("hello %v", ev.Fields)
			}
		}
	}
	if matches != 1 || hellos != 1 {
		t.Errorf("%d matches, %d hellos; want the six identical replies once and the Hello", matches, hellos)
	}
}

func TestSweeper_Sweep_ctxEndsEarly(t *testing.T) {
	s := scantest.Build(t, New, Config{NoMulticast: true, UnicastPort: 9, Window: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Sweep(ctx, scantest.Scope{netip.MustParseAddr("127.0.0.1")}, &noPace{}, func(device.Evidence) {})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("Sweep = %v after %v; want the ctx error promptly", err, time.Since(start))
	}
}

func TestSweeper_unknownIface(t *testing.T) {
	s, _ := New(Config{Iface: "nope0"})
	if err := s.Sweep(t.Context(), nil, &noPace{}, func(device.Evidence) {}); err == nil {
		t.Error("no error for a missing interface")
	}
}

func TestNew_rejectsBadConfig(t *testing.T) {
	if _, err := New(Config{TTL: 300}); err == nil {
		t.Error("TTL 300 accepted")
	}
}

// TestSweep_handle_floodBoundedPerResponder: one responder sending
// thousands of distinct matches has at most maxPerResponder emitted, each
// once; another responder is not starved by it (issue 14 item 1).
func TestSweep_handle_floodBoundedPerResponder(t *testing.T) {
	tpl := string(fixture(t, "hikvision-ds-2cd3955fwd-iws.xml"))
	s := scantest.Build(t, New, Config{})
	emit, got := collect()
	sw := &sweep{s: s, emit: emit, sent: map[string]string{}}
	id := "urn:uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649"
	sw.sent[NormalizeID(id)] = "unicast"
	flood, calm := netip.MustParseAddrPort("198.18.0.9:3702"), netip.MustParseAddrPort("198.18.0.10:3702")
	for i := range 1000 {
		epr := fmt.Sprintf("urn:uuid:18ec6401-3aa0-11b5-83f6-%012d", i)
		msg := []byte(strings.ReplaceAll(tpl, "urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d", epr))
		sw.handle(msg, flood)
		sw.handle(msg, flood) // a repeat
	}
	sw.handle([]byte(tpl), calm)
	sw.handle([]byte(tpl), calm)
	n := map[netip.Addr]int{}
	for _, ev := range got() {
		n[ev.Addr]++
	}
	if n[flood.Addr()] != maxPerResponder || n[calm.Addr()] != 1 {
		t.Errorf("emitted per responder %v, want %d and 1", n, maxPerResponder)
	}
	// Repeats of an emitted match are no drop; the rest past the bound
	// are, also when repeated (their hashes are not kept).
	if want := 2 * (1000 - maxPerResponder); sw.seen.dropped != want {
		t.Errorf("dropped %d, want %d", sw.seen.dropped, want)
	}
	// The drops are counted per responder for the engine (DropCounter),
	// which puts them in the record's truncated count.
	if want := 2 * (1000 - maxPerResponder); sw.seen.byAddr[flood.Addr()] != want || sw.seen.byAddr[calm.Addr()] != 0 {
		t.Errorf("dropped per responder %v, want %d of the flood", sw.seen.byAddr, want)
	}
}

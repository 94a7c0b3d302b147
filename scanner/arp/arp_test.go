package arp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// replyFrame is an Ethernet/ARP reply as a device sends it (42 bytes, no
// padding):
//
//	ffffffffffff 44a642466724 0806 | 0001 0800 06 04 0002
//	44a642466724 c6120a14 | 020000000001 c6120a02
func replyFrame(sender [6]byte, sip, tip netip.Addr, op uint16) []byte {
	b := make([]byte, 42)
	copy(b[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	copy(b[6:12], sender[:])
	b[12], b[13] = 0x08, 0x06
	copy(b[14:22], []byte{0, 1, 8, 0, 6, 4, 0, byte(op)})
	copy(b[22:28], sender[:])
	s4, t4 := sip.As4(), tip.As4()
	copy(b[28:32], s4[:])
	copy(b[32:38], ourMAC[:])
	copy(b[38:42], t4[:])
	return b
}

var (
	ourMAC  = [6]byte{0x02, 0, 0, 0, 0, 1}
	ourAddr = netip.MustParseAddr("198.18.10.2")
	hik     = [6]byte{0x44, 0xa6, 0x42, 0x46, 0x67, 0x24}
	dahua   = [6]byte{0x08, 0xed, 0xed, 0x5a, 0x10, 0x22}
)

type fakeConn struct {
	mu      sync.Mutex
	answer  map[netip.Addr][6]byte
	deaf    map[netip.Addr]int // answers only after this many requests
	asked   []netip.Addr
	frames  chan []byte
	closed  chan struct{}
	closeMu sync.Once
}

func newFake(answer map[netip.Addr][6]byte) *fakeConn {
	return &fakeConn{answer: answer, deaf: map[netip.Addr]int{}, frames: make(chan []byte, 1024), closed: make(chan struct{})}
}

func (f *fakeConn) WritePacketData(b []byte) error {
	p, err := ParseFrame(b)
	if err != nil || p.Op != OpRequest {
		return errors.New("fake: not a request")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, p.TargetIP)
	if f.deaf[p.TargetIP] > 0 {
		f.deaf[p.TargetIP]--
		return nil
	}
	if mac, ok := f.answer[p.TargetIP]; ok {
		f.frames <- replyFrame(mac, p.TargetIP, p.SenderIP, OpReply)
	}
	return nil
}

func (f *fakeConn) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	select {
	case b := <-f.frames:
		return b, gopacket.CaptureInfo{}, nil
	case <-f.closed:
		return nil, gopacket.CaptureInfo{}, net.ErrClosed
	}
}

func (f *fakeConn) Close() error { f.closeMu.Do(func() { close(f.closed) }); return nil }

func (nopPacer) Wait(ctx context.Context) error { return ctx.Err() }
func rangeScope(prefix string, from, to int) scantest.Scope {
	var s scantest.Scope
	base := netip.MustParseAddr(prefix).As4()
	for i := from; i <= to; i++ {
		base[3] = byte(i)
		s = append(s, netip.AddrFrom4(base))
	}
	return s
}

type nopPacer struct{}

func sweepWith(t *testing.T, fc *fakeConn, scope scanner.Scope, retries int) []device.Evidence {
	t.Helper()
	s, err := New(Config{
		Retries: retries, Wait: 50 * time.Millisecond,
		Links: func(string) ([]Link, error) {
			return []Link{{Name: "eth0", Index: 2, MAC: ourMAC, Prefix: netip.PrefixFrom(ourAddr, 24)}}, nil
		},
		Open: func(Link) (Conn, error) { return fc, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []device.Evidence
	err = s.Sweep(context.Background(), scope, nopPacer{}, func(ev device.Evidence) {
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b device.Evidence) int { return a.Addr.Compare(b.Addr) })
	return got
}

func TestSweeper_Sweep_repliesBecomeEvidence(t *testing.T) {
	a20, a30 := netip.MustParseAddr("198.18.10.20"), netip.MustParseAddr("198.18.10.30")
	fc := newFake(map[netip.Addr][6]byte{a20: hik, a30: dahua})
	fc.deaf[a30] = 1 // answers the retry only
	// A gratuitous announcement and a reply from outside the scope arrive
	// unasked; an off-link sender is ignored.
	fc.frames <- replyFrame([6]byte{0xac, 0xcc, 0x8e, 1, 2, 3}, netip.MustParseAddr("198.18.10.99"), netip.MustParseAddr("198.18.10.99"), OpRequest)
	fc.frames <- replyFrame([6]byte{0xac, 0xcc, 0x8e, 1, 2, 4}, netip.MustParseAddr("198.18.20.5"), ourAddr, OpReply)
	scope := append(rangeScope("198.18.10.0", 1, 40), netip.MustParseAddr("198.18.99.1")) // one off-link target
	got := sweepWith(t, fc, scope, 1)
	if len(got) != 3 {
		t.Fatalf("got %d evidence, want 3: %+v", len(got), got)
	}
	want := []struct {
		addr, mac, method string
	}{
		{"198.18.10.20", "44:a6:42:46:67:24", "request"},
		{"198.18.10.30", "08:ed:ed:5a:10:22", "request"},
		{"198.18.10.99", "ac:cc:8e:01:02:03", "gratuitous"},
	}
	for i, w := range want {
		ev := got[i]
		if ev.Source != device.SourceARP || ev.Addr.String() != w.addr || ev.MAC != w.mac || ev.Fields["arp.mac"] != w.mac || ev.Fields["arp.method"] != w.method || ev.Fields["arp.interface"] != "eth0" {
			t.Errorf("evidence %d = %+v, want %v", i, ev, w)
		}
	}
	// Asked: every in-subnet target but our own address, in the scope's
	// order; the retry round asks only the silent ones; never 198.18.99.1
	// (off-link) nor 198.18.10.99 (out of scope).
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if len(fc.asked) != 39+38 {
		t.Errorf("sent %d requests, want 39 then 38 (all but .20)", len(fc.asked))
	}
	for _, a := range fc.asked {
		if a == ourAddr || !scope.Contains(a) || !netip.MustParsePrefix("198.18.10.0/24").Contains(a) {
			t.Errorf("asked %s", a)
		}
	}
	if !slices.IsSortedFunc(fc.asked[:39], netip.Addr.Compare) {
		t.Error("first round not in the scope's order")
	}
}

func TestSweeper_Sweep_floodIsBounded(t *testing.T) {
	fc := newFake(nil)
	// The same reply a thousand times, and replies with a second MAC for
	// one address: evidence once per (address, MAC).
	for range 500 {
		fc.frames <- replyFrame(hik, netip.MustParseAddr("198.18.10.20"), ourAddr, OpReply)
	}
	fc.frames <- replyFrame(dahua, netip.MustParseAddr("198.18.10.20"), ourAddr, OpReply)
	fc.frames <- append(replyFrame(hik, netip.MustParseAddr("198.18.10.21"), ourAddr, OpReply)[:30], 0) // truncated
	got := sweepWith(t, fc, rangeScope("198.18.10.0", 20, 20), 0)
	if len(got) != 2 || got[1].Fields["arp.previous_mac"] != "44:a6:42:46:67:24" {
		t.Fatalf("got %+v", got)
	}
}

func TestParseFrame(t *testing.T) {
	b := replyFrame(hik, netip.MustParseAddr("198.18.10.20"), ourAddr, OpReply)
	p, err := ParseFrame(append(b, make([]byte, 18)...)) // Ethernet padding to 60
	if err != nil || p.Op != OpReply || p.SenderMAC != hik || p.SenderIP.String() != "198.18.10.20" || p.TargetIP != ourAddr || p.Gratuitous() {
		t.Fatalf("ParseFrame = %+v, %v", p, err)
	}
	bad := func(mut func([]byte) []byte) []byte { return mut(slices.Clone(b)) }
	for name, tt := range map[string]struct {
		in   []byte
		want error
	}{
		"empty":      {nil, ErrTruncated},
		"eth only":   {b[:14], ErrTruncated},
		"half arp":   {b[:30], ErrTruncated},
		"ipv4":       {bad(func(x []byte) []byte { x[13] = 0; return x }), ErrNotARP},
		"hlen 8":     {bad(func(x []byte) []byte { x[18] = 8; return x }), ErrNotIPv4},
		"plen 16":    {bad(func(x []byte) []byte { x[19] = 16; return x }), ErrNotIPv4},
		"htype 6":    {bad(func(x []byte) []byte { x[15] = 6; return x }), ErrNotIPv4},
		"vlan short": {bad(func(x []byte) []byte { x[12], x[13] = 0x81, 0; return x[:16] }), ErrTruncated},
	} {
		if _, err := ParseFrame(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tt.want)
		}
	}
	// 802.1Q tagged.
	tagged := append(append(slices.Clone(b[:12]), 0x81, 0x00, 0x00, 0x0a), b[12:]...)
	if p2, err := ParseFrame(tagged); err != nil || p2 != p {
		t.Errorf("tagged: %+v, %v", p2, err)
	}
}

func TestRequest_roundTrip(t *testing.T) {
	frame, err := Request(gopacket.NewSerializeBuffer(), ourMAC, ourAddr, netip.MustParseAddr("198.18.10.20"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseFrame(frame)
	if err != nil || p.Op != OpRequest || p.SenderMAC != ourMAC || p.SenderIP != ourAddr || p.TargetIP.String() != "198.18.10.20" || p.EthSrc != ourMAC {
		t.Fatalf("%+v %v", p, err)
	}
	if len(frame) != 60 || [6]byte(frame[:6]) != [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff} {
		t.Errorf("frame % x", frame)
	}
}

// BenchmarkHandle_repeatReply is the receive path under a flood of replies
// already heard: parse, checks and a map look-up, no allocation.
func BenchmarkHandle_repeatReply(b *testing.B) {
	st := newState(time.Now, func(device.Evidence) {})
	links := []Link{{Name: "eth0", Index: 2, MAC: ourMAC, Prefix: netip.PrefixFrom(ourAddr, 24)}}
	frame := replyFrame(hik, netip.MustParseAddr("198.18.10.20"), ourAddr, OpReply)
	st.handle(frame, links)
	b.ReportAllocs()
	for b.Loop() {
		st.handle(frame, links)
	}
}

func BenchmarkParseFrame(b *testing.B) {
	frame := replyFrame(hik, netip.MustParseAddr("198.18.10.20"), ourAddr, OpReply)
	b.ReportAllocs()
	for b.Loop() {
		ParseFrame(frame)
	}
}

package liveness

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// countPacer counts WaitNew per address and Wait calls.
type countPacer struct {
	mu    sync.Mutex
	news  []netip.Addr
	waits atomic.Int32
}

func (p *countPacer) Wait(ctx context.Context) error { p.waits.Add(1); return ctx.Err() }
func (p *countPacer) WaitNew(ctx context.Context, a netip.Addr) error {
	p.mu.Lock()
	p.news = append(p.news, a)
	p.mu.Unlock()
	return ctx.Err()
}

// collector gathers evidence as "addr source port state".
type collector struct {
	mu  sync.Mutex
	got []string
}

func (c *collector) emit(ev device.Evidence) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := ev.Addr.String() + " " + string(ev.Source)
	if ev.Source == device.SourceTCP {
		s += " " + strconv.Itoa(int(ev.Port)) + " " + ev.Fields["tcp.state"]
	} else {
		s += " " + ev.Fields["icmp.echo"]
	}
	c.got = append(c.got, s)
}

func (c *collector) sorted() []string {
	sort.Strings(c.got)
	return c.got
}

func TestSynSegment_decodesWithValidChecksum(t *testing.T) {
	src, dst := ip("198.18.0.1"), ip("198.18.7.9")
	seg := synSegment(src, dst, 40000, 554, 0xdeadbeef)
	if c := tcpChecksum(src, dst, seg); c != 0 {
		t.Errorf("checksum over the segment = %#x, want 0 (valid)", c)
	}
	p := gopacket.NewPacket(seg, layers.LayerTypeTCP, gopacket.Default)
	tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if !ok {
		t.Fatalf("not a TCP segment: %v", p.ErrorLayer())
	}
	if tcp.SrcPort != 40000 || tcp.DstPort != 554 || tcp.Seq != 0xdeadbeef || !tcp.SYN || tcp.ACK || tcp.RST || tcp.DataOffset != 5 || len(tcp.Payload) != 0 {
		t.Errorf("decoded %+v", tcp)
	}
	// gopacket's own checksum over the same pseudo-header agrees.
	ipl := &layers.IPv4{SrcIP: src.AsSlice(), DstIP: dst.AsSlice(), Protocol: layers.IPProtocolTCP}
	tcp2 := *tcp
	tcp2.SetNetworkLayerForChecksum(ipl)
	buf := gopacket.NewSerializeBuffer()
	if err := tcp2.SerializeTo(buf, gopacket.SerializeOptions{ComputeChecksums: true}); err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint16(buf.Bytes()[16:]); got != tcp.Checksum {
		t.Errorf("checksum %#x, gopacket computes %#x", tcp.Checksum, got)
	}
}

// segment builds a reply segment with the given flags.
func segment(sport, dport uint16, ack uint32, flags byte) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint32(b[8:], ack)
	b[12] = 5 << 4
	b[13] = flags
	return b
}

func TestParseReply(t *testing.T) {
	for _, tc := range []struct {
		name  string
		seg   []byte
		state string
	}{
		{"syn-ack is open", segment(80, 40000, 7, flagSYN|flagACK), "open"},
		{"rst-ack is closed", segment(554, 40000, 7, flagRST|flagACK), "closed"},
		{"bare rst answers no syn", segment(554, 40000, 7, flagRST), ""},
		{"plain ack", segment(80, 40000, 7, flagACK), ""},
		{"syn-fin-ack", segment(80, 40000, 7, flagSYN|flagFIN|flagACK), ""},
		{"short", segment(80, 40000, 7, flagSYN|flagACK)[:19], ""},
		{"data offset past the end", append(segment(80, 40000, 7, flagSYN|flagACK)[:12], 0xf0, flagSYN|flagACK, 0, 0, 0, 0, 0, 0), ""},
		{"data offset under 5", append(segment(80, 40000, 7, flagSYN|flagACK)[:12], 0x40, flagSYN|flagACK, 0, 0, 0, 0, 0, 0), ""},
		{"empty", nil, ""},
	} {
		r, err := parseReply(tc.seg)
		if tc.state == "" {
			if err == nil {
				t.Errorf("%s: parsed %+v, want not an answer", tc.name, r)
			}
			continue
		}
		if err != nil || r.state != tc.state || r.ack != 7 || r.dport != 40000 {
			t.Errorf("%s: %+v, %v; want %s", tc.name, r, err, tc.state)
		}
	}
}

func FuzzParseReply(f *testing.F) {
	f.Add(segment(80, 40000, 7, flagSYN|flagACK))
	f.Add(segment(80, 40000, 7, flagRST|flagACK))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseReply(b)
		if err == nil && r.state != "open" && r.state != "closed" {
			t.Errorf("state %q", r.state)
		}
	})
}

// TestSweep_connect: without raw sockets, a connect per port; an open port
// and a refused one both make the host live; one WaitNew per address and
// one Wait per connect.
func TestSweep_connect(t *testing.T) {
	open, closed := scantest.OpenPort(t), scantest.ClosedPort(t)
	s := scantest.Build(t, New, Config{Ports: []uint16{open, closed}})
	pace, c := &countPacer{}, &collector{}
	if err := s.Sweep(t.Context(), scantest.Scope{ip("127.0.0.1")}, pace, c.emit); err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1 tcp " + strconv.Itoa(int(closed)) + " closed", "127.0.0.1 tcp " + strconv.Itoa(int(open)) + " open"}
	sort.Strings(want)
	if got := c.sorted(); !slices.Equal(got, want) {
		t.Errorf("evidence %v, want %v", got, want)
	}
	if len(pace.news) != 1 || pace.waits.Load() != 2 {
		t.Errorf("WaitNew for %v, Wait %d times; want once, twice", pace.news, pace.waits.Load())
	}
}

// TestSweep_connectSilence: a connect that times out is silence, not an
// error and not evidence.
func TestSweep_connectSilence(t *testing.T) {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	s := scantest.Build(t, New, Config{Dial: dial, Wait: 20 * time.Millisecond})
	c := &collector{}
	if err := s.Sweep(t.Context(), scantest.Scope{ip("198.18.0.1"), ip("198.18.0.2")}, &countPacer{}, c.emit); err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 0 {
		t.Errorf("silence gave evidence %v", c.got)
	}
}

// fakeConn is a raw socket: writes are recorded and answered by respond,
// whose replies ReadFrom returns until its deadline.
type fakeConn struct {
	mu       sync.Mutex
	writes   []string
	replies  chan fakeReply
	deadline chan struct{}
	once     sync.Once
	respond  func(b []byte, to netip.Addr) []fakeReply
}

type fakeReply struct {
	from netip.Addr
	b    []byte
}

func newFakeConn(respond func([]byte, netip.Addr) []fakeReply) *fakeConn {
	return &fakeConn{replies: make(chan fakeReply, 64), deadline: make(chan struct{}), respond: respond}
}

func (f *fakeConn) ReadFrom(b []byte) (int, net.Addr, error) {
	select {
	case r := <-f.replies:
		return copy(b, r.b), &net.IPAddr{IP: r.from.AsSlice()}, nil
	case <-f.deadline:
		return 0, nil, os.ErrDeadlineExceeded
	}
}

func (f *fakeConn) WriteTo(b []byte, to net.Addr) (int, error) {
	a, _ := ipOf(to)
	f.mu.Lock()
	f.writes = append(f.writes, a.String())
	f.mu.Unlock()
	for _, r := range f.respond(b, a) {
		f.replies <- r
	}
	return len(b), nil
}

func (f *fakeConn) Close() error                       { return nil }
func (f *fakeConn) LocalAddr() net.Addr                { return &net.IPAddr{} }
func (f *fakeConn) SetDeadline(t time.Time) error      { return f.SetReadDeadline(t) }
func (f *fakeConn) SetWriteDeadline(t time.Time) error { return nil }
func (f *fakeConn) SetReadDeadline(t time.Time) error {
	f.once.Do(func() { close(f.deadline) })
	return nil
}

// TestSweep_raw: ICMP echo and SYNs go to every address; .1 answers the
// echo and RSTs 554 (twice: one evidence), .2 SYN-ACKs 80, .3 is silent;
// replies with a wrong acknowledgement, echo identifier or port, and from
// outside the scope, are not evidence.
func TestSweep_raw(t *testing.T) {
	src := ip("198.18.9.1")
	a1, a2, a3 := ip("198.18.0.1"), ip("198.18.0.2"), ip("198.18.0.3")
	ic := newFakeConn(func(b []byte, to netip.Addr) []fakeReply {
		m, err := icmp.ParseMessage(1, b)
		if err != nil || m.Type != ipv4.ICMPTypeEcho || to != a1 {
			return nil
		}
		e := m.Body.(*icmp.Echo)
		good, _ := (&icmp.Message{Type: ipv4.ICMPTypeEchoReply, Body: &icmp.Echo{ID: e.ID, Seq: e.Seq}}).Marshal(nil)
		alien, _ := (&icmp.Message{Type: ipv4.ICMPTypeEchoReply, Body: &icmp.Echo{ID: e.ID + 1, Seq: e.Seq}}).Marshal(nil)
		return []fakeReply{{to, good}, {to, alien}, {ip("203.0.113.1"), good}}
	})
	tc := newFakeConn(func(b []byte, to netip.Addr) []fakeReply {
		if c := tcpChecksum(src, to, b); c != 0 {
			t.Errorf("SYN to %s with a bad checksum", to)
		}
		sport, dport := binary.BigEndian.Uint16(b[0:]), binary.BigEndian.Uint16(b[2:])
		seq := binary.BigEndian.Uint32(b[4:])
		switch {
		case to == a1 && dport == 554:
			r := segment(dport, sport, seq+1, flagRST|flagACK)
			return []fakeReply{{to, r}, {to, r}, {to, segment(dport, sport, seq+2, flagRST|flagACK)}}
		case to == a2 && dport == 80:
			return []fakeReply{{to, segment(dport, sport, seq+1, flagSYN|flagACK)}, {to, segment(dport, sport+1, seq+1, flagSYN|flagACK)}}
		}
		return nil
	})
	s := scantest.Build(t, New, Config{Raw: true, Wait: 50 * time.Millisecond})
	var sources atomic.Int32
	s.raw = func(context.Context) (rawConns, error) {
		return rawConns{icmp: ic, tcp: tc, source: func(netip.Addr) (netip.Addr, error) { sources.Add(1); return src, nil }}, nil
	}
	pace, c := &countPacer{}, &collector{}
	if err := s.Sweep(t.Context(), scantest.Scope{a1, a2, a3}, pace, c.emit); err != nil {
		t.Fatal(err)
	}
	want := []string{"198.18.0.1 icmp reply", "198.18.0.1 tcp 554 closed", "198.18.0.2 tcp 80 open"}
	if got := c.sorted(); !slices.Equal(got, want) {
		t.Errorf("evidence %v, want %v", got, want)
	}
	if len(pace.news) != 3 || pace.waits.Load() != 9 {
		t.Errorf("WaitNew %v, Wait %d; want 3 addresses, 9 packets", pace.news, pace.waits.Load())
	}
	if len(ic.writes) != 3 || len(tc.writes) != 6 {
		t.Errorf("echo to %v, SYNs to %v; want 3 and 6", ic.writes, tc.writes)
	}
	if sources.Load() != 1 {
		t.Errorf("source address asked %d times for one /24, want once", sources.Load())
	}
	if s.Fallback() != nil {
		t.Errorf("fallback %v", s.Fallback())
	}
}

// TestSweep_rawFallsBackToConnect: raw sockets refused (no CAP_NET_RAW):
// the connects run instead, and Fallback says why.
func TestSweep_rawFallsBackToConnect(t *testing.T) {
	closed := scantest.ClosedPort(t)
	s := scantest.Build(t, New, Config{Raw: true, Ports: []uint16{closed}})
	s.raw = func(context.Context) (rawConns, error) { return rawConns{}, syscall.EPERM }
	c := &collector{}
	if err := s.Sweep(t.Context(), scantest.Scope{ip("127.0.0.1")}, &countPacer{}, c.emit); err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 1 || !errors.Is(s.Fallback(), syscall.EPERM) {
		t.Errorf("evidence %v, fallback %v; want the closed port, EPERM", c.got, s.Fallback())
	}
}

func TestNew_validates(t *testing.T) {
	for _, c := range []Config{{Ports: []uint16{0}}, {Ports: []uint16{80, 80}}, {Wait: -1}, {Parallel: -1}} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
	s, err := New(Config{})
	if err != nil || !slices.Equal(s.Ports(), []uint16{80, 554}) || s.Name() != "liveness" {
		t.Errorf("defaults: %v, %v", s, err)
	}
}

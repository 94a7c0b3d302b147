package udpsweep

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// recordListen is a ListenPacket seam that notes every socket asked for
// and refuses the networks in refuse.
type recordListen struct {
	mu     sync.Mutex
	asked  []string
	refuse map[string]error
}

func (l *recordListen) listen(ctx context.Context, network, address string) (net.PacketConn, error) {
	l.mu.Lock()
	l.asked = append(l.asked, network+" "+address)
	err := l.refuse[network]
	l.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	return lc.ListenPacket(ctx, network, address)
}

func (l *recordListen) networks() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.asked)
}

// echo answers every datagram to its sender with "pong".
func echo(t *testing.T, network, address string) uint16 {
	t.Helper()
	pc, err := net.ListenPacket(network, address)
	if err != nil {
		t.Skipf("no %s on this host: %v", network, err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			_, src, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo([]byte("pong"), src)
		}
	}()
	return uint16(pc.LocalAddr().(*net.UDPAddr).Port)
}

func collect(mu *sync.Mutex, got *[]Reply) func(Reply) {
	return func(r Reply) {
		mu.Lock()
		defer mu.Unlock()
		*got = append(*got, r)
	}
}

// TestRun_noGroup6_udp4Only: without Group6 a sweep opens the udp4 sockets
// it always did and nothing else.
func TestRun_noGroup6_udp4Only(t *testing.T) {
	port := echo(t, "udp4", "127.0.0.1:0")
	l := &recordListen{}
	cfg := Config{Port: port, Window: 100 * time.Millisecond, ListenGroup: true, ListenPacket: l.listen,
		Interfaces: func() ([]net.Interface, error) { return nil, nil }}
	var mu sync.Mutex
	var got []Reply
	if err := Run(t.Context(), cfg, scantest.Scope{netip.MustParseAddr("127.0.0.1")}, &scantest.Pacer{}, []byte("ping"), collect(&mu, &got)); err != nil {
		t.Fatal(err)
	}
	if want := []string{"udp4 :0"}; !slices.Equal(l.networks(), want) {
		t.Errorf("sockets %q, want %q", l.networks(), want)
	}
	if len(got) != 1 || string(got[0].Payload) != "pong" {
		t.Errorf("replies %+v", got)
	}
}

// TestRun_group6_loopback: the IPv6 path sends once per interface from a
// udp6 socket and hears the answer. Linux's lo cannot multicast (a send to
// ff02::fb%lo is "network is unreachable"), so ::1 stands in for the group;
// the multicast itself is checked in the lab (e2e/mdns6_test.go).
func TestRun_group6_loopback(t *testing.T) {
	lo := scantest.Loopback(t)
	port := echo(t, "udp6", "[::1]:0")
	l := &recordListen{}
	pace := &scantest.Pacer{}
	cfg := Config{Port: port, Window: 200 * time.Millisecond, Group6: netip.IPv6Loopback(), HopLimit6: 255,
		ListenPacket: l.listen,
		Interfaces:   func() ([]net.Interface, error) { return nil, nil },
		Interfaces6:  func() ([]net.Interface, error) { return []net.Interface{lo}, nil }}
	var mu sync.Mutex
	var got []Reply
	if err := Run(t.Context(), cfg, scantest.Scope{}, pace, []byte("ping"), collect(&mu, &got)); err != nil {
		t.Fatal(err)
	}
	if want := []string{"udp4 :0", "udp6 [::]:0"}; !slices.Equal(l.networks(), want) {
		t.Errorf("sockets %q, want %q", l.networks(), want)
	}
	if pace.N.Load() != 1 {
		t.Errorf("pace.Wait called %d times, want once per IPv6 interface", pace.N.Load())
	}
	if len(got) != 1 || string(got[0].Payload) != "pong" || got[0].From.Addr().WithZone("") != netip.IPv6Loopback() || got[0].Group {
		t.Errorf("replies %+v, want one pong from ::1", got)
	}
}

// TestRun_group6_off: a host without IPv6 sweeps by IPv4 as before; the
// refusal is a debug message, not an error of the sweep.
func TestRun_group6_off(t *testing.T) {
	lo := scantest.Loopback(t)
	port := echo(t, "udp4", "127.0.0.1:0")
	l := &recordListen{refuse: map[string]error{"udp6": &net.OpError{Op: "listen", Net: "udp6", Err: syscall.EAFNOSUPPORT}}}
	var logs bytes.Buffer
	cfg := Config{Port: port, Window: 100 * time.Millisecond, Group6: netip.MustParseAddr("ff02::fb"), ListenGroup: true,
		ListenPacket: l.listen, Log: zerolog.New(&logs).Level(zerolog.DebugLevel),
		Interfaces:  func() ([]net.Interface, error) { return nil, nil },
		Interfaces6: func() ([]net.Interface, error) { return []net.Interface{lo}, nil }}
	var mu sync.Mutex
	var got []Reply
	if err := Run(t.Context(), cfg, scantest.Scope{netip.MustParseAddr("127.0.0.1")}, &scantest.Pacer{}, []byte("ping"), collect(&mu, &got)); err != nil {
		t.Fatalf("Run: %v, want no error", err)
	}
	if len(got) != 1 || string(got[0].Payload) != "pong" {
		t.Errorf("replies %+v, want the IPv4 unicast answer", got)
	}
	if !strings.Contains(logs.String(), `"level":"debug"`) || !strings.Contains(logs.String(), "udp6 socket") {
		t.Errorf("log %q, want a debug line about the udp6 socket", logs.String())
	}
}

// TestRun_group6_noInterface: no interface with a link-local address means
// no udp6 socket at all.
func TestRun_group6_noInterface(t *testing.T) {
	l := &recordListen{}
	cfg := Config{Port: 9, Window: 10 * time.Millisecond, Group6: netip.MustParseAddr("ff02::fb"), ListenGroup: true,
		ListenPacket: l.listen,
		Interfaces:   func() ([]net.Interface, error) { return nil, nil }}
	if err := Run(t.Context(), cfg, scantest.Scope{}, &scantest.Pacer{}, []byte("ping"), func(Reply) {}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"udp4 :0"}; !slices.Equal(l.networks(), want) {
		t.Errorf("sockets %q, want %q", l.networks(), want)
	}
}

func TestHasLinkLocal6_loopback(t *testing.T) {
	// lo has ::1 and 127.0.0.1, never a link-local address.
	if hasLinkLocal6(scantest.Loopback(t)) {
		t.Error("loopback has a link-local IPv6 address?")
	}
}

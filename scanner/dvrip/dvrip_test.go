package dvrip

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// device answers a 32-byte request with reply, recording the request.
func device32(t *testing.T, reply []byte, got chan<- []byte) netip.AddrPort {
	return scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
		req := make([]byte, HeaderSize)
		if _, err := io.ReadFull(c, req); err != nil {
			return
		}
		if got != nil {
			got <- req
		}
		c.Write(reply)
	})
}

func newProber(t *testing.T, cfg Config, port uint16) *Prober {
	t.Helper()
	cfg.Ports = []uint16{port}
	return scantest.Build(t, New, cfg)
}

func TestProber_ProbePort_realm(t *testing.T) {
	reqs := make(chan []byte, 1)
	ap := device32(t, readFixture(t, "dahua-realm-reply.bin"), reqs)
	pace := &scantest.Pacer{}
	ev, err := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 3 * time.Second}}, ap.Port()).ProbePort(t.Context(), scanner.At(ap), pace)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 || ev[0].Source != device.SourceDVRIP || ev[0].Addr != ap.Addr() || ev[0].Port != ap.Port() {
		t.Fatalf("evidence %+v", ev)
	}
	if f := ev[0].Fields; f["dvrip.serial"] != "4K01FD2PAJ6E3FF" || f["dvrip.reply"] != "b001" {
		t.Errorf("fields %v", f)
	}
	if r := <-reqs; !bytes.Equal(r, RealmRequest()) {
		t.Errorf("request % x", r)
	}
	if pace.N.Load() != 1 {
		t.Errorf("pace.Wait %d times, want 1: one connection, one request", pace.N.Load())
	}
}

func TestProber_ProbePort_silenceAndStrangers(t *testing.T) {
	stall := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) { <-done })
	closes := scantest.ServeTCP(t, func(net.Conn, <-chan struct{}) {})
	web := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
		c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
	})
	refused := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 1)
	cut := device32(t, readFixture(t, "dahua-realm-reply.bin")[:40], nil)

	for name, tc := range map[string]struct {
		ap      netip.AddrPort
		evs     int
		wantErr error
	}{
		"silent":   {stall, 0, nil},
		"closes":   {closes, 0, nil},
		"refused":  {refused, 0, nil},
		"http":     {web, 0, ErrNotDVRIP},
		"cut text": {cut, 1, ErrTruncated},
	} {
		start := time.Now()
		ev, err := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 300 * time.Millisecond}}, tc.ap.Port()).ProbePort(t.Context(), scanner.At(tc.ap), &scantest.Pacer{})
		if len(ev) != tc.evs || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("%s: %d evidence %+v, err %v; want %d, %v", name, len(ev), ev, err, tc.evs, tc.wantErr)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
}

func TestProber_ProbePort_cancelled(t *testing.T) {
	scantest.StallCancels(t, func(ctx context.Context, ap netip.AddrPort) error {
		_, err := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: time.Hour}}, ap.Port()).ProbePort(ctx, scanner.At(ap), &scantest.Pacer{})
		return err
	})
}

func TestNew_validates(t *testing.T) {
	for _, cfg := range []Config{{PortConfig: scanner.PortConfig{Timeout: -1}}, {PortConfig: scanner.PortConfig{Ports: []uint16{0}}}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	p, err := New(Config{})
	if err != nil || !p.Accepts(37777) || p.Accepts(80) || p.Name() != "dvrip" {
		t.Errorf("defaults %+v, %v", p, err)
	}
	if _, err := NewSweeper(SearchConfig{Window: -1}); err == nil {
		t.Error("NewSweeper accepted a negative window")
	}
}

// --- the 5050 sweeper against UDP responders on loopback ---

func TestSweeper_Sweep_unicastReplies(t *testing.T) {
	real := readFixture(t, "universalscanner-dahua1.bin")
	port := scantest.ServeUDP(t, "127.0.0.2", 0, func(req []byte) [][]byte {
		if !bytes.Equal(req, SearchRequest()) {
			return nil
		}
		return [][]byte{real, real}
	})
	scantest.ServeUDP(t, "127.0.0.3", port, func(req []byte) [][]byte { return [][]byte{req} }) // an echo is not a reply
	s, err := NewSweeper(SearchConfig{Port: uint16(port), Window: 300 * time.Millisecond, Interfaces: func() ([]net.Interface, error) {
		t.Error("a unicast-only sweep asked for interfaces")
		return nil, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, n := scantest.SweepAddrs(t, s, "127.0.0.2", "127.0.0.3", "::1")
	if n != 2 {
		t.Errorf("pace.Wait called %d times, want 2 (IPv4 targets only)", n)
	}
	evs := got[netip.MustParseAddr("127.0.0.2")]
	if len(got) != 1 || len(evs) != 1 {
		t.Fatalf("evidence %v", got)
	}
	if ev := evs[0]; ev.Source != device.SourceDVRIP5050 || ev.Fields["dvrip5050.serial_no"] != "123456789" || ev.Fields["dvrip5050.mac"] != "00:11:22:33:44:55" || ev.MAC != "" {
		t.Errorf("evidence %+v", ev)
	}
}

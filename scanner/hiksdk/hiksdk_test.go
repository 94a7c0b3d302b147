package hiksdk

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// readFixture reads testdata/hiksdk/<name>.
var readFixture = scantest.Fixtures("hiksdk")

func newProber(t *testing.T, cfg Config, port uint16) *Prober {
	t.Helper()
	cfg.Ports = []uint16{port}
	return scantest.Build(t, New, cfg)
}

func TestParseReply_nmapSignature(t *testing.T) {
	// 00 00 00 10  00 00 00 1e  00 00 00 1e  00 00 00 00 (nmap "Hikvision
	// IPCam control port"): the first word is the length, 16.
	r := scantest.MustParse(t, ParseReply, readFixture(t, "nmap-ipcam-reply.bin"))
	scantest.GoldenFields(t, "nmap-ipcam-reply.bin", r.Fields("get-request"))
}

func TestParseReply_frames(t *testing.T) {
	sig := readFixture(t, "nmap-ipcam-reply.bin")
	long := make([]byte, 300)
	long[2], long[3] = 0x01, 0x2c // 300
	if r, err := ParseReply(append(sig, "trailing"...)); err != nil || len(r.Frame) != 16 {
		t.Errorf("trailing bytes: %+v, %v", r, err)
	}
	if r, err := ParseReply(long); err != nil || len(r.Fields("x")["hiksdk.frame"]) != 2*maxHex {
		t.Errorf("long frame: %+v, %v", r, err)
	}
	for name, in := range map[string][]byte{
		"empty":       nil,
		"short":       sig[:15],
		"length 0":    make([]byte, 16),
		"length 8":    append([]byte{0, 0, 0, 8}, sig[4:]...),
		"longer than": append([]byte{0, 0, 0, 0x20}, sig[4:]...),
		"http":        []byte("HTTP/1.1 400 Bad Request\r\n\r\n"),
	} {
		if _, err := ParseReply(in); !errors.Is(err, ErrNotHikSDK) {
			t.Errorf("%s: err %v, want ErrNotHikSDK", name, err)
		}
	}
}

func FuzzParseReply(f *testing.F) {
	f.Add(readFixture(f, "nmap-ipcam-reply.bin"))
	f.Add([]byte("HTTP/1.0 200 OK\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseReply(b)
		if err != nil {
			if !errors.Is(err, ErrNotHikSDK) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if int(r.Length) != len(r.Frame) || len(r.Frame) < MinFrame || len(r.Frame) > len(b) {
			t.Fatalf("reply %+v of %d bytes", r, len(b))
		}
	})
}

func TestProber_ProbePort_answersGetRequest(t *testing.T) {
	sig := readFixture(t, "nmap-ipcam-reply.bin")
	got := make(chan string, 1)
	ap := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
		req := make([]byte, len(Probe))
		if _, err := io.ReadFull(c, req); err != nil {
			return
		}
		got <- string(req)
		c.Write(sig)
	})
	pace := &scantest.Pacer{}
	ev, err := newProber(t, Config{BannerWait: 100 * time.Millisecond}, ap.Port()).ProbePort(t.Context(), scanner.At(ap), pace)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 || ev[0].Source != device.SourceHikSDK || ev[0].Fields["hiksdk.frame"] != "000000100000001e0000001e00000000" || ev[0].Fields["hiksdk.trigger"] != "get-request" {
		t.Fatalf("evidence %+v", ev)
	}
	if r := <-got; r != "GET / HTTP/1.0\r\n\r\n" {
		t.Errorf("request %q", r)
	}
	if pace.N.Load() != 2 {
		t.Errorf("pace.Wait %d times, want 2 (connection, request)", pace.N.Load())
	}
}

func TestProber_ProbePort_bannerIsReadNotAnswered(t *testing.T) {
	sig := readFixture(t, "nmap-ipcam-reply.bin")
	sent := make(chan int, 1)
	ap := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
		c.Write(sig[:6])
		time.Sleep(20 * time.Millisecond)
		c.Write(sig[6:])
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, _ := c.Read(make([]byte, 64))
		sent <- n
	})
	ev, err := newProber(t, Config{BannerWait: time.Second}, ap.Port()).ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil || len(ev) != 1 || ev[0].Fields["hiksdk.trigger"] != "banner" {
		t.Fatalf("evidence %+v, %v", ev, err)
	}
	if n := <-sent; n != 0 {
		t.Errorf("sent %d bytes to a port that spoke first", n)
	}
}

func TestProber_ProbePort_notSDK(t *testing.T) {
	web := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
		io.ReadFull(c, make([]byte, len(Probe)))
		c.Write([]byte("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11\r\n\r\n<html>"))
	})
	stall := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) { <-done })
	closes := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) { io.ReadFull(c, make([]byte, len(Probe))) })
	refused := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 1)
	for name, tc := range map[string]struct {
		ap      netip.AddrPort
		wantErr error
	}{
		"http":    {web, ErrNotHikSDK},
		"silent":  {stall, nil},
		"closes":  {closes, nil},
		"refused": {refused, nil},
	} {
		start := time.Now()
		ev, err := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 500 * time.Millisecond}, BannerWait: 50 * time.Millisecond}, tc.ap.Port()).ProbePort(t.Context(), scanner.At(tc.ap), &scantest.Pacer{})
		if len(ev) != 0 || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("%s: %+v, %v; want no evidence, %v", name, ev, err, tc.wantErr)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
}

func TestProber_ProbePort_cancelled(t *testing.T) {
	scantest.StallCancels(t, func(ctx context.Context, ap netip.AddrPort) error {
		_, err := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: time.Hour}, BannerWait: time.Minute}, ap.Port()).ProbePort(ctx, scanner.At(ap), &scantest.Pacer{})
		return err
	})
}

func TestNew_validates(t *testing.T) {
	for _, cfg := range []Config{{PortConfig: scanner.PortConfig{Timeout: -1}}, {PortConfig: scanner.PortConfig{MaxBytes: 8}}, {PortConfig: scanner.PortConfig{Ports: []uint16{0}}}, {PortConfig: scanner.PortConfig{Timeout: time.Second}, BannerWait: 2 * time.Second}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	p, err := New(Config{})
	if err != nil || !p.Accepts(8000) || p.Name() != "hiksdk" || !strings.HasPrefix(Probe, "GET / ") {
		t.Errorf("defaults %+v, %v", p, err)
	}
}

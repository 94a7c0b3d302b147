package rtspprobe

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// serve runs handle for every connection to a listener on 127.0.0.1:0;
// done closes when the test ends, for handlers that stall.
func serve(t *testing.T, handle func(c net.Conn, br *bufio.Reader, done <-chan struct{})) netip.AddrPort {
	t.Helper()
	return scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) { handle(c, bufio.NewReader(c), done) })
}

func readRequest(br *bufio.Reader) string {
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		b.WriteString(line)
		if err != nil || line == "\r\n" {
			return b.String()
		}
	}
}

// scripted answers the i-th request with replies[i] and records the
// requests; after the last reply it waits, like a camera keeping the
// session open.
func scripted(t *testing.T, replies ...[]byte) (netip.AddrPort, <-chan string) {
	reqs := make(chan string, 8)
	ap := serve(t, func(c net.Conn, br *bufio.Reader, done <-chan struct{}) {
		for _, r := range replies {
			reqs <- readRequest(br)
			c.Write(r)
		}
		<-done
	})
	return ap, reqs
}

func newProber(t *testing.T, cfg Config, port uint16) *Prober {
	t.Helper()
	cfg.Ports = []uint16{port}
	return scantest.Build(t, New, cfg)
}

func TestProber_ProbePort_hikvisionDescribeRealm(t *testing.T) {
	ap, reqs := scripted(t, readFixture(t, "hikvision-options-200.txt"), readFixture(t, "hikvision-describe-401.txt"))
	pace := &scantest.Pacer{}
	p := newProber(t, Config{PortConfig: scanner.PortConfig{UserAgent: "camsweep/1.2.3", Timeout: 5 * time.Second}}, ap.Port())
	start := time.Now()
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), pace)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if len(ev) != 2 {
		t.Fatalf("got %d evidence, want 2: %+v", len(ev), ev)
	}
	if f := ev[0].Fields; f["rtsp.method"] != "OPTIONS" || f["rtsp.status"] != "200" || f["rtsp.date"] != "  Thu, May 14 2020 16:45:35 GMT" || f["rtsp.realm"] != "" {
		t.Errorf("OPTIONS fields = %q", f)
	}
	if f := ev[1].Fields; f["rtsp.method"] != "DESCRIBE" || f["rtsp.status"] != "401" || f["rtsp.realm"] != "IP Camera(C2875)" || f["rtsp.auth_scheme"] != "Digest" {
		t.Errorf("DESCRIBE fields = %q", f)
	}
	for _, e := range ev {
		if e.Source != "rtsp" || e.Addr != ap.Addr() || e.Port != ap.Port() {
			t.Errorf("evidence header = %v %v %v", e.Source, e.Addr, e.Port)
		}
	}
	url := "rtsp://" + ap.String() + "/"
	wantOptions := "OPTIONS " + url + " RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: camsweep/1.2.3\r\n\r\n"
	wantDescribe := "DESCRIBE " + url + " RTSP/1.0\r\nCSeq: 2\r\nUser-Agent: camsweep/1.2.3\r\nAccept: application/sdp\r\n\r\n"
	if r := <-reqs; r != wantOptions {
		t.Errorf("OPTIONS request\n got %q\nwant %q", r, wantOptions)
	}
	if r := <-reqs; r != wantDescribe {
		t.Errorf("DESCRIBE request\n got %q\nwant %q", r, wantDescribe)
	}
	if n := pace.N.Load(); n != 2 {
		t.Errorf("pace.Wait called %d times, want 2 (connection, second request)", n)
	}
}

func TestProber_ProbePort_challengeOnOptionsSkipsDescribe(t *testing.T) {
	for _, file := range []string{"dahua-rtspserver-401-basic.txt", "hanwha-ipolis-401.txt"} {
		t.Run(file, func(t *testing.T) {
			ap, reqs := scripted(t, readFixture(t, file))
			p := newProber(t, Config{}, ap.Port())
			ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ev) != 1 || ev[0].Fields["rtsp.method"] != "OPTIONS" || ev[0].Fields["rtsp.realm"] == "" {
				t.Errorf("evidence = %+v", ev)
			}
			<-reqs
			select {
			case r := <-reqs:
				t.Errorf("sent a second request %q", r)
			default:
			}
		})
	}
}

func TestProber_ProbePort_dahuaOptionsThenDescribe(t *testing.T) {
	ap, _ := scripted(t, readFixture(t, "dahua-options-200.txt"), readFixture(t, "dahua-describe-401.txt"))
	p := newProber(t, Config{}, ap.Port())
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 2 || ev[0].Fields["rtsp.server"] != "Rtsp Server/3.0" || ev[1].Fields["rtsp.realm"] != "Login to 4M0747EPAA1D284" {
		t.Errorf("evidence = %+v", ev)
	}
}

func TestProber_ProbePort_describeSDP(t *testing.T) {
	ap, _ := scripted(t, readFixture(t, "hikvision-options-200.txt"), readFixture(t, "hikvision-describe-200-sdp.txt"))
	p := newProber(t, Config{}, ap.Port())
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 2 || ev[1].Fields["rtsp.sdp.session_name"] != "Media Presentation" {
		t.Errorf("evidence = %+v", ev)
	}
}

func TestProber_ProbePort_closeAfterOptions(t *testing.T) {
	opts := readFixture(t, "hikvision-options-200.txt")
	ap := serve(t, func(c net.Conn, br *bufio.Reader, _ <-chan struct{}) {
		readRequest(br)
		c.Write(opts)
	})
	p := newProber(t, Config{}, ap.Port())
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil || len(ev) != 1 {
		t.Errorf("got %+v, %v; want the OPTIONS evidence and no error", ev, err)
	}
}

func TestProber_ProbePort_halfResponseThenStall(t *testing.T) {
	ap := serve(t, func(c net.Conn, br *bufio.Reader, done <-chan struct{}) {
		readRequest(br)
		io.WriteString(c, "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Rtsp Server/3.0\r\nPubl")
		<-done
	})
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 300 * time.Millisecond}}, ap.Port())
	start := time.Now()
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v, want about the 300ms timeout", d)
	}
	if !errors.Is(err, ErrIncomplete) {
		t.Errorf("error = %v, want ErrIncomplete", err)
	}
	if len(ev) != 1 || ev[0].Fields["rtsp.server"] != "Rtsp Server/3.0" {
		t.Errorf("partial evidence = %+v", ev)
	}
}

func TestProber_ProbePort_silent(t *testing.T) {
	ap := serve(t, func(c net.Conn, br *bufio.Reader, done <-chan struct{}) {
		readRequest(br)
		<-done
	})
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 200 * time.Millisecond}}, ap.Port())
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if ev != nil || err != nil {
		t.Errorf("got %v, %v; want no evidence, no error", ev, err)
	}
}

func TestProber_ProbePort_garbage(t *testing.T) {
	for name, reply := range map[string]string{
		"http":   "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
		"binary": "\x00\x00\x00\x10\x00\x00\x00\x1e\x00\x00\x00\x1e\x00\x00\x00\x00",
	} {
		t.Run(name, func(t *testing.T) {
			ap := serve(t, func(c net.Conn, br *bufio.Reader, done <-chan struct{}) {
				readRequest(br)
				io.WriteString(c, reply)
				<-done
			})
			p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 2 * time.Second}}, ap.Port())
			ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
			if ev != nil || !errors.Is(err, ErrNotRTSP) {
				t.Errorf("got %v, %v; want ErrNotRTSP", ev, err)
			}
		})
	}
}

func TestProber_ProbePort_refused(t *testing.T) {
	ap := scantest.ClosedAddr(t)
	p := newProber(t, Config{}, ap.Port())
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if ev != nil || err != nil {
		t.Errorf("got %v, %v; want no evidence, no error", ev, err)
	}
}

func TestProber_ProbePort_cancelled(t *testing.T) {
	ap := serve(t, func(c net.Conn, br *bufio.Reader, done <-chan struct{}) {
		readRequest(br)
		<-done
	})
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: time.Minute}}, ap.Port())
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := p.ProbePort(ctx, scanner.At(ap), &scantest.Pacer{})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v after cancel", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestNew(t *testing.T) {
	p := scantest.Build(t, New, Config{})
	if !p.Accepts(554) || p.Accepts(80) || p.Name() != "rtsp" {
		t.Error("defaults wrong")
	}
	for _, bad := range []Config{{PortConfig: scanner.PortConfig{Timeout: -1}}, {PortConfig: scanner.PortConfig{MaxBytes: -1}}, {PortConfig: scanner.PortConfig{UserAgent: "a\nb"}}, {PortConfig: scanner.PortConfig{Ports: []uint16{0}}}} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
}

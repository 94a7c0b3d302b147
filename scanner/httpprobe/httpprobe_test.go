package httpprobe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// readRequest consumes one request head and returns it.
func readRequest(c net.Conn) string {
	br := bufio.NewReader(c)
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		b.WriteString(line)
		if err != nil || line == "\r\n" {
			return b.String()
		}
	}
}

func newProber(t *testing.T, cfg Config, ports ...uint16) *Prober {
	t.Helper()
	if cfg.Ports == nil {
		cfg.Ports = ports
	}
	if cfg.TLSPorts == nil {
		cfg.TLSPorts = []uint16{}
	}
	if cfg.FollowUps == nil {
		// These tests are about GET /; followup_test.go covers the rest.
		cfg.FollowUps = NoFollowUps
	}
	return scantest.Build(t, New, cfg)
}

func TestProber_ProbePort_fixtures(t *testing.T) {
	for _, tt := range []struct {
		file, field, want string
	}{
		{"hikvision-dnvrs-401-usercheck.txt", "http.realm", "fe12f37bdXXXXXbccbbd35f1"},
		{"hikvision-webserver-200-bom-login.txt", "http.redirect", "/doc/page/login.asp?_"},
		{"hikvision-goahead-401.txt", "http.title", "Document Error: Unauthorized"},
		{"dahua-nvr-200-uppercase.txt", "http.header_names", "X-XSS-Protection,X-Frame-Options,Content-Security-Policy,Strict-Transport-Security,Content-type,CONNECTION,Set-Cookie,CONTENT-LENGTH"},
		{"dahua-bom-xhtml-webservice.txt", "http.title", "WEB SERVICE"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			fixture := readFixture(t, tt.file)
			ap := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
				readRequest(c)
				c.Write(fixture)
				// DNVRS-Webs keeps the connection alive despite our
				// "Connection: close": the prober must stop at
				// Content-Length, not at the timeout.
				<-done
			})
			p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 5 * time.Second}}, ap.Port())
			start := time.Now()
			ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
			if err != nil {
				t.Fatal(err)
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %v: waited for the close instead of framing", time.Since(start))
			}
			if len(ev) != 1 {
				t.Fatalf("got %d evidence, want 1", len(ev))
			}
			e := ev[0]
			if e.Source != "http" || e.Port != ap.Port() || e.Addr != ap.Addr() {
				t.Errorf("evidence header = %v %v %v", e.Source, e.Addr, e.Port)
			}
			if e.Fields[tt.field] != tt.want || e.Fields["http.path"] != "/" || e.Fields["http.tls"] != "" {
				t.Errorf("fields = %q", e.Fields)
			}
		})
	}
}

func TestProber_ProbePort_request(t *testing.T) {
	got := make(chan string, 1)
	ap := scantest.ServeTCP(t, func(c net.Conn, _ <-chan struct{}) {
		got <- readRequest(c)
		io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n")
	})
	pace := &scantest.Pacer{}
	p := newProber(t, Config{PortConfig: scanner.PortConfig{UserAgent: "camsweep/1.2.3"}}, ap.Port())
	if _, err := p.ProbePort(t.Context(), scanner.At(ap), pace); err != nil {
		t.Fatal(err)
	}
	want := "GET / HTTP/1.1\r\nHost: " + ap.String() + "\r\nUser-Agent: camsweep/1.2.3\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	if r := <-got; r != want {
		t.Errorf("request\n got %q\nwant %q", r, want)
	}
	if n := pace.N.Load(); n != 1 {
		t.Errorf("pace.Wait called %d times, want 1", n)
	}
}

func TestProber_ProbePort_tls(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS.ServerName != "" {
			http.Error(w, "SNI sent", http.StatusBadRequest)
			return
		}
		w.Header().Set("Server", "App-webs/")
		fmt.Fprint(w, "<title>login</title>")
	}))
	t.Cleanup(srv.Close)
	ap := netip.MustParseAddrPort(srv.Listener.Addr().String())
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Ports: []uint16{}}, TLSPorts: []uint16{ap.Port()}})
	if !p.Accepts(ap.Port()) {
		t.Fatal("TLS port not accepted")
	}
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 || ev[0].Fields["http.tls"] != "true" || ev[0].Fields["http.server"] != "App-webs/" || ev[0].Fields["http.status"] != "200" {
		t.Errorf("evidence = %+v", ev)
	}
}

func TestProber_ProbePort_halfResponseThenStall(t *testing.T) {
	ap := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		io.WriteString(c, "HTTP/1.0 200 OK\r\nServer: App-webs/\r\nContent-Le")
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
	if len(ev) != 1 || ev[0].Fields["http.server"] != "App-webs/" {
		t.Errorf("partial evidence = %+v", ev)
	}
}

func TestProber_ProbePort_shortBodyThenStall(t *testing.T) {
	ap := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<title>half")
		<-done
	})
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 300 * time.Millisecond}}, ap.Port())
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("error = %v, want a timeout", err)
	}
	if len(ev) != 1 || ev[0].Fields["http.title"] != "half" {
		t.Errorf("partial evidence = %+v", ev)
	}
}

func TestProber_ProbePort_silent(t *testing.T) {
	ap := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		<-done
	})
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 200 * time.Millisecond}}, ap.Port())
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if ev != nil || err != nil {
		t.Errorf("got %v, %v; want no evidence, no error", ev, err)
	}
}

func TestProber_ProbePort_closesWithoutAnswer(t *testing.T) {
	ap := scantest.ServeTCP(t, func(c net.Conn, _ <-chan struct{}) { readRequest(c) })
	p := newProber(t, Config{}, ap.Port())
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if ev != nil || err != nil {
		t.Errorf("got %v, %v; want no evidence, no error", ev, err)
	}
}

func TestProber_ProbePort_garbage(t *testing.T) {
	ap := scantest.ServeTCP(t, func(c net.Conn, _ <-chan struct{}) {
		readRequest(c)
		c.Write([]byte("\x00\x00\x00\x10\x00\x00\x00\x1e\x00\x00\x00\x1e\x00\x00\x00\x00"))
	})
	p := newProber(t, Config{}, ap.Port())
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if ev != nil || !errors.Is(err, ErrNotHTTP) {
		t.Errorf("got %v, %v; want ErrNotHTTP", ev, err)
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
	ap := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
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

func TestProber_ProbePort_maxBytes(t *testing.T) {
	ap := scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n<title>x</title>")
		for range 100 {
			if _, err := c.Write(make([]byte, 1024)); err != nil {
				return
			}
		}
		<-done
	})
	p := newProber(t, Config{PortConfig: scanner.PortConfig{MaxBytes: 4096, Timeout: 5 * time.Second}}, ap.Port())
	start := time.Now()
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil || len(ev) != 1 || ev[0].Fields["http.title"] != "x" {
		t.Errorf("got %+v, %v", ev, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v: did not stop at MaxBytes", d)
	}
}

func TestNew(t *testing.T) {
	p := scantest.Build(t, New, Config{})
	for _, port := range []uint16{80, 8080, 443, 8443} {
		if !p.Accepts(port) {
			t.Errorf("default prober does not accept %d", port)
		}
	}
	if p.Accepts(554) || p.Name() != "http" {
		t.Errorf("Accepts(554) or Name() wrong")
	}
	for _, bad := range []Config{
		{PortConfig: scanner.PortConfig{Timeout: -1}},
		{PortConfig: scanner.PortConfig{MaxBytes: -1}},
		{PortConfig: scanner.PortConfig{UserAgent: "x\r\nInjected: 1"}},
		{PortConfig: scanner.PortConfig{Ports: []uint16{443}}},
		{TLSPorts: []uint16{0}},
	} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
}

package httpprobe

import (
	"bufio"
	"io"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// req is one request as a test server read it.
type req struct {
	conn         int // which connection, counting from 1
	method, path string
	head, body   string
}

// httpServer answers every request with answer(r); answer returns the
// bytes to write and whether to close afterwards. A nil answer stalls.
type httpServer struct {
	mu    sync.Mutex
	reqs  []req
	conns atomic.Int32
}

func (s *httpServer) start(t *testing.T, answer func(r req) ([]byte, bool)) netip.AddrPort {
	return scantest.ServeTCP(t, func(c net.Conn, done <-chan struct{}) {
		n := int(s.conns.Add(1))
		br := bufio.NewReader(c)
		for {
			var head strings.Builder
			for {
				line, err := br.ReadString('\n')
				head.WriteString(line)
				if err != nil {
					return
				}
				if line == "\r\n" {
					break
				}
			}
			r := req{conn: n, head: head.String()}
			first, _, _ := strings.Cut(r.head, "\r\n")
			f := strings.Fields(first)
			if len(f) == 3 {
				r.method, r.path = f[0], f[1]
			}
			for _, l := range strings.Split(r.head, "\r\n") {
				if v, ok := strings.CutPrefix(l, "Content-Length: "); ok {
					cl, _ := strconv.Atoi(v)
					b := make([]byte, cl)
					io.ReadFull(br, b)
					r.body = string(b)
				}
			}
			s.mu.Lock()
			s.reqs = append(s.reqs, r)
			s.mu.Unlock()
			out, closeAfter := answer(r)
			if out == nil {
				<-done
				return
			}
			c.Write(out)
			if closeAfter {
				return
			}
		}
	})
}

func (s *httpServer) requests() []req {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

func paths(ev []map[string]string) []string {
	var out []string
	for _, f := range ev {
		out = append(out, f["http.path"])
	}
	return out
}

const hikRoot = "HTTP/1.1 200 OK\r\nServer: webserver\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

func TestProber_ProbePort_followUps_hikvisionKeepAlive(t *testing.T) {
	isapi := readFixture(t, "hikvision-dnvrs-401-usercheck.txt")
	var s httpServer
	ap := s.start(t, func(r req) ([]byte, bool) {
		switch r.path {
		case "/":
			return []byte(hikRoot), true
		case "/ISAPI/System/deviceInfo", "/SDK/webLanguage":
			return isapi, false
		}
		return []byte("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nNot Found"), true
	})
	// Without the favicon, so the POST is the last request.
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 3 * time.Second}, FollowUps: DefaultFollowUps[:3]}, ap.Port())
	pace := &scantest.Pacer{}
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), pace)
	if err != nil {
		t.Fatal(err)
	}
	var fs []map[string]string
	for _, e := range ev {
		fs = append(fs, e.Fields)
	}
	if got, want := paths(fs), []string{"/", "/ISAPI/System/deviceInfo", "/SDK/webLanguage", "/RPC2_Login"}; !slices.Equal(got, want) {
		t.Fatalf("paths %q, want %q", got, want)
	}
	if f := fs[1]; f["http.status"] != "401" || f["http.xml_root"] != "userCheck" || f["http.isapi.status"] != "401" || f["http.server"] != "DNVRS-Webs" {
		t.Errorf("ISAPI fields %q", f)
	}
	if f := fs[3]; f["http.status"] != "404" || f["http.xml_root"] != "" {
		t.Errorf("RPC2 fields %q", f)
	}
	reqs := s.requests()
	// GET / closes; the three follow-ups share the second connection.
	if got := []int{reqs[0].conn, reqs[1].conn, reqs[2].conn, reqs[3].conn}; !slices.Equal(got, []int{1, 2, 2, 2}) {
		t.Errorf("connections per request %v", got)
	}
	if pace.N.Load() != 4 {
		t.Errorf("pace.Wait called %d times, want 4 (one per request)", pace.N.Load())
	}
	post := reqs[3]
	if post.method != "POST" || post.body != RPC2LoginChallenge ||
		!strings.Contains(post.head, "Content-Type: application/json\r\n") ||
		!strings.Contains(post.head, "Content-Length: "+strconv.Itoa(len(RPC2LoginChallenge))+"\r\n") ||
		!strings.HasSuffix(post.head, "Connection: close\r\n\r\n") {
		t.Errorf("POST request %q body %q", post.head, post.body)
	}
	if !strings.Contains(reqs[1].head, "Connection: keep-alive\r\n") || strings.Contains(reqs[1].head, "Authorization") {
		t.Errorf("ISAPI request %q", reqs[1].head)
	}
}

func TestProber_ProbePort_followUps_dahuaRPC2(t *testing.T) {
	rpc2 := readFixture(t, "dahua-amcrest-rpc2-login.txt")
	var s httpServer
	ap := s.start(t, func(r req) ([]byte, bool) {
		if r.path == "/RPC2_Login" {
			return rpc2, true
		}
		return []byte("HTTP/1.1 200 OK\r\nCONNECTION: close\r\nCONTENT-LENGTH: 0\r\n\r\n"), true
	})
	// The root page names Dahua: only Dahua's follow-up is asked.
	guess := func(root map[string]string) string {
		if strings.Contains(root["http.header_names"], "CONNECTION") {
			return "dahua"
		}
		return ""
	}
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 3 * time.Second}, FollowUps: DefaultFollowUps[:3], Guess: guess}, ap.Port())
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 2 {
		t.Fatalf("got %d evidence: %v", len(ev), ev)
	}
	f := ev[1].Fields
	if f["http.path"] != "/RPC2_Login" || f["http.rpc2.realm"] != "Login to AMC000N49SSV0M2U46" ||
		f["http.rpc2.mac"] != "3c:ef:8c:61:01:c0" || f["http.rpc2.error_code"] != "268632079" ||
		f["http.header_names"] != "X-XSS-Protection,X-Frame-Options,Content-Security-Policy,Strict-Transport-Security,Content-type,CONNECTION,Set-Cookie,CONTENT-LENGTH" {
		t.Errorf("RPC2 fields %q", f)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestProber_ProbePort_followUps_stopAtSilence(t *testing.T) {
	var s httpServer
	ap := s.start(t, func(r req) ([]byte, bool) {
		if r.path == "/" {
			return []byte(hikRoot), true
		}
		return nil, false // stall
	})
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 300 * time.Millisecond}, FollowUps: DefaultFollowUps}, ap.Port())
	start := time.Now()
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 || ev[0].Fields["http.server"] != "webserver" {
		t.Errorf("evidence %v", ev)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("%d requests, want 2: silence stops the series", n)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestProber_ProbePort_followUps_redialAfterQuietClose(t *testing.T) {
	// The server keeps nothing alive but never says so.
	var s httpServer
	ap := s.start(t, func(r req) ([]byte, bool) {
		return []byte("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), true
	})
	fs := []FollowUp{{Method: "GET", Path: "/a"}, {Method: "GET", Path: "/b"}}
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 2 * time.Second}, FollowUps: fs}, ap.Port())
	pace := &scantest.Pacer{}
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), pace)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]string
	for _, e := range ev {
		got = append(got, e.Fields)
	}
	if !slices.Equal(paths(got), []string{"/", "/a", "/b"}) {
		t.Errorf("paths %q", paths(got))
	}
	// Each request found its kept connection closed and dialled again;
	// every attempt waited for the pacer.
	if c := s.conns.Load(); c != 3 {
		t.Errorf("%d connections, want 3", c)
	}
	if pace.N.Load() < 3 {
		t.Errorf("pace.Wait %d", pace.N.Load())
	}
}

func TestProber_ProbePort_followUps_notAfterGarbage(t *testing.T) {
	var s httpServer
	ap := s.start(t, func(r req) ([]byte, bool) { return []byte("SSH-2.0-dropbear\r\n"), true })
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: time.Second}, FollowUps: DefaultFollowUps}, ap.Port())
	if _, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{}); err == nil {
		t.Error("no error for a non-HTTP port")
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d requests to a non-HTTP port, want 1", n)
	}
}

func TestNew_followUps(t *testing.T) {
	for _, f := range []FollowUp{
		{Method: "GET", Path: "ISAPI"},
		{Method: "GE T", Path: "/"},
		{Method: "GET", Path: "/a b"},
		{Method: "POST", Path: "/", ContentType: "x\r\nInjected: 1"},
	} {
		if _, err := New(Config{FollowUps: []FollowUp{f}}); err == nil {
			t.Errorf("New accepted %+v", f)
		}
	}
	p := scantest.Build(t, New, Config{})
	fs := p.cfg.FollowUps
	if len(fs) != len(DefaultFollowUps) || !fs[len(fs)-1].Icon {
		t.Errorf("default follow-ups %v", fs)
	}
	// Every default is read-only and anonymous; the maker-specific CGIs
	// beyond docs/protocols/http.md §5.1-5.2 are asked only when the root page
	// names their maker.
	for _, f := range fs {
		if (f.Method != "GET" && f.Method != "POST") || strings.Contains(strings.ToLower(f.Path+f.Body), "password=") ||
			strings.Contains(f.Path, "/admin/") {
			t.Errorf("follow-up %+v", f)
		}
		if strings.Contains(f.Path, "magicBox") || strings.Contains(f.Path, "axis-cgi") || strings.Contains(f.Path, "Machine.cgi") || strings.Contains(f.Path, "getparam") {
			if !f.NeedsGuess {
				t.Errorf("%s asked without a guess", f.Path)
			}
		}
	}
}

func TestProber_ProbePort_favicon(t *testing.T) {
	icon := append([]byte{0, 0, 1, 0, 1, 0}, "lab icon bytes"...)
	iconSum := FaviconFields(icon)
	for name, tc := range map[string]struct {
		answer []byte
		want   map[string]string // nil: no hash fields
	}{
		"framed":              {append([]byte("HTTP/1.1 200 OK\r\nContent-Type: image/x-icon\r\nContent-Length: 20\r\n\r\n"), icon...), iconSum},
		"close-delimited":     {append([]byte("HTTP/1.0 200 OK\r\nContent-Type: image/x-icon\r\n\r\n"), icon...), iconSum},
		"chunked":             {append(append([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n"), icon...), "\r\n0\r\n\r\n"...), iconSum},
		"short of its length": {append([]byte("HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"), icon...), nil},
		"not found":           {[]byte("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nNot Found"), nil},
		"empty":               {[]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), nil},
	} {
		t.Run(name, func(t *testing.T) {
			var s httpServer
			ap := s.start(t, func(r req) ([]byte, bool) {
				if r.path == FaviconPath {
					return tc.answer, true
				}
				return []byte(hikRoot), true
			})
			fs := []FollowUp{{Method: "GET", Path: FaviconPath, Maker: AnyMaker, Icon: true}}
			p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: time.Second}, FollowUps: fs}, ap.Port())
			ev, _ := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
			if len(ev) != 2 || ev[1].Fields["http.path"] != FaviconPath {
				t.Fatalf("evidence %+v", ev)
			}
			f := ev[1].Fields
			if tc.want == nil {
				if f["http.favicon_md5"] != "" || f["http.favicon_mmh3"] != "" {
					t.Errorf("hashed an icon that did not arrive whole: %v", f)
				}
				return
			}
			if f["http.favicon_md5"] != tc.want["http.favicon_md5"] || f["http.favicon_mmh3"] != tc.want["http.favicon_mmh3"] {
				t.Errorf("fields %v, want %v", f, tc.want)
			}
		})
	}
}

func TestProber_followUps_gating(t *testing.T) {
	fs := []FollowUp{
		{Method: "GET", Path: "/any"},
		{Method: "GET", Path: "/cam", Maker: AnyMaker},
		{Method: "GET", Path: "/hik", Maker: "hikvision"},
		{Method: "GET", Path: "/dahua", Maker: "dahua"},
		{Method: "GET", Path: "/axis", Maker: "axis", NeedsGuess: true},
	}
	for guess, want := range map[string][]string{
		"":          {"/any", "/cam", "/hik", "/dahua"},
		"hikvision": {"/any", "/cam", "/hik"},
		"axis":      {"/any", "/cam", "/axis"},
		NotACamera:  {"/any"},
	} {
		p := scantest.Build(t, New, Config{FollowUps: fs, Guess: func(map[string]string) string { return guess }})
		var got []string
		for _, f := range p.followUps(nil, false) {
			got = append(got, f.Path)
		}
		if !slices.Equal(got, want) {
			t.Errorf("guess %q: %v, want %v", guess, got, want)
		}
	}
}

// TestDefaultFollowUps_budget: the requests each kind of root page costs,
// as the DefaultFollowUps comment states them.
func TestDefaultFollowUps_budget(t *testing.T) {
	for guess, want := range map[string]int{"hikvision": 3, "dahua": 6, "axis": 4, "avtech": 2, "vivotek": 2, "": 4, NotACamera: 0} {
		p := scantest.Build(t, New, Config{Guess: func(map[string]string) string { return guess }})
		if n := len(p.followUps(nil, false)); n != want {
			t.Errorf("guess %q: %d follow-ups, want %d", guess, n, want)
		}
	}
}

// realHTTP is a body recorded from a real device (testdata/real/http,
// provenance in testdata/real/rtsp-http.yaml), served whole behind a bare
// 200 as the corpus replays it.
var realHTTP = scantest.Fixtures("real/http")

func ok200(body []byte) []byte {
	return append([]byte("HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...)
}

// TestProber_ProbePort_followUps_axisReal: a root page guessed Axis gets
// basicdeviceinfo and both param.cgi groups on one connection, answered
// with the real recorded bodies, and their identity fields come back.
func TestProber_ProbePort_followUps_axisReal(t *testing.T) {
	answers := map[string][]byte{
		"/axis-cgi/basicdeviceinfo.cgi":                         realHTTP(t, "axis-m3058-plve-basicdeviceinfo.json"),
		"/axis-cgi/param.cgi?action=list&group=root.Brand":      realHTTP(t, "axis-m1065-lw-param-brand.txt"),
		"/axis-cgi/param.cgi?action=list&group=root.Properties": realHTTP(t, "axis-m7001-param-properties-5.20.5.txt"),
	}
	var s httpServer
	ap := s.start(t, func(r req) ([]byte, bool) {
		if r.path == "/" {
			return []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), false
		}
		if b, ok := answers[r.path]; ok {
			return ok200(b), false
		}
		return []byte("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), false
	})
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 3 * time.Second}, FollowUps: DefaultFollowUps, Guess: func(map[string]string) string { return "axis" }}, ap.Port())
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]string{}
	for _, e := range ev {
		got[e.Fields["http.path"]] = e.Fields
	}
	for path, want := range map[string]map[string]string{
		"/axis-cgi/basicdeviceinfo.cgi": {"http.kv.prodnbr": "M3058", "http.kv.version": "10.12.228", "http.kv.serialnumber": "ACCC8EC5E602", "http.kv.brand": "AXIS"},
		"/axis-cgi/param.cgi?action=list&group=root.Brand": {"http.kv.root.brand.brand": "AXIS", "http.kv.root.brand.prodnbr": "M1065-LW",
			"http.kv.root.brand.prodtype": "Network Camera", "http.kv.root.brand.prodfullname": "AXIS M1065-LW Network Camera"},
		"/axis-cgi/param.cgi?action=list&group=root.Properties": {"http.kv.root.properties.firmware.version": "5.20.5", "http.kv.root.properties.system.serialnumber": "ACCC8E1A909D"},
	} {
		for k, v := range want {
			if got[path][k] != v {
				t.Errorf("%s: %s = %q, want %q (fields %q)", path, k, got[path][k], v, got[path])
			}
		}
	}
	if _, ok := got[FaviconPath]; !ok || len(ev) != 5 {
		t.Errorf("%d evidence, paths %v", len(ev), slices.Collect(maps.Keys(got)))
	}
	if n := len(s.requests()); n != 5 {
		t.Errorf("%d requests, want 5", n)
	}
	for _, r := range s.requests() {
		if r.path == "/axis-cgi/basicdeviceinfo.cgi" && (r.method != "POST" || r.body != AxisBasicDeviceInfo) {
			t.Errorf("basicdeviceinfo request %s %q", r.method, r.body)
		}
	}
}

// TestProber_ProbePort_followUps_groupRefused: a Dahua device that wants
// credentials for magicBox.cgi is asked it once.
func TestProber_ProbePort_followUps_groupRefused(t *testing.T) {
	var s httpServer
	ap := s.start(t, func(r req) ([]byte, bool) {
		switch {
		case r.path == "/":
			return []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), false
		case strings.HasPrefix(r.path, "/cgi-bin/magicBox.cgi"):
			return []byte("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"Login to x\", nonce=\"1\"\r\nContent-Length: 0\r\n\r\n"), false
		}
		return []byte("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), false
	})
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 3 * time.Second}, FollowUps: DefaultFollowUps, Guess: func(map[string]string) string { return "dahua" }}, ap.Port())
	if _, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range s.requests() {
		got = append(got, r.path)
	}
	if want := []string{"/", "/RPC2_Login", "/cgi-bin/magicBox.cgi?action=getSystemInfo", FaviconPath}; !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
}

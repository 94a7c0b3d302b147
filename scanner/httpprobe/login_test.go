package httpprobe

import (
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/internal/httpdigest"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// The deviceInfo body a Home Assistant integration read, with its login,
// from a DS-2CD2386G2-IU (provenance: testdata/real/rtsp-http.yaml).
func isapiBody(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/real/http/hikvision-ds-2cd2386g2-iu-isapi-deviceinfo.xml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	lockRealm   = "IP Camera(C2875)"
	lockUser    = "operator"
	lockPass    = "s3cret-Ünïcode pass"
	notFound    = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
	challenge   = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest qop=\"auth\", realm=\"" + lockRealm + "\", nonce=\"4e5749304f44\", stale=\"FALSE\"\r\nContent-Length: 0\r\n\r\n"
	basicOnly   = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"" + lockRealm + "\"\r\nContent-Length: 0\r\n\r\n"
	anonymousOK = "HTTP/1.1 200 OK\r\nServer: webs\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
)

// lockedDevice answers GET / anonymously and the ISAPI deviceInfo only to a
// Digest login of lockUser/lockPass, as Hikvision firmware since 2017 does;
// every other path is 404. offer is the 401 it sends.
func lockedDevice(t *testing.T, s *httpServer, offer string) netip.AddrPort {
	body := isapiBody(t)
	return s.start(t, func(r req) ([]byte, bool) {
		switch r.path {
		case "/":
			return []byte(anonymousOK), true
		case "/ISAPI/System/deviceInfo":
			authz := ""
			for _, l := range strings.Split(r.head, "\r\n") {
				if v, ok := strings.CutPrefix(l, "Authorization: "); ok {
					authz = v
				}
			}
			if !httpdigest.Check(authz, r.method, lockUser, lockRealm, lockPass) {
				return []byte(offer), false
			}
			return []byte("HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + string(body)), false
		}
		return []byte(notFound), false
	})
}

func loginFor(prefix, user, pass string) func(netip.Addr) (Login, bool) {
	p := netip.MustParsePrefix(prefix)
	return func(a netip.Addr) (Login, bool) {
		return Login{Username: user, Password: pass}, p.Contains(a)
	}
}

func fieldsOf(t *testing.T, p *Prober, ap netip.AddrPort) []map[string]string {
	t.Helper()
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, e := range ev {
		out = append(out, e.Fields)
	}
	return out
}

func byPath(fs []map[string]string, path string) map[string]string {
	for _, f := range fs {
		if f["http.path"] == path {
			return f
		}
	}
	return nil
}

// TestLogin_digestAccepted: with a credential for the range, the 401 of
// the deviceInfo is asked once more with a Digest login and the device's
// own identity reaches the evidence; the 401's realm stays; the later
// follow-ups carry the login (nc 2); the password is in no request, field
// or error.
func TestLogin_digestAccepted(t *testing.T) {
	var s httpServer
	ap := lockedDevice(t, &s, challenge)
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 3 * time.Second}, FollowUps: DefaultFollowUps[:2],
		Login: loginFor("127.0.0.0/8", lockUser, lockPass)}, ap.Port())
	fs := fieldsOf(t, p, ap)
	f := byPath(fs, "/ISAPI/System/deviceInfo")
	if f == nil || f["http.login"] != LoginAccepted || f["http.status"] != "200" ||
		f["http.isapi.model"] != "DS-2CD2386G2-IU" || f["http.isapi.firmware"] != "V5.7.18" || f["http.realm"] != lockRealm {
		t.Fatalf("deviceInfo fields %q", f)
	}
	reqs := s.requests()
	var isapi []req
	for _, r := range reqs {
		if strings.Contains(r.head, lockPass) || strings.Contains(r.body, lockPass) {
			t.Errorf("password in clear in %s %s", r.method, r.path)
		}
		if r.path == "/ISAPI/System/deviceInfo" {
			isapi = append(isapi, r)
		}
	}
	if len(isapi) != 2 || strings.Contains(isapi[0].head, "Authorization") || !strings.Contains(isapi[1].head, "nc=00000001") {
		t.Errorf("deviceInfo asked %d times: %+v", len(isapi), isapi)
	}
	last := reqs[len(reqs)-1]
	if last.path != "/SDK/webLanguage" || !strings.Contains(last.head, "nc=00000002") {
		t.Errorf("webLanguage request %q", last.head)
	}
	if f := byPath(fs, "/SDK/webLanguage"); f["http.login"] != LoginAccepted {
		t.Errorf("webLanguage fields %q", f)
	}
	for _, f := range fs {
		for k, v := range f {
			if strings.Contains(v, lockPass) {
				t.Errorf("password in field %s", k)
			}
		}
	}
	if s := fmt.Sprintf("%v %+v %#v", Login{lockUser, lockPass}, Login{lockUser, lockPass}, Login{lockUser, lockPass}); strings.Contains(s, lockPass) {
		t.Errorf("Login formats its password: %s", s)
	}
}

// TestLogin_refusedOncePerHost: a wrong password is tried once; the host's
// attempt is then spent for every later probe of the scan (another port
// of the same address is asked without a login), and the 401 says so.
func TestLogin_refusedOncePerHost(t *testing.T) {
	var s1, s2 httpServer
	ap1 := lockedDevice(t, &s1, challenge)
	ap2 := lockedDevice(t, &s2, challenge)
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 3 * time.Second}, FollowUps: DefaultFollowUps[:1],
		Login: loginFor("127.0.0.0/8", lockUser, "wrong")}, ap1.Port(), ap2.Port())
	f := byPath(fieldsOf(t, p, ap1), "/ISAPI/System/deviceInfo")
	if f["http.login"] != LoginRefused || f["http.status"] != "401" || f["http.isapi.model"] != "" {
		t.Errorf("first port %q", f)
	}
	f = byPath(fieldsOf(t, p, ap2), "/ISAPI/System/deviceInfo")
	if f["http.login"] != "" || f["http.status"] != "401" {
		t.Errorf("second port %q", f)
	}
	n := 0
	for _, r := range append(s1.requests(), s2.requests()...) {
		if strings.Contains(r.head, "Authorization") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d requests carried a login, want 1 per host", n)
	}
}

// TestLogin_outOfScopeAndBasic: no credential for the address means no
// login; a Basic challenge on plain HTTP is not answered (the password
// would cross the network in clear).
func TestLogin_outOfScopeAndBasic(t *testing.T) {
	for name, tc := range map[string]struct {
		offer, scope string
	}{
		"out of scope":     {challenge, "198.18.0.0/15"},
		"basic over plain": {basicOnly, "127.0.0.0/8"},
	} {
		t.Run(name, func(t *testing.T) {
			var s httpServer
			ap := lockedDevice(t, &s, tc.offer)
			p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 3 * time.Second}, FollowUps: DefaultFollowUps[:1],
				Login: loginFor(tc.scope, lockUser, lockPass)}, ap.Port())
			f := byPath(fieldsOf(t, p, ap), "/ISAPI/System/deviceInfo")
			if f["http.status"] != "401" || f["http.login"] != "" {
				t.Errorf("fields %q", f)
			}
			for _, r := range s.requests() {
				if strings.Contains(r.head, "Authorization") {
					t.Errorf("login sent: %q", r.head)
				}
			}
		})
	}
}

// TestLogin_unknownRootAsksEveryMaker: a root page that names no maker is
// asked the makers' NeedsGuess CGIs only when the scan holds a credential
// for the host.
func TestLogin_unknownRootAsksEveryMaker(t *testing.T) {
	asked := func(login func(netip.Addr) (Login, bool)) []string {
		var s httpServer
		ap := lockedDevice(t, &s, challenge)
		p := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 3 * time.Second}, FollowUps: DefaultFollowUps,
			Guess: func(map[string]string) string { return "" }, Login: login}, ap.Port())
		fieldsOf(t, p, ap)
		var out []string
		for _, r := range s.requests() {
			out = append(out, r.path)
		}
		return out
	}
	magic := "/cgi-bin/magicBox.cgi?action=getSystemInfo"
	if got := asked(nil); slices.Contains(got, magic) {
		t.Errorf("anonymous scan asked %s: %q", magic, got)
	}
	got := asked(loginFor("127.0.0.0/8", lockUser, lockPass))
	for _, want := range []string{magic, "/axis-cgi/basicdeviceinfo.cgi", "/axis-cgi/param.cgi?action=list&group=root.Brand", "/cgi-bin/nobody/Machine.cgi?action=get_capability"} {
		if !slices.Contains(got, want) {
			t.Errorf("credentialed scan did not ask %s: %q", want, got)
		}
	}
	// magicBox and param.cgi answered 404: the rest of each group is not asked.
	if slices.Contains(got, "/cgi-bin/magicBox.cgi?action=getVendor") || slices.Contains(got, "/axis-cgi/param.cgi?action=list&group=root.Properties") {
		t.Errorf("refused groups asked on: %q", got)
	}
}

package onvif

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"

	"github.com/camsweep/camsweep/scanner"
)

const secret = "s3cret-Pa55"

func TestLoadCredentials(t *testing.T) {
	cs, err := LoadCredentials(strings.NewReader("credentials:\n  - cidrs: [198.18.10.0/24, 198.18.20.7]\n    username: admin\n    password: " + secret + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	for a, want := range map[string]bool{"198.18.10.9": true, "198.18.20.7": true, "198.18.20.8": false, "10.0.0.1": false, "::ffff:198.18.10.9": true} {
		if _, ok := cs.For(netip.MustParseAddr(a)); ok != want {
			t.Errorf("For(%s) = %v", a, ok)
		}
	}
	for _, bad := range []string{
		"credentials:\n  - username: admin\n    password: x\n",
		"credentials:\n  - cidrs: [nonsense]\n    username: admin\n    password: " + secret + "\n",
		"credentials:\n  - cidrs: [10.0.0.0/8]\n    username: admin\n",
		"credentials:\n  - cidrs: [10.0.0.0/8]\n    username: admin\n    pasword: " + secret + "\n",
	} {
		_, err := LoadCredentials(strings.NewReader(bad))
		if err == nil {
			t.Errorf("accepted %q", bad)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the password: %v", err)
		}
	}
	c := cs[0]
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprintf("%+v", cs)} {
		if strings.Contains(s, secret) {
			t.Errorf("formatting shows the password: %s", s)
		}
	}
}

// TestProber_credentialsOnlyInsideCIDR: the secret goes only to an address
// its CIDR covers, once, and shows in neither evidence nor errors.
func TestProber_credentialsOnlyInsideCIDR(t *testing.T) {
	var (
		mu      sync.Mutex
		tokens  int
		leaked  bool
		digests []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if bytes.Contains(b, []byte(secret)) {
			leaked = true
		}
		switch {
		case bytes.Contains(b, []byte("GetSystemDateAndTime")):
			w.Write(fixture(t, "gsoap-getsystemdateandtime.xml"))
		case bytes.Contains(b, []byte("UsernameToken")):
			tokens++
			_, d, _ := bytes.Cut(b, []byte("#PasswordDigest\">"))
			d, _, _ = bytes.Cut(d, []byte("<"))
			digests = append(digests, string(d))
			w.WriteHeader(http.StatusBadRequest)
			w.Write(fixture(t, "hikvision-notauthorized-fault.xml"))
		default:
			w.WriteHeader(http.StatusUnauthorized)
			w.Write(fixture(t, "hikvision-notauthorized-fault.xml"))
		}
	}))
	defer srv.Close()
	ap := netip.MustParseAddrPort(srv.Listener.Addr().String())

	outside, _ := NewCredential([]netip.Prefix{netip.MustParsePrefix("198.18.0.0/15")}, "admin", secret)
	ev, err := newProber(t, Config{Credentials: Credentials{outside}}).ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil || len(ev) != 1 || tokens != 0 || ev[0].Fields["onvif.login"] != "" {
		t.Fatalf("outside the CIDR: tokens %d, %v %v", tokens, ev, err)
	}

	inside, _ := NewCredential([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "admin", secret)
	var pace scantest.Pacer
	ev, err = newProber(t, Config{Credentials: Credentials{outside, inside}}).ProbePort(t.Context(), scanner.At(ap), &pace)
	if err != nil || len(ev) != 1 {
		t.Fatalf("%v %v", ev, err)
	}
	// The fake refuses everything but the clock: the login goes with the
	// first refused request (GetServices), and never again.
	if tokens != 1 || ev[0].Fields["onvif.login"] != "rejected" || pace.N.Load() != MaxRequests {
		t.Errorf("tokens %d, login %q, paced %d", tokens, ev[0].Fields["onvif.login"], pace.N.Load())
	}
	if leaked {
		t.Error("the password itself went over the wire")
	}
	if s := fmt.Sprintf("%v %v", ev, err); strings.Contains(s, secret) || digests[0] == "" || strings.Contains(s, digests[0]) {
		t.Errorf("secret in output: %s", s)
	}
}

// TestParseCredentials_secretsNeverEchoed: a password typed into cidrs (as
// a list item, as a scalar, or as a key of its own) gives an error naming
// the entry, line and field, never the value.
func TestParseCredentials_secretsNeverEchoed(t *testing.T) {
	tests := []struct{ src, want string }{
		{"credentials:\n  - cidrs: [198.18.10.0/24, " + secret + "]\n    username: admin\n    password: x\n",
			"credentials: entry 1 (line 2): line 2: cidrs item 2 is not a CIDR or an address"},
		{"credentials:\n  - cidrs: " + secret + "\n    username: admin\n    password: x\n",
			"credentials: entry 1 (line 2): line 2: cidrs: want a list of CIDRs or addresses"},
		{"credentials:\n  - cidrs: [198.18.10.0/24]\n    username: admin\n    " + secret + ": x\n",
			"credentials: entry 1 (line 2): line 4: unknown key (not shown) (want cidrs, username, password, protocols)"},
		{"credentials:\n  - cidrs: [198.18.10.0/24]\n    username: admin\n    password: [" + secret + "]\n",
			"credentials: entry 1 (line 2): line 4: password: want a string"},
		{"credentials:\n  - cidrs:\n      - {" + secret + ": 1}\n    username: admin\n    password: x\n",
			"credentials: entry 1 (line 2): line 3: cidrs item 1 is not a CIDR or an address"},
		{"credential:\n  - cidrs: [198.18.10.0/24]\n", "credentials: line 1: unknown key (want credentials)"},
	}
	for _, tt := range tests {
		_, _, err := ParseCredentials(strings.NewReader(tt.src))
		if err == nil {
			t.Errorf("accepted %q", tt.src)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the secret: %v", err)
		}
		if err.Error() != tt.want {
			t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
		}
	}
}

// TestParseCredentials_sizeBound: a file over 1 MiB is an error, not cut
// short (a password straddling the cut was once used shortened).
func TestParseCredentials_sizeBound(t *testing.T) {
	head := "credentials:\n  - cidrs: [198.18.10.0/24]\n    username: admin\n    password: "
	pass := strings.Repeat("p", MaxCredentialsFile-len(head)-1)
	cs, _, err := ParseCredentials(strings.NewReader(head + pass + "\n"))
	if err != nil || len(cs) != 1 || cs[0].password != pass {
		t.Fatalf("file of exactly 1 MiB: %d credentials, %v", len(cs), err)
	}
	_, _, err = ParseCredentials(strings.NewReader(head + pass + "XY\n"))
	if err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
		t.Errorf("file over 1 MiB: %v", err)
	}
}

// TestParseCredentials_wideScopeWarns: /0 (or wider than a /8) scopes load
// with a warning naming the entry.
func TestParseCredentials_wideScopeWarns(t *testing.T) {
	src := "credentials:\n  - cidrs: [0.0.0.0/0]\n    username: a\n    password: x\n" +
		"  - cidrs: ['::/0', 198.18.0.0/15]\n    username: b\n    password: y\n" +
		"  - cidrs: [10.0.0.0/7]\n    username: c\n    password: z\n"
	cs, warns, err := ParseCredentials(strings.NewReader(src))
	if err != nil || len(cs) != 3 {
		t.Fatalf("%d credentials, %v", len(cs), err)
	}
	want := []string{
		"credentials entry 1 (line 2): scope 0.0.0.0/0 covers every address: the password goes to any device there that asks for a login",
		"credentials entry 2 (line 5): scope ::/0 covers every address: the password goes to any device there that asks for a login",
		"credentials entry 3 (line 8): scope 10.0.0.0/7 covers more than a /8 or an IPv6 /32: the password goes to any device there that asks for a login",
	}
	if strings.Join(warns, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings\n got: %q\nwant: %q", warns, want)
	}
}

// FuzzParseCredentials: no input panics, and a marked secret anywhere in
// the file never appears in an error or a warning.
func FuzzParseCredentials(f *testing.F) {
	f.Add("credentials:\n  - cidrs: [198.18.10.0/24]\n    username: admin\n    password: " + secret + "\n")
	f.Add("credentials:\n  - cidrs: [" + secret + "]\n    username: admin\n    password: x\n")
	f.Add("credentials:\n  - cidrs: " + secret + "\n")
	f.Add("credentials:\n  - {" + secret + ": 1}\n")
	f.Add("credentials: [" + secret + "]\n")
	f.Add(secret + ":\n  - x\n")
	f.Add("credentials:\n  - cidrs: [0.0.0.0/0, '::/0']\n    username: u\n    password: '" + secret + "'\n")
	f.Fuzz(func(t *testing.T, in string) {
		cs, warns, err := ParseCredentials(strings.NewReader(in))
		if err != nil {
			if cs != nil || warns != nil {
				t.Fatal("credentials or warnings returned with an error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows the secret: %v", err)
			}
			return
		}
		for _, w := range warns {
			if strings.Contains(w, secret) {
				t.Fatalf("warning shows the secret: %s", w)
			}
		}
		for _, c := range cs {
			if len(c.Prefixes) == 0 || c.Username == "" || c.password == "" {
				t.Fatalf("incomplete credential %v", c)
			}
		}
	})
}

// TestParseCredentials_protocols: the web login is opt-in per entry; a
// protocol list without onvif, or with an unknown name, is refused with
// its line.
func TestParseCredentials_protocols(t *testing.T) {
	base := "credentials:\n  - cidrs: [198.18.10.0/24]\n    username: admin\n    password: " + secret + "\n"
	cs, err := LoadCredentials(strings.NewReader(base))
	if err != nil || len(cs) != 1 || cs[0].HTTP {
		t.Fatalf("default: %v %v", cs, err)
	}
	cs, err = LoadCredentials(strings.NewReader(base + "    protocols: [onvif, http]\n"))
	if err != nil || !cs[0].HTTP || cs[0].Password() != secret {
		t.Fatalf("onvif+http: %v %v", cs, err)
	}
	for bad, want := range map[string]string{
		"    protocols: [http]\n":          "line 5: protocols: onvif is required",
		"    protocols: [onvif, telnet]\n": `line 5: protocols: "telnet" is not onvif or http`,
		"    protocols: onvif\n":           "line 5: protocols: want a list",
		"    protocols: []\n":              "line 5: protocols: want a list",
	} {
		_, err := LoadCredentials(strings.NewReader(base + bad))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", bad, err, want)
		}
	}
}

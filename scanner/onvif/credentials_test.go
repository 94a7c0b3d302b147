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
	ev, err := newProber(t, Config{Credentials: Credentials{outside}}).ProbePort(t.Context(), ap, &countingPacer{})
	if err != nil || len(ev) != 1 || tokens != 0 || ev[0].Fields["onvif.login"] != "" {
		t.Fatalf("outside the CIDR: tokens %d, %v %v", tokens, ev, err)
	}

	inside, _ := NewCredential([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "admin", secret)
	var pace countingPacer
	ev, err = newProber(t, Config{Credentials: Credentials{outside, inside}}).ProbePort(t.Context(), ap, &pace)
	if err != nil || len(ev) != 1 {
		t.Fatalf("%v %v", ev, err)
	}
	// The fake refuses everything but the clock: the login goes with the
	// first refused request (GetServices), and never again.
	if tokens != 1 || ev[0].Fields["onvif.login"] != "rejected" || pace.n.Load() != MaxRequests {
		t.Errorf("tokens %d, login %q, paced %d", tokens, ev[0].Fields["onvif.login"], pace.n.Load())
	}
	if leaked {
		t.Error("the password itself went over the wire")
	}
	if s := fmt.Sprintf("%v %v", ev, err); strings.Contains(s, secret) || digests[0] == "" || strings.Contains(s, digests[0]) {
		t.Errorf("secret in output: %s", s)
	}
}

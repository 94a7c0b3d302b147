package protocols

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/scanner/onvif"
)

// TestHTTPLogin: the web follow-ups get a credential only for an address
// whose entry lists http among its protocols; no such entry, no login at
// all.
func TestHTTPLogin(t *testing.T) {
	load := func(yaml string) onvif.Credentials {
		cs, err := onvif.LoadCredentials(strings.NewReader(yaml))
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	if httpLogin(load("credentials:\n  - cidrs: [198.18.10.0/24]\n    username: admin\n    password: s3cret-Pa55\n")) != nil {
		t.Error("an ONVIF-only file gave the web follow-ups a login")
	}
	login := httpLogin(load("credentials:\n  - cidrs: [198.18.10.0/24]\n    username: admin\n    password: s3cret-Pa55\n" +
		"  - cidrs: [198.18.20.0/24]\n    username: viewer\n    password: other-Pa55\n    protocols: [onvif, http]\n"))
	if login == nil {
		t.Fatal("no login for an http entry")
	}
	if l, ok := login(netip.MustParseAddr("198.18.20.7")); !ok || l.Username != "viewer" || l.Password != "other-Pa55" {
		t.Errorf("198.18.20.7: %v %v", l, ok)
	}
	for _, a := range []string{"198.18.10.7", "198.18.30.7"} {
		if _, ok := login(netip.MustParseAddr(a)); ok {
			t.Errorf("%s got a web login", a)
		}
	}
}

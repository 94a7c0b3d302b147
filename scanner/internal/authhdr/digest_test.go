package authhdr

import (
	"strings"
	"testing"
)

// TestDigest_rfcVectors: the worked examples of RFC 2617 §3.5 (MD5, qop
// auth) and RFC 7616 §3.9.1 (MD5 and SHA-256).
func TestDigest_rfcVectors(t *testing.T) {
	for _, tc := range []struct {
		name, challenge, user, password, method, uri, cnonce, want string
	}{
		{"rfc2617", `Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
			"Mufasa", "Circle Of Life", "GET", "/dir/index.html", "0a4f113b", "6629fae49393a05397450978507c4ef1"},
		{"rfc7616-md5", `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
			"Mufasa", "Circle of Life", "GET", "/dir/index.html", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "8ca523f5e9506fed4657c9700eebdbec"},
		{"rfc7616-sha256", `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
			"Mufasa", "Circle of Life", "GET", "/dir/index.html", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := NewDigest([]string{tc.challenge})
			if !ok {
				t.Fatal("challenge refused")
			}
			h := d.Authorization(tc.user, tc.password, tc.method, tc.uri, tc.cnonce)
			chs, err := Parse(h)
			if err != nil || len(chs) != 1 {
				t.Fatalf("%s: %v", h, err)
			}
			for k, want := range map[string]string{"response": tc.want, "nc": "00000001", "qop": "auth", "uri": tc.uri, "username": tc.user, "cnonce": tc.cnonce} {
				if v, _ := chs[0].Get(k); v != want {
					t.Errorf("%s = %q, want %q (%s)", k, v, want, h)
				}
			}
			h = d.Authorization(tc.user, tc.password, tc.method, tc.uri, tc.cnonce)
			if !strings.Contains(h, "nc=00000002") {
				t.Errorf("second use: %s", h)
			}
		})
	}
}

func TestNewDigest_choice(t *testing.T) {
	// Hikvision's two challenges: SHA-256 is taken.
	d, ok := NewDigest([]string{
		`Digest qop="auth", realm="IP Camera(C2875)", nonce="a", stale="FALSE"`,
		`Digest qop="auth", realm="IP Camera(C2875)", nonce="b", algorithm="SHA-256", stale="FALSE"`,
	})
	if !ok || !d.sha256 || d.nonce != "b" || d.stale {
		t.Errorf("%+v", d)
	}
	// No qop: RFC 2069's form.
	d, ok = NewDigest([]string{`Digest realm="r", nonce="n", stale=TRUE`})
	if !ok || d.qop || !d.stale {
		t.Errorf("%+v", d)
	}
	for _, bad := range []string{`Basic realm="x"`, `Digest realm="x", qop="auth-int", nonce="n"`, `Digest realm="x", algorithm=MD5-sess, nonce="n"`, `Digest realm="x"`, ``} {
		if d, ok := NewDigest([]string{bad}); ok {
			t.Errorf("%q answered: %+v", bad, d)
		}
	}
}

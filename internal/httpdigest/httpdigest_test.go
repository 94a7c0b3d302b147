package httpdigest

import "testing"

// TestCheck: the worked examples of RFC 2617 §3.5 and RFC 7616 §3.9.1
// pass; a wrong password, user, realm, method or qop fails.
func TestCheck(t *testing.T) {
	rfc2617 := `Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`
	sha := `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`
	for _, tc := range []struct {
		name, authz, method, user, realm, pass string
		want                                   bool
	}{
		{"rfc2617", rfc2617, "GET", "Mufasa", "testrealm@host.com", "Circle Of Life", true},
		{"rfc7616-sha256", sha, "GET", "Mufasa", "http-auth@example.org", "Circle of Life", true},
		{"wrong password", rfc2617, "GET", "Mufasa", "testrealm@host.com", "circle of life", false},
		{"wrong user", rfc2617, "GET", "Simba", "testrealm@host.com", "Circle Of Life", false},
		{"wrong realm", rfc2617, "GET", "Mufasa", "other", "Circle Of Life", false},
		{"wrong method", rfc2617, "POST", "Mufasa", "testrealm@host.com", "Circle Of Life", false},
		{"basic", `Basic TXVmYXNhOkNpcmNsZSBPZiBMaWZl`, "GET", "Mufasa", "testrealm@host.com", "Circle Of Life", false},
		{"unclosed quote", `Digest username="Mufasa, realm="x"`, "GET", "Mufasa", "x", "p", false},
		{"empty password", rfc2617, "GET", "Mufasa", "testrealm@host.com", "", false},
		{"empty", ``, "GET", "Mufasa", "testrealm@host.com", "Circle Of Life", false},
	} {
		if got := Check(tc.authz, tc.method, tc.user, tc.realm, tc.pass); got != tc.want {
			t.Errorf("%s: Check = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add(`Digest username="a", realm="r", nonce="n", uri="/", response="x"`)
	f.Add(`Digest username="a\"b", realm=r, qop=auth,, nc=1`)
	f.Fuzz(func(t *testing.T, s string) {
		Check(s, "GET", "a", "r", "p")
	})
}

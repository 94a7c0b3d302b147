package authhdr

import (
	"errors"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want []Challenge
	}{
		{
			`Digest realm="IP Camera(C2875)", nonce="938032d91ffc30ca80b5da94c18887ac", stale="FALSE"`,
			[]Challenge{{Scheme: "Digest", Params: []Param{{"realm", "IP Camera(C2875)"}, {"nonce", "938032d91ffc30ca80b5da94c18887ac"}, {"stale", "FALSE"}}}},
		},
		{
			`Digest realm="fe12f37bdXXXXXbccbbd35f1", domain="::", qop="auth", nonce="300b:1685", opaque="", algorithm="MD5", stale="FALSE"`,
			[]Challenge{{Scheme: "Digest", Params: []Param{{"realm", "fe12f37bdXXXXXbccbbd35f1"}, {"domain", "::"}, {"qop", "auth"}, {"nonce", "300b:1685"}, {"opaque", ""}, {"algorithm", "MD5"}, {"stale", "FALSE"}}}},
		},
		{`Basic realm="device"`, []Challenge{{Scheme: "Basic", Params: []Param{{"realm", "device"}}}}},
		{
			`Digest realm="Hikvision", nonce="ab", stale="FALSE", Basic realm="/"`,
			[]Challenge{
				{Scheme: "Digest", Params: []Param{{"realm", "Hikvision"}, {"nonce", "ab"}, {"stale", "FALSE"}}},
				{Scheme: "Basic", Params: []Param{{"realm", "/"}}},
			},
		},
		{`Basic realm=Device_CGI`, []Challenge{{Scheme: "Basic", Params: []Param{{"realm", "Device_CGI"}}}}},
		{`Digest realm="a \"b\" \\c"`, []Challenge{{Scheme: "Digest", Params: []Param{{"realm", `a "b" \c`}}}}},
		{`Digest realm="x" nonce="y"`, []Challenge{{Scheme: "Digest", Params: []Param{{"realm", "x"}, {"nonce", "y"}}}}},
		{`Negotiate abc+/==, Basic`, []Challenge{{Scheme: "Negotiate", Token68: "abc+/=="}, {Scheme: "Basic"}}},
		{`  ,Basic  REALM = "spaced" ,`, []Challenge{{Scheme: "Basic", Params: []Param{{"REALM", "spaced"}}}}},
		{`Digest realm="Use 'live' as User Name and your password", nonce="1"`, []Challenge{{Scheme: "Digest", Params: []Param{{"realm", "Use 'live' as User Name and your password"}, {"nonce", "1"}}}}},
		{"", nil},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q) error %v", tt.in, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

func TestParse_malformedKeepsPrefix(t *testing.T) {
	got, err := Parse(`Digest realm="IP Camera(C2875)", nonce="9380`)
	if !errors.Is(err, ErrSyntax) {
		t.Fatalf("error = %v, want ErrSyntax", err)
	}
	if len(got) != 1 || got[0].Realm() != "IP Camera(C2875)" {
		t.Errorf("got %+v", got)
	}
	if _, err := Parse(`"quoted"`); !errors.Is(err, ErrSyntax) {
		t.Errorf("leading quoted-string: error = %v", err)
	}
}

func TestChallenge_Get(t *testing.T) {
	c := Challenge{Params: []Param{{"Realm", "x"}, {"realm", "y"}}}
	if v, ok := c.Get("REALM"); !ok || v != "x" {
		t.Errorf("Get = %q, %v", v, ok)
	}
	if _, ok := c.Get("nonce"); ok {
		t.Error("Get(nonce) found")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`Digest realm="IP Camera(C2875)", nonce="938032d91ffc30ca80b5da94c18887ac", stale="FALSE"`,
		`Digest realm="Login to 4M0747EPAA1D284", nonce="745449738fdf77164f570c37c9186b52"`,
		`Basic realm="device"`,
		`Digest realm="Hikvision", nonce="ab", stale="FALSE", Basic realm="/"`,
		`Digest realm="fe12f37bdXXXXXbccbbd35f1", domain="::", qop="auth", nonce="300b7e88f3d69ebfXXXXXf3e2f04218a:1685XXXXX4756", opaque="", algorithm="MD5", stale="FALSE"`,
		`Negotiate abc==`,
		`Digest realm="a\"b`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		chs, err := Parse(s)
		if err != nil && !errors.Is(err, ErrSyntax) {
			t.Fatalf("error %v is not ErrSyntax", err)
		}
		for _, c := range chs {
			if c.Scheme == "" {
				t.Fatalf("empty scheme in %+v", chs)
			}
		}
	})
}

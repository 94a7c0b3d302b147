package msghead

import (
	"strings"
	"testing"
)

func TestParseStatusLine(t *testing.T) {
	for _, tc := range []struct {
		line, prefix, proto, reason string
		status                      int
		ok                          bool
	}{
		{"HTTP/1.0 302 Redirect", "HTTP/", "HTTP/1.0", "Redirect", 302, true},
		{"HTTP/1.1 200", "HTTP/", "HTTP/1.1", "", 200, true},
		{"RTSP/1.0 401 Unauthorized", "RTSP/", "RTSP/1.0", "Unauthorized", 401, true},
		{"RTSP/1.0 401 Unauthorized", "HTTP/", "", "", 0, false},
		{"HTTP/1.1 20x OK", "HTTP/", "", "", 0, false},
		{"HTTP/1.1 2000 OK", "HTTP/", "", "", 0, false},
		{"HTTP/x.1 200 OK", "HTTP/", "", "", 0, false},
	} {
		proto, status, reason, ok := ParseStatusLine(tc.line, tc.prefix)
		if proto != tc.proto || status != tc.status || reason != tc.reason || ok != tc.ok {
			t.Errorf("%q: got %q %d %q %v", tc.line, proto, status, reason, ok)
		}
	}
}

func TestParseHeaders_keepsCaseOrderAndRaw(t *testing.T) {
	// Dahua's upper-case names and Hikvision's two-space RTSP Date.
	hs := ParseHeaders(strings.Split("CONNECTION: close\r\nDate:  Thu, May 14 2020 16:45:35 GMT\r\nX-Long: a\r\n  b\r\nbad line\r\n: empty\r\nSet-Cookie:secure; HttpOnly\r\n", "\n"))
	if got := Names(hs); got != "CONNECTION,Date,X-Long,Set-Cookie" {
		t.Errorf("names %q", got)
	}
	if hs[1].Raw != "  Thu, May 14 2020 16:45:35 GMT" || hs[1].Value != "Thu, May 14 2020 16:45:35 GMT" {
		t.Errorf("date %+v", hs[1])
	}
	if hs[2].Value != "a b" {
		t.Errorf("folded %+v", hs[2])
	}
	if Get(hs, "connection") != "close" || Get(hs, "set-cookie") != "secure; HttpOnly" {
		t.Errorf("Get")
	}
}

func TestSplitHead(t *testing.T) {
	for _, tc := range []struct {
		in, head, body string
		ended          bool
	}{
		{"A: b\r\n\r\nbody", "A: b\r\n", "body", true},
		{"A: b\n\nbody", "A: b\n", "body", true},
		{"A: b\r\n", "A: b\r\n", "", false},
	} {
		head, body, ended := SplitHead([]byte(tc.in))
		if string(head) != tc.head || string(body) != tc.body || ended != tc.ended {
			t.Errorf("%q: %q %q %v", tc.in, head, body, ended)
		}
	}
	if HeadEnd([]byte("A: b\r\n\r\nxy")) != 8 || HeadEnd([]byte("A: b")) != -1 {
		t.Error("HeadEnd")
	}
}

func FuzzParseHeaders(f *testing.F) {
	f.Add("CONNECTION: close\r\nCONTENT-LENGTH: 192\r\n\r\n")
	f.Add("Date:  Thu, May 14 2020 16:45:35 GMT\r\n folded\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		head, _, _ := SplitHead([]byte(s))
		for _, h := range ParseHeaders(strings.Split(string(head), "\n")) {
			if !IsToken(h.Name) {
				t.Fatalf("non-token name %q", h.Name)
			}
		}
		ParseStatusLine(s, "HTTP/")
	})
}

func TestParseHead(t *testing.T) {
	h, body, ended, ok := ParseHead([]byte("\r\nRTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\nv=0"), "RTSP/")
	if !ok || !ended || h.Proto != "RTSP/1.0" || h.Status != 200 || h.Reason != "OK" || len(h.Headers) != 1 || string(body) != "v=0" {
		t.Errorf("whole head: %+v %q %v %v", h, body, ended, ok)
	}
	// Cut mid-way through a header: that half line is not a header.
	h, _, ended, ok = ParseHead([]byte("HTTP/1.1 401 Unauthorized\r\nServer: App-webs/\r\nWWW-Authenticate: Dig"), "HTTP/")
	if !ok || ended || len(h.Headers) != 1 || h.Headers[0].Name != "Server" {
		t.Errorf("cut head: %+v %v %v", h, ended, ok)
	}
	if _, _, _, ok := ParseHead([]byte("HTTP/1.1 200 OK\r\n\r\n"), "RTSP/"); ok {
		t.Error("an HTTP response accepted as RTSP")
	}
	if _, _, _, ok := ParseHead([]byte("RTSP/1.0 2x0 OK\r\n\r\n"), "RTSP/"); ok {
		t.Error("a bad status line accepted")
	}
}

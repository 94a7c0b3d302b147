package httpprobe

import (
	"errors"
	"maps"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// readFixture reads testdata/http/<name>.
var readFixture = scantest.Fixtures("http")

func TestParseResponse_fixtures(t *testing.T) {
	tests := []struct {
		file string
		want map[string]string
	}{
		{"hikvision-dnvrs-401-usercheck.txt", map[string]string{
			"http.proto":            "HTTP/1.1",
			"http.status":           "401",
			"http.reason":           "Unauthorized",
			"http.header_names":     "Date,Server,Cache-Control,Content-Length,Content-Type,Connection,Keep-Alive,WWW-Authenticate",
			"http.server":           "DNVRS-Webs",
			"http.content_type":     `application/xml; charset="UTF-8"`,
			"http.www_authenticate": `Digest realm="fe12f37bdXXXXXbccbbd35f1", domain="::", qop="auth", nonce="300b7e88f3d69ebfXXXXXf3e2f04218a:1685XXXXX4756", opaque="", algorithm="MD5", stale="FALSE"`,
			"http.auth_scheme":      "Digest",
			"http.realm":            "fe12f37bdXXXXXbccbbd35f1",
		}},
		{"hikvision-webserver-200-bom-login.txt", map[string]string{
			"http.proto":        "HTTP/1.0",
			"http.status":       "200",
			"http.reason":       "OK",
			"http.header_names": "Date,Server,X-Frame-Options,X-Content-Type-Options,X-XSS-Protection,ETag,Content-Length,Content-Type,Connection,Last-Modified",
			"http.server":       "webserver",
			"http.content_type": "text/html",
			"http.etag":         `"4f3-1e0-5ebd6a3f"`,
			"http.bom":          "true",
			"http.redirect":     "/doc/page/login.asp?_",
		}},
		{"hikvision-goahead-401.txt", map[string]string{
			"http.proto":        "HTTP/1.1",
			"http.status":       "401",
			"http.reason":       "Unauthorized",
			"http.header_names": "Content-Type,Content-Length,Connection",
			"http.content_type": "text/html",
			"http.title":        "Document Error: Unauthorized",
		}},
		{"hikvision-webs-302.txt", map[string]string{
			"http.proto":        "HTTP/1.0",
			"http.status":       "302",
			"http.reason":       "Redirect",
			"http.header_names": "Server,Date,Pragma,Cache-Control,Content-Type,Location",
			"http.server":       "Hikvision-Webs",
			"http.content_type": "text/html",
			"http.location":     "http://192.0.2.10:80/index.asp",
		}},
		{"dahua-nvr-200-uppercase.txt", map[string]string{
			"http.proto":        "HTTP/1.1",
			"http.status":       "200",
			"http.reason":       "OK",
			"http.header_names": "X-XSS-Protection,X-Frame-Options,Content-Security-Policy,Strict-Transport-Security,Content-type,CONNECTION,Set-Cookie,CONTENT-LENGTH",
			"http.content_type": "text/plain;charset=utf-8",
		}},
		{"dahua-bom-xhtml-webservice.txt", map[string]string{
			"http.proto":        "HTTP/1.1",
			"http.status":       "200",
			"http.reason":       "OK",
			"http.header_names": "CONNECTION,Date,Last-Modified,Etag,CONTENT-LENGTH,P3P,CACHE-CONTROL,CONTENT-TYPE",
			"http.content_type": "text/html",
			"http.etag":         `"1722917735:2002"`,
			"http.bom":          "true",
			"http.title":        "WEB SERVICE",
		}},
		{"dahua-amcrest-rpc2-login.txt", map[string]string{
			"http.proto":        "HTTP/1.1",
			"http.status":       "200",
			"http.reason":       "OK",
			"http.header_names": "X-XSS-Protection,X-Frame-Options,Content-Security-Policy,Strict-Transport-Security,Content-type,CONNECTION,Set-Cookie,CONTENT-LENGTH",
			"http.content_type": "text/plain;charset=utf-8",
		}},
		{"dahua-device-cgi-401.txt", map[string]string{
			"http.proto":            "HTTP/1.1",
			"http.status":           "401",
			"http.reason":           "Unauthorized",
			"http.header_names":     "WWW-Authenticate",
			"http.www_authenticate": `Basic realm="Device_CGI"`,
			"http.auth_scheme":      "Basic",
			"http.realm":            "Device_CGI",
		}},
		{"hikvision-dnvrs-404-isapi.txt", map[string]string{
			"http.proto":        "HTTP/1.1",
			"http.status":       "404",
			"http.reason":       "Not Found",
			"http.header_names": "Date,Server,Cache-Control,Content-Length,Content-Type,Connection,Keep-Alive",
			"http.server":       "DNVRS-Webs",
			"http.content_type": "text/html",
		}},
		{"hikvision-dnvrs-200-root.txt", map[string]string{
			"http.proto":        "HTTP/1.1",
			"http.status":       "200",
			"http.reason":       "OK",
			"http.header_names": "Date,Server,ETag,Content-Length,Content-Type",
			"http.server":       "DNVRS-Webs",
			"http.etag":         `"0-5e0-1e0"`,
			"http.content_type": "text/html",
		}},
		{"hikvision-goahead-404.txt", map[string]string{
			"http.proto":        "HTTP/1.1",
			"http.status":       "404",
			"http.reason":       "Not Found",
			"http.header_names": "Content-Type,Content-Length,Connection",
			"http.content_type": "text/html",
			"http.title":        "Document Error: Not Found",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := ParseResponse(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Fields(); !maps.Equal(got, tt.want) {
				t.Errorf("Fields()\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseResponse_dahuaBodyFramedByUpperCaseLength(t *testing.T) {
	r := scantest.MustParse(t, ParseResponse, readFixture(t, "dahua-nvr-200-uppercase.txt"))
	if !r.Complete || len(r.Body) != 192 {
		t.Errorf("Complete=%v len(Body)=%d, want true 192", r.Complete, len(r.Body))
	}
}

// TestParseResponse_headOnlyCaptures: the homebridge-hikvision issue #2
// replies were published as curl -v heads, without the 20- and 480-byte
// bodies their Content-Length announces; the parser reports them
// incomplete, never as an empty body.
func TestParseResponse_headOnlyCaptures(t *testing.T) {
	for _, file := range []string{"hikvision-dnvrs-404-isapi.txt", "hikvision-dnvrs-200-root.txt"} {
		r, err := ParseResponse(readFixture(t, file))
		if err != nil {
			t.Fatal(err)
		}
		if r.Complete || len(r.Body) != 0 {
			t.Errorf("%s: Complete %v, body %q; want incomplete and empty", file, r.Complete, r.Body)
		}
	}
}

func TestParseResponse_quirks(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     map[string]string // subset
		body     string
		complete bool
	}{
		{
			name:     "LF only",
			in:       "HTTP/1.0 200 OK\nServer: Webs\nContent-Length: 2\n\nhi",
			want:     map[string]string{"http.server": "Webs", "http.header_names": "Server,Content-Length"},
			body:     "hi",
			complete: true,
		},
		{
			name: "no reason phrase",
			in:   "HTTP/1.1 404\r\n\r\n",
			want: map[string]string{"http.status": "404"},
		},
		{
			name: "no reason phrase, no space",
			in:   "HTTP/1.1 404\r\nServer: x\r\n\r\n",
			want: map[string]string{"http.status": "404", "http.server": "x"},
		},
		{
			name: "BOM and blank line before the status line",
			in:   "\xef\xbb\xbf\r\nHTTP/1.0 200 OK\r\nServer: uc-httpd 1.0.0\r\n\r\n",
			want: map[string]string{"http.server": "uc-httpd 1.0.0"},
		},
		{
			name: "folded header",
			in:   "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest\r\n realm=\"Login to ND011811000000\",\r\n\tnonce=\"ec36\"\r\n\r\n",
			want: map[string]string{
				"http.www_authenticate": `Digest realm="Login to ND011811000000", nonce="ec36"`,
				"http.auth_scheme":      "Digest",
				"http.realm":            "Login to ND011811000000",
			},
		},
		{
			name:     "chunked body",
			in:       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n<title>\r\n5;ext=1\r\nHello\r\n8\r\n</title>\r\n0\r\n\r\n",
			want:     map[string]string{"http.title": "Hello"},
			body:     "<title>Hello</title>",
			complete: true,
		},
		{
			name: "chunked body cut short",
			in:   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n<title>Hel",
			want: map[string]string{"http.title": "Hel"},
			body: "<title>Hel",
		},
		{
			name: "body shorter than Content-Length",
			in:   "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n<html><title>NETSurveillance WEB</title>",
			want: map[string]string{"http.title": "NETSurveillance WEB"},
			body: "<html><title>NETSurveillance WEB</title>",
		},
		{
			name:     "body longer than Content-Length",
			in:       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK",
			body:     "ok",
			complete: true,
		},
		{
			name: "title entities and blanks",
			in:   "HTTP/1.1 200 OK\r\n\r\n<TITLE lang=en>\r\n  Hanwha &amp;\tTechwin&#33; </TITLE>",
			want: map[string]string{"http.title": "Hanwha & Techwin!"},
		},
		{
			name: "meta refresh",
			in:   "HTTP/1.1 200 OK\r\n\r\n<meta content=\"0; URL='/control/userimage.html'\" http-equiv=\"Refresh\">",
			want: map[string]string{"http.redirect": "/control/userimage.html"},
		},
		{
			name: "location.replace",
			in:   "HTTP/1.1 200 OK\r\n\r\n<script>top.location.replace('./doc/page/login.asp?_' + x)</script>",
			want: map[string]string{"http.redirect": "./doc/page/login.asp?_"},
		},
		{
			name: "header line without colon is skipped",
			in:   "HTTP/1.1 200 OK\r\nbogus line\r\nServer: a\r\n\r\n",
			want: map[string]string{"http.header_names": "Server"},
		},
		{
			name: "multiple challenges, first wins",
			in:   "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"hikvision\", Digest realm=\"x\"\r\n\r\n",
			want: map[string]string{"http.auth_scheme": "Basic", "http.realm": "hikvision"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scantest.MustParse(t, ParseResponse, []byte(tt.in))
			scantest.WantFields(t, r.Fields(), tt.want)
			if tt.body != "" && string(r.Body) != tt.body {
				t.Errorf("Body = %q, want %q", r.Body, tt.body)
			}
			if r.Complete != tt.complete {
				t.Errorf("Complete = %v, want %v", r.Complete, tt.complete)
			}
		})
	}
}

func TestParseResponse_notHTTP(t *testing.T) {
	scantest.Rejects(t, ParseResponse, ErrNotHTTP,
		"",
		"SSH-2.0-OpenSSH_8.9\r\n",
		"RTSP/1.0 405 Method Not Allowed\r\nServer: Dahua Rtsp Server\r\n\r\n",
		"HTTP/1.1 abc OK\r\n\r\n",
		"HTTP/x 200 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"\x00\x00\x00\x10\x00\x00\x00\x1e\x00\x00\x00\x1e\x00\x00\x00\x00",
	)
}

func TestParseResponse_incompleteHead(t *testing.T) {
	r, err := ParseResponse([]byte("HTTP/1.0 200 OK\r\nServer: App-webs/\r\nContent-Ty"))
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("error = %v, want ErrIncomplete", err)
	}
	f := r.Fields()
	if f["http.server"] != "App-webs/" || f["http.header_names"] != "Server" {
		t.Errorf("partial fields = %q", f)
	}
}

func FuzzParseResponse(f *testing.F) {
	scantest.SeedDir(f, "http")
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if r == nil {
			if err == nil {
				t.Fatal("nil response without error")
			}
			return
		}
		if r.Status < 0 || r.Status > 999 {
			t.Fatalf("status %d", r.Status)
		}
		f := r.Fields()
		if len(f["http.title"]) > MaxTitle {
			t.Fatalf("title of %d bytes", len(f["http.title"]))
		}
		scantest.NoEmptyFields(t, f)
	})
}

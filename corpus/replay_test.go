package corpus

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// login is the Authorization a client that holds Login sends for uri.
func login(uri, password string) string {
	ha1 := md5hex(Login.Username + ":" + LoginRealm + ":" + password)
	ha2 := md5hex("GET:" + uri)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="n", uri="%s", qop=auth, nc=00000001, cnonce="c", response="%s"`,
		Login.Username, LoginRealm, uri, md5hex(ha1+":n:00000001:c:auth:"+ha2))
}

// TestServer_answers: what a replayed device answers besides its recorded
// replies (testdata/real/README.md): a bare 404 to an unrecorded GET, an
// empty 200 to another question of a recorded CGI, the Digest challenge
// in front of a reply read signed in, the reply to the corpus login only,
// and the close a recorded "Connection: close" promises.
func TestServer_answers(t *testing.T) {
	const cgi = "/cgi-bin/magicBox.cgi?action=getSystemInfo"
	d := &Device{Key: "d", Entries: []*Entry{
		{File: "http/a.txt", Protocol: "http:" + cgi, Form: "excerpt", Auth: "login", Data: []byte("deviceType=XVR5108C-X\r\n")},
		{File: "http/b.txt", Protocol: "http:/open", Data: []byte("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nopen body")},
	}}
	srv := NewServer(d)
	ask := func(target, authz string) (status, body string, closed bool) {
		t.Helper()
		c, s := net.Pipe()
		defer c.Close()
		go srv.Serve(s, 80)
		req := "GET " + target + " HTTP/1.1\r\nHost: x\r\n"
		if authz != "" {
			req += "Authorization: " + authz + "\r\n"
		}
		go io.WriteString(c, req+"\r\n")
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		br := bufio.NewReader(c)
		line, _ := br.ReadString('\n')
		var head strings.Builder
		n := 0
		for {
			l, err := br.ReadString('\n')
			head.WriteString(l)
			if err != nil || l == "\r\n" {
				break
			}
			if v, ok := strings.CutPrefix(l, "Content-Length: "); ok {
				fmt.Sscan(v, &n)
			}
		}
		b := make([]byte, n)
		io.ReadFull(br, b)
		if strings.Contains(head.String(), "Connection: close") && n == 0 {
			rest, _ := io.ReadAll(br)
			b = rest
		}
		// A server that closes gives EOF; one that keeps the connection
		// waits for the next request until the deadline.
		_ = c.SetDeadline(time.Now().Add(200 * time.Millisecond))
		_, err := br.ReadByte()
		return strings.TrimSpace(line), string(b), err == io.EOF
	}
	for _, tc := range []struct {
		name, target, authz, status, body string
	}{
		{"unrecorded GET", "/", "", "HTTP/1.1 404 Not Found", ""},
		{"signed-in reply, anonymous", cgi, "", "HTTP/1.1 401 Unauthorized", ""},
		{"signed-in reply, wrong password", cgi, login(cgi, "guess"), "HTTP/1.1 401 Unauthorized", ""},
		{"signed-in reply, the corpus login", cgi, login(cgi, Login.Password), "HTTP/1.1 200 OK", "deviceType=XVR5108C-X\r\n"},
		{"another question of the CGI, anonymous", "/cgi-bin/magicBox.cgi?action=getVendor", "", "HTTP/1.1 401 Unauthorized", ""},
		{"another question of the CGI, logged in", "/cgi-bin/magicBox.cgi?action=getVendor", login("/cgi-bin/magicBox.cgi?action=getVendor", Login.Password), "HTTP/1.1 200 OK", ""},
	} {
		status, body, _ := ask(tc.target, tc.authz)
		if status != tc.status || body != tc.body {
			t.Errorf("%s: %q %q, want %q %q", tc.name, status, body, tc.status, tc.body)
		}
	}
	if status, body, closed := ask("/open", ""); status != "HTTP/1.1 200 OK" || body != "open body" || !closed {
		t.Errorf("Connection: close reply: %q %q closed %v", status, body, closed)
	}
	if _, _, closed := ask("/", ""); closed {
		t.Error("a 404 closed the connection")
	}
}

// TestEnveloped: an ONVIF element published without its envelope is
// served inside a bare SOAP envelope; a whole envelope is left alone.
func TestEnveloped(t *testing.T) {
	el := []byte("<tds:GetDeviceInformationResponse><tds:Model>X</tds:Model></tds:GetDeviceInformationResponse>\n")
	got := string(enveloped(&Entry{Form: "excerpt"}, el))
	if !strings.Contains(got, `<s:Body><tds:GetDeviceInformationResponse>`) || !strings.HasSuffix(got, "</s:Body></s:Envelope>") ||
		!strings.Contains(got, `xmlns:tds="http://www.onvif.org/ver10/device/wsdl"`) {
		t.Errorf("enveloped: %s", got)
	}
	whole := []byte(`<s:Envelope><s:Body/></s:Envelope>`)
	if got := enveloped(&Entry{Form: "excerpt"}, whole); string(got) != string(whole) {
		t.Errorf("a whole envelope was changed: %s", got)
	}
	if got := enveloped(&Entry{Form: "verbatim"}, el); string(got) != string(el) {
		t.Errorf("a verbatim reply was changed: %s", got)
	}
}

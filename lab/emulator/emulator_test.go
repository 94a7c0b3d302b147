package emulator

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fixedNow is the Date of the real Hikvision transcript (docs/protocols/rtsp.md §6.1).
var fixedNow = time.Date(2020, 5, 14, 16, 45, 35, 0, time.UTC)

func mac(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

var (
	hikDev = Device{Name: "hik", Profile: ProfileHikvision, MAC: mac("44:a6:42:46:67:24"),
		Model: "DS-2CD2366G2-ISU/SL", Serial: "DS-2CD2366G2-ISU/SL20210726AAWRG41390691",
		Firmware: "V5.7.13", Realm: "C2875", Server: "webserver", Password: "lab-pass"}
	dahuaDev = Device{Name: "dahua", Profile: ProfileDahua, MAC: mac("08:ed:ed:61:01:c0"),
		Model: "IPC-HDW5831R-ZE", Serial: "4M0747EPAA1D284", Firmware: "2.800.0000000.1.R", Password: "lab-pass"}
	axisDev = Device{Name: "axis", Profile: ProfileAxis, MAC: mac("ac:cc:8e:12:34:56"),
		Model: "M3106-L Mk II", Firmware: "10.12.182"}
	webDev = Device{Name: "web", Profile: ProfileWeb, MAC: mac("52:54:00:12:34:56")}
	pcDev  = Device{Name: "pc", Profile: ProfilePC, MAC: mac("3c:58:c2:12:34:56")}
)

// start serves d's service on port on a loopback listener.
func start(t *testing.T, d Device, port int) string {
	t.Helper()
	e, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	e.Now = func() time.Time { return fixedNow }
	e.Timeouts = Timeouts{Read: 300 * time.Millisecond, Idle: 300 * time.Millisecond}
	svc, ok := e.Service(port)
	if !ok {
		t.Fatalf("%s has no port %d", d.Profile, port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { ServeListener(ctx, ln, svc.Handle) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return ln.Addr().String()
}

type client struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(3 * time.Second))
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

// do sends req and reads one reply: head up to the blank line plus a
// Content-Length body (header name matched case-insensitively).
func (cl *client) do(req string) (head, body string) {
	cl.t.Helper()
	if _, err := io.WriteString(cl.c, req); err != nil {
		cl.t.Fatal(err)
	}
	var h strings.Builder
	n := 0
	for {
		line, err := cl.br.ReadString('\n')
		if err != nil {
			cl.t.Fatalf("reading reply to %q: %v (so far %q)", req, err, h.String())
		}
		h.WriteString(line)
		if line == "\r\n" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(cl.br, b); err != nil {
		cl.t.Fatal(err)
	}
	return h.String(), string(b)
}

func (cl *client) expectEOF() {
	cl.t.Helper()
	if b, err := cl.br.ReadByte(); err == nil {
		cl.t.Fatalf("connection still open, got byte %q", b)
	}
}

func TestHikvision_HTTP_root(t *testing.T) {
	cl := dial(t, start(t, hikDev, 80))
	head, body := cl.do("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	wantHead := "HTTP/1.0 200 OK\r\n" +
		"Date: Thu, 14 May 2020 16:45:35 GMT\r\n" +
		"Server: webserver\r\n" +
		"X-Frame-Options: SAMEORIGIN\r\n" +
		"X-Content-Type-Options: nosniff\r\n" +
		"X-XSS-Protection: 1;mode=block\r\n" +
		fmt.Sprintf("ETag: \"0-5e0-%x\"\r\n", len(body)) +
		fmt.Sprintf("Content-Length: %d\r\n", len(body)) +
		"Content-Type: text/html\r\n" +
		"Connection: close\r\n" +
		"Last-Modified: Tue, 04 Jul 2023 08:12:10 GMT\r\n\r\n"
	if head != wantHead {
		t.Errorf("head\n got %q\nwant %q", head, wantHead)
	}
	// ef bb bf = UTF-8 BOM, then the doctype and CRLF lines (nmap's match).
	if !strings.HasPrefix(body, "\xef\xbb\xbf<!doctype html>\r\n<html>\r\n<head>\r\n\t<title></title>\r\n") {
		t.Errorf("body start %q", body[:min(60, len(body))])
	}
	for _, s := range []string{
		`window.location.href = "/doc/page/login.asp?_" + (new Date()).getTime();`,
		"去除edge下将数字处理成电话的错误",
	} {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %q", s)
		}
	}
	cl.expectEOF()
}

func TestHikvision_HTTP_rootAppWebs(t *testing.T) {
	d := hikDev
	d.Server = "App-webs/"
	head, body := dial(t, start(t, d, 80)).do("GET / HTTP/1.0\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.0 200 OK\r\nDate: Thu, 14 May 2020 16:45:35 GMT\r\nServer: App-webs/\r\nETag: ") {
		t.Errorf("head %q", head)
	}
	if !strings.Contains(body, "//使其IE窗口最大化") || strings.Contains(body, "edge") {
		t.Errorf("App-webs body comments wrong: %q", body)
	}
}

var isapiAuth = regexp.MustCompile(`\r\nWWW-Authenticate: Digest realm="[0-9a-f]{24}", domain="::", qop="auth", nonce="[0-9a-f]{32}:\d{13}", opaque="", algorithm="MD5", stale="FALSE"\r\n`)

func TestHikvision_HTTP_isapi401KeepAlive(t *testing.T) {
	cl := dial(t, start(t, hikDev, 80))
	for _, path := range []string{"/ISAPI/System/deviceInfo", "/ISAPI/Security/userCheck"} {
		head, body := cl.do("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
		if !strings.HasPrefix(head, "HTTP/1.1 401 Unauthorized\r\nDate: Thu, 14 May 2020 16:45:35 GMT\r\nServer: webserver\r\nCache-Control: no-cache\r\nContent-Length: 138\r\nContent-Type: application/xml; charset=\"UTF-8\"\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60, max=99\r\n") {
			t.Errorf("%s head %q", path, head)
		}
		if !isapiAuth.MatchString(head) {
			t.Errorf("%s challenge %q", path, head)
		}
		want := "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<userCheck>\n<statusValue>401</statusValue>\n<statusString>Unauthorized</statusString>\n</userCheck>\n"
		if body != want {
			t.Errorf("%s body %q", path, body)
		}
	}
}

// TestHikvision_HTTP_isapiDeviceInfoLogin: the deviceInfo answers the
// admin's Digest login (qop auth) with the device's own identity, and
// anything else with the userCheck 401.
func TestHikvision_HTTP_isapiDeviceInfoLogin(t *testing.T) {
	cl := dial(t, start(t, hikDev, 80))
	realm := md5hex("realm:" + hikDev.Serial)[:24]
	authz := func(pass string) string {
		ha1 := md5hex("admin:" + realm + ":" + pass)
		ha2 := md5hex("GET:/ISAPI/System/deviceInfo")
		return fmt.Sprintf(`Digest username="admin", realm="%s", nonce="n", uri="/ISAPI/System/deviceInfo", qop=auth, nc=00000001, cnonce="c", response="%s"`,
			realm, md5hex(ha1+":n:00000001:c:auth:"+ha2))
	}
	head, _ := cl.do("GET /ISAPI/System/deviceInfo HTTP/1.1\r\nHost: x\r\nAuthorization: " + authz("wrong") + "\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 401 ") {
		t.Errorf("wrong password: %q", head)
	}
	head, body := cl.do("GET /ISAPI/System/deviceInfo HTTP/1.1\r\nHost: x\r\nAuthorization: " + authz(hikDev.Password) + "\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") || !strings.Contains(body, "<model>DS-2CD2366G2-ISU/SL</model>") ||
		!strings.Contains(body, "<serialNumber>"+hikDev.Serial+"</serialNumber>") || !strings.Contains(body, "<firmwareVersion>V5.7.13</firmwareVersion>") {
		t.Errorf("login: %q %q", head, body)
	}
}

func TestHikvision_HTTP_notFoundEscapes(t *testing.T) {
	head, body := dial(t, start(t, hikDev, 80)).do("GET /<x> HTTP/1.1\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 404 Not Found\r\n") || !strings.Contains(body, "Can't locate document: /&lt;x&gt;") {
		t.Errorf("%q %q", head, body)
	}
}

func TestHikvision_HTTP_head(t *testing.T) {
	cl := dial(t, start(t, hikDev, 80))
	if _, err := io.WriteString(cl.c, "HEAD / HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(cl.br)
	if !bytes.HasSuffix(b, []byte("GMT\r\n\r\n")) || !bytes.Contains(b, []byte("Content-Length: ")) {
		t.Errorf("HEAD reply %q", b)
	}
}

// digest computes the response of an RFC 2617 digest without qop.
func digest(method, uri, realm, nonce, pass string) string {
	ha1 := md5hex("admin:" + realm + ":" + pass)
	ha2 := md5hex(method + ":" + uri)
	return fmt.Sprintf(`Digest username="admin", realm="%s", nonce="%s", uri="%s", response="%s"`,
		realm, nonce, uri, md5hex(ha1+":"+nonce+":"+ha2))
}

var nonceRe = regexp.MustCompile(`nonce="([0-9a-f]{32})"`)

func TestHikvision_RTSP_transcript(t *testing.T) {
	cl := dial(t, start(t, hikDev, 554))
	head, _ := cl.do("OPTIONS rtsp://198.18.10.21:554 RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf57.83.100\r\n\r\n")
	want := "RTSP/1.0 200 OK\r\nCSeq: 1\r\n" +
		"Public: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\n" +
		"Date:  Thu, May 14 2020 16:45:35 GMT\r\n\r\n"
	if head != want {
		t.Errorf("OPTIONS\n got %q\nwant %q", head, want)
	}
	head, _ = cl.do("DESCRIBE rtsp://198.18.10.21:554/Streaming/Channels/101 RTSP/1.0\r\nCSeq: 42\r\nAccept: application/sdp\r\n\r\n")
	re := regexp.MustCompile(`^RTSP/1\.0 401 Unauthorized\r\nCSeq: 42\r\nWWW-Authenticate: Digest realm="IP Camera\(C2875\)", nonce="[0-9a-f]{32}", stale="FALSE"\r\nDate:  Thu, May 14 2020 16:45:35 GMT\r\n\r\n$`)
	if !re.MatchString(head) {
		t.Errorf("DESCRIBE 401 %q", head)
	}
	if strings.Contains(head, "Server:") {
		t.Error("Hikvision RTSP sends no Server header")
	}
	nonce := nonceRe.FindStringSubmatch(head)[1]
	uri := "rtsp://198.18.10.21:554/Streaming/Channels/101"
	head, body := cl.do("DESCRIBE " + uri + " RTSP/1.0\r\nCSeq: 43\r\nAuthorization: " +
		digest("DESCRIBE", uri, "IP Camera(C2875)", nonce, "lab-pass") + "\r\n\r\n")
	if !strings.HasPrefix(head, "RTSP/1.0 200 OK\r\nCSeq: 43\r\nContent-Type: application/sdp\r\nContent-Base: rtsp://127.0.0.1:554/\r\n") {
		t.Errorf("authorised DESCRIBE head %q", head)
	}
	for _, s := range []string{"s=Media Presentation\r\ne=NONE\r\n", "a=Media_header:MEDIAINFO=494D4B48", "a=appversion:1.0\r\n"} {
		if !strings.Contains(body, s) {
			t.Errorf("SDP lacks %q", s)
		}
	}
	head, _ = cl.do("DESCRIBE " + uri + " RTSP/1.0\r\nCSeq: 44\r\nAuthorization: " +
		digest("DESCRIBE", uri, "IP Camera(C2875)", nonce, "wrong") + "\r\n\r\n")
	if !strings.HasPrefix(head, "RTSP/1.0 401 ") {
		t.Errorf("wrong password accepted: %q", head)
	}
}

func TestHikvision_SDKPort(t *testing.T) {
	cl := dial(t, start(t, hikDev, 8000))
	io.WriteString(cl.c, "0123456789abcde") // 15 bytes: not enough
	cl.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _ := cl.br.Read(make([]byte, 1)); n != 0 {
		t.Fatal("port 8000 spoke before 16 bytes")
	}
	cl.c.SetReadDeadline(time.Now().Add(2 * time.Second))
	io.WriteString(cl.c, "f")
	got, err := io.ReadAll(cl.br)
	// 00 00 00 10 00 00 00 1e 00 00 00 1e 00 00 00 00 (nmap "Hikvision IPCam control port")
	if err != nil || !bytes.Equal(got, []byte("\x00\x00\x00\x10\x00\x00\x00\x1e\x00\x00\x00\x1e\x00\x00\x00\x00")) {
		t.Errorf("got % x, %v", got, err)
	}
}

func TestDahua_HTTP_root(t *testing.T) {
	cl := dial(t, start(t, dahuaDev, 80))
	head, body := cl.do("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	want := "HTTP/1.1 200 OK\r\nCONNECTION: close\r\nDate: Thu, 14 May 2020 16:45:35 GMT\r\n" +
		"Last-Modified: Thu, 01 Aug 2024 04:15:35 GMT\r\n" +
		fmt.Sprintf("Etag: \"1722485735:%x\"\r\nCONTENT-LENGTH: %d\r\n", len(body), len(body)) +
		"P3P: CP=CAO PSA OUR\r\nCACHE-CONTROL: max-age=0\r\nCONTENT-TYPE: text/html\r\n\r\n"
	if head != want {
		t.Errorf("head\n got %q\nwant %q", head, want)
	}
	if !strings.HasPrefix(body, "\xef\xbb\xbf<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\"") ||
		!strings.Contains(body, ">\r\n<html") || !strings.Contains(body, "<head>\r\n<title>WEB SERVICE</title>") {
		t.Errorf("body %q", body)
	}
	cl.expectEOF()
}

func TestDahua_HTTP_rpc2Login(t *testing.T) {
	req := `{"method":"global.login","params":{"userName":"admin","password":"","clientType":"Web3.0","loginType":"Direct"},"id":7}`
	head, body := dial(t, start(t, dahuaDev, 80)).do(fmt.Sprintf("POST /RPC2_Login HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(req), req))
	if !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\nX-XSS-Protection: 1;mode=block\r\n") ||
		!strings.Contains(head, "\r\nContent-type: text/plain;charset=utf-8\r\nCONNECTION: close\r\nSet-Cookie:secure; HttpOnly\r\nCONTENT-LENGTH: ") {
		t.Errorf("head %q", head)
	}
	var got struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		ID     int `json:"id"`
		Params struct {
			Authorization, Encryption, MAC, Random, Realm string
		} `json:"params"`
		Result  bool `json:"result"`
		Session int  `json:"session"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("%v: %q", err, body)
	}
	if got.Error.Code != 268632079 || got.Error.Message != "Component error: login challenge!" || got.ID != 7 ||
		got.Params.MAC != "08EDED6101C0" || got.Params.Realm != "Login to 4M0747EPAA1D284" ||
		got.Params.Encryption != "Default" || len(got.Params.Authorization) != 40 || got.Result || got.Session == 0 {
		t.Errorf("challenge %+v", got)
	}
	if !strings.HasPrefix(body, `{"error":{"code":268632079,"message":"Component error: login challenge!"},"id":7,"params":{"authorization":"`) {
		t.Errorf("key order differs from the real reply: %q", body)
	}
}

func TestDahua_RTSP_optionsNeedsAuth(t *testing.T) {
	cl := dial(t, start(t, dahuaDev, 554))
	head, _ := cl.do("OPTIONS rtsp://198.18.10.22:554/ RTSP/1.0\r\nCSeq: 2\r\n\r\n")
	re := regexp.MustCompile(`^RTSP/1\.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm="Login to 4M0747EPAA1D284", nonce="[0-9a-f]{32}"\r\n\r\n$`)
	if !re.MatchString(head) {
		t.Fatalf("OPTIONS %q", head)
	}
	nonce := nonceRe.FindStringSubmatch(head)[1]
	uri := "rtsp://198.18.10.22:554/"
	head, _ = cl.do("OPTIONS " + uri + " RTSP/1.0\r\nCSeq: 3\r\nAuthorization: " +
		digest("OPTIONS", uri, "Login to 4M0747EPAA1D284", nonce, "lab-pass") + "\r\n\r\n")
	want := "RTSP/1.0 200 OK\r\nCSeq: 3\r\nServer: Rtsp Server/3.0\r\n" +
		"Public: OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, PAUSE, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\n\r\n"
	if head != want {
		t.Errorf("authorised OPTIONS\n got %q\nwant %q", head, want)
	}
	uri = "rtsp://198.18.10.22:554/cam/realmonitor?channel=1&subtype=0"
	head, body := cl.do("DESCRIBE " + uri + " RTSP/1.0\r\nCSeq: 4\r\nAuthorization: " +
		digest("DESCRIBE", uri, "Login to 4M0747EPAA1D284", nonce, "lab-pass") + "\r\n\r\n")
	if !strings.HasPrefix(head, "RTSP/1.0 200 OK\r\nCSeq: 4\r\nx-Accept-Dynamic-Rate: 1\r\nContent-Base: "+uri+"/\r\n") ||
		!strings.Contains(body, "a=packetization-supported:DH\r\n") {
		t.Errorf("DESCRIBE %q %q", head, body)
	}
}

func TestDahua_DVRIP(t *testing.T) {
	cl := dial(t, start(t, dahuaDev, 37777))
	cl.c.Write(dvripRealmRequest)
	got, _ := io.ReadAll(cl.br)
	if len(got) < 32 || got[0] != 0xb0 {
		t.Fatalf("reply % x", got)
	}
	text := string(got[32:])
	if int(binary.LittleEndian.Uint32(got[4:8])) != len(text) ||
		!regexp.MustCompile(`^Realm:Login to 4M0747EPAA1D284\r\nRandom:\d+\r\n$`).MatchString(text) {
		t.Errorf("realm reply % x", got)
	}

	cl = dial(t, start(t, dahuaDev, 37777))
	cl.c.Write(bytes.Repeat([]byte{0x55}, 32))
	if b, _ := io.ReadAll(cl.br); len(b) != 0 {
		t.Errorf("garbage answered: % x", b)
	}
}

func TestAxis(t *testing.T) {
	head, body := dial(t, start(t, axisDev, 80)).do("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.Contains(head, "\r\nServer: Apache\r\n") || !strings.Contains(body, "<title>AXIS</title>") {
		t.Errorf("%q %q", head, body)
	}
	head, body = dial(t, start(t, axisDev, 80)).do("POST /axis-cgi/basicdeviceinfo.cgi HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
	if !strings.Contains(body, `"ProdShortName":"AXIS M3106-L Mk II"`) || !strings.Contains(body, `"SerialNumber":"ACCC8E123456"`) {
		t.Errorf("%q %q", head, body)
	}
	head, _ = dial(t, start(t, axisDev, 554)).do("OPTIONS * RTSP/1.0\r\nCSeq: 5\r\n\r\n")
	if !strings.HasPrefix(head, "RTSP/1.0 200 OK\r\nCSeq: 5\r\nPublic: DESCRIBE, GET_PARAMETER, PAUSE, PLAY, SETUP, SET_PARAMETER, TEARDOWN\r\n") {
		t.Errorf("%q", head)
	}
}

func TestNotCameras(t *testing.T) {
	head, body := dial(t, start(t, webDev, 80)).do("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n") || len(body) != 615 ||
		!strings.Contains(body, "<title>Welcome to nginx!</title>") {
		t.Errorf("nginx %q (%d bytes)", head, len(body))
	}
	for _, port := range []int{5000, 8080} {
		head, body = dial(t, start(t, pcDev, port)).do("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if !strings.HasPrefix(head, "HTTP/1.1 404 Not Found\r\nContent-Type: text/html; charset=us-ascii\r\nServer: Microsoft-HTTPAPI/2.0\r\n") || len(body) != 315 {
			t.Errorf("pc :%d %q (%d bytes)", port, head, len(body))
		}
	}
	e, _ := New(pcDev)
	if _, ok := e.Service(554); ok {
		t.Error("an office PC has no RTSP")
	}
}

// TestRobustness sends every service of every profile the inputs a
// scanner or a broken client sends; each connection must end promptly
// without the emulator hanging or crashing, and the service must keep
// answering afterwards.
func TestRobustness(t *testing.T) {
	inputs := map[string][]byte{
		"nothing":      nil,
		"half request": []byte("GET / HTTP/1.1\r\nHost: x"),
		"garbage":      []byte("\x00\x01\x02\xff\xfe\r\n\r\n\x16\x03\x01"),
		"huge head":    bytes.Repeat([]byte("A"), 20000),
		"many headers": []byte("GET / HTTP/1.1\r\n" + strings.Repeat("X-A: b\r\n", 2000) + "\r\n"),
		"bad length":   []byte("POST /RPC2_Login HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"),
		"short body":   []byte("POST /RPC2_Login HTTP/1.1\r\nContent-Length: 10\r\n\r\n{\"id"),
		"bad rtsp":     []byte("DESCRIBE rtsp://x RTSP/1.0\r\nCSeq: \x01\r\n\r\n"),
		"bad json":     []byte("POST /RPC2_Login HTTP/1.1\r\nContent-Length: 12\r\n\r\n{\"id\":\"1\"}}}"),
		"tls hello":    append([]byte{0x16, 0x03, 0x01, 0x00, 0x05}, bytes.Repeat([]byte{0}, 64)...),
	}
	for _, d := range []Device{hikDev, dahuaDev, axisDev, webDev, pcDev} {
		e, _ := New(d)
		for _, s := range e.Services {
			addr := start(t, d, s.Port)
			for name, in := range inputs {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				c.Write(in)
				c.(*net.TCPConn).CloseWrite()
				c.SetDeadline(time.Now().Add(3 * time.Second))
				// Closing with unread input is a reset; both end the connection.
				if _, err := io.ReadAll(c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("%s :%d %s: connection not closed: %v", d.Profile, s.Port, name, err)
				}
				c.Close()
			}
			// Still serving: a connection is accepted and closed or answered.
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				t.Errorf("%s :%d dead after robustness inputs: %v", d.Profile, s.Port, err)
				continue
			}
			c.Close()
		}
	}
}

func TestServePacketConn_answersUnicast(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ServePacketConn(ctx, pc, func(req []byte, from netip.AddrPort) [][]byte {
			if string(req) == "silence" {
				return nil
			}
			return [][]byte{append([]byte("re:"), req...)}
		})
	}()
	c, err := net.Dial("udp4", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("silence")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("probe")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "re:probe" {
		t.Fatalf("reply %q, %v", buf[:n], err)
	}
	cancel()
	<-done
}

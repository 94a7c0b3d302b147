package emulator

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner/xmeye"
)

var xmDev = Device{Name: "xm", Profile: ProfileXiongmai, MAC: mac("00:12:41:46:10:70"),
	Model: "AHB7008T-MH", Serial: "3a6f0c9e8d2b5174", Firmware: "V4.02.R12.A6420029.12201.142300.00000"}

func TestXiongmai_XMEye_search(t *testing.T) {
	e, err := New(xmDev)
	if err != nil {
		t.Fatal(err)
	}
	var svc *UDPService
	for i := range e.UDP {
		if e.UDP[i].Name == "xmeye" {
			svc = &e.UDP[i]
		}
	}
	if svc == nil || svc.Port != 34569 || !svc.Broadcast || svc.Group.IsValid() {
		t.Fatalf("no XMEye service listening for broadcasts: %+v", e.UDP)
	}
	reps := svc.Handle(xmeye.Search(), loopFrom)
	if len(reps) != 1 {
		t.Fatalf("%d replies", len(reps))
	}
	rep := reps[0]
	// ff 00 00 00 … fb 05 <len>: msgid 1531, the length counts the "\n\x00" tail.
	if rep[0] != 0xff || binary.LittleEndian.Uint16(rep[14:]) != 1531 ||
		int(binary.LittleEndian.Uint32(rep[16:])) != len(rep)-20 || !bytes.HasSuffix(rep, []byte("}\n\x00")) {
		t.Errorf("frame % x", rep)
	}
	if !bytes.Contains(rep, []byte(`"HostIP":"0x0100007F"`)) {
		t.Errorf("HostIP not the little-endian hex of 127.0.0.1: %s", rep[20:])
	}
	r, err := xmeye.Parse(rep)
	if err != nil {
		t.Fatal(err)
	}
	f := r.Fields()
	for k, v := range map[string]string{
		"xmeye.msg_id":       "1531",
		"xmeye.ret":          "100",
		"xmeye.serial":       "3a6f0c9e8d2b5174",
		"xmeye.mac":          "00:12:41:46:10:70",
		"xmeye.firmware":     "V4.02.R12.A6420029.12201.142300.00000",
		"xmeye.ipv4_address": "127.0.0.1",
		"xmeye.tcp_port":     "34567",
		"xmeye.http_port":    "80",
		"xmeye.device_type":  "0",
		"xmeye.channels":     "8",
		"xmeye.raw.MonMode":  "TCP",
	} {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
	if strings.Contains(string(rep), xmDev.Model) {
		t.Error("the XMEye reply names the model; no documented key carries one")
	}
	login := xmeye.Frame(1000, []byte(`{"EncryptType":"MD5","LoginType":"DVRIP-Web","PassWord":"tlJwpbo6","UserName":"admin"}`))
	for _, bad := range [][]byte{nil, xmeye.Search()[:19], login, rep, bytes.Repeat([]byte{0xff}, 20)} {
		if reps := svc.Handle(bad, loopFrom); reps != nil {
			t.Errorf("answered % x", bad)
		}
	}
}

func TestXmeyeHex(t *testing.T) {
	for in, want := range map[string]string{
		"198.18.10.70":  "0x460A12C6", // the layout of docs/protocols/xmeye.md §10: bytes reversed
		"255.255.255.0": "0x00FFFFFF",
		"0.0.0.0":       "0x00000000",
		"::1":           "0x00000000",
		"garbage":       "0x00000000",
	} {
		if got := xmeyeHex(in); got != want {
			t.Errorf("xmeyeHex(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestXiongmai_HTTP(t *testing.T) {
	cl := dial(t, start(t, xmDev, 80))
	head, body := cl.do("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.0 200 OK\r\n") || !strings.Contains(head, "\r\nServer: uc-httpd 1.0.0\r\n") ||
		!strings.Contains(body, "<title>NETSurveillance WEB</title>") {
		t.Errorf("%q %q", head, body)
	}
	cl.expectEOF()
	head, _ = dial(t, start(t, xmDev, 80)).do("POST /onvif/device_service HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.0 404 Not Found\r\n") {
		t.Errorf("%q", head)
	}
}

// TestXiongmai_Sofia: 34567 reads and never answers; every input ends the
// connection promptly and the port keeps accepting.
func TestXiongmai_Sofia(t *testing.T) {
	addr := start(t, xmDev, 34567)
	login := xmeye.Frame(1000, []byte(`{"LoginType":"DVRIP-Web","UserName":"admin"}`+"\n\x00"))
	for name, in := range map[string][]byte{
		"nothing": nil,
		"login":   login,
		"search":  xmeye.Search(),
		"garbage": []byte("\x00\x01\x02\xff\xfe\r\n"),
		"flood":   bytes.Repeat([]byte("A"), 20000),
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(in)
		c.(*net.TCPConn).CloseWrite()
		c.SetDeadline(time.Now().Add(3 * time.Second))
		got, err := io.ReadAll(c)
		if err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("%s: connection not closed: %v", name, err)
		}
		if len(got) != 0 {
			t.Errorf("%s: answered % x", name, got)
		}
		c.Close()
	}
	// Silent clients are dropped after the idle timeout (300 ms in start).
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.ReadAll(c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("idle connection not closed: %v", err)
	}
}

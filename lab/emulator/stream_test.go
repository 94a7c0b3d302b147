package emulator

import (
	"bufio"
	"context"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestStream_recorderPullsCamera: a recorder with the camera's password
// runs OPTIONS, DESCRIBE (through the Hikvision profile's own Digest
// challenge), SETUP and PLAY against an announcing camera over loopback,
// and RTP datagrams at the camera's bit rate reach the recorder's client
// port; a client without the password gets the profile's 401 for SETUP.
func TestStream_recorderPullsCamera(t *testing.T) {
	mac := net.HardwareAddr{0x44, 0x19, 0xb6, 0, 0x90, 0x14}
	cam, err := New(Device{Name: "cam", Profile: ProfileHikvision, MAC: mac, Model: "DS-2CD2143G0-I", Serial: "DS-2CD2143G0-I20190101AAWRC12345678",
		Realm: "E7121", Firmware: "V5.5.82", Password: "lab-pass", Announce: true, StreamKbps: 2000})
	if err != nil {
		t.Fatal(err)
	}
	rtsp, ok := cam.Service(554)
	if !ok {
		t.Fatal("no RTSP service")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go ServeListener(ctx, ln, rtsp.Handle)
	old := recorderRTSPPort
	recorderRTSPPort = uint16(ln.Addr().(*net.TCPAddr).Port)
	defer func() { recorderRTSPPort = old }()

	// Without the password: SETUP is refused by the profile's 401.
	thief := &rtspClient{pass: "wrong"}
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	thief.c, thief.br = c, bufio.NewReader(c)
	if err := thief.do("SETUP", "rtsp://127.0.0.1/Streaming/Channels/101/trackID=1", "Transport: RTP/AVP;unicast;client_port=40000-40001\r\n"); err == nil {
		t.Error("SETUP with a wrong password succeeded")
	}
	c.Close()

	rec, err := New(Device{Name: "nvr", Profile: ProfileHikvisionNVR, MAC: mac, Password: "lab-pass", Announce: true,
		Records: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	if err != nil {
		t.Fatal(err)
	}
	a := rec.Raw.(*announcer)
	_ = a.Open(netip.MustParseAddr("127.0.0.1"))
	before := mediaPackets.Load()
	rctx, rcancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer rcancel()
	err = a.recordOnce(rctx, netip.MustParseAddr("127.0.0.1"))
	if err != context.DeadlineExceeded {
		t.Fatalf("recordOnce ended with %v before its time", err)
	}
	// 2000 kbit/s is 250 kB/s: about 180 packets a second of 1400 bytes.
	got := mediaPackets.Load() - before
	if got < 100 || got > 600 {
		t.Errorf("%d RTP datagrams in 1.5 s at 2000 kbit/s, want about 250", got)
	}
}

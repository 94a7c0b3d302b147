package emulator

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// recorderRTSPPort is the camera port a recorder connects to; a seam for
// tests, which cannot bind 554.
var recorderRTSPPort uint16 = 554

// mediaPackets counts the RTP datagrams recorders received (tests).
var mediaPackets atomic.Int64

// A recorder pulls its cameras' video the way an NVR does (issue 17):
// RTSP OPTIONS, DESCRIBE (answering the camera's Digest challenge with
// the password it was given), SETUP of one track over RTP/AVP UDP, PLAY,
// then a GET_PARAMETER keep-alive every few seconds; the camera sends RTP
// from its server port to the recorder's client port for as long as the
// session lives. A capture of the segment then holds what a mirror port
// of a real CCTV network holds: a camera-to-recorder RTSP session and a
// high-rate RTP stream (Device.StreamKbps), the bulk of the bytes.
//
// Only announcing devices do this (Device.Announce): the recorder is an
// announcing device with Records, the camera an announcing device with an
// RTSP service whose Password the recorder knows.

// DefaultStreamKbps is a camera's main-stream bit rate when the spec gives
// none: 4 Mbit/s, the default of a 1080p H.264 main stream on Hikvision
// and Dahua cameras.
const DefaultStreamKbps = 4096

const (
	streamFPS       = 25   // frames per second, the PAL default
	rtpPayload      = 1400 // bytes of H.264 per RTP packet: under a 1500-byte MTU with IP/UDP/RTP headers
	rtpPayloadType  = 96   // the first dynamic type, what the cameras' SDP uses for H.264
	sessionTimeout  = 60   // seconds a session lives without a request (the Session header's timeout)
	keepAliveEvery  = 5 * time.Second
	firstServerPort = 8200 // cameras hand out even server ports from a fixed base (Hikvision 8200+)
)

// rtspRoute is the profile's own RTSP route, the one a stream session
// wraps.
func (e *Emulator) rtspRoute() func(net.Conn, *request) reply {
	switch e.Device.Profile {
	case ProfileHikvision, ProfileHikvisionRTSP:
		return e.hikvisionRTSP
	case ProfileDahua:
		return e.dahuaRTSP
	case ProfileAxis:
		return e.axisRTSP
	case ProfileUniview:
		return e.univiewRTSP
	}
	return nil
}

// enableStreaming makes the device's RTSP service serve SETUP, PLAY,
// GET_PARAMETER and TEARDOWN to a client that authenticated, and stream
// RTP to it; everything else is the profile's own answer.
func (e *Emulator) enableStreaming() {
	route := e.rtspRoute()
	if route == nil {
		return
	}
	for i := range e.Services {
		if e.Services[i].Name == "rtsp" {
			e.Services[i].Handle = func(ctx context.Context, c net.Conn) {
				s := &rtspServerConn{e: e, route: route, ctx: ctx}
				defer s.stop()
				e.serveRequests(c, "RTSP/", s.serve)
			}
		}
	}
}

// rtspServerConn is one RTSP connection's sessions on the camera side.
type rtspServerConn struct {
	e     *Emulator
	route func(net.Conn, *request) reply
	ctx   context.Context
	sess  *rtpSession
}

type rtpSession struct {
	id     string
	conn   *net.UDPConn
	rtcp   *net.UDPConn
	to     *net.UDPAddr
	cancel context.CancelFunc
	mu     sync.Mutex
	last   time.Time
}

func (s *rtspServerConn) stop() {
	if s.sess != nil {
		s.sess.close()
		s.sess = nil
	}
}

func (p *rtpSession) close() {
	if p.cancel != nil {
		p.cancel()
	}
	p.conn.Close()
	p.rtcp.Close()
}

// authorized reports whether r carries a Digest answer for the device's
// password; the realm is the one the client answered, which the
// profile's own 401 gave it.
func (s *rtspServerConn) authorized(r *request) bool {
	auth := r.Get("Authorization")
	realm := digestParam(auth, "realm")
	return realm != "" && digestOK(auth, r.Method, realm, s.e.Device.Password)
}

func (s *rtspServerConn) serve(c net.Conn, r *request) reply {
	switch r.Method {
	case "SETUP", "PLAY", "GET_PARAMETER", "TEARDOWN":
	default:
		return s.route(c, r)
	}
	if !s.authorized(r) {
		return s.route(c, r) // the profile's 401
	}
	cseq := r.Get("CSeq")
	if _, err := strconv.Atoi(cseq); err != nil {
		cseq = "0"
	}
	head := "RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\n"
	tail := "Date: " + s.e.Now().UTC().Format(httpDate) + "\r\n\r\n"
	bad := func(status string) reply {
		return reply{data: []byte("RTSP/1.0 " + status + "\r\nCSeq: " + cseq + "\r\n\r\n"), keep: true}
	}
	switch r.Method {
	case "SETUP":
		cp := transportParam(r.Get("Transport"), "client_port")
		lo, _, _ := strings.Cut(cp, "-")
		port, err := strconv.Atoi(lo)
		if err != nil || port <= 0 || port > 65534 || strings.Contains(r.Get("Transport"), "TCP") {
			return bad("461 Unsupported Transport")
		}
		local, _ := c.LocalAddr().(*net.TCPAddr)
		remote, _ := c.RemoteAddr().(*net.TCPAddr)
		if local == nil || remote == nil {
			return bad("500 Internal Server Error")
		}
		s.stop()
		sess, sp, err := openSession(local.IP, &net.UDPAddr{IP: remote.IP, Port: port})
		if err != nil {
			return bad("453 Not Enough Bandwidth")
		}
		s.sess = sess
		return reply{data: []byte(head + "Session: " + sess.id + ";timeout=" + strconv.Itoa(sessionTimeout) + "\r\n" +
			fmt.Sprintf("Transport: RTP/AVP;unicast;client_port=%d-%d;server_port=%d-%d;ssrc=%s;mode=\"play\"\r\n", port, port+1, sp, sp+1, sess.id[:8]) +
			tail), keep: true}
	case "PLAY":
		if s.sess == nil || !strings.HasPrefix(r.Get("Session"), s.sess.id) {
			return bad("454 Session Not Found")
		}
		if s.sess.cancel == nil {
			ctx, cancel := context.WithCancel(s.ctx)
			s.sess.cancel = cancel
			go s.sess.stream(ctx, s.e.streamKbps())
		}
		s.sess.touch()
		return reply{data: []byte(head + "Session: " + s.sess.id + "\r\nRTP-Info: url=" + r.Target + ";seq=0;rtptime=0\r\n" + tail), keep: true}
	case "GET_PARAMETER":
		if s.sess != nil {
			s.sess.touch()
			return reply{data: []byte(head + "Session: " + s.sess.id + "\r\n" + tail), keep: true}
		}
		return reply{data: []byte(head + tail), keep: true}
	default: // TEARDOWN
		s.stop()
		return reply{data: []byte(head + tail)}
	}
}

func (e *Emulator) streamKbps() int {
	if e.Device.StreamKbps > 0 {
		return e.Device.StreamKbps
	}
	return DefaultStreamKbps
}

// openSession binds an even RTP port and the RTCP port after it on ip.
func openSession(ip net.IP, to *net.UDPAddr) (*rtpSession, int, error) {
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], rand.Uint64())
	for p := firstServerPort; p < firstServerPort+400; p += 2 {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ip, Port: p})
		if err != nil {
			continue
		}
		r, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ip, Port: p + 1})
		if err != nil {
			c.Close()
			continue
		}
		return &rtpSession{id: strings.ToUpper(hex.EncodeToString(id[:])), conn: c, rtcp: r, to: to, last: time.Now()}, p, nil
	}
	return nil, 0, errors.New("no free RTP port pair")
}

func (p *rtpSession) touch() {
	p.mu.Lock()
	p.last = time.Now()
	p.mu.Unlock()
}

func (p *rtpSession) expired() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Since(p.last) > sessionTimeout*time.Second
}

// stream sends kbps of H.264 in RTP until ctx ends or the session
// expires: 25 frames a second, each frame a burst of FU-A fragments
// (RFC 6184 §5.8) with the marker bit on its last packet, timestamps on
// the 90 kHz clock. A datagram the kernel refuses (the recorder's buffer
// full) is dropped, as a camera drops it.
func (p *rtpSession) stream(ctx context.Context, kbps int) {
	perFrame := max(kbps*1000/8/streamFPS, 1)
	ssrc := rand.Uint32()
	seq := uint16(rand.Uint32())
	ts := rand.Uint32()
	buf := make([]byte, 12+rtpPayload)
	fill := rand.New(rand.NewPCG(uint64(ssrc), 1))
	for i := 14; i < len(buf); i++ {
		buf[i] = byte(fill.Uint32())
	}
	tick := time.NewTicker(time.Second / streamFPS)
	defer tick.Stop()
	for frame := 0; ; frame++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if frame%streamFPS == 0 && p.expired() {
			return
		}
		nalType := byte(1) // non-IDR slice
		if frame%(2*streamFPS) == 0 {
			nalType = 5 // an IDR frame every 2 s (GOP 50)
		}
		for left := perFrame; left > 0; {
			n := min(left, rtpPayload-2)
			first, last := left == perFrame, left == n
			buf[0] = 0x80
			buf[1] = rtpPayloadType
			if last {
				buf[1] |= 0x80
			}
			binary.BigEndian.PutUint16(buf[2:], seq)
			binary.BigEndian.PutUint32(buf[4:], ts)
			binary.BigEndian.PutUint32(buf[8:], ssrc)
			buf[12] = 0x60 | 28 // FU indicator: NRI 3, type FU-A
			buf[13] = nalType
			if first {
				buf[13] |= 0x80
			}
			if last {
				buf[13] |= 0x40
			}
			_, _ = p.conn.WriteToUDP(buf[:14+n], p.to)
			seq++
			left -= n
		}
		ts += 90000 / streamFPS
	}
}

// transportParam returns the value of key in an RTSP Transport header.
func transportParam(t, key string) string {
	for part := range strings.SplitSeq(t, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// digestParam returns the value of key in a Digest challenge or answer.
func digestParam(h, key string) string {
	_, rest, ok := strings.Cut(h, " ")
	if !ok {
		return ""
	}
	for part := range strings.SplitSeq(rest, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && strings.EqualFold(k, key) {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// --- the recorder's side ---

// record pulls cam's stream again and again until ctx ends: a recorder
// reconnects to a camera that went away.
func (a *announcer) record(ctx context.Context, cam netip.Addr) {
	for ctx.Err() == nil {
		_ = a.recordOnce(ctx, cam)
		select {
		case <-ctx.Done():
		case <-time.After(3 * time.Second):
		}
	}
}

// rtspClient is the recorder's RTSP connection to one camera.
type rtspClient struct {
	c       net.Conn
	br      *bufio.Reader
	cseq    int
	pass    string
	realm   string
	nonce   string
	session string
}

// recordOnce runs one session with cam until it fails or ctx ends.
func (a *announcer) recordOnce(ctx context.Context, cam netip.Addr) error {
	d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(a.addr, 0)), Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp4", netip.AddrPortFrom(cam, recorderRTSPPort).String())
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	media, err := net.ListenUDP("udp4", &net.UDPAddr{IP: a.addr.AsSlice()})
	if err != nil {
		return err
	}
	defer media.Close()
	go drain(media)
	cl := &rtspClient{c: c, br: bufio.NewReader(c), pass: a.e.Device.Password}
	uri := "rtsp://" + cam.String() + "/Streaming/Channels/101"
	port := media.LocalAddr().(*net.UDPAddr).Port
	steps := []struct{ method, uri, extra string }{
		{"OPTIONS", uri, ""},
		{"DESCRIBE", uri, "Accept: application/sdp\r\n"},
		{"SETUP", uri + "/trackID=1", fmt.Sprintf("Transport: RTP/AVP;unicast;client_port=%d-%d\r\n", port, port+1)},
		{"PLAY", uri, "Range: npt=0.000-\r\n"},
	}
	for _, s := range steps {
		if err := cl.do(s.method, s.uri, s.extra); err != nil {
			return err
		}
	}
	t := time.NewTicker(keepAliveEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = cl.do("TEARDOWN", uri, "")
			return ctx.Err()
		case <-t.C:
		}
		if err := cl.do("GET_PARAMETER", uri, ""); err != nil {
			return err
		}
	}
}

// drain reads the media a recorder would store, until its socket closes.
func drain(c *net.UDPConn) {
	buf := make([]byte, 2048)
	for {
		if _, _, err := c.ReadFromUDP(buf); err != nil {
			return
		}
		mediaPackets.Add(1)
	}
}

// do sends one request and reads its response; a 401 is answered once
// with Digest credentials (RFC 2617 without qop, as the cameras ask).
func (cl *rtspClient) do(method, uri, extra string) error {
	for try := 0; try < 2; try++ {
		cl.cseq++
		req := method + " " + uri + " RTSP/1.0\r\nCSeq: " + strconv.Itoa(cl.cseq) + "\r\n"
		if cl.realm != "" {
			ha1 := md5hex("admin:" + cl.realm + ":" + cl.pass)
			resp := md5hex(ha1 + ":" + cl.nonce + ":" + md5hex(method+":"+uri))
			req += fmt.Sprintf("Authorization: Digest username=\"admin\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", response=\"%s\"\r\n", cl.realm, cl.nonce, uri, resp)
		}
		if cl.session != "" {
			req += "Session: " + cl.session + "\r\n"
		}
		req += "User-Agent: camsweep-lab recorder\r\n" + extra + "\r\n"
		_ = cl.c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(cl.c, req); err != nil {
			return err
		}
		status, h, err := cl.read()
		if err != nil {
			return err
		}
		switch {
		case status == 401 && try == 0:
			for _, v := range h["www-authenticate"] {
				if strings.HasPrefix(strings.ToLower(v), "digest ") {
					cl.realm, cl.nonce = digestParam(v, "realm"), digestParam(v, "nonce")
				}
			}
			if cl.realm == "" {
				return fmt.Errorf("%s: 401 without a Digest challenge", method)
			}
			continue
		case status != 200:
			return fmt.Errorf("%s: status %d", method, status)
		}
		if s := h["session"]; len(s) > 0 {
			cl.session, _, _ = strings.Cut(s[0], ";")
		}
		return nil
	}
	return fmt.Errorf("%s: credentials refused", method)
}

// read reads one response head and skips its body.
func (cl *rtspClient) read() (int, map[string][]string, error) {
	line, err := cl.br.ReadString('\n')
	if err != nil {
		return 0, nil, err
	}
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "RTSP/") {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		return 0, nil, err
	}
	h := map[string][]string{}
	for n := 0; ; n++ {
		l, err := cl.br.ReadString('\n')
		if err != nil {
			return 0, nil, err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		if n > 64 {
			return 0, nil, errors.New("too many header lines")
		}
		if k, v, ok := strings.Cut(l, ":"); ok {
			k = strings.ToLower(strings.TrimSpace(k))
			h[k] = append(h[k], strings.TrimSpace(v))
		}
	}
	if n, err := strconv.Atoi(firstOf(h["content-length"])); err == nil && n > 0 && n < 1<<16 {
		if _, err := io.CopyN(io.Discard, cl.br, int64(n)); err != nil {
			return 0, nil, err
		}
	}
	return status, h, nil
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

package emulator

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/camsweep/camsweep/scanner/mdns"
	"github.com/camsweep/camsweep/scanner/wsd"
)

var (
	hostileFrom  = netip.MustParseAddrPort("198.18.160.2:40000")
	hostileAddrs = func() []netip.Addr { return []netip.Addr{netip.MustParseAddr("198.18.160.50")} }
)

func hostile(t *testing.T, profile string, edit ...func(*Device)) *Emulator {
	t.Helper()
	d := Device{Name: "h", Profile: profile, MAC: net.HardwareAddr{0x02, 0, 0, 0, 0, 0x50}}
	for _, f := range edit {
		f(&d)
	}
	e, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestHostile_everyProfileBuilds(t *testing.T) {
	for _, p := range HostileProfiles() {
		if !KnownProfile(p) || !IsHostile(p) {
			t.Errorf("%s: known %v hostile %v", p, KnownProfile(p), IsHostile(p))
		}
		e, err := New(Device{Name: "h", Profile: p, Claims: netip.MustParsePrefix("198.18.160.192/26"),
			Peers: []netip.Addr{netip.MustParseAddr("198.18.160.21")}})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if len(e.Services) == 0 && len(e.UDP) == 0 && e.Raw == nil {
			t.Errorf("%s serves nothing", p)
		}
	}
	if IsHostile(ProfileHikvision) {
		t.Error("hikvision-camera is hostile")
	}
	if _, err := New(Device{Name: "h", Profile: ProfileHostileARP}); err == nil {
		t.Error("an ARP forger without claims was built")
	}
	if _, err := New(Device{Name: "h", Profile: ProfileHostileSSDP}); err == nil {
		t.Error("an SSDP hijacker without peers was built")
	}
}

// udpService returns the handler of e's service on port.
func hostileUDP(t *testing.T, e *Emulator, port int) func([]byte, netip.AddrPort) [][]byte {
	t.Helper()
	for _, s := range e.UDP {
		if s.Port == port {
			return s.Handle
		}
	}
	t.Fatalf("%s has no UDP %d", e.Device.Profile, port)
	return nil
}

// TestHostile_floodWSD: every probe draws FloodDatagrams ProbeMatches of
// distinct endpoints and scopes that the scanner's parser takes, all
// relating to the probe; past floodPerWindow in a window, nothing.
func TestHostile_floodWSD(t *testing.T) {
	e := hostile(t, ProfileHostileFlood)
	h := limitFlood(e.floodWSD(hostileAddrs))
	id := wsd.NewMessageID()
	out := h(wsd.ProbeMessage(id, wsd.TypeNVT), hostileFrom)
	if len(out) != FloodDatagrams {
		t.Fatalf("%d replies, want %d", len(out), FloodDatagrams)
	}
	eprs, names := map[string]bool{}, map[string]bool{}
	for i, b := range out {
		m, err := wsd.ParseProbeMatches(b)
		if err != nil {
			t.Fatalf("reply %d: %v\n%s", i, err, b)
		}
		if m.RelatesTo != id || len(m.Matches) != 1 {
			t.Fatalf("reply %d: RelatesTo %q, %d matches", i, m.RelatesTo, len(m.Matches))
		}
		ev := wsd.Evidence(m, hostileFrom, "unicast", time.Time{})
		eprs[m.Matches[0].EPR] = true
		names[ev[0].Fields["wsd.scope.name"]] = true
	}
	if len(eprs) != FloodDatagrams || len(names) != FloodDatagrams {
		t.Errorf("%d distinct endpoints and %d names in %d replies", len(eprs), len(names), FloodDatagrams)
	}
	for range floodPerWindow/FloodDatagrams - 1 {
		if n := len(h(wsd.ProbeMessage(wsd.NewMessageID(), ""), hostileFrom)); n != FloodDatagrams {
			t.Fatalf("%d replies within the window's bound", n)
		}
	}
	if out := h(wsd.ProbeMessage(wsd.NewMessageID(), ""), hostileFrom); len(out) != 0 {
		t.Errorf("%d replies past %d in a window", len(out), floodPerWindow)
	}
}

// TestHostile_floodMDNSAndSSDP: distinct mDNS instances the scanner's
// parser reads, under the flooder's own address, and distinct SSDP USNs
// whose LOCATION is the flooder's own.
func TestHostile_floodMDNSAndSSDP(t *testing.T) {
	e := hostile(t, ProfileHostileFlood)
	q, err := mdns.Query([]string{"_http._tcp"})
	if err != nil {
		t.Fatal(err)
	}
	out := e.floodMDNS(hostileAddrs)(q, netip.MustParseAddrPort("198.18.160.2:5353"))
	if len(out) != FloodDatagrams {
		t.Fatalf("%d mDNS replies", len(out))
	}
	inst := map[string]bool{}
	for _, b := range out {
		m, err := mdns.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		var r dns.Msg
		if err := r.Unpack(b); err != nil || len(r.Answer) != 1 {
			t.Fatalf("reply %v: %d answers", err, len(r.Answer))
		}
		inst[r.Answer[0].(*dns.PTR).Ptr] = true
		_ = m
	}
	if len(inst) != FloodDatagrams {
		t.Errorf("%d distinct instances", len(inst))
	}
	ss := e.floodSSDP(hostileAddrs)([]byte("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n"), hostileFrom)
	usn := map[string]bool{}
	for _, b := range ss {
		s := string(b)
		if !strings.Contains(s, "LOCATION: http://198.18.160.50:") {
			t.Fatalf("LOCATION not the flooder's own:\n%s", s)
		}
		i := strings.Index(s, "USN: ")
		usn[s[i:]] = true
	}
	if len(ss) != FloodDatagrams || len(usn) != FloodDatagrams {
		t.Errorf("%d SSDP replies, %d distinct", len(ss), len(usn))
	}
}

// arpRequest is who-has target tell 198.18.160.2 from 02:00:00:00:00:02.
func arpRequest(target netip.Addr) []byte {
	f := make([]byte, 42)
	copy(f[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	copy(f[6:12], []byte{2, 0, 0, 0, 0, 2})
	binary.BigEndian.PutUint16(f[12:], etherTypeARP)
	a := f[14:]
	binary.BigEndian.PutUint16(a[0:], 1)
	binary.BigEndian.PutUint16(a[2:], 0x0800)
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:], 1)
	copy(a[8:14], []byte{2, 0, 0, 0, 0, 2})
	copy(a[14:18], []byte{198, 18, 160, 2})
	t4 := target.As4()
	copy(a[24:28], t4[:])
	return f
}

// TestHostile_arpForger: a request for a claimed address draws one to
// claimMACsPerAddr well-formed replies, each from a forged MAC, to the
// asker; the forger's own address, addresses outside its claims and
// anything but a request draw nothing; over a /26 every forged MAC claims
// more addresses than the scanner's MaxClaimsPerMAC (8), and some
// addresses get more MACs than its per-address budget (4).
func TestHostile_arpForger(t *testing.T) {
	f := newARPForger(netip.MustParsePrefix("198.18.160.192/26"), DefaultClaimMACs)
	f.own = netip.MustParseAddr("198.18.160.200")
	perMAC := map[[6]byte]int{}
	most := 0
	for a := netip.MustParseAddr("198.18.160.192"); a.As4()[3] != 0; a = a.Next() {
		rs := f.replies(arpRequest(a))
		if a == f.own {
			if len(rs) != 0 {
				t.Errorf("forger claims its own address")
			}
			continue
		}
		if len(rs) == 0 || len(rs) > claimMACsPerAddr {
			t.Fatalf("%s: %d replies", a, len(rs))
		}
		most = max(most, len(rs))
		for _, r := range rs {
			if len(r) != minFrameLen || !bytes.Equal(r[0:6], []byte{2, 0, 0, 0, 0, 2}) ||
				binary.BigEndian.Uint16(r[12:]) != etherTypeARP || binary.BigEndian.Uint16(r[20:]) != 2 ||
				!bytes.Equal(r[6:12], r[22:28]) || netip.AddrFrom4([4]byte(r[28:32])) != a ||
				!bytes.Equal(r[38:42], []byte{198, 18, 160, 2}) || r[6]&2 == 0 {
				t.Fatalf("%s: malformed reply % x", a, r)
			}
			perMAC[[6]byte(r[6:12])]++
		}
	}
	if most <= 4 {
		t.Errorf("at most %d MACs an address, want more than the scanner's budget of 4", most)
	}
	if len(perMAC) != DefaultClaimMACs {
		t.Errorf("%d MACs used, want %d", len(perMAC), DefaultClaimMACs)
	}
	for m, n := range perMAC {
		if n <= 8 {
			t.Errorf("MAC % x claims only %d addresses", m, n)
		}
	}
	for _, a := range []string{"198.18.160.191", "198.18.161.1"} {
		if rs := f.replies(arpRequest(netip.MustParseAddr(a))); len(rs) != 0 {
			t.Errorf("%s outside the claims answered", a)
		}
	}
	rep := arpRequest(netip.MustParseAddr("198.18.160.193"))
	rep[21] = 2 // a reply, not a request
	if f.replies(rep) != nil || f.replies(rep[:30]) != nil {
		t.Error("answered a reply or a short frame")
	}
	// The first answer for an address is logged, once.
	var log bytes.Buffer
	f.log = &log
	for range 2 {
		f.tell(f.replies(arpRequest(netip.MustParseAddr("198.18.160.193"))))
	}
	if log.String() != "arp forger: claimed 198.18.160.193 for 198.18.160.2 with 2 MACs\n" {
		t.Errorf("log %q", log.String())
	}
	// The rate bound.
	if !f.allow(forgeRate) || f.allow(1) {
		t.Error("forgeRate not enforced")
	}
}

// serveOn runs h on a loopback listener and returns its address.
func serveOn(t *testing.T, h func(context.Context, net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ServeListener(ctx, ln, h); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func service(t *testing.T, e *Emulator, port int) func(context.Context, net.Conn) {
	t.Helper()
	s, ok := e.Service(port)
	if !ok {
		t.Fatalf("%s has no port %d", e.Device.Profile, port)
	}
	return s.Handle
}

func dialSend(t *testing.T, addr, req string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestHostile_tarpit: the connection is accepted and stays open with not
// a byte of answer.
func TestHostile_tarpit(t *testing.T) {
	e := hostile(t, ProfileHostileTarpit)
	for _, p := range hostilePorts {
		if _, ok := e.Service(p); !ok {
			t.Errorf("tarpit lacks port %d", p)
		}
	}
	c := dialSend(t, serveOn(t, service(t, e, 80)), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	n, err := c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); n != 0 || !ok || !ne.Timeout() {
		t.Errorf("tarpit answered: %d bytes, %v", n, err)
	}
}

// TestHostile_drip: the answer comes one byte a dripInterval.
func TestHostile_drip(t *testing.T) {
	c := dialSend(t, serveOn(t, service(t, hostile(t, ProfileHostileDrip), 80)), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	b := make([]byte, 16)
	start := time.Now()
	got := 0
	for got < 2 {
		n, err := c.Read(b[got:])
		if err != nil {
			t.Fatal(err)
		}
		got += n
		if got == 1 && time.Since(start) > dripInterval/2 {
			t.Errorf("first byte after %v", time.Since(start))
		}
	}
	if el := time.Since(start); got != 2 || el < dripInterval*8/10 {
		t.Errorf("%d bytes in %v, want 2 a dripInterval apart", got, el)
	}
	if !bytes.HasPrefix(b, []byte("HT")) {
		t.Errorf("dripped %q", b[:got])
	}
}

// TestHostile_endless: the chunked body goes on past what any client
// keeps, at no more than endlessRate.
func TestHostile_endless(t *testing.T) {
	c := dialSend(t, serveOn(t, service(t, hostile(t, ProfileHostileEndless), 80)), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	head, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(head, "HTTP/1.1 200") {
		t.Fatalf("%q %v", head, err)
	}
	start := time.Now()
	n, err := io.CopyN(io.Discard, br, 2*endlessRate)
	if err != nil {
		t.Fatalf("body ended after %d bytes: %v", n, err)
	}
	if el := time.Since(start); el < 1500*time.Millisecond {
		t.Errorf("2 MiB in %v: faster than endlessRate", el)
	}
}

// TestHostile_xmlBombs: the WS-Discovery bombs fit a datagram and hold
// their entity declarations or nesting; the scanner's parser gets through
// each quickly with nothing expanded. The ONVIF answers carry the bombs.
func TestHostile_xmlBombs(t *testing.T) {
	e := hostile(t, ProfileHostileXMLBomb)
	out := hostileUDP(t, e, wsdPort)(wsd.ProbeMessage(wsd.NewMessageID(), ""), hostileFrom)
	if len(out) != 3 {
		t.Fatalf("%d replies", len(out))
	}
	for i, marker := range []string{"<!ENTITY lol9", "<!ENTITY a ", strings.Repeat("<x>", 1000)} {
		if len(out[i]) > 65507 || !bytes.Contains(out[i], []byte(marker)) {
			t.Errorf("reply %d: %d bytes, lacks %q", i, len(out[i]), marker)
		}
		start := time.Now()
		m, _ := wsd.ParseProbeMatches(out[i])
		if el := time.Since(start); el > time.Second {
			t.Errorf("reply %d took the parser %v", i, el)
		}
		if m != nil {
			for _, pm := range m.Matches {
				if n := len(strings.Join(pm.Scopes.Raw, " ")); n > 64<<10 {
					t.Errorf("reply %d expanded to %d bytes of scopes", i, n)
				}
			}
		}
	}
	h := service(t, e, 80)
	addr := serveOn(t, h)
	for op, marker := range map[string]string{
		"GetSystemDateAndTime": "&lol9;", "GetDeviceInformation": strings.Repeat("<x>", 1000), "GetScopes": "<!ENTITY a ",
	} {
		body := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><` + op + ` xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>`
		c := dialSend(t, addr, "POST /onvif/device_service HTTP/1.1\r\nHost: x\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(io.LimitReader(c, 4<<20))
		if !bytes.HasPrefix(b, []byte("HTTP/1.1 200 OK")) || !bytes.Contains(b, []byte(marker)) {
			t.Errorf("%s: %d bytes, lacks %q", op, len(b), marker)
		}
	}
}

// TestHostile_garbage: random bytes on every camera port, TCP and UDP.
func TestHostile_garbage(t *testing.T) {
	e := hostile(t, ProfileHostileGarbage)
	c := dialSend(t, serveOn(t, service(t, e, 554)), "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _ := io.ReadFull(c, make([]byte, garbageTCP)); n != garbageTCP {
		t.Errorf("%d bytes of garbage, want %d", n, garbageTCP)
	}
	ports := map[int]bool{}
	for _, s := range e.UDP {
		ports[s.Port] = true
		for _, d := range s.Handle([]byte("probe"), hostileFrom) {
			if len(d) == 0 || len(d) > 1400 {
				t.Errorf("UDP %d: datagram of %d bytes", s.Port, len(d))
			}
		}
	}
	for _, p := range []int{wsdPort, mdnsPort, ssdpPort, sadpPort, dhipPort, xmeyePort, dvripSearchPort} {
		if !ports[p] {
			t.Errorf("no garbage on UDP %d", p)
		}
	}
}

// TestHostile_widener: XAddrs on the peers and the whole /24, and a
// thousand scopes, in one datagram the scanner parses.
func TestHostile_widener(t *testing.T) {
	e := hostile(t, ProfileHostileWidener, func(d *Device) { d.Peers = []netip.Addr{netip.MustParseAddr("198.18.160.21")} })
	out := e.widenWSD(hostileAddrs)(wsd.ProbeMessage(wsd.NewMessageID(), ""), hostileFrom)
	if len(out) != 1 || len(out[0]) > 65507 {
		t.Fatalf("%d replies", len(out))
	}
	m, err := wsd.ParseProbeMatches(out[0])
	if err != nil {
		t.Fatal(err)
	}
	hosts := wsd.XAddrHosts(m.Matches[0].XAddrs)
	// The parser keeps wsd.MaxItems of them: the datagram holds more.
	if len(hosts) < wsd.MaxItems/2 || hosts[0] != netip.MustParseAddr("198.18.160.21") {
		t.Errorf("%d XAddr hosts, first %v", len(hosts), hosts)
	}
	if bytes.Count(out[0], []byte("/onvif/device_service")) < 250 || !bytes.Contains(out[0], []byte("location/widen/0999")) {
		t.Error("scope list cut short")
	}
}

// TestHostile_ssdpHijack: every LOCATION is on a peer, none on the
// hijacker, under Axis's SERVER string.
func TestHostile_ssdpHijack(t *testing.T) {
	e := hostile(t, ProfileHostileSSDP, func(d *Device) { d.Peers = []netip.Addr{netip.MustParseAddr("198.18.160.21")} })
	out := hostileUDP(t, e, ssdpPort)([]byte("M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST: ssdp:all\r\n\r\n"), hostileFrom)
	if len(out) != 2 {
		t.Fatalf("%d replies", len(out))
	}
	for _, b := range out {
		if !bytes.Contains(b, []byte("LOCATION: http://198.18.160.21:")) || !bytes.Contains(b, []byte("axis")) {
			t.Errorf("reply:\n%s", b)
		}
	}
}

// TestHostile_escapeNames: the scanner's WS-Discovery parser percent-decodes
// the scopes into ESC, CR and U+202E; the mDNS name and the HTTP title carry
// them raw. (What a terminal then receives is the sanitiser's business.)
func TestHostile_escapeNames(t *testing.T) {
	e := hostile(t, ProfileHostileEscape)
	out := e.escapeWSD(hostileAddrs)(wsd.ProbeMessage(wsd.NewMessageID(), ""), hostileFrom)
	m, err := wsd.ParseProbeMatches(out[0])
	if err != nil {
		t.Fatal(err)
	}
	ev := wsd.Evidence(m, hostileFrom, "unicast", time.Time{})
	name := ev[0].Fields["wsd.scope.name"]
	for _, c := range []string{"\x1b[2J", "\r", "\u202e", "\u009b"} {
		if !strings.Contains(name, c) {
			t.Errorf("decoded name %q lacks %q", name, c)
		}
	}
	q, _ := mdns.Query([]string{"_axis-video._tcp"})
	pk := e.escapeMDNS(hostileAddrs)(q, netip.MustParseAddrPort("198.18.160.2:5353"))
	var r dns.Msg
	if len(pk) != 1 || r.Unpack(pk[0]) != nil || !strings.Contains(r.Answer[0].(*dns.PTR).Ptr, `\027[2J`) {
		t.Errorf("mDNS answer without the raw ESC: %v", r.Answer)
	}
	c := dialSend(t, serveOn(t, service(t, e, 80)), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(c)
	if !bytes.Contains(b, []byte("<title>AXIS Q1615\x1b[2J")) || !bytes.Contains(b, []byte("Server: \x1b]0;")) {
		t.Errorf("HTTP reply:\n%q", b)
	}
}

// TestHostile_pacedFlood: the flooder's answers go out paced, floodBatch
// at a time, and nearly all of a probe's FloodDatagrams reach a reader on
// loopback (unpaced, most overflow the kernel's backlog).
func TestHostile_pacedFlood(t *testing.T) {
	p := &pacedUDP{name: "flood", svcs: []UDPService{{Port: 0, Name: "flood", Handle: func([]byte, netip.AddrPort) [][]byte {
		out := make([][]byte, FloodDatagrams)
		for i := range out {
			out[i] = []byte(strconv.Itoa(i))
		}
		return out
	}}}}
	if err := p.Open(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Serve(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadBuffer(4 << 20)
	start := time.Now()
	if _, err := c.WriteTo([]byte("probe"), p.pcs[0].LocalAddr()); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	buf := make([]byte, 64)
	var last time.Time
	for {
		c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			break
		}
		got[string(buf[:n])] = true
		last = time.Now()
	}
	if len(got) < FloodDatagrams*9/10 {
		t.Errorf("%d of %d datagrams arrived", len(got), FloodDatagrams)
	}
	if el := last.Sub(start); el < (FloodDatagrams/floodBatch-1)*floodGap {
		t.Errorf("%d datagrams in %v: not paced", len(got), el)
	}
}

// TestHostile_tarpitFreesClosed: a connection the client closed gives its
// place back, so a scanner that closes and comes back still meets a tarpit
// and not a refusal, however often it comes.
func TestHostile_tarpitFreesClosed(t *testing.T) {
	addr := serveOn(t, service(t, hostile(t, ProfileHostileTarpit), 554))
	for range maxHeld + 10 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	time.Sleep(100 * time.Millisecond)
	c := dialSend(t, addr, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Errorf("after %d closed connections the tarpit no longer holds one: %v", maxHeld+10, err)
	}
}

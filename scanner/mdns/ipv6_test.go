package mdns

import (
	"bytes"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner/internal/scantest"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func TestAttribute6(t *testing.T) {
	scope := scantest.Scope(addrs("198.18.10.30", "198.18.10.31", "198.18.10.32"))
	for _, tc := range []struct {
		name  string
		addrs string
		all   []netip.Addr
		want  []netip.Addr
	}{
		{"own host in scope", "198.18.10.30,fe80::1", addrs("198.18.10.30"), addrs("198.18.10.30")},
		{"own host's every in-scope address", "198.18.10.30,198.18.10.31,203.0.113.1", addrs("198.18.10.30", "198.18.10.31", "203.0.113.1"), addrs("198.18.10.30", "198.18.10.31")},
		{"own host outside the scope, not traded for another", "203.0.113.1", addrs("198.18.10.30", "203.0.113.1"), nil},
		{"no host: every A of the message", "", addrs("198.18.10.31", "203.0.113.1"), addrs("198.18.10.31")},
		{"host with AAAA only: every A of the message", "fe80::1,fd00::1", addrs("198.18.10.32"), addrs("198.18.10.32")},
		{"nothing in scope", "", addrs("203.0.113.1"), nil},
		{"no A at all", "fe80::1", nil, nil},
		{"garbage and repeats", "x,198.18.10.30,,198.18.10.30", nil, addrs("198.18.10.30")},
	} {
		if got := Attribute6(tc.addrs, tc.all, scope.Contains); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Attribute6(%q, %v) = %v, want %v", tc.name, tc.addrs, tc.all, got, tc.want)
		}
	}
}

// collector is an emit func that keeps what it is given.
type collector struct {
	mu  sync.Mutex
	evs []device.Evidence
}

func (c *collector) emit(ev device.Evidence) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evs = append(c.evs, ev)
}

// find returns the evidence of addr whose field key is val, with via.
func (c *collector) find(addr, key, val, via string) []device.Evidence {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []device.Evidence
	for _, ev := range c.evs {
		if ev.Addr == netip.MustParseAddr(addr) && ev.Fields[key] == val && ev.Fields["mdns.via"] == via {
			out = append(out, ev)
		}
	}
	return out
}

func reply(t *testing.T, from string, m *dns.Msg) udpsweep.Reply {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return udpsweep.Reply{From: netip.MustParseAddrPort(from), Payload: b}
}

// avahiDefault is what a default Avahi answers for _http._tcp: over IPv4
// the host's A and AAAA records, over IPv6 its AAAA only
// (publish-a-on-ipv6=no, publish-aaaa-on-ipv4=yes).
func avahiDefault(v4 bool) *dns.Msg {
	inst := `nas._http._tcp.local.`
	host := "nas.local."
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}}
	m.Answer = []dns.RR{&dns.PTR{Hdr: hdr("_http._tcp.local.", dns.TypePTR, false, 4500), Ptr: inst}}
	m.Extra = []dns.RR{
		&dns.SRV{Hdr: hdr(inst, dns.TypeSRV, true, 120), Port: 80, Target: host},
		&dns.AAAA{Hdr: hdr(host, dns.TypeAAAA, true, 120), AAAA: net.ParseIP("fe80::2")},
	}
	if v4 {
		m.Extra = append(m.Extra, &dns.A{Hdr: hdr(host, dns.TypeA, true, 120), A: net.ParseIP("10.0.1.165")})
	}
	return m
}

// TestSweep_handle_ipv6: a response heard over IPv6 is filed under the
// in-scope IPv4 address of its A records, marked mdns.via=ipv6, once; under
// the IPv4 responder that named the sender in an AAAA record when it has no
// A record; under the (zoneless) IPv6 sender when nothing ties it to the
// scope. The same answer over IPv4 stays evidence of its own.
func TestSweep_handle_ipv6(t *testing.T) {
	c := &collector{}
	w := &sweep{scope: scantest.Scope(addrs("10.0.1.164", "10.0.1.165")), emit: c.emit, f: newFollow(DefaultServices)}
	const hikInstance = "HIKVISION DS-2CD2722FWD-IZS - 733050075"

	w.handle(reply(t, "[fe80::1a68:cbff:fe15:b284%eth0]:5353", hikvisionCGI()))
	w.handle(reply(t, "[fe80::1a68:cbff:fe15:b284%eth0]:5353", hikvisionCGI())) // the group socket's copy
	w.handle(reply(t, "10.0.1.164:5353", hikvisionCGI()))
	if got := c.find("10.0.1.164", "mdns.instance", hikInstance, Via6); len(got) != 1 || got[0].Port != 5353 {
		t.Errorf("IPv6 evidence of 10.0.1.164: %+v, want one item", got)
	}
	if got := c.find("10.0.1.164", "mdns.instance", hikInstance, ""); len(got) != 1 {
		t.Errorf("IPv4 evidence of 10.0.1.164: %+v, want one item", got)
	}

	// Default Avahi: the IPv6 answer (AAAA only) comes before the IPv4
	// one that names fe80::2; the tie is made at the end.
	w.handle(reply(t, "[fe80::2%eth0]:5353", avahiDefault(false)))
	w.handle(reply(t, "10.0.1.165:5353", avahiDefault(true)))
	// Nothing ties this one to the scope: A 203.0.113.9 is outside.
	out := avahiDefault(false)
	out.Extra = append(out.Extra, &dns.A{Hdr: hdr("nas.local.", dns.TypeA, true, 120), A: net.ParseIP("203.0.113.9")})
	w.handle(reply(t, "[fe80::3%eth1]:5353", out))
	if got := c.find("10.0.1.165", "mdns.instance", "nas", Via6); len(got) != 0 {
		t.Errorf("IPv6 evidence tied before the end of the sweep: %+v", got)
	}
	w.flush()
	if got := c.find("10.0.1.165", "mdns.instance", "nas", Via6); len(got) != 1 {
		t.Errorf("IPv6 evidence of 10.0.1.165 (AAAA of its IPv4 answer): %+v, want one item", got)
	}
	if got := c.find("fe80::3", "mdns.instance", "nas", Via6); len(got) != 1 {
		t.Errorf("IPv6 evidence of fe80::3 (nothing in scope): %+v, want one item", got)
	}
	for _, ev := range c.evs {
		if ev.Addr.Zone() != "" || !ev.Addr.Is4() && ev.Addr != netip.MustParseAddr("fe80::3") {
			t.Errorf("evidence filed under %v: %+v", ev.Addr, ev)
		}
	}
}

// TestSweep_handle_ipv6FollowUp: an IPv6 responder tied to an in-scope
// IPv4 address by its A record is asked the follow-up at that address.
func TestSweep_handle_ipv6FollowUp(t *testing.T) {
	c := &collector{}
	w := &sweep{scope: scantest.Scope(addrs("10.0.1.164")), emit: c.emit, f: newFollow(DefaultServices)}
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}}
	m.Answer = []dns.RR{&dns.PTR{Hdr: hdr(servicesName+".local.", dns.TypePTR, false, 4500), Ptr: "_device-info._tcp.local."}}
	m.Extra = []dns.RR{&dns.A{Hdr: hdr("cam.local.", dns.TypeA, true, 120), A: net.ParseIP("10.0.1.164")}}
	w.handle(reply(t, "[fe80::1%eth0]:5353", m))
	targets, _, err := w.f.query()
	if err != nil || !slices.Equal(targets, scanner.AddrList(addrs("10.0.1.164"))) {
		t.Errorf("follow-up targets %v (%v), want 10.0.1.164", targets, err)
	}
	if got := c.find("10.0.1.164", "mdns.types", "_device-info._tcp", Via6); len(got) != 1 {
		t.Errorf("types evidence %+v", c.evs)
	}
}

// TestSweeper_Sweep_ipv6Group: an announcement that reaches the IPv6 group
// socket during the window becomes evidence of the IPv4 address its A
// record gives. The sweep joins ff02::fb on lo only; lo cannot multicast,
// so the query to [ff02::fb%lo] is refused (a debug line) and the
// announcement is sent to [::1]:port, where the group socket listens.
func TestSweeper_Sweep_ipv6Group(t *testing.T) {
	lo := scantest.Loopback(t)
	probe, err := net.ListenPacket("udp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 on this host: %v", err)
	}
	port := probe.LocalAddr().(*net.UDPAddr).Port
	probe.Close()
	ann, err := net.ListenPacket("udp6", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ann.Close()

	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}}
	m.Answer = []dns.RR{&dns.PTR{Hdr: hdr("_http._tcp.local.", dns.TypePTR, false, 4500), Ptr: `lo\ cam._http._tcp.local.`}}
	m.Extra = []dns.RR{
		&dns.SRV{Hdr: hdr(`lo\ cam._http._tcp.local.`, dns.TypeSRV, true, 120), Port: 80, Target: "locam.local."},
		&dns.A{Hdr: hdr("locam.local.", dns.TypeA, true, 120), A: net.ParseIP("127.0.0.1")},
		&dns.AAAA{Hdr: hdr("locam.local.", dns.TypeAAAA, true, 120), AAAA: net.ParseIP("::1")},
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		dst := &net.UDPAddr{IP: net.IPv6loopback, Port: port}
		for {
			ann.WriteTo(b, dst)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	var logs bytes.Buffer
	s, err := New(Config{Port: uint16(port), Window: 300 * time.Millisecond,
		Log:         zerolog.New(&logs).Level(zerolog.DebugLevel),
		Interfaces:  func() ([]net.Interface, error) { return nil, nil },
		Interfaces6: func() ([]net.Interface, error) { return []net.Interface{lo}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	err = s.Sweep(t.Context(), scantest.Scope(addrs("127.0.0.1")), &scantest.Pacer{}, c.emit)
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "IPv6 group") {
		t.Skipf("could not listen on the IPv6 group here: %s", logs.String())
	}
	if got := c.find("127.0.0.1", "mdns.instance", "lo cam", Via6); len(got) != 1 {
		t.Errorf("evidence %+v, want one item of 127.0.0.1 via ipv6; log %s", c.evs, logs.String())
	}
	t.Logf("sweep log: %s", logs.String())
}

// TestSweep_handle_ipv6ClaimsBounded: A records cost nothing to forge. An
// IPv6 sender naming an address another sender claimed first, or more
// in-scope addresses than maxClaims6, keeps its evidence under its own
// address: the targets take on neither its identity nor a record.
func TestSweep_handle_ipv6ClaimsBounded(t *testing.T) {
	c := &collector{}
	var scope []netip.Addr
	for i := 1; i <= 20; i++ {
		scope = append(scope, netip.AddrFrom4([4]byte{10, 0, 1, byte(i)}))
	}
	w := &sweep{scope: scantest.Scope(scope), emit: c.emit, f: newFollow(DefaultServices)}
	cam := hikvisionCGI() // A 10.0.1.164: outside this scope
	for i := range cam.Extra {
		if a, ok := cam.Extra[i].(*dns.A); ok {
			a.A = net.ParseIP("10.0.1.5")
		}
	}
	w.handle(reply(t, "[fe80::1%eth0]:5353", cam))
	hijack := hikvisionCGI()
	for i := range hijack.Extra {
		if a, ok := hijack.Extra[i].(*dns.A); ok {
			a.A = net.ParseIP("10.0.1.5")
		}
	}
	w.handle(reply(t, "[fe80::66%eth0]:5353", hijack))
	spray := avahiDefault(false)
	for i := 1; i <= 20; i++ {
		spray.Extra = append(spray.Extra, &dns.A{Hdr: hdr("nas.local.", dns.TypeA, true, 120), A: net.IPv4(10, 0, 1, byte(i))})
	}
	w.handle(reply(t, "[fe80::77%eth0]:5353", spray))
	w.flush()
	by := map[string]int{}
	for _, ev := range c.evs {
		by[ev.Addr.String()]++
	}
	if by["10.0.1.5"] == 0 || by["fe80::66"] == 0 || by["fe80::77"] == 0 {
		t.Errorf("evidence by address %v: want the first claimant's under 10.0.1.5, the others' under their own", by)
	}
	for a, n := range by {
		if a != "10.0.1.5" && a != "fe80::66" && a != "fe80::77" {
			t.Errorf("%d items filed under %s", n, a)
		}
	}
}

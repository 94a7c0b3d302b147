package emulator

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Hostile devices (issue 14): each profile answers the way a broken or
// malicious device on a real network would, so that the scanner's budgets,
// timeouts, conflict rules and terminal sanitiser meet the attack in the
// lab and not first in the field. Every attack is bounded here (datagrams a
// window, bytes a second, connections held, a connection's life), so that a
// lab full of hostile devices never takes the machine that runs it down:
// the bounds are what the scanner must survive, not what would break it
// anyway.
const (
	// ProfileHostileFlood answers every WS-Discovery, mDNS and SSDP probe
	// with FloodDatagrams datagrams, each of distinct content (issue 14
	// item 1: one such device made a 46 MB record).
	ProfileHostileFlood = "hostile-flood"
	// ProfileHostileARP claims every address of Device.Claims that it
	// does not own with several of a pool of Device.ClaimMACs MACs
	// (issue 14 item 2), from a raw socket in its own namespace
	// (hostile_arp_linux.go).
	ProfileHostileARP = "hostile-arp"
	// ProfileHostileTarpit accepts TCP on the camera ports and never
	// answers.
	ProfileHostileTarpit = "hostile-tarpit"
	// ProfileHostileDrip sends an HTTP (80, 8080) or RTSP (554) answer one
	// byte a second.
	ProfileHostileDrip = "hostile-drip"
	// ProfileHostileEndless sends an HTTP body that never ends (80:
	// chunked, 8080: no length) and RTSP header lines that never end (554).
	ProfileHostileEndless = "hostile-endless"
	// ProfileHostileXMLBomb answers WS-Discovery and the ONVIF device
	// service with entity expansion bombs and deep nesting.
	ProfileHostileXMLBomb = "hostile-xmlbomb"
	// ProfileHostileGarbage answers random bytes on every TCP and UDP port
	// a camera scanner asks.
	ProfileHostileGarbage = "hostile-garbage"
	// ProfileHostileWidener answers WS-Discovery with XAddrs naming other
	// hosts (Device.Peers and every address of its /24) and a scope list
	// filling the datagram.
	ProfileHostileWidener = "hostile-widener"
	// ProfileHostileSSDP answers M-SEARCH with LOCATIONs on other hosts
	// (Device.Peers) under an Axis SERVER string: an SSDP hijack (issue 14
	// item 4).
	ProfileHostileSSDP = "hostile-ssdp"
	// ProfileHostileEscape names itself with terminal controls: ESC
	// sequences, CR and bidi overrides, percent-encoded in WS-Discovery
	// scopes, raw in mDNS names and the HTTP title and Server (issue 14
	// item 5).
	ProfileHostileEscape = "hostile-escape"
)

// HostileProfiles lists the hostile profiles.
func HostileProfiles() []string {
	return []string{ProfileHostileFlood, ProfileHostileARP, ProfileHostileTarpit, ProfileHostileDrip,
		ProfileHostileEndless, ProfileHostileXMLBomb, ProfileHostileGarbage, ProfileHostileWidener,
		ProfileHostileSSDP, ProfileHostileEscape}
}

// IsHostile reports whether profile is a hostile one.
func IsHostile(profile string) bool { return slices.Contains(HostileProfiles(), profile) }

// Bounds of the hostile profiles.
const (
	// FloodDatagrams is what a flooder sends for one probe on one protocol.
	FloodDatagrams = 2000
	// floodWindow and floodPerWindow bound what one flooding service sends
	// whatever it is asked: five probes' worth every ten seconds.
	floodWindow    = 10 * time.Second
	floodPerWindow = 5 * FloodDatagrams
	// holdMax is the longest a tarpit, drip or endless connection lives.
	holdMax = 5 * time.Minute
	// maxHeld is how many connections one hostile device holds at once;
	// past it a new connection is closed at once.
	maxHeld = 256
	// dripInterval is the pause between two bytes of a drip.
	dripInterval = time.Second
	// endlessRate and endlessMax bound an endless answer: bytes a second
	// and bytes a connection.
	endlessRate = 1 << 20
	endlessMax  = 64 << 20
	// garbageTCP is what the garbage device writes on a connection.
	garbageTCP = 16 << 10
	// DefaultClaimMACs is the ARP forger's MAC pool when the spec gives none.
	DefaultClaimMACs = 12
	// claimMACsPerAddr bounds the MACs answering for one address: more than
	// the scanner's per-address budget (4), to test it.
	claimMACsPerAddr = 6
	// forgeRate bounds the forged frames a second.
	forgeRate = 2000
)

// hostilePorts are the TCP ports a camera scanner asks: web, TLS, RTSP,
// Hikvision SDK, Dahua DVRIP, Xiongmai Sofia and a second web port.
var hostilePorts = []int{80, 443, 554, 8000, 8080, 37777, 34567}

// newHostile builds the emulator of a hostile profile.
func newHostile(d Device) (*Emulator, error) {
	e := &Emulator{Device: d, Now: time.Now, Timeouts: DefaultTimeouts}
	held := make(chan struct{}, maxHeld)
	hold := func(h func(context.Context, net.Conn)) func(context.Context, net.Conn) {
		return func(ctx context.Context, c net.Conn) {
			select {
			case held <- struct{}{}:
				defer func() { <-held }()
			default:
				return
			}
			ctx, cancel := context.WithTimeout(ctx, holdMax)
			defer cancel()
			stop := context.AfterFunc(ctx, func() { c.Close() })
			defer stop()
			h(ctx, c)
		}
	}
	switch d.Profile {
	case ProfileHostileFlood:
		// Paced, not in e.UDP: a burst of 2,000 datagrams overflows the
		// receiving kernel's backlog and most never reach the scanner,
		// which would test the kernel rather than the scanner's budgets.
		e.Raw = &pacedUDP{name: d.Name, svcs: []UDPService{
			{Port: wsdPort, Name: "ws-discovery", Group: wsdGroup, Handle: limitFlood(e.floodWSD(hostAddrs))},
			{Port: mdnsPort, Name: "mdns", Group: mdnsGroup, Handle: limitFlood(e.floodMDNS(hostAddrs))},
			{Port: ssdpPort, Name: "ssdp", Group: ssdpGroup, Handle: limitFlood(e.floodSSDP(hostAddrs))},
		}}
	case ProfileHostileARP:
		if !d.Claims.IsValid() || !d.Claims.Addr().Is4() {
			return nil, fmt.Errorf("emulator %s: an ARP forger needs an IPv4 prefix of addresses to claim", d.Name)
		}
		n := d.ClaimMACs
		if n <= 0 {
			n = DefaultClaimMACs
		}
		e.Raw = newARPForger(d.Claims, n)
	case ProfileHostileTarpit:
		for _, p := range hostilePorts {
			e.Services = append(e.Services, Service{Port: p, Name: "tarpit", Handle: hold(tarpit)})
		}
	case ProfileHostileDrip:
		e.Services = []Service{
			{Port: 80, Name: "http-drip", Handle: hold(drip(dripHTTP))},
			{Port: 8080, Name: "http-drip", Handle: hold(drip(dripHTTP))},
			{Port: 554, Name: "rtsp-drip", Handle: hold(drip(dripRTSP))},
		}
	case ProfileHostileEndless:
		e.Services = []Service{
			{Port: 80, Name: "http-endless", Handle: hold(endless(endlessChunked))},
			{Port: 8080, Name: "http-endless", Handle: hold(endless(endlessUnsized))},
			{Port: 554, Name: "rtsp-endless", Handle: hold(endless(endlessRTSPHead))},
		}
	case ProfileHostileXMLBomb:
		e.Services = []Service{{Port: 80, Name: "http", Handle: e.httpHandler(xmlBombHTTP)}}
		e.UDP = []UDPService{{Port: wsdPort, Name: "ws-discovery", Group: wsdGroup, Handle: xmlBombWSD}}
	case ProfileHostileGarbage:
		for _, p := range hostilePorts {
			e.Services = append(e.Services, Service{Port: p, Name: "garbage", Handle: hold(garbageConn)})
		}
		e.UDP = []UDPService{
			{Port: wsdPort, Name: "garbage", Group: wsdGroup, Handle: limitFlood(garbageDatagrams)},
			{Port: mdnsPort, Name: "garbage", Group: mdnsGroup, Handle: limitFlood(garbageDatagrams)},
			{Port: ssdpPort, Name: "garbage", Group: ssdpGroup, Handle: limitFlood(garbageDatagrams)},
			{Port: sadpPort, Name: "garbage", Group: sadpGroup, Handle: limitFlood(garbageDatagrams)},
			{Port: dhipPort, Name: "garbage", Group: dhipGroup, Handle: limitFlood(garbageDatagrams)},
			{Port: xmeyePort, Name: "garbage", Broadcast: true, Handle: limitFlood(garbageDatagrams)},
			{Port: dvripSearchPort, Name: "garbage", Handle: limitFlood(garbageDatagrams)},
		}
	case ProfileHostileWidener:
		e.UDP = []UDPService{{Port: wsdPort, Name: "ws-discovery", Group: wsdGroup, Handle: e.widenWSD(hostAddrs)}}
	case ProfileHostileSSDP:
		if len(d.Peers) == 0 {
			return nil, fmt.Errorf("emulator %s: an SSDP hijacker needs peers to point its LOCATION at", d.Name)
		}
		e.UDP = []UDPService{{Port: ssdpPort, Name: "ssdp", Group: ssdpGroup, Handle: e.hijackSSDP}}
	case ProfileHostileEscape:
		e.Services = []Service{{Port: 80, Name: "http", Handle: e.httpHandler(escapeHTTP)}}
		e.UDP = []UDPService{
			{Port: wsdPort, Name: "ws-discovery", Group: wsdGroup, Handle: e.escapeWSD(hostAddrs)},
			{Port: mdnsPort, Name: "mdns", Group: mdnsGroup, Handle: e.escapeMDNS(hostAddrs)},
		}
	default:
		return nil, fmt.Errorf("emulator: unknown hostile profile %q", d.Profile)
	}
	return e, nil
}

// --- Flood ---

// limitFlood wraps a datagram handler so that it sends at most
// floodPerWindow datagrams a floodWindow, however often it is asked.
func limitFlood(h func([]byte, netip.AddrPort) [][]byte) func([]byte, netip.AddrPort) [][]byte {
	var (
		mu    sync.Mutex
		start time.Time
		sent  int
	)
	return func(req []byte, from netip.AddrPort) [][]byte {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); now.Sub(start) > floodWindow {
			start, sent = now, 0
		}
		if sent >= floodPerWindow {
			return nil
		}
		out := h(req, from)
		if len(out) > floodPerWindow-sent {
			out = out[:floodPerWindow-sent]
		}
		sent += len(out)
		return out
	}
}

// floodBatch datagrams go out back to back, then the flooder pauses
// floodGap: 20,000 datagrams a second, under the 1,000-packet backlog of
// the receiving kernel (net.core.netdev_max_backlog).
const (
	floodBatch = 100
	floodGap   = 5 * time.Millisecond
)

// pacedUDP serves UDP services whose answers are sent paced, floodBatch at
// a time: the flooder's (a RawService, so that it owns its sockets).
type pacedUDP struct {
	name string
	svcs []UDPService
	pcs  []net.PacketConn
}

// Open binds and joins as Emulator.ListenUDP does.
func (p *pacedUDP) Open(addr netip.Addr) error {
	pcs, err := (&Emulator{Device: Device{Name: p.name}, UDP: p.svcs}).ListenUDP(addr)
	p.pcs = pcs
	return err
}

// Serve answers until ctx ends; each answer is written here, paced, and
// the read loop resumes once it is sent (probes wait in the socket).
func (p *pacedUDP) Serve(ctx context.Context) {
	var wg sync.WaitGroup
	for i, pc := range p.pcs {
		h := p.svcs[i].Handle
		wg.Go(func() {
			ServePacketConn(ctx, pc, func(req []byte, from netip.AddrPort) [][]byte {
				to := net.UDPAddrFromAddrPort(from)
				for j, b := range h(req, from) {
					if j > 0 && j%floodBatch == 0 {
						select {
						case <-ctx.Done():
							return nil
						case <-time.After(floodGap):
						}
					}
					_, _ = pc.WriteTo(b, to)
				}
				return nil
			})
		})
	}
	wg.Wait()
}

// floodID is the i-th distinct UUID of a flood, tied to the device.
func (e *Emulator) floodID(kind string, i int) string {
	id := e.wsdID()
	id[0] ^= byte(i)
	id[1] ^= byte(i >> 8)
	id[2] ^= kind[0]
	return uuidString([16]byte(id[:16]), 4)
}

// floodWSD answers a probe, typed or not, with FloodDatagrams
// ProbeMatches, each of its own endpoint, scopes and message id.
func (e *Emulator) floodWSD(addrs func() []netip.Addr) func([]byte, netip.AddrPort) [][]byte {
	return func(req []byte, from netip.AddrPort) [][]byte {
		id, _, ok := parseProbe(req)
		if !ok {
			return nil
		}
		own := sameNet(addrs(), from.Addr())
		out := make([][]byte, 0, FloodDatagrams)
		for i := range FloodDatagrams {
			scopes := fmt.Sprintf("onvif://www.onvif.org/name/flood-%04d onvif://www.onvif.org/hardware/FL-%04d onvif://www.onvif.org/location/room-%04d", i, i, i)
			out = append(out, fmt.Appendf(nil, axisProbeMatches, "uuid:"+e.floodID("m", i), id,
				"urn:uuid:"+e.floodID("e", i), scopes, "http://"+own.String()+"/onvif/device_service"))
		}
		return out
	}
}

// floodMDNS answers any query with FloodDatagrams responses, each a
// service instance of its own (PTR, TXT, SRV and A).
func (e *Emulator) floodMDNS(addrs func() []netip.Addr) func([]byte, netip.AddrPort) [][]byte {
	return func(req []byte, from netip.AddrPort) [][]byte {
		var q dns.Msg
		if q.Unpack(req) != nil || q.Response || len(q.Question) == 0 {
			return nil
		}
		own := sameNet(addrs(), from.Addr())
		out := make([][]byte, 0, FloodDatagrams)
		for i := range FloodDatagrams {
			inst := fmt.Sprintf("flood-%04d._http._tcp.local.", i)
			host := fmt.Sprintf("flood-%04d.local.", i)
			r := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}}
			if from.Port() != mdnsPort {
				r.Id, r.Question = q.Id, q.Question
			}
			r.Answer = []dns.RR{&dns.PTR{Hdr: dns.RR_Header{Name: "_http._tcp.local.", Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 10}, Ptr: inst}}
			r.Extra = []dns.RR{
				&dns.TXT{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 10}, Txt: []string{fmt.Sprintf("model=FL-%04d", i), "serial=" + e.floodID("t", i)}},
				&dns.SRV{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: 10}, Port: 80, Target: host},
				&dns.A{Hdr: dns.RR_Header{Name: host, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 10}, A: net.IP(own.AsSlice())},
			}
			b, err := r.Pack()
			if err != nil {
				return out
			}
			out = append(out, b)
		}
		return out
	}
}

// floodSSDP answers any M-SEARCH with FloodDatagrams replies of distinct
// USN, ST and LOCATION path, all on the flooder's own address.
func (e *Emulator) floodSSDP(addrs func() []netip.Addr) func([]byte, netip.AddrPort) [][]byte {
	return func(req []byte, from netip.AddrPort) [][]byte {
		if !strings.HasPrefix(string(req), "M-SEARCH ") {
			return nil
		}
		own := sameNet(addrs(), from.Addr())
		out := make([][]byte, 0, FloodDatagrams)
		for i := range FloodDatagrams {
			out = append(out, fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http://%s:%d/desc-%04d.xml\r\nSERVER: Linux/4.9 UPnP/1.0 flood/1.0\r\nST: urn:flood-lab:device:Flood%04d:1\r\nUSN: uuid:%s::urn:flood-lab:device:Flood%04d:1\r\n\r\n",
				own, upnpPort, i, i, e.floodID("u", i), i))
		}
		return out
	}
}

// --- Tarpit, drip, endless ---

// tarpit reads (and drops) what the client sends and never answers, until
// the client closes (which frees the connection's place among maxHeld) or
// the hold ends; past 1 MiB from the client it stops reading and waits.
func tarpit(ctx context.Context, c net.Conn) {
	if n, _ := io.Copy(io.Discard, io.LimitReader(c, 1<<20)); n < 1<<20 {
		return
	}
	<-ctx.Done()
}

// readHead waits for the client's first bytes (a request), at most 5 s:
// a hostile device answers only once asked, as a real server does.
func readHead(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, maxHead)
	_, _ = c.Read(buf)
	c.SetReadDeadline(time.Time{})
}

const (
	dripHTTP = "HTTP/1.1 200 OK\r\nServer: drip\r\nContent-Type: text/html\r\nContent-Length: 38\r\n\r\n<html><title>drip</title>ok</html>\r\n\r\n"
	dripRTSP = "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: drip\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n"
)

// drip sends text one byte every dripInterval.
func drip(text string) func(context.Context, net.Conn) {
	return func(ctx context.Context, c net.Conn) {
		readHead(c)
		t := time.NewTicker(dripInterval)
		defer t.Stop()
		for i := 0; i < len(text); i++ {
			c.SetWriteDeadline(time.Now().Add(DefaultTimeouts.Read))
			if _, err := c.Write([]byte{text[i]}); err != nil {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
}

// endless answers: head once, then filler(i) for ever, at most endlessRate
// bytes a second and endlessMax in all.
type endlessShape struct {
	head   string
	filler func(i int) string
}

var (
	endlessChunked = endlessShape{
		head: "HTTP/1.1 200 OK\r\nServer: endless\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n",
		filler: func(i int) string {
			s := strings.Repeat(fmt.Sprintf("<p>%08d</p>", i), 256)
			return fmt.Sprintf("%x\r\n%s\r\n", len(s), s)
		},
	}
	endlessUnsized = endlessShape{
		head:   "HTTP/1.0 200 OK\r\nServer: endless\r\nContent-Type: text/html\r\n\r\n<html><head><title>",
		filler: func(i int) string { return strings.Repeat(fmt.Sprintf("endless-%08d ", i), 256) },
	}
	endlessRTSPHead = endlessShape{
		head:   "RTSP/1.0 200 OK\r\nCSeq: 1\r\n",
		filler: func(i int) string { return fmt.Sprintf("X-Endless-%08d: %s\r\n", i, strings.Repeat("x", 200)) },
	}
)

func endless(shape endlessShape) func(context.Context, net.Conn) {
	return func(ctx context.Context, c net.Conn) {
		readHead(c)
		w := bufio.NewWriterSize(c, 32<<10)
		sent := 0
		write := func(s string) bool {
			c.SetWriteDeadline(time.Now().Add(DefaultTimeouts.Read))
			_, err := w.WriteString(s)
			sent += len(s)
			return err == nil
		}
		if !write(shape.head) {
			return
		}
		start := time.Now()
		for i := 0; sent < endlessMax; i++ {
			if !write(shape.filler(i)) {
				return
			}
			// Pace to endlessRate: sleep until sent bytes are due.
			if due := start.Add(time.Duration(sent) * time.Second / endlessRate); time.Until(due) > 0 {
				if w.Flush() != nil {
					return
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Until(due)):
				}
			}
		}
		w.Flush()
	}
}

// --- XML bombs ---

// laughsDTD is the billion laughs: ten levels of ten references, 10^9
// copies of "lol" for a parser that expands entities.
func laughsDTD(root string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE %s [\n <!ENTITY lol \"lol\">\n", root)
	prev := "lol"
	for i := 1; i <= 9; i++ {
		name := fmt.Sprintf("lol%d", i)
		fmt.Fprintf(&b, " <!ENTITY %s \"%s\">\n", name, strings.Repeat("&"+prev+";", 10))
		prev = name
	}
	b.WriteString("]>\n")
	return b.String()
}

// quadraticDTD is the quadratic blowup: one large entity referenced many
// times (no nesting, so a depth limit on entities does not stop it).
func quadraticDTD(root string, size int) string {
	return fmt.Sprintf("<?xml version=\"1.0\"?>\n<!DOCTYPE %s [\n <!ENTITY a \"%s\">\n]>\n", root, strings.Repeat("a", size))
}

// nested is depth levels of <tag> around inner.
func nested(tag string, depth int, inner string) string {
	return strings.Repeat("<"+tag+">", depth) + inner + strings.Repeat("</"+tag+">", depth)
}

const bombEnvelope = `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><SOAP-ENV:Header><wsa:MessageID>uuid:%s</wsa:MessageID><wsa:RelatesTo>%s</wsa:RelatesTo><wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><wsa:EndpointReference><wsa:Address>urn:uuid:%s</wsa:Address></wsa:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>%s</d:Scopes><d:XAddrs>%s</d:XAddrs></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`

// xmlBombWSD answers a probe with three ProbeMatches: the billion laughs in
// the scopes, a quadratic blowup in the scopes, and 7,000 levels of nesting
// in the XAddrs (each fits one datagram).
func xmlBombWSD(req []byte, from netip.AddrPort) [][]byte {
	id, _, ok := parseProbe(req)
	if !ok {
		return nil
	}
	rid := func() string { return uuidString([16]byte([]byte(randomHex(8))), 4) }
	return [][]byte{
		fmt.Appendf(nil, laughsDTD("SOAP-ENV:Envelope")+bombEnvelope, rid(), id, rid(), "onvif://www.onvif.org/name/&lol9;", "http://&lol9;/"),
		fmt.Appendf(nil, quadraticDTD("SOAP-ENV:Envelope", 8000)+bombEnvelope, rid(), id, rid(), strings.Repeat("&a;", 5000), "http://x/"),
		fmt.Appendf(nil, "<?xml version=\"1.0\"?>\n"+bombEnvelope, rid(), id, rid(), "onvif://www.onvif.org/name/deep", nested("x", 7000, "http://deep/")),
	}
}

// xmlBombHTTP answers every request with a SOAP document that is a bomb:
// GetSystemDateAndTime the billion laughs, GetDeviceInformation 200,000
// levels of nesting, anything else the quadratic blowup.
func xmlBombHTTP(_ net.Conn, r *request) reply {
	const env = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><env:Body>%s</env:Body></env:Envelope>`
	var body string
	switch {
	case strings.Contains(string(r.Body), "GetSystemDateAndTime"):
		body = laughsDTD("env:Envelope") + fmt.Sprintf(env, "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>&lol9;</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>")
	case strings.Contains(string(r.Body), "GetDeviceInformation"):
		body = `<?xml version="1.0"?>` + fmt.Sprintf(env, "<tds:GetDeviceInformationResponse><tds:Manufacturer>"+nested("x", 200000, "deep")+"</tds:Manufacturer></tds:GetDeviceInformationResponse>")
	default:
		body = quadraticDTD("env:Envelope", 50000) + fmt.Sprintf(env, "<tds:GetDeviceInformationResponse><tds:Manufacturer>"+strings.Repeat("&a;", 50000)+"</tds:Manufacturer></tds:GetDeviceInformationResponse>")
	}
	return reply{data: fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nServer: gSOAP/2.8\r\nContent-Type: application/soap+xml; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)}
}

// --- Garbage ---

func garbage(n int) []byte {
	b := make([]byte, n)
	crand.Read(b)
	return b
}

// garbageConn writes random bytes, then drops what the client sends.
func garbageConn(ctx context.Context, c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(DefaultTimeouts.Read))
	if _, err := c.Write(garbage(garbageTCP)); err != nil {
		return
	}
	c.SetReadDeadline(time.Now().Add(DefaultTimeouts.Read))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// garbageDatagrams answers any datagram with three of random bytes and
// random lengths up to a full Ethernet payload.
func garbageDatagrams([]byte, netip.AddrPort) [][]byte {
	out := make([][]byte, 3)
	for i := range out {
		n := garbage(2)
		out[i] = garbage(1 + (int(n[0])<<8|int(n[1]))%1400)
	}
	return out
}

// --- Scope widener ---

// widenScopes is how many scopes the widener lists: enough to fill most of
// a datagram.
const widenScopes = 1000

// widenWSD answers a probe with one ProbeMatch whose XAddrs name the
// device's peers and every address of its /24, and whose scopes fill the
// datagram.
func (e *Emulator) widenWSD(addrs func() []netip.Addr) func([]byte, netip.AddrPort) [][]byte {
	return func(req []byte, from netip.AddrPort) [][]byte {
		id, _, ok := parseProbe(req)
		if !ok {
			return nil
		}
		own := sameNet(addrs(), from.Addr())
		var xaddrs []string
		for _, p := range e.Device.Peers {
			xaddrs = append(xaddrs, "http://"+p.String()+"/onvif/device_service")
		}
		if p, err := own.Prefix(24); err == nil {
			for a := p.Addr().Next(); p.Contains(a) && len(xaddrs) < 256; a = a.Next() {
				xaddrs = append(xaddrs, "http://"+a.String()+"/onvif/device_service")
			}
		}
		scopes := make([]string, 0, widenScopes)
		for i := range widenScopes {
			scopes = append(scopes, fmt.Sprintf("onvif://www.onvif.org/location/widen/%04d", i))
		}
		return [][]byte{fmt.Appendf(nil, axisProbeMatches, "uuid:"+e.floodID("w", 0), id, "urn:uuid:"+e.floodID("W", 0),
			strings.Join(scopes, " "), strings.Join(xaddrs, " "))}
	}
}

// --- SSDP hijack ---

// hijackSSDP answers an M-SEARCH with, for each peer, a root device reply
// whose LOCATION is on the peer (port 80 and the Axis description port),
// under the SERVER string of Axis firmware.
func (e *Emulator) hijackSSDP(req []byte, _ netip.AddrPort) [][]byte {
	if !strings.HasPrefix(string(req), "M-SEARCH ") {
		return nil
	}
	var out [][]byte
	for i, p := range e.Device.Peers {
		for j, loc := range []string{fmt.Sprintf("http://%s:80/", p), fmt.Sprintf("http://%s:%d/rootdesc1.xml", p, upnpPort)} {
			out = append(out, fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: %s\r\nSERVER: Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22\r\nST: upnp:rootdevice\r\nUSN: uuid:%s::upnp:rootdevice\r\n\r\n",
				loc, e.floodID("h", i*2+j)))
		}
	}
	return out
}

// --- Terminal escapes ---

// escapeName is what the escape device calls itself: an Axis name, so that
// the rules take the rest as its model and it reaches a table cell, then
// clear the screen, set the window title, colour, a C1 CSI, a CR that
// sends the cursor back to overwrite the row (issue 14 item 5: a flagged
// Dahua row made to read as an Axis camera), and a right-to-left override.
const escapeName = "AXIS Q1615\x1b[2J\x1b]0;pwned\x07\x1b[31m\u009b0m\rDahua\u202eevil\u202c"

// percentAll percent-encodes every byte of s that is not a letter or digit,
// as a scope value (RFC 3986) carries it.
func percentAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func (e *Emulator) escapeWSD(addrs func() []netip.Addr) func([]byte, netip.AddrPort) [][]byte {
	return func(req []byte, from netip.AddrPort) [][]byte {
		id, _, ok := parseProbe(req)
		if !ok {
			return nil
		}
		own := sameNet(addrs(), from.Addr())
		scopes := onvifScopes([]string{"Profile/Streaming", "name/" + percentAll(escapeName),
			"hardware/" + percentAll("M3106\x1b[8m\r\u202e"), "location/" + percentAll("\x1b]8;;http://evil/\x07here\x1b]8;;\x07")})
		return [][]byte{fmt.Appendf(nil, axisProbeMatches, "uuid:"+e.floodID("x", 0), id, "urn:uuid:"+e.floodID("X", 0),
			scopes, "http://"+own.String()+"/onvif/device_service")}
	}
}

func (e *Emulator) escapeMDNS(addrs func() []netip.Addr) func([]byte, netip.AddrPort) [][]byte {
	return func(req []byte, from netip.AddrPort) [][]byte {
		var q dns.Msg
		if q.Unpack(req) != nil || q.Response || len(q.Question) == 0 {
			return nil
		}
		own := sameNet(addrs(), from.Addr())
		// "AXIS <model> - <MAC>", the model being the controls, within
		// the 63 bytes of a DNS label.
		inst := escapeLabel("AXIS Q1615\x1b[2J\x1b]0;x\x07\rDahua\u202e - ACCC8E000039") + "._axis-video._tcp.local."
		host := escapeLabel("evil\x1b[31m\r") + ".local."
		r := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}}
		if from.Port() != mdnsPort {
			r.Id, r.Question = q.Id, q.Question
		}
		r.Answer = []dns.RR{&dns.PTR{Hdr: dns.RR_Header{Name: "_axis-video._tcp.local.", Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 10}, Ptr: inst}}
		r.Extra = []dns.RR{
			&dns.TXT{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 10}, Txt: []string{"macaddress=\x1b[2J\r", "model=" + escapeName}},
			&dns.SRV{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: 10}, Port: 80, Target: host},
			&dns.A{Hdr: dns.RR_Header{Name: host, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 10}, A: net.IP(own.AsSlice())},
		}
		b, err := r.Pack()
		if err != nil {
			return nil
		}
		return [][]byte{b}
	}
}

// escapeHTTP answers every request with a page whose title and Server
// header carry terminal controls (no CR or LF in the header, which would
// end it).
func escapeHTTP(_ net.Conn, r *request) reply {
	body := "<html><head><title>" + escapeName + "</title></head><body>\x1b[5mcamera\x1b[0m</body></html>\n"
	return reply{data: fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nServer: \x1b]0;pwned\x07Boa/0.94\u202e\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)}
}

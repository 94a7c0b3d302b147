package corpus

import (
	"bufio"
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/httpdigest"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/hiksdk"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/scanner/onvif"
	"github.com/camsweep/camsweep/scanner/protocols"
	"github.com/camsweep/camsweep/scanner/rtspprobe"
	"github.com/camsweep/camsweep/scanner/ssdp"
	"github.com/camsweep/camsweep/scanner/tlsinfo"
)

// onvifOps are the device-service operations a manifest may record.
var onvifOps = []string{"GetDeviceInformation", "GetScopes", "GetCapabilities", "GetServices",
	"GetHostname", "GetNetworkInterfaces", "GetSystemDateAndTime"}

// knownProtocol says whether a manifest may record protocol p: the
// datagrams of every protocol with a Datagram reader in the list of
// protocols (scanner/protocols), and the corpus's own forms of TCP
// conversations and documents.
func knownProtocol(p string) bool {
	if op, ok := strings.CutPrefix(p, "onvif."); ok {
		return op == "http" || containsStr(onvifOps, op)
	}
	if path, ok := strings.CutPrefix(p, "http:"); ok {
		return strings.HasPrefix(path, "/") && !strings.ContainsAny(path, " \r\n")
	}
	if proto, ok := protocols.Lookup(p); ok && proto.Datagram != nil {
		return true
	}
	return containsStr(ownForms, p)
}

// ownForms are the recorded forms the corpus reads itself: conversations
// its Server answers (http, rtsp) and replies that are no datagram (a
// UPnP description, a PEM certificate, the TCP 8000 reply, a lone SDP).
var ownForms = []string{"http", "rtsp", "rtsp.sdp", "upnp", "tls", "hiksdk"}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The replayed device's address: TEST-NET-1, never dialled (every
// connection is an in-memory pipe) and never on a wire.
var replayAddr = netip.MustParseAddr("192.0.2.10")

// Probers are the TCP probers a replay drives, built as a scan builds them.
type Probers struct {
	ONVIF *onvif.Prober
	HTTP  *httpprobe.Prober
	RTSP  *rtspprobe.Prober
}

// ProberConfig is what NewProbers needs from the caller: the HTTP
// follow-up guess of the fingerprint engine, as the scan wires it, and
// whether the scan holds the corpus credential (Login) for the replayed
// device, as a scan with a credentials file entry of protocols [onvif,
// http] does for its range.
type ProberConfig struct {
	Guess func(root map[string]string) string
	Login bool
}

// Login is the credential a replayed device takes: invented for the
// replay (the recorded devices' own are not published).
var Login = httpprobe.Login{Username: "corpus", Password: "replayed-device"}

// LoginRealm is the realm of the replay's Digest challenge; it names no
// maker, so no rule reads anything in it.
const LoginRealm = "corpus replay"

// replayTimeout bounds one request over a pipe; nothing waits on a network.
const replayTimeout = 2 * time.Second

// NewProbers builds probers whose every connection goes to srv.
func newProbers(cfg ProberConfig, srv *Server) (*Probers, error) {
	dial := func(ctx context.Context, _, address string) (net.Conn, error) {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return nil, err
		}
		c, s := net.Pipe()
		go srv.Serve(s, ap.Port())
		return c, nil
	}
	ov, err := onvif.New(onvif.Config{PortConfig: scanner.PortConfig{Dial: dial, Ports: []uint16{80}, Timeout: replayTimeout, UserAgent: "camsweep-corpus"}})
	if err != nil {
		return nil, err
	}
	var login func(netip.Addr) (httpprobe.Login, bool)
	if cfg.Login {
		login = func(a netip.Addr) (httpprobe.Login, bool) { return Login, a == replayAddr }
	}
	web, err := httpprobe.New(httpprobe.Config{PortConfig: scanner.PortConfig{Dial: dial, Ports: []uint16{80}, Timeout: replayTimeout, UserAgent: "camsweep-corpus"}, Guess: cfg.Guess, Login: login})
	if err != nil {
		return nil, err
	}
	rt, err := rtspprobe.New(rtspprobe.Config{PortConfig: scanner.PortConfig{Dial: dial, Ports: []uint16{554}, Timeout: replayTimeout, UserAgent: "camsweep-corpus"}})
	if err != nil {
		return nil, err
	}
	return &Probers{ONVIF: ov, HTTP: web, RTSP: rt}, nil
}

// noPace lets every request go at once: a replay has no device to spare.
type noPace struct{}

func (noPace) Wait(ctx context.Context) error { return ctx.Err() }

// Replay turns one recorded device into the Host a scan would have built.
func Replay(ctx context.Context, d *Device, cfg ProberConfig) (*device.Host, error) {
	h, _, err := ReplayDetail(ctx, d, cfg)
	return h, err
}

// ReplayDetail is Replay that also lists the recorded TCP replies no
// request of the probers asked for.
func ReplayDetail(ctx context.Context, d *Device, cfg ProberConfig) (*device.Host, []string, error) {
	h := &device.Host{Addr: replayAddr}
	srv := NewServer(d)
	var errs []error
	for _, e := range d.Entries {
		evs, err := e.udpEvidence()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", e.pos(), e.File, err))
			continue
		}
		h.Evidence = append(h.Evidence, evs...)
	}
	if srv.empty() {
		return h, nil, errors.Join(errs...)
	}
	ps, err := newProbers(cfg, srv)
	if err != nil {
		return h, nil, err
	}
	probe := func(p scanner.PortProber, port uint16) {
		evs, err := p.ProbePort(ctx, scanner.At(netip.AddrPortFrom(replayAddr, port)), noPace{})
		h.Evidence = append(h.Evidence, evs...)
		if err != nil {
			h.Errors = append(h.Errors, err.Error())
		}
	}
	if len(srv.onvif) > 0 || srv.onvifHTTP != nil {
		probe(ps.ONVIF, 80)
	}
	if len(srv.http) > 0 {
		probe(ps.HTTP, 80)
	}
	if len(srv.rtsp) > 0 {
		probe(ps.RTSP, 554)
	}
	return h, srv.Unserved(), errors.Join(errs...)
}

// udpEvidence parses the replies that need no conversation: the discovery
// datagrams, through their protocol's Datagram reader in the list of
// protocols, and the corpus's own forms (UPnP descriptions, certificates,
// the TCP 8000 reply and lone SDP bodies).
func (e *Entry) udpEvidence() ([]device.Evidence, error) {
	b := e.Data
	one := func(src device.Source, port uint16, f map[string]string) []device.Evidence {
		return []device.Evidence{{Source: src, Addr: replayAddr, Port: port, Fields: f}}
	}
	if proto, ok := protocols.Lookup(e.Protocol); ok && proto.Datagram != nil {
		d := proto.Datagram
		if d.Excerpt != nil {
			b = framed(e, b, d.Excerpt)
		}
		return d.Decode(b, netip.AddrPortFrom(replayAddr, d.Port), "multicast", time.Time{})
	}
	switch e.Protocol {
	case "upnp":
		d, err := ssdp.ParseDescription(b)
		if err != nil {
			return nil, err
		}
		return one(device.SourceSSDP, 80, d.Fields()), nil
	case "hiksdk":
		m, err := hiksdk.ParseReply(b)
		if err != nil {
			return nil, err
		}
		return one(device.SourceHikSDK, 8000, m.Fields("get-request")), nil
	case "tls":
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, errors.New("no PEM block")
		}
		f, err := tlsinfo.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		return one(device.SourceTLS, 443, f), nil
	case "rtsp.sdp":
		// An SDP published without its RTSP answer: parsed as the body
		// of a DESCRIBE answer, and only the SDP's own fields kept.
		head := "RTSP/1.0 200 OK\r\nContent-Type: application/sdp\r\nContent-Length: " + strconv.Itoa(len(b)) + "\r\n\r\n"
		r, err := rtspprobe.ParseResponse(append([]byte(head), b...))
		if err != nil {
			return nil, err
		}
		f := map[string]string{}
		for k, v := range r.Fields() {
			if strings.HasPrefix(k, "rtsp.sdp.") {
				f[k] = v
			}
		}
		if len(f) == 0 {
			return nil, errors.New("no SDP field parsed")
		}
		return one(device.SourceRTSP, 554, f), nil
	}
	return nil, nil
}

// enveloped puts an ONVIF response element published without its SOAP
// envelope (an excerpt: documentation that shows only the element) into a
// bare SOAP 1.2 envelope that declares the device and schema namespaces
// the element's tds: and tt: prefixes stand for: the least that carries
// it, with nothing a rule reads (no vendor namespace, no header).
func enveloped(e *Entry, b []byte) []byte {
	if e.Form != "excerpt" || bytes.Contains(b, []byte("Envelope")) {
		return b
	}
	head := `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body>`
	return append(append([]byte(head), bytes.TrimSpace(b)...), "</s:Body></s:Envelope>"...)
}

// framed puts a header in front of a JSON body published without its binary
// header (an excerpt), so that the datagram parser reads it; a whole
// recorded datagram is left as it is.
func framed(e *Entry, b []byte, frame func(body []byte) []byte) []byte {
	if e.Form != "excerpt" || !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		return b
	}
	return frame(b)
}

// Server answers requests with one device's recorded replies: the
// probers' over in-memory pipes in Replay, a scanner's over TCP in the lab's
// replay profile. An ONVIF, RTSP or POST request with no recorded answer
// gets silence (the connection closes), the neutral outcome: nothing is
// invented for a device that was not recorded saying it. A GET to the web
// server of a device recorded answering GETs gets a bare 404 (no Server,
// no body: nothing a rule reads), the least a web server that was recorded
// to exist answers, so that a scan goes on to the paths that were
// recorded, as it would on the device; a reply the source read with a
// login (Entry.Auth) is served only to a request that logs in with Login,
// any other gets a Digest challenge of LoginRealm.
type Server struct {
	mu        sync.Mutex
	onvif     map[string][][]byte // operation -> SOAP bodies, answered in turn
	asked     map[string]int      // operation -> requests answered so far
	onvifHTTP []byte              // a whole HTTP answer to any other ONVIF request
	http      map[string][]byte   // path -> whole HTTP answer
	locked    map[string]bool     // paths served only behind a login
	rtsp      [][]byte            // whole RTSP answers, in manifest order
	wsd       []byte              // a recorded ProbeMatches envelope

	// files names the file of every answer above, so that a replay can
	// tell which recorded replies a scan asked for (Unserved).
	files  map[*byte]string
	served map[string]bool
}

// NewServer serves d's recorded TCP replies.
func NewServer(d *Device) *Server {
	s := &Server{onvif: map[string][][]byte{}, asked: map[string]int{}, http: map[string][]byte{},
		locked: map[string]bool{}, files: map[*byte]string{}, served: map[string]bool{}}
	for _, e := range d.Entries {
		s.add(e)
	}
	return s
}

func (s *Server) empty() bool {
	return len(s.onvif) == 0 && s.onvifHTTP == nil && len(s.http) == 0 && len(s.rtsp) == 0
}

// HasHTTP reports whether the device was recorded answering HTTP (its web
// server or its ONVIF device service).
func (s *Server) HasHTTP() bool { return len(s.onvif) > 0 || s.onvifHTTP != nil || len(s.http) > 0 }

// Servable reports whether the lab can serve the device over the network:
// it was recorded answering HTTP, ONVIF, RTSP or a WS-Discovery probe.
func (s *Server) Servable() bool { return s.HasHTTP() || s.HasRTSP() || s.wsd != nil }

// HasRTSP reports whether the device was recorded answering RTSP.
func (s *Server) HasRTSP() bool { return len(s.rtsp) > 0 }

func (s *Server) add(e *Entry) {
	data := e.Data
	switch p := e.Protocol; {
	case p == "onvif.http":
		data = terminated(e, data)
		s.onvifHTTP = data
	case strings.HasPrefix(p, "onvif."):
		op := strings.TrimPrefix(p, "onvif.")
		data = httpOK(enveloped(e, data))
		s.onvif[op] = append(s.onvif[op], data)
	case p == "http":
		data = terminated(e, wholeHTTP(data))
		s.http["/"] = data
	case strings.HasPrefix(p, "http:"):
		data = terminated(e, wholeHTTP(data))
		s.http[strings.TrimPrefix(p, "http:")] = data
		s.locked[strings.TrimPrefix(p, "http:")] = e.Auth == "login"
	case p == "rtsp":
		data = terminated(e, data)
		s.rtsp = append(s.rtsp, data)
	case p == "wsd" && bytes.Contains(e.Data, []byte("ProbeMatches")) && relatesRe.Match(e.Data):
		s.wsd = data
	default:
		return
	}
	if len(data) > 0 {
		s.files[&data[0]] = e.File
	}
}

// mark notes that the answer r was sent.
func (s *Server) mark(r []byte) {
	if len(r) > 0 {
		if f, ok := s.files[&r[0]]; ok {
			s.served[f] = true
		}
	}
}

// Unserved lists the recorded TCP replies no request asked for: bodies of
// paths a scan never requests, answers to methods it never sends.
func (s *Server) Unserved() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, f := range s.files {
		if !s.served[f] && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// terminated ends a header block that a log excerpt cut before its blank
// line (the reply was published from a log that dropped it): without it, a
// client waits for the rest of the headers until it times out, as it would
// on the wire. A whole recorded reply is left as it is.
func terminated(e *Entry, b []byte) []byte {
	if e.Form != "excerpt" || bytes.Contains(b, []byte("\r\n\r\n")) || bytes.Contains(b, []byte("\n\n")) {
		return b
	}
	switch {
	case bytes.HasSuffix(b, []byte("\r\n")):
		return append(b[:len(b):len(b)], "\r\n"...)
	case bytes.HasSuffix(b, []byte("\n")):
		return append(b[:len(b):len(b)], '\n')
	}
	return append(b[:len(b):len(b)], "\r\n\r\n"...)
}

var (
	messageIDRe = regexp.MustCompile(`(?s)<(?:[A-Za-z0-9_.-]+:)?MessageID[^>]*>\s*([^<\s]+)\s*<`)
	relatesRe   = regexp.MustCompile(`(?s)(<(?:[A-Za-z0-9_.-]+:)?RelatesTo[^>]*>)[^<]*(<)`)
)

// WSDReply answers a WS-Discovery Probe with the recorded ProbeMatches, its
// RelatesTo set to the probe's MessageID as the device did for the probe
// that was recorded; the rest is sent byte for byte. nil when the device
// was not recorded answering a probe or req carries no MessageID.
func (s *Server) WSDReply(req []byte) []byte {
	if s.wsd == nil || !bytes.Contains(req, []byte("Probe")) {
		return nil
	}
	m := messageIDRe.FindSubmatch(req)
	if m == nil {
		return nil
	}
	id := m[1]
	return relatesRe.ReplaceAllFunc(s.wsd, func(x []byte) []byte {
		sub := relatesRe.FindSubmatch(x)
		out := append([]byte{}, sub[1]...)
		out = append(out, id...)
		return append(out, sub[2]...)
	})
}

var opRe = regexp.MustCompile(`(?s)Body[^>]*>\s*<(?:[A-Za-z0-9_.-]+:)?(Get[A-Za-z]+)\b`)

// Serve answers the requests of one connection on c, as long as the client
// keeps it open and every request has a recorded answer (RTSP asks OPTIONS
// and DESCRIBE on one connection); port 554 speaks RTSP, any other HTTP.
func (s *Server) Serve(c net.Conn, port uint16) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 64<<10)
	for range 16 {
		_ = c.SetDeadline(time.Now().Add(2 * replayTimeout))
		method, target, authz, body, err := readRequest(br)
		if err != nil {
			return
		}
		s.mu.Lock()
		reply := s.answer(port, method, target, authz, body)
		s.mark(reply)
		s.mu.Unlock()
		if reply == nil {
			return
		}
		if _, err := c.Write(reply); err != nil || closes(reply) {
			return
		}
	}
}

// closes reports whether a recorded answer ends its connection: it says
// "Connection: close", as a device that then closes does. Its body, when
// it has no Content-Length, ends only there.
func closes(reply []byte) bool {
	head, _, _ := bytes.Cut(reply, []byte("\r\n\r\n"))
	if len(head) == len(reply) {
		head, _, _ = bytes.Cut(reply, []byte("\n\n"))
	}
	for l := range bytes.SplitSeq(head, []byte("\n")) {
		k, v, ok := bytes.Cut(l, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(k), []byte("Connection")) && bytes.EqualFold(bytes.TrimSpace(v), []byte("close")) {
			return true
		}
	}
	return false
}

// notSupported answers an ONVIF operation the device was not recorded
// answering: the generic SOAP fault of a device that does not implement it
// (ONVIF Core, ter:ActionNotSupported). It names no maker and states
// nothing; it lets the session go on to the operations that were recorded,
// as it would on the device, instead of ending it at the first gap.
var notSupported = func() []byte {
	body := `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>ter:ActionNotSupported</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">Not recorded</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`
	return []byte("HTTP/1.1 400 Bad Request\r\nContent-Type: application/soap+xml; charset=utf-8\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n" + body)
}()

func (s *Server) answer(port uint16, method, target, authz string, body []byte) []byte {
	switch {
	case port == 554:
		return s.rtspAnswer(method)
	case method == "POST":
		m := opRe.FindSubmatch(body)
		if m == nil {
			return s.onvifHTTP
		}
		op := string(m[1])
		if answers := s.onvif[op]; len(answers) > 0 {
			// Several answers recorded for one operation are given in
			// turn (the last repeats): an anonymous fault, then the
			// answer to a login, as the device gave them.
			i := min(s.asked[op], len(answers)-1)
			s.asked[op]++
			return answers[i]
		}
		if s.onvifHTTP != nil {
			return s.onvifHTTP
		}
		if len(s.onvif) > 0 {
			return notSupported
		}
		return nil
	case method == "GET":
		r, ok := s.http[target]
		locked := s.locked[target]
		if !ok {
			// Another question to a CGI that was recorded answering
			// one (magicBox.cgi?action=getVendor beside the recorded
			// getSystemInfo): the CGI is there, this answer was not
			// recorded. An empty 200 says no more than that; a 404
			// would say the CGI is missing and end the scan's group.
			cgi, _, _ := strings.Cut(target, "?")
			r, locked = notFound, false
			for t, l := range s.locked {
				if c, _, _ := strings.Cut(t, "?"); c == cgi && cgi != target {
					r, locked = emptyOK, l
					break
				}
			}
			if len(s.http) == 0 {
				return nil
			}
		}
		if locked && !httpdigest.Check(authz, method, Login.Username, LoginRealm, Login.Password) {
			return challenge
		}
		return r
	}
	return nil
}

var (
	notFound  = []byte("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
	emptyOK   = []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	challenge = []byte("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"" + LoginRealm +
		"\", qop=\"auth\", nonce=\"0123456789abcdef\"\r\nContent-Length: 0\r\n\r\n")
)

// rtspAnswer picks the recorded answer for the method: an answer with a
// Public header answers OPTIONS, one with a body or a challenge answers
// DESCRIBE; a lone recorded answer answers both.
func (s *Server) rtspAnswer(method string) []byte {
	if len(s.rtsp) == 1 {
		return s.rtsp[0]
	}
	for _, r := range s.rtsp {
		head := strings.ToLower(string(r[:min(len(r), 4096)]))
		options := strings.Contains(head, "\npublic:")
		if (method == "OPTIONS") == options {
			return r
		}
	}
	return s.rtsp[0]
}

// wholeHTTP returns a recorded HTTP answer as it goes on the wire. A body
// published without its status line and headers (an excerpt) is served
// behind a bare "200 OK" with its length: the least that carries it, and
// nothing a rule reads (no Server, no realm, no header order).
func wholeHTTP(b []byte) []byte {
	if bytes.HasPrefix(b, []byte("HTTP/")) {
		return b
	}
	head := "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(b)) + "\r\nConnection: close\r\n\r\n"
	return append([]byte(head), b...)
}

func httpOK(body []byte) []byte {
	head := "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=utf-8\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n"
	return append([]byte(head), body...)
}

// readRequest reads one HTTP or RTSP request: the request line, headers
// (the Authorization value kept) and a Content-Length body.
func readRequest(br *bufio.Reader) (method, target, authz string, body []byte, err error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", "", "", nil, err
	}
	parts := strings.Fields(line)
	if len(parts) < 2 {
		return "", "", "", nil, errors.New("bad request line")
	}
	method, target = parts[0], parts[1]
	n := 0
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			return "", "", "", nil, err
		}
		h = strings.TrimRight(h, "\r\n")
		if h == "" {
			break
		}
		k, v, ok := strings.Cut(h, ":")
		switch {
		case ok && strings.EqualFold(strings.TrimSpace(k), "Content-Length"):
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		case ok && strings.EqualFold(strings.TrimSpace(k), "Authorization"):
			authz = strings.TrimSpace(v)
		}
	}
	if n < 0 || n > 1<<20 {
		return "", "", "", nil, errors.New("bad content length")
	}
	body = make([]byte, n)
	_, err = io.ReadFull(br, body)
	return method, target, authz, body, err
}

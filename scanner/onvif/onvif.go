// Package onvif asks the ONVIF device service of a camera who it is, what
// it offers and where else it is connected.
//
// Sent, to POST /onvif/device_service (docs/protocols/wsd-onvif.md §2.1) as SOAP 1.2 with
// the action in the Content-Type, at most MaxRequests requests per device
// over all its ports, each through the engine's per-host pacer:
//
//  1. GetSystemDateAndTime, anonymous: the clock (WS-Security's Created is
//     shifted by its offset) and the proof that a device service is there.
//     When it fails (an HTTP error, a page that is not SOAP, no answer on a
//     connected port) GetDeviceInformation is asked next and decides; the
//     clock is only needed for WS-Security, so the session goes on without
//     it (onvif.access.get_system_date_and_time).
//  2. GetServices with IncludeCapability false: the service XAddrs and
//     namespaces with their versions. Both it and GetCapabilities are in
//     the ONVIF Core default access policy's PRE_AUTH class (§2.2), so both
//     are answered without credentials; GetServices comes first because it
//     names each service by namespace and version (Media2 of Profile T
//     included, which GetCapabilities cannot express) and skips the device
//     capability tree nobody reads. GetCapabilities (Category All), which
//     every ONVIF version has, is asked only when GetServices is not
//     implemented (ONVIF 1.x firmware).
//  3. GetDeviceInformation: maker, model, firmware, serial.
//  4. GetNetworkInterfaces: interface names, MACs, IPv4 manual and DHCP
//     addresses; an address other than the probed one is another interface
//     of the device (onvif.other_addrs, read by the policy like
//     wsd.other_addrs).
//  5. GetHostname (PRE_AUTH in the Core spec, refused by some firmware).
//  6. GetScopes, split as WS-Discovery scopes are (wsd.ParseScopes). It is
//     last because a ProbeMatch carries the same list, so it is what a
//     spent budget drops first.
//
// Every request goes out anonymously until one is refused (a SOAP fault
// with subcode ter:NotAuthorized, or HTTP 401): that is a normal answer,
// recorded as onvif.access.<op>=required (onvif.auth=required for
// GetDeviceInformation), never an error. Then, and only when
// Config.Credentials holds one scoped by CIDR to the probed address, the
// refused request is sent once more with a WS-Security UsernameToken
// PasswordDigest: the device's one login attempt, whatever the number of
// its ports. When that answer is HTTP 401 with a WWW-Authenticate: Digest
// challenge — ONVIF Core §5.9.1: 401 asks for HTTP authentication, while a
// refused token is 400 with ter:NotAuthorized — the same request goes once
// more with HTTP Digest (RFC 7616, MD5 or SHA-256, qop auth), which still
// counts as that one attempt (onvif.login, onvif.login_method). An
// accepted login carries the later requests; any refusal with it ends its
// use. Anonymous scans never send an Authorization header.
//
// A match is a SOAP envelope holding a device-service response or fault to
// GetSystemDateAndTime or, when that fails, to GetDeviceInformation. An
// anonymous HTTP 401 is recorded (onvif.www_authenticate, onvif.realm: the
// realm often names the maker or the serial); a port that answers both
// with a bare 401 gives that evidence alone (onvif.challenge_only) and no
// login attempt. Anything else on the port (a web server's 404 page,
// silence) is "no ONVIF here": no evidence and no error, because the
// engine hands the prober every open web port, not only ONVIF ones.
// When WS-Discovery announced the device service at an XAddr of the probed
// address itself with another path or port (http://<ip>:8899/onvif/...),
// that is where the requests go (the Target's swept evidence, see
// HintPorts); an XAddr naming another address is never
// followed. Answers are bounded by Config.MaxBytes and Config.Timeout per
// request.
//
// The parsers (ParseGetDeviceInformation, ParseGetSystemDateAndTime,
// ParseGetServices, ParseGetCapabilities, ParseGetNetworkInterfaces,
// ParseGetHostname, ParseGetScopes, ParseFault) look at namespaces and
// local names, never at prefixes, since devices bind env:, s:, SOAP-ENV:
// or none. Fixtures in testdata/onvif carry the real replies of §2.3–§2.5;
// fields emitted are in vendors/FIELDS.md.
package onvif

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout   = 4 * time.Second
	DefaultMaxBytes  = MaxResponse
	DefaultPath      = "/onvif/device_service"
	DefaultUserAgent = "camsweep"
)

// DefaultPorts are the ports Accepts takes when Config leaves them empty:
// 80 for almost every camera, 8080/8899/2000 for the ONVIF servers of
// cheaper and OEM firmware.
var DefaultPorts = []uint16{80, 8080, 8899, 2000}

// Config configures a Prober. Zero values take the defaults.
type Config struct {
	// Timeout bounds one request: connect, send and reading the answer;
	// MaxBytes the answer's body.
	scanner.PortConfig
	// Path of the device service.
	Path string
	// Now is the local clock the device clock is compared with.
	Now func() time.Time
	// Credentials, when one is scoped to the probed address, are tried
	// once per device after an anonymous refusal: WS-Security, then HTTP
	// Digest when the device answers that with a Digest challenge.
	Credentials Credentials
	// Rand supplies WS-Security nonces and Digest cnonces; nil uses
	// crypto/rand.
	Rand io.Reader
}

// MaxRequests bounds the requests one device gets from the prober in a
// scan, over all its ports and the Digest retry included: the six of the
// package comment fit when no credential is used, and with one the
// operations at the end of the list are left out (onvif.access.<op> =
// skipped). Embedded device services serve one request at a time; a
// camera is asked about itself, not load-tested.
const MaxRequests = 6

// Prober is the "onvif" PortProber.
type Prober struct {
	cfg Config

	mu    sync.Mutex
	hosts map[netip.Addr]*hostState
}

// hostState is what a scan spent on one device: it outlives one port.
type hostState struct {
	sent  int  // requests sent
	login bool // the one login attempt is spent
}

var (
	_ scanner.PortProber = (*Prober)(nil)
	_ scanner.PortHinter = (*Prober)(nil)
)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Prober, error) {
	d := scanner.PortDefaults{Ports: DefaultPorts, Timeout: DefaultTimeout, MaxBytes: DefaultMaxBytes, UserAgent: DefaultUserAgent}
	if err := cfg.Fill(device.SourceONVIF, d); err != nil {
		return nil, err
	}
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	if !goodPath(cfg.Path) {
		return nil, fmt.Errorf("onvif: bad path %q", cfg.Path)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &Prober{cfg: cfg, hosts: map[netip.Addr]*hostState{}}, nil
}

func goodPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.ContainsAny(p, " \r\n\t?#") && len(p) <= 256
}

// Name is the evidence source.
func (p *Prober) Name() string { return string(device.SourceONVIF) }

// Accepts reports whether port is one of the configured ports.
func (p *Prober) Accepts(port uint16) bool { return slices.Contains(p.cfg.Ports, port) }

// maxHinted bounds the XAddr ports taken from one device's announcement.
const maxHinted = 4

// HintPorts returns the ports of the http XAddrs that WS-Discovery heard
// the device at addr announce for addr itself (never another address's).
func (p *Prober) HintPorts(t scanner.Target) []uint16 {
	var ports []uint16
	for _, x := range xaddrs(t) {
		if !slices.Contains(ports, x.Port()) && len(ports) < maxHinted {
			ports = append(ports, x.Port())
		}
	}
	return ports
}

// xaddrs returns the http service addresses the swept WS-Discovery
// evidence of t announced for t's address itself, as address, port and
// path.
func xaddrs(t scanner.Target) []xaddr {
	var out []xaddr
	addr := t.Addr.Unmap().WithZone("")
	for _, ev := range t.Swept {
		if ev.Source != device.SourceWSD || ev.Addr.Unmap() != addr {
			continue
		}
		for _, u := range ev.Services {
			if !strings.EqualFold(u.Scheme, "http") || u.RawQuery != "" || u.User != nil {
				continue
			}
			a, err := netip.ParseAddr(u.Hostname())
			if err != nil || a.Unmap().WithZone("") != addr {
				continue
			}
			port := uint64(80)
			if s := u.Port(); s != "" {
				if port, err = strconv.ParseUint(s, 10, 16); err != nil || port == 0 {
					continue
				}
			}
			path := u.EscapedPath()
			if path == "" {
				path = "/"
			}
			if !goodPath(path) {
				continue
			}
			out = append(out, xaddr{netip.AddrPortFrom(addr, uint16(port)), path})
		}
	}
	return out
}

type xaddr struct {
	netip.AddrPort
	path string
}

// host returns the budget of addr, made on first use.
func (p *Prober) host(addr netip.Addr) *hostState {
	p.mu.Lock()
	defer p.mu.Unlock()
	addr = addr.Unmap()
	h := p.hosts[addr]
	if h == nil {
		h = &hostState{}
		p.hosts[addr] = h
	}
	return h
}

// take spends one request of h's budget; false when none is left.
func (p *Prober) take(h *hostState) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h.sent >= MaxRequests {
		return false
	}
	h.sent++
	return true
}

// left is what remains of h's budget.
func (p *Prober) left(h *hostState) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return MaxRequests - h.sent
}

// spendLogin marks h's login attempt spent; false when it already was.
func (p *Prober) spendLogin(h *hostState) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h.login {
		return false
	}
	h.login = true
	return true
}

// ProbePort asks the operations of the package comment and returns one
// Evidence for all of them. A port that is not ONVIF gives no evidence and
// no error; a device service whose later answers fail gives the evidence so
// far with the errors.
func (p *Prober) ProbePort(ctx context.Context, t scanner.Target, pace scanner.Pacer) ([]device.Evidence, error) {
	ap := t.AddrPort()
	s := &session{p: p, ap: ap, pace: pace, host: p.host(ap.Addr()), path: p.cfg.Path, f: map[string]string{}}
	for _, x := range xaddrs(t) {
		if x.Port() == ap.Port() {
			s.path = x.path
			break
		}
	}
	s.cred, s.hasCred = p.cfg.Credentials.For(ap.Addr())

	// GetSystemDateAndTime comes first: it is PRE_AUTH everywhere and gives
	// the clock a WS-Security token needs. It is not a gate: firmware that
	// answers it with a 404, a fault, a page that is not SOAP, or never
	// answers it at all may still answer the anonymous operations, so one
	// more request (GetDeviceInformation, the one that names the device)
	// decides whether a device service is there.
	a, err := s.send(ctx, "GetSystemDateAndTime", "", authNone)
	clock := false
	switch {
	case err == nil:
		clock = s.dateAndTime(a)
	case a.connected && ctx.Err() == nil && isTimeout(err):
		// Connected, but no answer within the timeout: some device
		// services stall on the clock and answer the rest.
		s.f["onvif.access.get_system_date_and_time"] = "timeout"
	default:
		return nil, p.quiet(ctx, ap, err)
	}
	if s.path != p.cfg.Path {
		s.f["onvif.path"] = s.path
	}

	if clock {
		s.services(ctx)
		s.deviceInformation(ctx)
	} else {
		s.deviceInformation(ctx)
		if !s.soap {
			if s.f["onvif.www_authenticate"] == "" {
				// Not ONVIF: a web page, a 404, silence.
				if ctx.Err() != nil {
					return nil, fmt.Errorf("onvif %s: %w", ap, ctx.Err())
				}
				return nil, nil
			}
			// Only an HTTP challenge on the device-service path: its realm
			// is evidence (Dahua's "Login to <32 hex>"), nothing more is
			// asked of a port that never spoke SOAP.
			s.f["onvif.challenge_only"] = "true"
			return s.evidence(ap), errors.Join(s.errs...)
		}
		s.services(ctx)
	}
	// The budget (MaxRequests) leaves room for only two of the last three
	// operations when GetServices falls back to GetCapabilities or a
	// login took requests. A device that named itself in
	// GetDeviceInformation, or refused it for want of a login (it will
	// refuse the scopes and interfaces too, and answer only GetHostname,
	// which is PRE_AUTH), is asked its interfaces (the MAC: on a routed
	// segment no ARP gives it) and host name first. One that answered
	// without a name, or does not implement it, is asked its scopes first:
	// their hardware, name, type and manufacturer are then what names it.
	named := s.f["onvif.manufacturer"] != "" || s.f["onvif.model"] != "" ||
		slices.Contains([]string{"required", "rejected"}, s.f["onvif.access.get_device_information"])
	if !named {
		s.scopes(ctx)
	}
	if r, ok := s.run(ctx, "GetNetworkInterfaces", ""); ok {
		if ni, err := ParseGetNetworkInterfaces(r.body); err == nil {
			s.hint(ni.Hints)
			noteInterfaces(s.f, ni, ap.Addr())
		} else {
			s.malformed("GetNetworkInterfaces", err)
		}
	}
	if r, ok := s.run(ctx, "GetHostname", ""); ok {
		if hn, err := ParseGetHostname(r.body); err == nil {
			s.hint(hn.Hints)
			set(s.f, "onvif.hostname", hn.Name)
			if hn.Name != "" {
				s.f["onvif.hostname_dhcp"] = strconv.FormatBool(hn.FromDHCP)
			}
		} else {
			s.malformed("GetHostname", err)
		}
	}
	if named {
		s.scopes(ctx)
	}
	return s.evidence(ap), errors.Join(s.errs...)
}

// scopes asks GetScopes and notes what they say.
func (s *session) scopes(ctx context.Context) {
	if r, ok := s.run(ctx, "GetScopes", ""); ok {
		if sl, err := ParseGetScopes(r.body); err == nil {
			s.hint(sl.Hints)
			noteScopes(s.f, sl)
		} else {
			s.malformed("GetScopes", err)
		}
	}
}

// evidence is the session's one Evidence.
func (s *session) evidence(ap netip.AddrPort) []device.Evidence {
	if len(s.hints) > 0 {
		slices.Sort(s.hints)
		s.f["onvif.hint"] = strings.Join(s.hints, ",")
	}
	for k, v := range s.f {
		if v == "" {
			delete(s.f, k)
		}
	}
	return []device.Evidence{{Source: device.SourceONVIF, Addr: ap.Addr(), Port: ap.Port(), Fields: s.f, Time: s.p.cfg.Now()}}
}

// dateAndTime reads the GetSystemDateAndTime answer: the clock and its
// offset, or the fault; true when the answer was SOAP (a device service is
// there). onvif.access.get_system_date_and_time says how it fared.
func (s *session) dateAndTime(a answer) bool {
	const key = "onvif.access.get_system_date_and_time"
	dt, err := ParseGetSystemDateAndTime(a.body)
	var fault *Fault
	switch {
	case err == nil:
		s.hint(dt.Hints)
		s.f[key] = "none"
		s.f["onvif.datetime_type"] = dt.DateTimeType
		s.f["onvif.tz"] = dt.TZ
		if !dt.UTC.IsZero() {
			s.f["onvif.utc_time"] = dt.UTC.Format(time.RFC3339)
			s.offset = dt.UTC.Sub(s.p.cfg.Now().UTC()).Round(time.Second)
			s.f["onvif.clock_offset"] = strconv.FormatInt(int64(s.offset/time.Second), 10)
		}
		return true
	case errors.As(err, &fault):
		// Some firmware guards even the pre-auth calls; the fault still
		// proves a device service.
		s.hint(fault.Hints)
		noteFault(s.f, fault, a.status)
		k, _ := classify(a)
		s.f[key] = map[outcome]string{refused: "required", unsupported: "unsupported", faulted: "fault", answered: "fault"}[k]
		return true
	case a.status == http.StatusUnauthorized:
		s.f[key] = "required"
	case a.status >= 300:
		s.f[key] = "unsupported"
	default:
		s.f[key] = "malformed"
	}
	return false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// quiet turns the ways a port says nothing into no error, and keeps the
// rest wrapped with the address.
func (p *Prober) quiet(ctx context.Context, ap netip.AddrPort, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("onvif %s: %w", ap, ctx.Err())
	}
	if errors.Is(err, errTooLarge) {
		return fmt.Errorf("onvif %s: %w", ap, err)
	}
	return nil
}

var errTooLarge = errors.New("answer larger than the byte limit")

// call POSTs one device-service request to path and returns the answer.
// Every request waits for the pacer first.
func (p *Prober) call(ctx context.Context, ap netip.AddrPort, pace scanner.Pacer, path, op string, soap []byte, authorization string) (answer, error) {
	if err := pace.Wait(ctx); err != nil {
		return answer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	host := ap.String()
	if ap.Port() == 80 {
		host = ap.Addr().String()
		if ap.Addr().Is6() {
			host = "[" + host + "]"
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+ap.String()+path, bytes.NewReader(soap))
	if err != nil {
		return answer{}, err
	}
	req.Host = host
	req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8; action="`+NSDevice+"/"+op+`"`)
	req.Header.Set("User-Agent", p.cfg.UserAgent)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	req.Close = true
	var connected atomic.Bool
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := p.cfg.Dial(ctx, network, addr)
			if err == nil {
				connected.Store(true)
			}
			return c, err
		},
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 16 << 10,
		Proxy:                  nil,
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}).Do(req)
	if err != nil {
		return answer{connected: connected.Load()}, err
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, challenges: resp.Header.Values("WWW-Authenticate"), connected: true}
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(p.cfg.MaxBytes)+1))
	if err != nil {
		return a, err
	}
	if len(body) > p.cfg.MaxBytes {
		return a, fmt.Errorf("%s: %w (%d)", op, errTooLarge, p.cfg.MaxBytes)
	}
	a.body = body
	return a, nil
}

// Request is the SOAP 1.2 envelope of a bodiless device-service operation
// ("GetDeviceInformation"), in the minimal form of docs/protocols/wsd-onvif.md §2.1.
func Request(op string) []byte { return soapRequest("", op, "") }

// soapRequest is the request of op with inner as its body element's content
// ("<Category>All</Category>") and header (an s:Header element or "").
func soapRequest(header, op, inner string) []byte {
	el := `<` + op + ` xmlns="` + NSDevice + `"/>`
	if inner != "" {
		el = `<` + op + ` xmlns="` + NSDevice + `">` + inner + `</` + op + `>`
	}
	return []byte(`<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="` + NSSOAP12 + `">` + header +
		`<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` + el + `</s:Body></s:Envelope>`)
}

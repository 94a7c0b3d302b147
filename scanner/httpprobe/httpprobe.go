// Package httpprobe fetches the root page of a web port, then asks a few
// unauthenticated follow-up requests, and turns the answers into evidence.
//
// Sent: one "GET / HTTP/1.1" with Host, User-Agent, "Accept: */*" and
// "Connection: close", over TLS on the TLS ports (certificates not checked,
// no SNI). When that answer is HTTP, the follow-ups of Config.FollowUps
// (by default GET /ISAPI/System/deviceInfo, GET /SDK/webLanguage and the
// Dahua POST /RPC2_Login challenge with an empty password, docs/protocols/http.md
// §5.1–5.2; only when the root page names their maker, Dahua magicBox.cgi,
// Axis basicdeviceinfo.cgi and param.cgi, AVTECH Machine.cgi and Vivotek
// getparam.cgi, see DefaultFollowUps for the request budget; then GET
// /favicon.ico) go on the same connection while the
// server keeps it open, on a new one otherwise; each waits for the Pacer
// and stops the series when it meets silence. None of them logs in or
// changes anything. Read: at
// most Config.MaxBytes per answer, within Config.Timeout per exchange. A
// match is any bytes that begin with an HTTP status line (RFC 9112 §4);
// anything else is ErrNotHTTP. Follow-up bodies are read for their shape:
// Hikvision's userCheck/DeviceInfo XML (root, namespace, status),
// Dahua's JSON-RPC challenge (realm "Login to <serial>", MAC), and the
// identity pairs of key=value parameter lists and JSON property lists
// (http.kv.*); a whole
// favicon (at most MaxBytes with its header) is hashed instead, MD5 as
// rapid7/recog records icons and MurmurHash3 as Shodan does.
//
// The parser follows RFC 9112 loosely, because camera web servers do not:
// it keeps header names' case and order and the protocol of the status line
// exactly as sent — Hikvision's HTTP/1.0 status lines and UTF-8 BOMs and
// Dahua's CONNECTION/CONTENT-LENGTH headers (docs/protocols/http.md §5.1, §5.2) are
// fingerprints that net/http would erase. Fixtures in testdata/http are real
// replies from §5 with their provenance in testdata/README.md.
//
// The package knows nothing about vendors; the fields it emits are listed in
// vendors/FIELDS.md.
package httpprobe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/netquiet"
	"github.com/camsweep/camsweep/scanner/internal/probeconn"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout   = 4 * time.Second
	DefaultMaxBytes  = 64 << 10
	DefaultUserAgent = "camsweep"
)

// DefaultPorts and DefaultTLSPorts are the ports Accepts takes when Config
// leaves them empty. New copies them.
var (
	DefaultPorts    = []uint16{80, 8080}
	DefaultTLSPorts = []uint16{443, 8443}
)

// Config configures a Prober. Zero values take the defaults.
type Config struct {
	// Ports are spoken to in plain HTTP; Timeout bounds connect,
	// handshake, request and reading; MaxBytes how much of the answer is
	// read.
	scanner.PortConfig
	// TLSPorts are spoken to over TLS.
	TLSPorts []uint16
	// FollowUps are asked after GET / when the port answered HTTP; nil
	// takes DefaultFollowUps, NoFollowUps asks none.
	FollowUps []FollowUp
	// Guess names the maker a root page's fields point to ("" when they
	// do not, NotACamera when they point to something that is no camera),
	// so that only that maker's follow-ups are asked; nil asks them all.
	// The package itself knows no makers.
	Guess func(root map[string]string) string
	// Login returns the credential the user supplied for addr's range,
	// if any. A follow-up answered 401 is then asked once more with it
	// (Digest, or Basic inside TLS), once per host in the whole scan; a
	// host whose root page names no maker is then also asked the
	// NeedsGuess follow-ups: the user asked for this range to be read
	// with credentials, so each maker's device-information CGI is worth
	// its one request. nil: no login, ever.
	Login func(addr netip.Addr) (Login, bool)
}

// Prober is the "http" PortProber.
type Prober struct {
	cfg    Config
	logins logins
}

var _ scanner.PortProber = (*Prober)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Prober, error) {
	d := scanner.PortDefaults{Ports: DefaultPorts, Timeout: DefaultTimeout, MaxBytes: DefaultMaxBytes, UserAgent: DefaultUserAgent}
	if err := cfg.Fill(device.SourceHTTP, d); err != nil {
		return nil, err
	}
	if cfg.TLSPorts == nil {
		cfg.TLSPorts = slices.Clone(DefaultTLSPorts)
	}
	for _, p := range cfg.Ports {
		if slices.Contains(cfg.TLSPorts, p) {
			return nil, fmt.Errorf("httpprobe: port %d is both plain and TLS", p)
		}
	}
	if slices.Contains(cfg.TLSPorts, 0) {
		return nil, errors.New("httpprobe: TLS port 0")
	}
	if cfg.FollowUps == nil {
		cfg.FollowUps = slices.Clone(DefaultFollowUps)
	}
	for _, f := range cfg.FollowUps {
		if err := f.validate(); err != nil {
			return nil, err
		}
	}
	return &Prober{cfg: cfg}, nil
}

// Name is the evidence source.
func (p *Prober) Name() string { return string(device.SourceHTTP) }

// Accepts reports whether port is one of the plain or TLS ports.
func (p *Prober) Accepts(port uint16) bool {
	return slices.Contains(p.cfg.Ports, port) || slices.Contains(p.cfg.TLSPorts, port)
}

// ProbePort sends GET / and returns one Evidence for the answer; when the
// port answered HTTP it then asks the follow-ups (Config.FollowUps) and
// adds one Evidence per answer, each with its http.path. A port that stays
// silent, refuses or resets gives no evidence and no error; bytes that are
// not HTTP give ErrNotHTTP; an answer cut short gives the evidence read so
// far and the error that cut it.
func (p *Prober) ProbePort(ctx context.Context, t scanner.Target, pace scanner.Pacer) ([]device.Evidence, error) {
	ap := t.AddrPort()
	overTLS := slices.Contains(p.cfg.TLSPorts, ap.Port())
	if err := pace.Wait(ctx); err != nil {
		return nil, fmt.Errorf("http %s: %w", ap, err)
	}
	quiet := func(err error) error {
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("http %s: %w", ap, ctx.Err())
		case netquiet.Silent(err):
			return nil
		}
		return fmt.Errorf("http %s: %w", ap, err)
	}

	c := &conn{p: p, ap: ap, overTLS: overTLS}
	defer c.close()
	raw, rerr, _, err := c.roundTrip(ctx, p.request(ap, overTLS))
	if err != nil {
		return nil, quiet(err)
	}
	if len(raw) == 0 {
		return nil, quiet(fmt.Errorf("read: %w", rerr))
	}
	r, perr := ParseResponse(raw)
	if errors.Is(perr, ErrNotHTTP) {
		return nil, fmt.Errorf("http %s: %w", ap, ErrNotHTTP)
	}
	c.keep(r, rerr)
	evidence := func(path string, f map[string]string) device.Evidence {
		f["http.path"] = path
		if overTLS {
			f["http.tls"] = "true"
		}
		return device.Evidence{Source: device.SourceHTTP, Addr: ap.Addr(), Port: ap.Port(), Fields: f}
	}
	root := r.Fields()
	ev := []device.Evidence{evidence("/", root)}
	var errs []error
	if perr != nil {
		errs = append(errs, perr)
	}
	// A close-delimited body ends when the server stops talking, so only a
	// short framed message makes a read error worth reporting.
	if rerr != nil && !errors.Is(rerr, io.EOF) && (perr != nil || hasFraming(r)) && !r.Complete {
		errs = append(errs, rerr)
	}
	if ctx.Err() == nil && perr == nil {
		var auth *authState
		if p.cfg.Login != nil {
			if l, ok := p.cfg.Login(ap.Addr()); ok {
				auth = &authState{login: l}
			}
		}
		if fs := p.followUps(root, auth != nil); len(fs) > 0 {
			err := p.askFollowUps(ctx, c, fs, pace, auth, func(path string, f map[string]string) {
				ev = append(ev, evidence(path, f))
			})
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	if ctx.Err() != nil && !slices.ContainsFunc(errs, func(e error) bool { return errors.Is(e, ctx.Err()) }) {
		errs = append(errs, ctx.Err())
	}
	if err := errors.Join(errs...); err != nil {
		return ev, fmt.Errorf("http %s: partial response: %w", ap, err)
	}
	return ev, nil
}

// connect dials ap and, on the TLS ports, shakes hands.
func (p *Prober) connect(ctx context.Context, ap netip.AddrPort, overTLS bool) (net.Conn, error) {
	c, err := p.cfg.Dial(ctx, "tcp", ap.String())
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if !overTLS {
		return c, nil
	}
	stop := probeconn.Bridge(ctx, c)
	defer stop()
	// We fingerprint devices, we do not trust them: cameras carry
	// self-signed certificates for 192.168.1.64, so verifying would only
	// lose the page. No ServerName means no SNI, which keeps the handshake
	// to what a bare IP address allows.
	tc := tls.Client(c, &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // fingerprinting, see above
		MinVersion:         tls.VersionTLS10,
		CipherSuites:       allSuites(),
	})
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	return tc, nil
}

func (p *Prober) request(ap netip.AddrPort, overTLS bool) string {
	return "GET / HTTP/1.1\r\n" +
		"Host: " + hostHeader(ap, overTLS) + "\r\n" +
		"User-Agent: " + p.cfg.UserAgent + "\r\n" +
		"Accept: */*\r\n" +
		"Connection: close\r\n\r\n"
}

func hostHeader(ap netip.AddrPort, overTLS bool) string {
	if (!overTLS && ap.Port() == 80) || (overTLS && ap.Port() == 443) {
		if ap.Addr().Is6() {
			return "[" + ap.Addr().String() + "]"
		}
		return ap.Addr().String()
	}
	return ap.String()
}

func hasFraming(r *Response) bool {
	if r.Get("Transfer-Encoding") != "" {
		return true
	}
	_, err := strconv.ParseUint(r.Get("Content-Length"), 10, 31)
	return err == nil
}

// readResponse reads until the server closes, the message is complete, max
// bytes have arrived or the deadline passes, and returns what it got with
// the error that ended the read (nil when it stopped by choice).
func readResponse(conn net.Conn, max int) ([]byte, error) {
	buf := make([]byte, 0, min(max, 8<<10))
	chunk := make([]byte, 8<<10)
	for len(buf) < max {
		n, err := conn.Read(chunk[:min(len(chunk), max-len(buf))])
		buf = append(buf, chunk[:n]...)
		if n > 0 {
			if r, perr := ParseResponse(buf); perr == nil && r.Complete {
				return buf, nil
			}
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func allSuites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	// Cameras from before 2016 often offer nothing better than RSA key
	// exchange or CBC-SHA1; a fingerprint is worth more than forward secrecy
	// on a request that carries no secret.
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}

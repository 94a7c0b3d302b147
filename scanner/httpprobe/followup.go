package httpprobe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/netquiet"
	"github.com/camsweep/camsweep/scanner/internal/probeconn"
)

// RPC2LoginChallenge is the body of the Dahua login's first step with an
// empty password (docs/protocols/http.md §5.2). The device answers it with a
// challenge, never a session: it is not a password guess.
const RPC2LoginChallenge = `{"method":"global.login","params":{"userName":"admin","password":"","clientType":"Web3.0","loginType":"Direct"},"id":1}`

// FollowUp is one unauthenticated, read-only request asked after GET /.
type FollowUp struct {
	Method      string // "GET" or "POST"
	Path        string
	ContentType string // sent with Body
	Body        string
	// Maker is the maker id whose devices answer this request usefully.
	// When Config.Guess names a maker from the root page, follow-ups for
	// other makers are not asked; "" means any device, AnyMaker any device
	// that Guess does not call NotACamera.
	Maker string
	// Icon marks a request for an icon: a whole 200 answer is hashed
	// (FaviconFields) instead of being read for its shape.
	Icon bool
	// NeedsGuess asks the follow-up only when Config.Guess names Maker
	// from the root page, not when the root page names nobody: a request
	// to a fragile device is spent only where it is likely to be answered.
	// A scan with a credential for the host (Config.Login) asks it of a
	// root page that names nobody too.
	NeedsGuess bool
	// Group names follow-ups that go to one CGI of one maker: after an
	// answer 401, 403 or 404 to one of them the rest of the group is not
	// asked (the device wants credentials or lacks the CGI), so a device
	// that refuses costs one request, not the whole group.
	Group string
}

// Values of FollowUp.Maker and of Config.Guess's answer with a meaning of
// their own.
const (
	// AnyMaker asks a follow-up of every device whatever its maker,
	// unless the root page says it is no camera.
	AnyMaker = "*"
	// NotACamera is Guess's answer for a root page of something that is
	// no camera (a PC, a printer, a plain web server): only follow-ups
	// with an empty Maker are asked.
	NotACamera = "-"
)

// AxisBasicDeviceInfo is the body of the VAPIX basic device information
// request: getAllUnrestrictedProperties reads only what AXIS OS serves
// without credentials (product, firmware version, serial number).
const AxisBasicDeviceInfo = `{"apiVersion":"1.0","method":"getAllUnrestrictedProperties"}`

// DefaultFollowUps are the requests that real web servers of camera makers
// answer without credentials on some firmware, each read-only:
//
//   - Hikvision (docs/protocols/http.md §5.1): the ISAPI deviceInfo (a 401 with its
//     userCheck XML on newer firmware) and /SDK/webLanguage;
//   - Dahua (§5.2): the RPC2_Login challenge that names the serial and MAC,
//     then, only when the root page names Dahua, magicBox.cgi's system
//     information, software version, device type and vendor (old firmware
//     answers them anonymously; the first 401 or 404 ends the group);
//   - Axis, only when the root page names Axis: basicdeviceinfo.cgi's
//     unrestricted properties (AXIS OS answers it without credentials),
//     then param.cgi's Brand and Properties groups (readable anonymously
//     when anonymous viewing is on; the first refusal ends the group);
//   - AVTECH, only when the root page names AVTECH: Machine.cgi under
//     /cgi-bin/nobody/, the firmware's own unauthenticated directory;
//   - Vivotek, only when the root page names Vivotek: getparam.cgi of the
//     viewer level for the system_info parameters;
//   - of any device that may be a camera, the favicon, whose hash public
//     signature sets record (§5).
//
// Requests after GET /: a Hikvision root page 3 (deviceInfo, webLanguage,
// favicon); Dahua 6 at most (RPC2_Login, 4 magicBox, favicon), 3 when
// magicBox is refused; Axis 4 at most (2 when param.cgi is refused); AVTECH
// and Vivotek 2; a camera root page that names no maker 4 (Hikvision's
// two, RPC2_Login, favicon: the NeedsGuess requests are not asked); no
// camera 0. The bodies were recorded from real devices (testdata/real/http,
// provenance in testdata/real/rtsp-http.yaml).
var DefaultFollowUps = []FollowUp{
	{Method: "GET", Path: "/ISAPI/System/deviceInfo", Maker: "hikvision"},
	{Method: "GET", Path: "/SDK/webLanguage", Maker: "hikvision"},
	{Method: "POST", Path: "/RPC2_Login", ContentType: "application/json", Body: RPC2LoginChallenge, Maker: "dahua"},
	{Method: "GET", Path: "/cgi-bin/magicBox.cgi?action=getSystemInfo", Maker: "dahua", NeedsGuess: true, Group: "dahua-magicbox"},
	{Method: "GET", Path: "/cgi-bin/magicBox.cgi?action=getSoftwareVersion", Maker: "dahua", NeedsGuess: true, Group: "dahua-magicbox"},
	{Method: "GET", Path: "/cgi-bin/magicBox.cgi?action=getDeviceType", Maker: "dahua", NeedsGuess: true, Group: "dahua-magicbox"},
	{Method: "GET", Path: "/cgi-bin/magicBox.cgi?action=getVendor", Maker: "dahua", NeedsGuess: true, Group: "dahua-magicbox"},
	{Method: "POST", Path: "/axis-cgi/basicdeviceinfo.cgi", ContentType: "application/json", Body: AxisBasicDeviceInfo, Maker: "axis", NeedsGuess: true},
	{Method: "GET", Path: "/axis-cgi/param.cgi?action=list&group=root.Brand", Maker: "axis", NeedsGuess: true, Group: "axis-param"},
	{Method: "GET", Path: "/axis-cgi/param.cgi?action=list&group=root.Properties", Maker: "axis", NeedsGuess: true, Group: "axis-param"},
	{Method: "GET", Path: "/cgi-bin/nobody/Machine.cgi?action=get_capability", Maker: "avtech", NeedsGuess: true},
	{Method: "GET", Path: "/cgi-bin/viewer/getparam.cgi?system_info_modelname&system_info_extendedmodelname&system_info_serialnumber&system_info_firmwareversion", Maker: "vivotek", NeedsGuess: true},
	{Method: "GET", Path: FaviconPath, Maker: AnyMaker, Icon: true},
}

// NoFollowUps turns follow-ups off: Config.FollowUps nil takes the defaults.
var NoFollowUps = []FollowUp{}

func (f FollowUp) validate() error {
	switch {
	case !isToken(f.Method):
		return fmt.Errorf("httpprobe: follow-up method %q", f.Method)
	case !strings.HasPrefix(f.Path, "/") || strings.ContainsAny(f.Path, " \t\r\n"):
		return fmt.Errorf("httpprobe: follow-up path %q", f.Path)
	case strings.ContainsAny(f.ContentType, "\r\n"):
		return fmt.Errorf("httpprobe: follow-up content type %q", f.ContentType)
	}
	return nil
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

func (p *Prober) followUpRequest(ap netip.AddrPort, overTLS bool, f FollowUp, last bool, auth *authState) string {
	conn := "keep-alive"
	if last {
		conn = "close"
	}
	var b strings.Builder
	b.WriteString(f.Method + " " + f.Path + " HTTP/1.1\r\n")
	b.WriteString("Host: " + hostHeader(ap, overTLS) + "\r\n")
	b.WriteString("User-Agent: " + p.cfg.UserAgent + "\r\n")
	b.WriteString("Accept: */*\r\n")
	b.WriteString(auth.header(f))
	if f.Body != "" || f.Method == "POST" {
		if f.ContentType != "" {
			b.WriteString("Content-Type: " + f.ContentType + "\r\n")
		}
		b.WriteString("Content-Length: " + strconv.Itoa(len(f.Body)) + "\r\n")
	}
	b.WriteString("Connection: " + conn + "\r\n\r\n")
	b.WriteString(f.Body)
	return b.String()
}

// followUps picks the follow-ups for a root page's fields; credentialed
// when the scan holds a login for the host.
func (p *Prober) followUps(root map[string]string, credentialed bool) []FollowUp {
	guess := ""
	if p.cfg.Guess != nil {
		guess = p.cfg.Guess(root)
	}
	var out []FollowUp
	for _, f := range p.cfg.FollowUps {
		switch {
		case f.Maker == "",
			f.Maker == AnyMaker && guess != NotACamera,
			f.Maker != AnyMaker && f.Maker == guess,
			f.Maker != AnyMaker && guess == "" && (!f.NeedsGuess || credentialed):
			out = append(out, f)
		}
	}
	return out
}

// conn is the connection a probe's requests share while the server keeps
// it open.
type conn struct {
	p       *Prober
	ap      netip.AddrPort
	overTLS bool
	c       net.Conn
}

func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

// roundTrip sends req and reads one answer within one Config.Timeout,
// dialling first when no connection is open. fresh reports whether the
// connection was dialled for this request. The error is from connecting or
// sending; a read error comes back as rerr with whatever was read.
func (c *conn) roundTrip(ctx context.Context, req string) (raw []byte, rerr error, fresh bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.p.cfg.Timeout)
	defer cancel()
	if c.c == nil {
		if c.c, err = c.p.connect(ctx, c.ap, c.overTLS); err != nil {
			return nil, nil, true, err
		}
		fresh = true
	}
	stop := probeconn.Bridge(ctx, c.c)
	defer stop()
	if _, err := io.WriteString(c.c, req); err != nil {
		return nil, nil, fresh, fmt.Errorf("send: %w", err)
	}
	raw, rerr = readResponse(c.c, c.p.cfg.MaxBytes)
	return raw, rerr, fresh, nil
}

// keep closes the connection unless the answer left it usable for
// another request.
func (c *conn) keep(r *Response, rerr error) {
	if c.c == nil {
		return
	}
	if rerr != nil || r == nil || !r.Complete || strings.EqualFold(strings.TrimSpace(r.Get("Connection")), "close") {
		c.close()
		return
	}
	// The deadline set by the last bridge has passed or will; the next
	// roundTrip sets its own.
}

// askFollowUps asks fs on c, one pace.Wait per request and per redial, and
// returns one Evidence per answer. It stops at the first silence: a device
// that does not answer one request is not asked the next. With auth, the
// first answer 401 whose challenge it can answer is asked again with the
// login (when the host's one attempt is not spent yet), and the later
// follow-ups carry it; the answers say so in http.login.
func (p *Prober) askFollowUps(ctx context.Context, c *conn, fs []FollowUp, pace scanner.Pacer, auth *authState, ev func(path string, f map[string]string)) error {
	var errs []error
	refused := map[string]bool{} // groups answered 401, 403 or 404
	for i, f := range fs {
		if f.Group != "" && refused[f.Group] {
			continue
		}
		if err := pace.Wait(ctx); err != nil {
			return errors.Join(append(errs, err)...)
		}
		last := i == len(fs)-1
		authed := auth != nil && (auth.digest != nil || auth.basic) && !auth.failed
		raw, rerr, err := p.ask(ctx, c, f, last, auth, pace)
		if ctx.Err() != nil {
			c.close()
			return errors.Join(append(errs, ctx.Err())...)
		}
		if err != nil || len(raw) == 0 {
			c.close()
			if err != nil && !netquiet.Silent(err) {
				errs = append(errs, fmt.Errorf("%s %s: %w", f.Method, f.Path, err))
			}
			if err != nil || timedOut(rerr) {
				break
			}
			continue
		}
		r, perr := ParseResponse(raw)
		c.keep(r, rerr)
		if errors.Is(perr, ErrNotHTTP) {
			errs = append(errs, fmt.Errorf("%s %s: %w", f.Method, f.Path, ErrNotHTTP))
			break
		}
		var challenged map[string]string // the 401's own fields: its realm is evidence
		if r.Status == 401 && !authed && auth != nil && auth.challenge(r, c.overTLS) && p.logins.spend(c.ap.Addr()) {
			challenged = r.Fields()
			if err := pace.Wait(ctx); err != nil {
				ev(f.Path, challenged)
				return errors.Join(append(errs, err)...)
			}
			raw, rerr, err = p.ask(ctx, c, f, last, auth, pace)
			if err != nil || len(raw) == 0 || ctx.Err() != nil {
				c.close()
				ev(f.Path, challenged)
				if err != nil && !netquiet.Silent(err) {
					errs = append(errs, fmt.Errorf("%s %s: %w", f.Method, f.Path, err))
				}
				break
			}
			r, perr = ParseResponse(raw)
			c.keep(r, rerr)
			if errors.Is(perr, ErrNotHTTP) {
				errs = append(errs, fmt.Errorf("%s %s: %w", f.Method, f.Path, ErrNotHTTP))
				break
			}
			authed = true
		}
		if authed && r.Status == 401 && challenged == nil && auth.challenge(r, c.overTLS) && auth.digest != nil && auth.digest.Stale() {
			// The nonce expired, not the password: answer the fresh
			// one once.
			if err := pace.Wait(ctx); err != nil {
				return errors.Join(append(errs, err)...)
			}
			if raw2, rerr2, err2 := p.ask(ctx, c, f, last, auth, pace); err2 == nil && len(raw2) > 0 {
				if r2, perr2 := ParseResponse(raw2); !errors.Is(perr2, ErrNotHTTP) {
					r, perr, rerr = r2, perr2, rerr2
					c.keep(r, rerr)
				}
			}
		}
		if authed && r.Status == 401 {
			auth.failed = true
		}
		if f.Group != "" && (r.Status == 401 || r.Status == 403 || r.Status == 404) {
			refused[f.Group] = true
		}
		fields := r.Fields()
		for k, v := range challenged {
			if _, ok := fields[k]; !ok {
				fields[k] = v
			}
		}
		if authed {
			fields["http.login"] = LoginAccepted
			if r.Status == 401 {
				fields["http.login"] = LoginRefused
			}
		}
		switch {
		case !f.Icon:
			maps.Copy(fields, BodyFields(r.Body))
		case r.Status == 200 && len(r.Body) > 0 && wholeBody(r, rerr, len(raw), c.p.cfg.MaxBytes):
			maps.Copy(fields, FaviconFields(r.Body))
		}
		ev(f.Path, fields)
		if perr != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", f.Method, f.Path, perr))
		}
	}
	return errors.Join(errs...)
}

// ask sends f on c, with the login when auth holds an accepted challenge,
// and asks once more on a new connection when the server closed the
// kept-alive one between requests.
func (p *Prober) ask(ctx context.Context, c *conn, f FollowUp, last bool, auth *authState, pace scanner.Pacer) (raw []byte, rerr, err error) {
	raw, rerr, fresh, err := c.roundTrip(ctx, p.followUpRequest(c.ap, c.overTLS, f, last, auth))
	if err == nil && len(raw) == 0 && !fresh && !timedOut(rerr) {
		c.close()
		if err := pace.Wait(ctx); err != nil {
			return nil, nil, err
		}
		raw, rerr, _, err = c.roundTrip(ctx, p.followUpRequest(c.ap, c.overTLS, f, last, auth))
	}
	return raw, rerr, err
}

// wholeBody reports whether r's body is all the server sent: framed and
// complete, or ended by the server closing before MaxBytes were read. A
// hash of part of a file would match nothing.
func wholeBody(r *Response, rerr error, read, max int) bool {
	if r.Complete {
		return true
	}
	return errors.Is(rerr, io.EOF) && !hasFraming(r) && read < max
}

func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

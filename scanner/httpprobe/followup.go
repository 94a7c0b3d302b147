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
// empty password (PROTOCOLS.md §5.2). The device answers it with a
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

// DefaultFollowUps are the requests that real Hikvision and Dahua web
// servers answer without credentials (PROTOCOLS.md §5.1, §5.2): the ISAPI
// 401 with its userCheck XML, /SDK/webLanguage, and the RPC2_Login
// challenge that names the serial and MAC; and, of any device that may be
// a camera, the favicon, whose hash public signature sets record (§5).
var DefaultFollowUps = []FollowUp{
	{Method: "GET", Path: "/ISAPI/System/deviceInfo", Maker: "hikvision"},
	{Method: "GET", Path: "/SDK/webLanguage", Maker: "hikvision"},
	{Method: "POST", Path: "/RPC2_Login", ContentType: "application/json", Body: RPC2LoginChallenge, Maker: "dahua"},
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

func (p *Prober) followUpRequest(ap netip.AddrPort, overTLS bool, f FollowUp, last bool) string {
	conn := "keep-alive"
	if last {
		conn = "close"
	}
	var b strings.Builder
	b.WriteString(f.Method + " " + f.Path + " HTTP/1.1\r\n")
	b.WriteString("Host: " + hostHeader(ap, overTLS) + "\r\n")
	b.WriteString("User-Agent: " + p.cfg.UserAgent + "\r\n")
	b.WriteString("Accept: */*\r\n")
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

// followUps picks the follow-ups for a root page's fields.
func (p *Prober) followUps(root map[string]string) []FollowUp {
	guess := ""
	if p.cfg.Guess != nil {
		guess = p.cfg.Guess(root)
	}
	var out []FollowUp
	for _, f := range p.cfg.FollowUps {
		switch {
		case f.Maker == "",
			f.Maker == AnyMaker && guess != NotACamera,
			f.Maker != AnyMaker && (guess == "" || f.Maker == guess):
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
// that does not answer one request is not asked the next.
func (p *Prober) askFollowUps(ctx context.Context, c *conn, fs []FollowUp, pace scanner.Pacer, ev func(path string, f map[string]string)) error {
	var errs []error
	for i, f := range fs {
		if err := pace.Wait(ctx); err != nil {
			return errors.Join(append(errs, err)...)
		}
		req := p.followUpRequest(c.ap, c.overTLS, f, i == len(fs)-1)
		raw, rerr, fresh, err := c.roundTrip(ctx, req)
		if err == nil && len(raw) == 0 && !fresh && !timedOut(rerr) {
			// The server closed the kept-alive connection between
			// requests: ask once more on a new one.
			c.close()
			if err := pace.Wait(ctx); err != nil {
				return errors.Join(append(errs, err)...)
			}
			raw, rerr, _, err = c.roundTrip(ctx, req)
		}
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
		fields := r.Fields()
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

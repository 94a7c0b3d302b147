package httpprobe

import (
	"bytes"
	"errors"
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/camsweep/camsweep/scanner/internal/authhdr"
)

// ErrNotHTTP reports bytes that do not start with an HTTP status line: the
// port speaks something else.
var ErrNotHTTP = errors.New("not an HTTP response")

// ErrIncomplete reports a response whose header block never ended; the
// Response returned with it holds the status line and the complete header
// lines before the cut.
var ErrIncomplete = errors.New("HTTP response ends inside its header block")

// MaxTitle bounds http.title, in bytes.
const MaxTitle = 256

var bom = []byte("\xef\xbb\xbf")

// Header is one header line as sent.
type Header struct {
	Name  string // case kept
	Value string // surrounding blanks trimmed; folded lines joined by one space
}

// Response is an HTTP response as the server framed it. Unlike net/http it
// keeps header names' case and order and the status line's protocol as
// sent, since those are what tell one embedded web server from another.
type Response struct {
	Proto   string // "HTTP/1.0"
	Status  int
	Reason  string // may be empty
	Headers []Header
	// Body is the body with any chunked framing removed, cut at
	// Content-Length.
	Body []byte
	// Complete is true when the header block ended and the body is as long
	// as its Content-Length or chunked framing says. A body without either
	// ends only when the connection does, so it is never Complete.
	Complete bool
}

// Get returns the value of the first header called name, case-insensitively.
func (r *Response) Get(name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// ParseResponse parses the bytes read from an HTTP server. It accepts what
// embedded servers send: LF-only line ends, missing reason phrases, a BOM or
// blank lines before the status line, folded headers, truncated and chunked
// bodies. Bytes that do not begin with "HTTP/<digits>.<digits> <3 digits>"
// give ErrNotHTTP; a header block cut short gives the partial Response and
// ErrIncomplete.
func ParseResponse(b []byte) (*Response, error) {
	b = bytes.TrimPrefix(b, bom)
	b = bytes.TrimLeft(b, "\r\n")
	if !bytes.HasPrefix(b, []byte("HTTP/")) {
		return nil, ErrNotHTTP
	}
	head, body, ended := splitHead(b)
	lines := strings.Split(string(head), "\n")
	if !ended && !bytes.HasSuffix(head, []byte("\n")) && len(lines) > 1 {
		// The last line was cut mid-way; half a header value would be a
		// misleading fingerprint.
		lines = lines[:len(lines)-1]
	}
	r := &Response{}
	var ok bool
	if r.Proto, r.Status, r.Reason, ok = parseStatusLine(strings.TrimSuffix(lines[0], "\r")); !ok {
		return nil, ErrNotHTTP
	}
	r.Headers = parseHeaders(lines[1:])
	if !ended {
		return r, ErrIncomplete
	}
	r.Body, r.Complete = frameBody(r, body)
	return r, nil
}

// splitHead cuts b at the first empty line, CRLF or LF.
func splitHead(b []byte) (head, body []byte, ended bool) {
	i := bytes.Index(b, []byte("\n\n"))
	j := bytes.Index(b, []byte("\n\r\n"))
	switch {
	case i >= 0 && (j < 0 || i < j):
		return b[:i+1], b[i+2:], true
	case j >= 0:
		return b[:j+1], b[j+3:], true
	}
	return b, nil, false
}

func parseStatusLine(line string) (proto string, status int, reason string, ok bool) {
	proto, rest, _ := strings.Cut(line, " ")
	if !validProto(proto, "HTTP/") {
		return "", 0, "", false
	}
	rest = strings.TrimLeft(rest, " ")
	if len(rest) < 3 {
		return "", 0, "", false
	}
	code, reason := rest[:3], rest[3:]
	for _, c := range []byte(code) {
		if c < '0' || c > '9' {
			return "", 0, "", false
		}
	}
	if reason != "" && reason[0] != ' ' && reason[0] != '\t' {
		return "", 0, "", false
	}
	status, _ = strconv.Atoi(code)
	return proto, status, strings.TrimSpace(reason), true
}

// validProto accepts prefix followed by digits, a dot and digits.
func validProto(p, prefix string) bool {
	v, ok := strings.CutPrefix(p, prefix)
	if !ok {
		return false
	}
	major, minor, ok := strings.Cut(v, ".")
	return ok && isDigits(major) && isDigits(minor)
}

func isDigits(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseHeaders reads "Name: value" lines; a line starting with a blank
// continues the previous one (obs-fold), a line without a colon or with an
// empty or non-token name is skipped.
func parseHeaders(lines []string) []Header {
	var hs []Header
	for _, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			if len(hs) > 0 {
				last := &hs[len(hs)-1]
				last.Value = strings.TrimSpace(last.Value + " " + strings.TrimSpace(l))
			}
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok || !isToken(name) {
			continue
		}
		hs = append(hs, Header{Name: name, Value: strings.Trim(value, " \t")})
	}
	return hs
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func frameBody(r *Response, body []byte) ([]byte, bool) {
	if strings.Contains(strings.ToLower(r.Get("Transfer-Encoding")), "chunked") {
		return decodeChunked(body)
	}
	if n, err := strconv.ParseUint(r.Get("Content-Length"), 10, 31); err == nil {
		if uint64(len(body)) >= n {
			return body[:n], true
		}
		return body, false
	}
	return body, false
}

// decodeChunked removes chunked framing (RFC 9112 §7.1) as far as it goes;
// complete is true when the last chunk was seen. Trailers are ignored.
func decodeChunked(b []byte) (out []byte, complete bool) {
	for {
		line, rest, ok := bytes.Cut(b, []byte("\n"))
		if !ok {
			return out, false
		}
		sz, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(";"))
		n, err := strconv.ParseUint(string(bytes.TrimSpace(sz)), 16, 62)
		if err != nil {
			return out, false
		}
		if n == 0 {
			return out, true
		}
		if uint64(len(rest)) < n {
			return append(out, rest...), false
		}
		out = append(out, rest[:n]...)
		b = rest[n:]
		b = bytes.TrimPrefix(b, []byte("\r"))
		b = bytes.TrimPrefix(b, []byte("\n"))
	}
}

var (
	titleRe = regexp.MustCompile(`(?is)<title\b[^>]*>([^<]*)`)
	// Script redirects: location = "…", location.href = "…",
	// location.replace("…"), location.assign("…"); only the first string
	// literal is kept ("/doc/page/login.asp?_" + (new Date()).getTime()).
	scriptRedirectRe = regexp.MustCompile(`(?i)\blocation(?:\.href)?\s*=\s*["']([^"'\r\n]*)["']|\blocation\.(?:replace|assign)\s*\(\s*["']([^"'\r\n]*)["']`)
	metaRe           = regexp.MustCompile(`(?is)<meta\b[^>]*>`)
	metaRefreshRe    = regexp.MustCompile(`(?i)http-equiv\s*=\s*["']?\s*refresh`)
	metaURLRe        = regexp.MustCompile(`(?i)\bcontent\s*=\s*["']?[^"'>]*?\burl\s*=\s*['"]?([^"'>\s]+)`)
)

// Fields turns the response into evidence fields (vendors/FIELDS.md); only
// non-empty values are set. The caller adds http.path and http.tls.
func (r *Response) Fields() map[string]string {
	f := map[string]string{
		"http.proto":  r.Proto,
		"http.status": strconv.Itoa(r.Status),
		"http.reason": r.Reason,
	}
	names := make([]string, len(r.Headers))
	for i, h := range r.Headers {
		names[i] = h.Name
	}
	f["http.header_names"] = strings.Join(names, ",")
	f["http.server"] = r.Get("Server")
	f["http.content_type"] = r.Get("Content-Type")
	f["http.etag"] = r.Get("ETag")
	f["http.location"] = r.Get("Location")
	if wa := r.Get("WWW-Authenticate"); wa != "" {
		f["http.www_authenticate"] = wa
		// A malformed tail still leaves a usable scheme and realm.
		if chs, _ := authhdr.Parse(wa); len(chs) > 0 {
			f["http.auth_scheme"] = chs[0].Scheme
			f["http.realm"] = chs[0].Realm()
		}
	}
	body := r.Body
	if b, ok := bytes.CutPrefix(body, bom); ok {
		f["http.bom"] = "true"
		body = b
	}
	f["http.title"] = Title(body)
	f["http.redirect"] = Redirect(body)
	for k, v := range f {
		if v == "" {
			delete(f, k)
		}
	}
	return f
}

// Title is the text of the first <title> element: entities decoded, runs of
// white space collapsed to one space, at most MaxTitle bytes.
func Title(body []byte) string {
	m := titleRe.FindSubmatch(body)
	if m == nil {
		return ""
	}
	t := strings.Join(strings.Fields(html.UnescapeString(string(m[1]))), " ")
	t = strings.ToValidUTF8(t, "\uFFFD")
	if len(t) > MaxTitle {
		cut := MaxTitle
		for cut > 0 && !utf8.RuneStart(t[cut]) {
			cut--
		}
		t = t[:cut]
	}
	return t
}

// Redirect is the target of the first script or meta-refresh redirect in
// the body, the literal string only.
func Redirect(body []byte) string {
	best, target := -1, ""
	if m := scriptRedirectRe.FindSubmatchIndex(body); m != nil {
		best = m[0]
		if m[2] >= 0 {
			target = string(body[m[2]:m[3]])
		} else {
			target = string(body[m[4]:m[5]])
		}
	}
	for _, loc := range metaRe.FindAllIndex(body, 16) {
		if best >= 0 && loc[0] > best {
			break
		}
		tag := body[loc[0]:loc[1]]
		if !metaRefreshRe.Match(tag) {
			continue
		}
		if m := metaURLRe.FindSubmatch(tag); m != nil {
			target = string(m[1])
			break
		}
	}
	return strings.TrimSpace(target)
}

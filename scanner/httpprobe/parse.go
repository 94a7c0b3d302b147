package httpprobe

import (
	"bytes"
	"errors"
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/authhdr"
	"github.com/camsweep/camsweep/scanner/internal/msghead"
)

// ErrNotHTTP reports bytes that do not start with an HTTP status line: the
// port speaks something else.
var ErrNotHTTP error = scanner.Mismatch("not an HTTP response")

// ErrIncomplete reports a response whose header block never ended; the
// Response returned with it holds the status line and the complete header
// lines before the cut.
var ErrIncomplete = errors.New("HTTP response ends inside its header block")

// MaxTitle bounds http.title, in bytes.
const MaxTitle = 256

var bom = []byte("\xef\xbb\xbf")

// Header is one header line as sent.
type Header = msghead.Header

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
func (r *Response) Get(name string) string { return msghead.Get(r.Headers, name) }

// ParseResponse parses the bytes read from an HTTP server. It accepts what
// embedded servers send: LF-only line ends, missing reason phrases, a BOM or
// blank lines before the status line, folded headers, truncated and chunked
// bodies. Bytes that do not begin with "HTTP/<digits>.<digits> <3 digits>"
// give ErrNotHTTP; a header block cut short gives the partial Response and
// ErrIncomplete.
func ParseResponse(b []byte) (*Response, error) {
	h, body, ended, ok := msghead.ParseHead(bytes.TrimPrefix(b, bom), "HTTP/")
	if !ok {
		return nil, ErrNotHTTP
	}
	r := &Response{Proto: h.Proto, Status: h.Status, Reason: h.Reason, Headers: h.Headers}
	if !ended {
		return r, ErrIncomplete
	}
	r.Body, r.Complete = frameBody(r, body)
	return r, nil
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

package rtspprobe

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/camsweep/camsweep/scanner/internal/authhdr"
)

// ErrNotRTSP reports bytes that do not start with an RTSP status line: the
// port speaks something else (an HTTP server on 554 answers "HTTP/1.1 …").
var ErrNotRTSP = errors.New("not an RTSP response")

// ErrIncomplete reports a response whose header block never ended; the
// Response returned with it holds the complete lines before the cut.
var ErrIncomplete = errors.New("RTSP response ends inside its header block")

// Header is one header line as sent.
type Header struct {
	Name string // case kept
	// Value has surrounding blanks trimmed and folded lines joined.
	Value string
	// Raw is everything after the colon up to the line end, blanks kept:
	// Hikvision's "Date:  Thu, May 14 2020 16:45:35 GMT" has two spaces.
	Raw string
}

// Response is an RTSP response (RFC 2326 §7) as the server framed it.
type Response struct {
	Proto   string // "RTSP/1.0"
	Status  int
	Reason  string
	Headers []Header
	Body    []byte // cut at Content-Length
	// Complete is true when the header block ended and the body is as long
	// as Content-Length says (no Content-Length means no body).
	Complete bool
}

// Get returns the value of the first header called name, case-insensitively.
func (r *Response) Get(name string) string {
	if h := r.header(name); h != nil {
		return h.Value
	}
	return ""
}

func (r *Response) header(name string) *Header {
	for i := range r.Headers {
		if strings.EqualFold(r.Headers[i].Name, name) {
			return &r.Headers[i]
		}
	}
	return nil
}

// ContentLength is the Content-Length value, -1 when absent or invalid.
func (r *Response) ContentLength() int {
	n, err := strconv.ParseUint(r.Get("Content-Length"), 10, 31)
	if err != nil {
		return -1
	}
	return int(n)
}

// ParseResponse parses one RTSP response. It accepts LF-only line ends,
// missing reason phrases, leading blank lines and folded headers; bytes that
// do not begin with "RTSP/<d>.<d> <3 digits>" give ErrNotRTSP; a header
// block cut short gives the partial Response and ErrIncomplete.
func ParseResponse(b []byte) (*Response, error) {
	b = bytes.TrimLeft(b, "\r\n")
	if !bytes.HasPrefix(b, []byte("RTSP/")) {
		return nil, ErrNotRTSP
	}
	head, body, ended := splitHead(b)
	lines := strings.Split(string(head), "\n")
	if !ended && !bytes.HasSuffix(head, []byte("\n")) && len(lines) > 1 {
		// Half a header value would be a misleading fingerprint.
		lines = lines[:len(lines)-1]
	}
	r := &Response{}
	var ok bool
	if r.Proto, r.Status, r.Reason, ok = parseStatusLine(strings.TrimSuffix(lines[0], "\r")); !ok {
		return nil, ErrNotRTSP
	}
	r.Headers = parseHeaders(lines[1:])
	if !ended {
		return r, ErrIncomplete
	}
	r.Body, r.Complete = body, true
	if n := r.ContentLength(); n >= 0 && len(body) >= n {
		r.Body = body[:n]
	} else if n >= 0 {
		r.Complete = false
	} else {
		r.Body = nil
	}
	return r, nil
}

// headEnd returns the length of the header block in b including its empty
// line, or -1 when it has not ended yet.
func headEnd(b []byte) int {
	_, body, ended := splitHead(b)
	if !ended {
		return -1
	}
	return len(b) - len(body)
}

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
	if !validProto(proto) {
		return "", 0, "", false
	}
	rest = strings.TrimLeft(rest, " ")
	if len(rest) < 3 {
		return "", 0, "", false
	}
	code, reason := rest[:3], rest[3:]
	if !isDigits(code) || (reason != "" && reason[0] != ' ' && reason[0] != '\t') {
		return "", 0, "", false
	}
	status, _ = strconv.Atoi(code)
	return proto, status, strings.TrimSpace(reason), true
}

func validProto(p string) bool {
	v, ok := strings.CutPrefix(p, "RTSP/")
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
				last.Raw += " " + strings.TrimSpace(l)
			}
			continue
		}
		name, raw, ok := strings.Cut(l, ":")
		if !ok || !isToken(name) {
			continue
		}
		hs = append(hs, Header{Name: name, Value: strings.Trim(raw, " \t"), Raw: raw})
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

// Fields turns the response into evidence fields (vendors/FIELDS.md); only
// non-empty values are set. The caller adds rtsp.method.
func (r *Response) Fields() map[string]string {
	f := map[string]string{
		"rtsp.status": strconv.Itoa(r.Status),
		"rtsp.server": r.Get("Server"),
		"rtsp.public": r.Get("Public"),
	}
	names := make([]string, len(r.Headers))
	for i, h := range r.Headers {
		names[i] = h.Name
	}
	f["rtsp.header_names"] = strings.Join(names, ",")
	if h := r.header("Date"); h != nil {
		f["rtsp.date"] = h.Raw
	}
	if wa := r.Get("WWW-Authenticate"); wa != "" {
		f["rtsp.www_authenticate"] = wa
		// A malformed tail still leaves a usable scheme and realm.
		if chs, _ := authhdr.Parse(wa); len(chs) > 0 {
			f["rtsp.auth_scheme"] = chs[0].Scheme
			f["rtsp.realm"] = chs[0].Realm()
		}
	}
	f["rtsp.sdp.session_name"] = SessionName(r.Body)
	for k, v := range f {
		if strings.TrimSpace(v) == "" {
			delete(f, k)
		}
	}
	return f
}

// SessionName is the value of the first "s=" line of an SDP body (RFC 8866
// §5.3), empty when there is none.
func SessionName(sdp []byte) string {
	for line := range bytes.Lines(sdp) {
		if v, ok := bytes.CutPrefix(line, []byte("s=")); ok {
			return strings.TrimSpace(string(v))
		}
	}
	return ""
}

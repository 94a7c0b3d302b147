package rtspprobe

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/authhdr"
	"github.com/camsweep/camsweep/scanner/internal/msghead"
)

// ErrNotRTSP reports bytes that do not start with an RTSP status line: the
// port speaks something else (an HTTP server on 554 answers "HTTP/1.1 …").
var ErrNotRTSP error = scanner.Mismatch("not an RTSP response")

// ErrIncomplete reports a response whose header block never ended; the
// Response returned with it holds the complete lines before the cut.
var ErrIncomplete = errors.New("RTSP response ends inside its header block")

// Header is one header line as sent.
type Header = msghead.Header

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
	h, body, ended, ok := msghead.ParseHead(b, "RTSP/")
	if !ok {
		return nil, ErrNotRTSP
	}
	r := &Response{Proto: h.Proto, Status: h.Status, Reason: h.Reason, Headers: h.Headers}
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
	for k, v := range ParseSDP(r.Body).Fields() {
		f[k] = v
	}
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

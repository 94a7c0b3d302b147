// Package msghead parses the head of an HTTP-style message (HTTP, RTSP,
// SSDP's HTTPU): the status line and the header lines, keeping header names'
// case and order and each value exactly as sent, because that is what tells
// one embedded server from another (Dahua's "CONNECTION", Hikvision's
// two-space RTSP Date). net/textproto canonicalises both away.
package msghead

import (
	"bytes"
	"strconv"
	"strings"
)

// Header is one header line as sent.
type Header struct {
	Name  string // case kept
	Value string // surrounding blanks trimmed; folded lines joined by one space
	Raw   string // everything after the colon, leading blanks kept
}

// SplitHead cuts b at the first empty line (CRLF or LF line ends). ended is
// false when the head has not ended yet; head is then all of b.
func SplitHead(b []byte) (head, body []byte, ended bool) {
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

// HeadEnd returns the length of the head in b including its empty line, or
// -1 when it has not ended yet.
func HeadEnd(b []byte) int {
	_, body, ended := SplitHead(b)
	if !ended {
		return -1
	}
	return len(b) - len(body)
}

// ParseStatusLine parses "<prefix><d>.<d> <3 digits>[ reason]", e.g. with
// prefix "HTTP/" or "RTSP/". The reason phrase may be missing.
func ParseStatusLine(line, prefix string) (proto string, status int, reason string, ok bool) {
	proto, rest, _ := strings.Cut(line, " ")
	if !ValidProto(proto, prefix) {
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

// ValidProto accepts prefix followed by digits, a dot and digits.
func ValidProto(p, prefix string) bool {
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

// ParseHeaders reads "Name: value" lines; a line starting with a blank
// continues the previous one (obs-fold); a line without a colon or with an
// empty or non-token name is skipped.
func ParseHeaders(lines []string) []Header {
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
		if !ok || !IsToken(name) {
			continue
		}
		hs = append(hs, Header{Name: name, Value: strings.Trim(raw, " \t"), Raw: raw})
	}
	return hs
}

// Get returns the value of the first header called name, case-insensitively.
func Get(hs []Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// Names joins the header names in order, case kept, with commas.
func Names(hs []Header) string {
	names := make([]string, len(hs))
	for i, h := range hs {
		names[i] = h.Name
	}
	return strings.Join(names, ",")
}

// IsToken reports whether s is an RFC 9110 token (a valid header name).
func IsToken(s string) bool {
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

// Head is a response's status line and headers, as sent.
type Head struct {
	Proto   string
	Status  int
	Reason  string
	Headers []Header
}

// ParseHead reads the head of a response whose status line starts with
// prefix ("HTTP/", "RTSP/"), after any blank lines. ok is false when b is
// not such a response; ended is false when the head was cut short, and
// then a last line cut mid-way is dropped: half a header value would be a
// misleading fingerprint. body is what follows the head.
func ParseHead(b []byte, prefix string) (h Head, body []byte, ended, ok bool) {
	b = bytes.TrimLeft(b, "\r\n")
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return Head{}, nil, false, false
	}
	head, body, ended := SplitHead(b)
	lines := strings.Split(string(head), "\n")
	if !ended && !bytes.HasSuffix(head, []byte("\n")) && len(lines) > 1 {
		lines = lines[:len(lines)-1]
	}
	if h.Proto, h.Status, h.Reason, ok = ParseStatusLine(strings.TrimSuffix(lines[0], "\r"), prefix); !ok {
		return Head{}, nil, false, false
	}
	h.Headers = ParseHeaders(lines[1:])
	return h, body, ended, true
}

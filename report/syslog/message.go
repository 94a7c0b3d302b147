// Package syslog sends camsweep's records to a syslog receiver as RFC 5424
// messages whose MSG is a CEF or JSON line (docs/formats.md §A5, §A6).
//
// What is sent: one message per output line of the payload format (a
// device, each of its findings, a change, the run), framed by octet
// counting on TCP and TLS (RFC 6587 §3.4.1, RFC 5425 §4.3) and one
// datagram per message on UDP (RFC 5426), where a message longer than the
// datagram bound is cut and counted. Nothing comes back: syslog has no
// acknowledgements, so the sender treats a connection the peer has closed
// (EOF on a read that a receiver never otherwise answers) as down before
// it writes to it, and keeps every message in a bounded queue, spooled to
// disk when a spool directory is given, until a write of it succeeds.
//
// The builder and the frame and message parsers are pure functions, kept
// apart from the sockets and fuzzed.
package syslog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/camsweep/camsweep/device"
)

// Header field limits of RFC 5424 §6.
const (
	maxHostname = 255
	maxAppName  = 48
	maxProcID   = 128
	maxMsgID    = 32
	maxSDName   = 32
)

// FacilityLocal0 is the facility camsweep logs under (RFC 5424 §6.2.1).
const FacilityLocal0 = 16

// Severities of RFC 5424 §6.2.1 that camsweep uses.
const (
	SevCritical      = 2
	SevError         = 3
	SevWarning       = 4
	SevNotice        = 5
	SevInformational = 6
)

// Severity maps a finding severity onto syslog's scale: no finding and
// info are informational, low notice, medium warning, high error,
// critical critical. Alert and emergency are left to the receiving host.
func Severity(s device.Severity) int {
	switch s {
	case device.SeverityLow:
		return SevNotice
	case device.SeverityMedium:
		return SevWarning
	case device.SeverityHigh:
		return SevError
	case device.SeverityCritical:
		return SevCritical
	}
	return SevInformational
}

// Param is one SD-PARAM.
type Param struct{ Name, Value string }

// Element is one SD-ELEMENT.
type Element struct {
	ID     string
	Params []Param
}

// Message is one RFC 5424 message. Empty header fields and a zero Time are
// written as the NILVALUE "-".
type Message struct {
	Facility, Severity int
	Time               time.Time
	Hostname           string
	AppName            string
	ProcID             string
	MsgID              string
	SD                 []Element
	Msg                string
}

// Append writes m to b: HEADER SP STRUCTURED-DATA [SP MSG]. Header fields
// are cut to their limits and any byte outside printable US-ASCII becomes
// '_'; SD names lose the characters they may not hold; SD values have '"',
// '\' and ']' escaped and invalid UTF-8 replaced. MSG is written as given
// (MSG-ANY, no BOM): CEF and JSON lines hold no line breaks.
func (m *Message) Append(b []byte) []byte {
	pri := m.Facility*8 + m.Severity
	if m.Facility < 0 || m.Facility > 23 || m.Severity < 0 || m.Severity > 7 {
		pri = FacilityLocal0*8 + SevInformational
	}
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(pri), 10)
	b = append(b, ">1 "...)
	if m.Time.IsZero() {
		b = append(b, '-')
	} else {
		b = m.Time.AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
	}
	for _, f := range [...]struct {
		s string
		n int
	}{{m.Hostname, maxHostname}, {m.AppName, maxAppName}, {m.ProcID, maxProcID}, {m.MsgID, maxMsgID}} {
		b = append(b, ' ')
		b = appendHeader(b, f.s, f.n)
	}
	b = append(b, ' ')
	n := 0
	for _, e := range m.SD {
		id := sdName(e.ID)
		if id == "" {
			continue
		}
		n++
		b = append(b, '[')
		b = append(b, id...)
		for _, p := range e.Params {
			name := sdName(p.Name)
			if name == "" {
				continue
			}
			b = append(b, ' ')
			b = append(b, name...)
			b = append(b, `="`...)
			b = appendSDValue(b, p.Value)
			b = append(b, '"')
		}
		b = append(b, ']')
	}
	if n == 0 {
		b = append(b, '-')
	}
	if m.Msg != "" {
		b = append(b, ' ')
		b = append(b, m.Msg...)
	}
	return b
}

func appendHeader(b []byte, s string, n int) []byte {
	if s == "" || s == "-" {
		return append(b, '-')
	}
	for i := 0; i < len(s) && i < n; i++ {
		c := s[i]
		if c < 33 || c > 126 {
			c = '_'
		}
		b = append(b, c)
	}
	return b
}

// sdName keeps the characters an SD-NAME may hold (PRINTUSASCII except
// '=', SP, ']', '"'), at most 32.
func sdName(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s) && sb.Len() < maxSDName; i++ {
		c := s[i]
		if c < 33 || c > 126 || c == '=' || c == ']' || c == '"' {
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func appendSDValue(b []byte, s string) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', ']':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	return b
}

// Truncate cuts msg to at most n bytes on a UTF-8 boundary, ending it with
// "…" so a reader sees the cut; it reports whether it cut.
func Truncate(msg []byte, n int) ([]byte, bool) {
	if len(msg) <= n {
		return msg, false
	}
	const mark = "…"
	cut := n - len(mark)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	out := make([]byte, 0, cut+len(mark))
	out = append(out, msg[:cut]...)
	return append(out, mark...), true
}

// AppendFrame writes msg with octet-counting framing: MSG-LEN SP MSG.
func AppendFrame(b, msg []byte) []byte {
	b = strconv.AppendInt(b, int64(len(msg)), 10)
	b = append(b, ' ')
	return append(b, msg...)
}

// MaxFrame bounds the frames ReadFrame accepts.
const MaxFrame = 1 << 20

// ErrFrame is returned for bytes that are not an octet-counted frame.
var ErrFrame = errors.New("syslog: bad octet-counting frame")

// ReadFrame reads one octet-counted frame and returns the message. At a
// clean end between frames it returns io.EOF, within a frame
// io.ErrUnexpectedEOF.
func ReadFrame(r *bufio.Reader) ([]byte, error) {
	n := 0
	for i := 0; ; i++ {
		c, err := r.ReadByte()
		if err != nil {
			if i > 0 && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if c == ' ' && i > 0 {
			break
		}
		if c < '0' || c > '9' || (i == 0 && c == '0') || i >= 7 {
			return nil, fmt.Errorf("%w: length byte %q", ErrFrame, c)
		}
		n = n*10 + int(c-'0')
	}
	if n > MaxFrame {
		return nil, fmt.Errorf("%w: length %d over %d", ErrFrame, n, MaxFrame)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(r, msg); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return msg, nil
}

// ErrMessage is returned by Parse for bytes that are not an RFC 5424
// message.
var ErrMessage = errors.New("syslog: not an RFC 5424 message")

// Parse reads a message written by Append (and RFC 5424 messages in
// general, leniently: the timestamp is parsed as RFC 3339). Header fields
// equal to the NILVALUE come back empty.
func Parse(b []byte) (Message, error) {
	var m Message
	s := string(b)
	bad := func(what string) (Message, error) { return Message{}, fmt.Errorf("%w: %s", ErrMessage, what) }
	if !strings.HasPrefix(s, "<") {
		return bad("no PRI")
	}
	end := strings.IndexByte(s, '>')
	if end < 2 || end > 4 {
		return bad("PRI")
	}
	pri, err := strconv.Atoi(s[1:end])
	if err != nil || pri < 0 || pri > 191 || (s[1] == '0' && end > 2) {
		return bad("PRI")
	}
	m.Facility, m.Severity = pri/8, pri%8
	s = s[end+1:]
	if !strings.HasPrefix(s, "1 ") {
		return bad("VERSION")
	}
	s = s[2:]
	var fields [5]string
	for i := range fields {
		sp := strings.IndexByte(s, ' ')
		if sp <= 0 {
			return bad("header")
		}
		fields[i], s = s[:sp], s[sp+1:]
		if fields[i] == "-" {
			fields[i] = ""
		}
	}
	if fields[0] != "" {
		if m.Time, err = time.Parse(time.RFC3339Nano, fields[0]); err != nil {
			return bad("TIMESTAMP")
		}
	}
	m.Hostname, m.AppName, m.ProcID, m.MsgID = fields[1], fields[2], fields[3], fields[4]
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	} else {
		for strings.HasPrefix(s, "[") {
			var e Element
			if e, s, err = parseElement(s[1:]); err != nil {
				return bad(err.Error())
			}
			m.SD = append(m.SD, e)
		}
		if m.SD == nil {
			return bad("STRUCTURED-DATA")
		}
	}
	if s != "" {
		if s[0] != ' ' {
			return bad("no SP before MSG")
		}
		m.Msg = s[1:]
	}
	return m, nil
}

// parseElement reads an SD-ELEMENT after its '['.
func parseElement(s string) (Element, string, error) {
	var e Element
	i := strings.IndexAny(s, " ]")
	if i <= 0 {
		return e, "", errors.New("SD-ID")
	}
	e.ID, s = s[:i], s[i:]
	for {
		if strings.HasPrefix(s, "]") {
			return e, s[1:], nil
		}
		if !strings.HasPrefix(s, " ") {
			return e, "", errors.New("SD-PARAM")
		}
		s = s[1:]
		eq := strings.Index(s, `="`)
		if eq <= 0 {
			return e, "", errors.New("SD-PARAM name")
		}
		name := s[:eq]
		s = s[eq+2:]
		var v strings.Builder
		for {
			if s == "" {
				return e, "", errors.New("unterminated PARAM-VALUE")
			}
			c := s[0]
			s = s[1:]
			if c == '"' {
				break
			}
			if c == '\\' && s != "" && (s[0] == '"' || s[0] == '\\' || s[0] == ']') {
				c, s = s[0], s[1:]
			}
			v.WriteByte(c)
		}
		e.Params = append(e.Params, Param{name, v.String()})
	}
}

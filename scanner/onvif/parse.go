package onvif

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/camsweep/camsweep/scanner"
)

// Namespaces of the device service (docs/protocols/wsd-onvif.md §2.1).
const (
	NSSOAP12  = "http://www.w3.org/2003/05/soap-envelope"
	NSSOAP11  = "http://schemas.xmlsoap.org/soap/envelope/"
	NSDevice  = "http://www.onvif.org/ver10/device/wsdl"
	NSSchema  = "http://www.onvif.org/ver10/schema"
	NSError   = "http://www.onvif.org/ver10/error"
	nsHikTop  = "http://www.hikvision.com/2011/event/topics"
	nsHikExt1 = "http://www.onvifext.com/onvif/ext/ver10/wsdl"
	nsHikExt2 = "http://www.onvifext.com/onvif/ext/ver10/schema"
	// Axis firmware declares its VAPIX web-service namespaces
	// (http://www.axis.com/vapix/ws/cert, .../event1, ...) on every SOAP
	// envelope, faults included (real replies:
	// testdata/real/onvif/axis-*.xml). Axis's event-topic namespace
	// (http://www.axis.com/2009/event/topics) is no mark: gSOAP-generated
	// stacks of other makers declare it too (testdata/onvif/gsoap-*.xml).
	nsAxisVapixPrefix = "http://www.axis.com/vapix/ws/"
)

// Limits on what the parsers accept.
const (
	MaxResponse = 64 << 10 // bytes of one SOAP response
	MaxDepth    = 32       // element nesting
	maxText     = 1 << 10  // bytes kept of one element's text
	maxSubcodes = 8
)

// Errors of the parsers. Well-formed XML that is not a SOAP envelope, or an
// envelope without the expected response, yields ErrNotONVIF; broken,
// oversized or too deep XML yields ErrMalformed. A SOAP fault is returned as
// a *Fault, which matches ErrNotAuthorized when its subcode says so.
var (
	ErrNotONVIF      error = scanner.Mismatch("onvif: not an ONVIF device service response")
	ErrMalformed           = errors.New("onvif: malformed SOAP response")
	ErrNotAuthorized       = errors.New("onvif: not authorized")
)

// DeviceInformation is the body of a GetDeviceInformationResponse.
type DeviceInformation struct {
	Manufacturer    string
	Model           string
	FirmwareVersion string
	SerialNumber    string
	HardwareID      string
	// Hints are vendor marks of the envelope (see Hints).
	Hints []string
}

// SystemDateAndTime is the body of a GetSystemDateAndTimeResponse.
type SystemDateAndTime struct {
	DateTimeType    string // "Manual" or "NTP"
	DaylightSavings bool
	TZ              string // POSIX TZ as sent ("CST-8:00:00")
	// UTC is the device's UTCDateTime; zero when absent or impossible.
	UTC time.Time
	// Local is LocalDateTime as sent, without a zone; zero when absent.
	Local time.Time
	Hints []string
}

// Fault is a SOAP fault (1.2, or 1.1 from old firmware).
type Fault struct {
	Code     string   // env:Code/env:Value as sent ("env:Sender")
	Subcodes []string // nested Subcode values as sent, outermost first ("ter:NotAuthorized")
	Reason   string   // first Reason/Text
	Hints    []string
}

func (f *Fault) Error() string {
	s := "onvif: SOAP fault " + f.Code
	if len(f.Subcodes) > 0 {
		s += " (" + strings.Join(f.Subcodes, ", ") + ")"
	}
	if f.Reason != "" {
		s += ": " + f.Reason
	}
	return s
}

// Is makes errors.Is(fault, ErrNotAuthorized) true for the ONVIF
// NotAuthorized subcode, whatever prefix the device bound ter: to.
func (f *Fault) Is(target error) bool {
	if target != ErrNotAuthorized {
		return false
	}
	for _, s := range f.Subcodes {
		if localPart(s) == "NotAuthorized" {
			return true
		}
	}
	return false
}

// Subcode is the innermost subcode, or "" when there is none.
func (f *Fault) Subcode() string {
	if len(f.Subcodes) == 0 {
		return ""
	}
	return f.Subcodes[len(f.Subcodes)-1]
}

// node is one element of a parsed envelope, by namespace and local name:
// devices bind env:, s:, SOAP-ENV:, tds: or no prefix at all, so nothing
// here looks at prefixes.
type node struct {
	Space, Local string
	Text         string
	Children     []*node
}

func (n *node) child(local string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Local == local {
			return c
		}
	}
	return nil
}

// all returns the children named local, in order.
func (n *node) all(local string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.Children {
		if c.Local == local {
			out = append(out, c)
		}
	}
	return out
}

func (n *node) text(path ...string) string {
	for _, p := range path {
		n = n.child(p)
	}
	if n == nil {
		return ""
	}
	return n.Text
}

// envelope is a parsed SOAP envelope: its Body's first element and the
// namespaces declared anywhere in it.
type envelope struct {
	body  *node
	hints []string
}

// parseEnvelope builds the element tree of b, bounded in size and depth.
func parseEnvelope(b []byte) (*envelope, error) {
	if len(b) > MaxResponse {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(b))
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		stack []*node
		root  *node
		ns    = map[string]bool{}
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if root != nil && len(stack) == 0 {
				break // trailing garbage after a complete envelope
			}
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("%w: second root element", ErrMalformed)
			}
			if len(stack) >= MaxDepth {
				return nil, fmt.Errorf("%w: nested deeper than %d", ErrMalformed, MaxDepth)
			}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					ns[a.Value] = true
				}
			}
			n := &node{Space: t.Name.Space, Local: t.Name.Local}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, fmt.Errorf("%w: unbalanced end element", ErrMalformed)
			}
			n := stack[len(stack)-1]
			n.Text = strings.TrimSpace(n.Text)
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				n := stack[len(stack)-1]
				if room := maxText - len(n.Text); room > 0 {
					n.Text += string(t[:min(len(t), room)])
				}
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no element", ErrMalformed)
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("%w: truncated", ErrMalformed)
	}
	if root.Local != "Envelope" || (root.Space != NSSOAP12 && root.Space != NSSOAP11) {
		return nil, fmt.Errorf("%w: root element %q", ErrNotONVIF, root.Local)
	}
	body := root.child("Body")
	if body == nil || len(body.Children) == 0 {
		return nil, fmt.Errorf("%w: empty SOAP body", ErrNotONVIF)
	}
	hints := hintsOf(ns)
	if bareEnvelope(root, ns) {
		hints = append(hints, "bare-envelope")
	}
	return &envelope{body: body.Children[0], hints: hints}, nil
}

func hintsOf(ns map[string]bool) []string {
	var h []string
	if ns[nsHikTop] {
		h = append(h, "hikvision-ns")
	}
	if ns[nsHikExt1] || ns[nsHikExt2] {
		h = append(h, "onvifext-ns")
	}
	if hasNSPrefix(ns, nsAxisVapixPrefix) {
		h = append(h, "axis-vapix-ns")
	}
	return h
}

// bareEnvelope reports the envelope shape of Dahua's own SOAP stack: an
// empty Header element and no namespace but SOAP 1.2's and ONVIF's (at most
// five: s, sc, tt, tds, ...), where gSOAP stacks declare dozens and other
// makers' stacks omit the empty Header. Among the real replies of
// testdata/onvif and testdata/real/onvif only Dahua-platform answers have
// it (dahua-*-getdeviceinformation.xml, dahua-getcapabilities-go2rtc.xml);
// TVT sends an empty Header with thirty-one namespaces.
func bareEnvelope(root *node, ns map[string]bool) bool {
	h := root.child("Header")
	if h == nil || len(h.Children) > 0 || strings.TrimSpace(h.Text) != "" || len(ns) == 0 || len(ns) > 5 {
		return false
	}
	for u := range ns {
		if !strings.HasPrefix(u, "http://www.w3.org/2003/05/soap-") && !strings.HasPrefix(u, "http://www.onvif.org/ver") {
			return false
		}
	}
	return true
}

func hasNSPrefix(ns map[string]bool, prefix string) bool {
	for u := range ns {
		if strings.HasPrefix(u, prefix) {
			return true
		}
	}
	return false
}

// fault returns the body as a *Fault when it is one.
func (e *envelope) fault() *Fault {
	b := e.body
	if b.Local != "Fault" {
		return nil
	}
	f := &Fault{Hints: e.hints}
	if code := b.child("Code"); code != nil { // SOAP 1.2
		f.Code = code.text("Value")
		for sc := code.child("Subcode"); sc != nil && len(f.Subcodes) < maxSubcodes; sc = sc.child("Subcode") {
			f.Subcodes = append(f.Subcodes, sc.text("Value"))
		}
		f.Reason = b.text("Reason", "Text")
	} else { // SOAP 1.1
		f.Code = b.text("faultcode")
		f.Reason = b.text("faultstring")
	}
	return f
}

// response checks the body holds the device service's op+"Response".
func (e *envelope) response(op string) (*node, error) {
	if f := e.fault(); f != nil {
		return nil, f
	}
	if e.body.Local != op+"Response" || (e.body.Space != NSDevice && e.body.Space != "") {
		return nil, fmt.Errorf("%w: body is %s, want %sResponse", ErrNotONVIF, e.body.Local, op)
	}
	return e.body, nil
}

// ParseGetDeviceInformation parses a GetDeviceInformation answer. A fault
// comes back as a *Fault (errors.Is(err, ErrNotAuthorized) for the usual
// anonymous refusal).
func ParseGetDeviceInformation(b []byte) (*DeviceInformation, error) {
	env, err := parseEnvelope(b)
	if err != nil {
		return nil, err
	}
	r, err := env.response("GetDeviceInformation")
	if err != nil {
		return nil, err
	}
	di := &DeviceInformation{
		Manufacturer:    r.text("Manufacturer"),
		Model:           r.text("Model"),
		FirmwareVersion: r.text("FirmwareVersion"),
		SerialNumber:    r.text("SerialNumber"),
		HardwareID:      r.text("HardwareId"),
		Hints:           env.hints,
	}
	if di.Manufacturer == "" && di.Model == "" {
		return nil, fmt.Errorf("%w: GetDeviceInformationResponse without Manufacturer or Model", ErrNotONVIF)
	}
	return di, nil
}

// ParseGetSystemDateAndTime parses a GetSystemDateAndTime answer. A device
// clock that names an impossible date leaves UTC zero rather than failing:
// cameras without a battery boot into 1970 or worse.
func ParseGetSystemDateAndTime(b []byte) (*SystemDateAndTime, error) {
	env, err := parseEnvelope(b)
	if err != nil {
		return nil, err
	}
	r, err := env.response("GetSystemDateAndTime")
	if err != nil {
		return nil, err
	}
	s := r.child("SystemDateAndTime")
	if s == nil {
		return nil, fmt.Errorf("%w: no SystemDateAndTime", ErrNotONVIF)
	}
	out := &SystemDateAndTime{
		DateTimeType:    s.text("DateTimeType"),
		DaylightSavings: strings.EqualFold(s.text("DaylightSavings"), "true"),
		TZ:              s.text("TimeZone", "TZ"),
		Hints:           env.hints,
	}
	out.UTC = dateTime(s.child("UTCDateTime"), time.UTC)
	out.Local = dateTime(s.child("LocalDateTime"), time.UTC)
	return out, nil
}

// dateTime reads a tt:DateTime; zero when any part is missing or out of range.
func dateTime(n *node, loc *time.Location) time.Time {
	if n == nil {
		return time.Time{}
	}
	var v [6]int
	for i, p := range [][2]string{{"Date", "Year"}, {"Date", "Month"}, {"Date", "Day"}, {"Time", "Hour"}, {"Time", "Minute"}, {"Time", "Second"}} {
		x, err := strconv.Atoi(n.text(p[0], p[1]))
		if err != nil {
			return time.Time{}
		}
		v[i] = x
	}
	if v[0] < 1 || v[0] > 9999 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 ||
		v[3] < 0 || v[3] > 23 || v[4] < 0 || v[4] > 59 || v[5] < 0 || v[5] > 60 {
		return time.Time{}
	}
	t := time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, loc)
	if t.Day() != v[2] { // 31 February
		return time.Time{}
	}
	return t
}

// ParseFault returns the fault in b, ErrNotONVIF when b is an envelope
// without one, or ErrMalformed.
func ParseFault(b []byte) (*Fault, error) {
	env, err := parseEnvelope(b)
	if err != nil {
		return nil, err
	}
	if f := env.fault(); f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("%w: no SOAP fault", ErrNotONVIF)
}

func localPart(qname string) string {
	if i := strings.LastIndexByte(qname, ':'); i >= 0 {
		return qname[i+1:]
	}
	return qname
}

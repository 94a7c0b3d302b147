package wsd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// Namespaces and actions of WS-Discovery 2005/04 as ONVIF devices speak it
// (docs/protocols/wsd-onvif.md §1.1).
const (
	NSDiscovery  = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
	NSAddressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	NSSOAP12     = "http://www.w3.org/2003/05/soap-envelope"

	ActionProbe        = NSDiscovery + "/Probe"
	ActionProbeMatches = NSDiscovery + "/ProbeMatches"
	ActionHello        = NSDiscovery + "/Hello"
	ActionBye          = NSDiscovery + "/Bye"
)

// Limits on what a parser accepts from the network.
const (
	MaxMessage = 64 << 10 // a UDP datagram cannot be bigger
	MaxDepth   = 32
	MaxMatches = 16  // ProbeMatch elements kept per message
	MaxItems   = 128 // Types, Scopes or XAddrs items kept per match
)

// Errors of the parsers. A message that is well-formed XML of another kind
// yields ErrNotWSD; broken or oversized bytes yield ErrMalformed.
var (
	ErrNotWSD    = errors.New("not a WS-Discovery message")
	ErrMalformed = errors.New("malformed WS-Discovery message")
	ErrWrongKind = errors.New("WS-Discovery message of another kind")
)

// Kind is the body element of a WS-Discovery message.
type Kind string

// Kinds the parser knows.
const (
	KindProbe        Kind = "Probe"
	KindProbeMatches Kind = "ProbeMatches"
	KindResolve      Kind = "ResolveMatches"
	KindHello        Kind = "Hello"
	KindBye          Kind = "Bye"
)

// Message is one parsed WS-Discovery datagram.
type Message struct {
	Kind      Kind
	Action    string
	MessageID string
	RelatesTo string
	To        string
	// Matches holds the ProbeMatch elements of a ProbeMatches, or the one
	// Hello or Bye body.
	Matches []ProbeMatch
	// Hints are vendor marks of the envelope, sorted: "hikvision-ns" for
	// the tnshik namespace, "onvifext-ns" for hikwsd/hikxsd.
	Hints []string
	// Namespaces are the namespace URIs the message declares, in order.
	Namespaces []string
	// ProbeTypes are the Types of a Probe (what the sender asks for).
	ProbeTypes []string
}

// ProbeMatch is one endpoint a message describes.
type ProbeMatch struct {
	EPR             string // EndpointReference/Address as sent
	Types           []string
	Scopes          Scopes
	XAddrs          []string
	MetadataVersion string
	// Extension is the text of an Extension element in the match (TVT
	// firmware writes its product line there: TDigitalIPC, TDigitalNVR),
	// cut at maxExtension bytes.
	Extension string
}

// maxExtension bounds the Extension text kept.
const maxExtension = 256

// Scopes are the scope URIs of a match, split by the ONVIF scope
// categories of onvif://www.onvif.org/<category>/<value>, percent-decoded.
type Scopes struct {
	Raw      []string // every scope as sent, in order
	Name     string
	Hardware string
	Location string
	MAC      string
	// What some firmware states about itself beyond the ONVIF scope
	// categories (Uniview and its OEMs: manufacturer/, version/,
	// serial/, macaddr/): Manufacturer as sent ("NONE" included),
	// Firmware from version/ or firmware/, Serial from serial/ or
	// serialnumber/.
	Manufacturer string
	Firmware     string
	Serial       string
	Profiles     []string // "Streaming", "G", "Q/Operational"
	Types        []string // "video_encoder", "Network_Video_Transmitter"
	// Other holds the decoded scopes of no known category, whole
	// ("onvif://www.onvif.org/extension/unique_identifier").
	Other []string
}

// ParseProbeMatches parses a ProbeMatches (or ResolveMatches) message.
func ParseProbeMatches(b []byte) (*Message, error) {
	return parseKind(b, KindProbeMatches, KindResolve)
}

// ParseHello parses a Hello message.
func ParseHello(b []byte) (*Message, error) { return parseKind(b, KindHello) }

func parseKind(b []byte, kinds ...Kind) (*Message, error) {
	m, err := Parse(b)
	if err != nil {
		return m, err
	}
	if !slices.Contains(kinds, m.Kind) {
		return m, fmt.Errorf("%w: %s", ErrWrongKind, m.Kind)
	}
	return m, nil
}

// Parse parses any WS-Discovery message. Element names are matched by local
// name only, so any prefix (d:, wsdd:, tns:, dn:) and either SOAP version
// works; what is not a SOAP envelope with a discovery body is ErrNotWSD.
func Parse(b []byte) (*Message, error) {
	if len(b) > MaxMessage {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(b))
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	// The charset label ("utf-8", "UTF-8") never changes what ASCII-range
	// markup says; bytes outside it are kept as they come.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }

	var (
		m      Message
		path   []string // local names of the open elements
		text   strings.Builder
		cur    *ProbeMatch
		body   bool
		seenNS = map[string]bool{}
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if m.Kind != "" && len(m.Matches) > 0 {
				// A truncated datagram: keep what was complete.
				break
			}
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(path) >= MaxDepth {
				return nil, fmt.Errorf("%w: nesting deeper than %d", ErrMalformed, MaxDepth)
			}
			name := t.Name.Local
			if len(path) == 0 && name != "Envelope" {
				return nil, fmt.Errorf("%w: root element %q", ErrNotWSD, name)
			}
			for _, a := range t.Attr {
				if (a.Name.Space == "xmlns" || a.Name.Local == "xmlns" && a.Name.Space == "") && !seenNS[a.Value] && len(m.Namespaces) < 64 {
					seenNS[a.Value] = true
					m.Namespaces = append(m.Namespaces, a.Value)
				}
			}
			parent := ""
			if len(path) > 0 {
				parent = path[len(path)-1]
			}
			path = append(path, name)
			text.Reset()
			if len(path) == 2 && name == "Body" {
				body = true
			}
			if body && len(path) == 3 && m.Kind == "" {
				switch Kind(name) {
				case KindProbe, KindProbeMatches, KindResolve, KindHello, KindBye:
					m.Kind = Kind(name)
				default:
					return nil, fmt.Errorf("%w: body %q", ErrNotWSD, name)
				}
				if m.Kind == KindHello || m.Kind == KindBye {
					m.Matches = append(m.Matches, ProbeMatch{})
					cur = &m.Matches[0]
				}
			}
			if (name == "ProbeMatch" || name == "ResolveMatch") && (parent == "ProbeMatches" || parent == "ResolveMatches") {
				if len(m.Matches) < MaxMatches {
					m.Matches = append(m.Matches, ProbeMatch{})
					cur = &m.Matches[len(m.Matches)-1]
				} else {
					cur = nil
				}
			}
		case xml.CharData:
			if text.Len()+len(t) <= MaxMessage {
				text.Write(t)
			}
		case xml.EndElement:
			if len(path) == 0 {
				return nil, fmt.Errorf("%w: unbalanced end element", ErrMalformed)
			}
			name := path[len(path)-1]
			parent := ""
			if len(path) > 1 {
				parent = path[len(path)-2]
			}
			v := strings.TrimSpace(text.String())
			text.Reset()
			path = path[:len(path)-1]
			if parent == "Header" && len(path) == 2 {
				switch name {
				case "Action":
					m.Action = v
				case "MessageID":
					m.MessageID = v
				case "RelatesTo":
					m.RelatesTo = v
				case "To":
					m.To = v
				}
				continue
			}
			if m.Kind == KindProbe && name == "Types" && len(path) == 3 {
				m.ProbeTypes = fields(v)
				continue
			}
			if cur == nil {
				continue
			}
			switch {
			case name == "Address" && parent == "EndpointReference":
				cur.EPR = v
			case name == "Types":
				cur.Types = fields(v)
			case name == "Scopes":
				cur.Scopes = ParseScopes(v)
			case name == "XAddrs":
				cur.XAddrs = fields(v)
			case name == "MetadataVersion":
				cur.MetadataVersion = v
			case name == "Extension" && cur.Extension == "" && (parent == "ProbeMatch" || parent == "ResolveMatch" || parent == "Hello"):
				cur.Extension = strings.ToValidUTF8(v[:min(len(v), maxExtension)], "\uFFFD")
			case name == "ProbeMatch" || name == "ResolveMatch":
				cur = nil
			}
		}
	}
	if m.Kind == "" {
		return nil, ErrNotWSD
	}
	m.Hints = hints(&m)
	return &m, nil
}

func fields(s string) []string {
	f := strings.Fields(s)
	if len(f) > MaxItems {
		f = f[:MaxItems]
	}
	return f
}

// ParseScopes splits a whitespace-separated Scopes value.
func ParseScopes(v string) Scopes {
	var s Scopes
	const prefix = "onvif://www.onvif.org/"
	for _, raw := range fields(v) {
		s.Raw = append(s.Raw, raw)
		dec := unescape(raw)
		if len(dec) < len(prefix) || !strings.EqualFold(dec[:len(prefix)], prefix) {
			s.Other = append(s.Other, dec)
			continue
		}
		rest := dec[len(prefix):]
		cat, val, _ := strings.Cut(rest, "/")
		switch strings.ToLower(cat) {
		case "name":
			if s.Name == "" {
				s.Name = val
				continue
			}
		case "hardware", "model":
			if s.Hardware == "" {
				s.Hardware = val
				continue
			}
		case "location":
			if s.Location == "" {
				s.Location = val
				continue
			}
		case "mac", "macaddr":
			if s.MAC == "" {
				s.MAC = val
				continue
			}
		case "manufacturer":
			if s.Manufacturer == "" && val != "" {
				s.Manufacturer = val
				continue
			}
		case "version", "firmware", "firmwareversion":
			if s.Firmware == "" && val != "" {
				s.Firmware = val
				continue
			}
		case "serial", "serialnumber":
			if s.Serial == "" && val != "" {
				s.Serial = val
				continue
			}
		case "profile":
			s.Profiles = append(s.Profiles, val)
			continue
		case "type":
			s.Types = append(s.Types, val)
			continue
		}
		s.Other = append(s.Other, dec)
	}
	return s
}

// Hints are the vendor marks of a scope list, sorted:
// "dahua-unique-identifier" for the extension/unique_identifier scope of the
// Dahua platform (docs/protocols/wsd-onvif.md §1.3). The ONVIF device service's GetScopes
// returns the same list, so scanner/onvif reads it with this too.
func (s Scopes) Hints() []string {
	for _, o := range s.Other {
		if strings.Contains(strings.ToLower(o), "/extension/unique_identifier") {
			return []string{"dahua-unique-identifier"}
		}
	}
	return nil
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// hints are the vendor marks a message carries outside its scopes.
func hints(m *Message) []string {
	var h []string
	add := func(s string) {
		if !slices.Contains(h, s) {
			h = append(h, s)
		}
	}
	for _, ns := range m.Namespaces {
		switch {
		case strings.Contains(ns, "hikvision.com"):
			add("hikvision-ns")
		case strings.Contains(ns, "onvifext.com"):
			add("onvifext-ns")
		}
	}
	for _, pm := range m.Matches {
		for _, x := range pm.Scopes.Hints() {
			add(x)
		}
		if mac := EPRMAC(pm.EPR); mac != "" && pm.Scopes.MAC != "" && strings.EqualFold(strings.ReplaceAll(mac, ":", ""), hexOnly(pm.Scopes.MAC)) {
			add("epr-mac-matches-scope")
		}
	}
	slices.Sort(h)
	return h
}

// hexOnly drops the separators of a MAC as scopes write it
// ("e4f14c776608", "E4-F1-4C-77-66-08", "e4:f1:4c:77:66:08").
func hexOnly(mac string) string {
	return strings.NewReplacer(":", "", "-", "", ".", "").Replace(mac)
}

// EPRMAC returns the node field of a time-based (version 1) UUID address as
// a lower-case colon MAC: Hikvision builds its endpoint address that way
// (docs/protocols/wsd-onvif.md §1.3). Anything else gives "".
func EPRMAC(epr string) string {
	u := strings.ToLower(epr)
	u = strings.TrimPrefix(u, "urn:")
	u = strings.TrimPrefix(u, "uuid:")
	if len(u) != 36 || u[8] != '-' || u[13] != '-' || u[14] != '1' || u[18] != '-' || u[23] != '-' {
		return ""
	}
	node := u[24:]
	for _, c := range node {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return ""
		}
	}
	var b strings.Builder
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(node[i : i+2])
	}
	return b.String()
}

// NormalizeID makes message ids comparable: devices echo "urn:uuid:x" as
// "uuid:x" and change the case of hex digits.
func NormalizeID(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	id = strings.TrimPrefix(id, "urn:")
	return strings.TrimPrefix(id, "uuid:")
}

// XAddrHosts returns the addresses the XAddrs name, in order, without
// duplicates; host names are skipped.
func XAddrHosts(xaddrs []string) []netip.Addr {
	var out []netip.Addr
	for _, x := range xaddrs {
		u, err := url.Parse(x)
		if err != nil {
			continue
		}
		a, err := netip.ParseAddr(u.Hostname())
		if err != nil {
			continue
		}
		a = a.Unmap().WithZone("")
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

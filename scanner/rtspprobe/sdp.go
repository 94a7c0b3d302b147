package rtspprobe

import (
	"bytes"
	"slices"
	"strings"
)

// Bounds on what SDP reads of a body: a camera's description is a few
// dozen lines; anything beyond is not a signature worth the memory.
const (
	maxSDPLines      = 512 // lines looked at
	maxSDPValue      = 256 // bytes kept of one value
	maxSDPAttrs      = 64  // distinct attribute names kept
	maxSDPMedia      = 16  // m= lines kept
	maxSDPX          = 16  // a=x-* attributes kept
	maxSDPAttrName   = 64  // longest attribute name taken
	sdpMediaSep      = ", "
	sdpAttributesSep = ","
)

// SDP is what a DESCRIBE answer's session description (RFC 8866) says
// about the server that wrote it. Makers leave signatures in it: the
// session name and information (Hikvision "Media Presentation", Dahua
// "Media Server", live555 "Session streamed by …"), the tool attribute
// (live555, GStreamer), their own attributes (Hikvision a=Media_header,
// Dahua a=packetization-supported) and x- attributes.
type SDP struct {
	SessionName string // first s=
	Info        string // session-level i= (before the first m=)
	// Origin is the username of o= ("-" when the server has none, which
	// is what RFC 8866 asks for, so "-" is left out).
	Origin string
	Tool   string // a=tool: value, session level or not
	// Attributes are the distinct attribute names of every level, sorted
	// ("control", "Media_header", "rtpmap", "x-dimensions").
	Attributes []string
	// X are the a=x-… attributes, name (with its x- prefix, case kept)
	// and value, first occurrence of each name, in order.
	X [][2]string
	// Media are the m= lines without the "m=" ("video 0 RTP/AVP 96").
	Media []string
}

// ParseSDP reads an SDP body. It is lenient (CRLF or LF, blanks around
// values, lines it does not know) and bounded; what is not SDP gives an
// SDP with nothing set.
func ParseSDP(b []byte) SDP {
	var s SDP
	media := false
	n := 0
	for line := range bytes.Lines(b) {
		if n++; n > maxSDPLines {
			break
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) < 2 || line[1] != '=' {
			continue
		}
		v := sdpValue(line[2:])
		switch line[0] {
		case 's':
			if s.SessionName == "" {
				s.SessionName = v
			}
		case 'i':
			if !media && s.Info == "" {
				s.Info = v
			}
		case 'o':
			if s.Origin == "" {
				if u, _, _ := strings.Cut(v, " "); u != "-" {
					s.Origin = u
				}
			}
		case 'm':
			media = true
			if len(s.Media) < maxSDPMedia && v != "" {
				s.Media = append(s.Media, v)
			}
		case 'a':
			name, val, _ := strings.Cut(v, ":")
			name = strings.TrimSpace(name)
			if name == "" || len(name) > maxSDPAttrName || strings.ContainsAny(name, " \t,") {
				continue
			}
			if !slices.Contains(s.Attributes, name) && len(s.Attributes) < maxSDPAttrs {
				s.Attributes = append(s.Attributes, name)
			}
			val = strings.TrimSpace(val)
			switch {
			case name == "tool":
				if s.Tool == "" {
					s.Tool = val
				}
			case len(name) > 2 && strings.EqualFold(name[:2], "x-"):
				if len(s.X) < maxSDPX && !slices.ContainsFunc(s.X, func(x [2]string) bool { return x[0] == name }) {
					s.X = append(s.X, [2]string{name, val})
				}
			}
		}
	}
	slices.Sort(s.Attributes)
	return s
}

// sdpValue is a line's value as text: trimmed, cut at maxSDPValue bytes,
// valid UTF-8.
func sdpValue(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > maxSDPValue {
		b = b[:maxSDPValue]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// Fields are the rtsp.sdp.* evidence fields (vendors/FIELDS.md); only
// non-empty values are set.
func (s SDP) Fields() map[string]string {
	f := map[string]string{}
	set := func(k, v string) {
		if strings.TrimSpace(v) != "" {
			f[k] = v
		}
	}
	set("rtsp.sdp.session_name", s.SessionName)
	set("rtsp.sdp.info", s.Info)
	set("rtsp.sdp.origin", s.Origin)
	set("rtsp.sdp.tool", s.Tool)
	set("rtsp.sdp.attributes", strings.Join(s.Attributes, sdpAttributesSep))
	set("rtsp.sdp.media", strings.Join(s.Media, sdpMediaSep))
	for _, x := range s.X {
		// The key keeps the name as sent after "x-", lower-cased:
		// rtsp.sdp.x.dimensions, rtsp.sdp.x.qt-text-nam.
		set("rtsp.sdp.x."+strings.ToLower(x[0][2:]), x[1])
	}
	return f
}

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
	maxSDPControl    = 8   // a=control paths kept
	maxSDPParams     = 16  // distinct non-codec fmtp parameters kept
	maxSDPParamName  = 32  // longest fmtp parameter name taken
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
	// Control are the paths of the absolute a=control: URLs
	// ("/defaultPrimary/spk0/trackID=2"), distinct, in order.
	Control []string
	// Params are the a=fmtp: parameters that are no codec parameter of
	// the RTP payload formats (RFC 6184, 7798, 3640, 7587), name
	// lower-cased and value: some makers state the model and firmware
	// there (Sanyo "Model=VCC-HD2300P; FirmVer=010202").
	Params [][2]string
}

// codecParams are fmtp parameter names defined by RTP payload format RFCs
// (H.264 RFC 6184, H.265 RFC 7798, MPEG-4 RFC 3640/6416, Opus RFC 7587):
// they describe the stream, never the device.
var codecParams = map[string]bool{
	"profile-level-id": true, "packetization-mode": true, "sprop-parameter-sets": true,
	"level-asymmetry-allowed": true, "max-mbps": true, "max-fs": true, "max-cpb": true,
	"max-dpb": true, "max-br": true, "max-smbps": true, "max-fps": true, "redundant-pic-cap": true,
	"sprop-interleaving-depth": true, "sprop-deint-buf-req": true, "sprop-init-buf-time": true,
	"sprop-max-don-diff": true, "max-rcmd-nalu-size": true, "in-band-parameter-sets": true,
	"sprop-level-parameter-sets": true, "use-level-src-parameter-sets": true,
	"sprop-vps": true, "sprop-sps": true, "sprop-pps": true, "sprop-sei": true, "profile-space": true,
	"profile-id": true, "tier-flag": true, "level-id": true, "interop-constraints": true,
	"profile-compatibility-indicator": true, "tx-mode": true,
	"streamtype": true, "mode": true, "config": true, "sizelength": true, "indexlength": true,
	"indexdeltalength": true, "constantduration": true, "objecttype": true, "cpresent": true,
	"profile": true, "bitrate": true, "maxplaybackrate": true, "sprop-maxcapturerate": true,
	"maxaveragebitrate": true, "stereo": true, "sprop-stereo": true, "cbr": true, "useinbandfec": true,
	"usedtx": true, "octet-align": true, "channels": true, "framesize": true, "annexb": true,
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
			case name == "control":
				if p := controlPath(val); p != "" && len(s.Control) < maxSDPControl && !slices.Contains(s.Control, p) {
					s.Control = append(s.Control, p)
				}
			case name == "fmtp":
				s.addParams(val)
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

// controlPath is the path of an absolute control URL, without scheme,
// authority and query: the stream naming is the maker's, the address and
// the query (often the client's own request echoed) are not. Relative
// controls ("trackID=1", "track1") are the RTSP libraries' generic naming
// and are not kept.
func controlPath(v string) string {
	_, rest, ok := strings.Cut(v, "://")
	if !ok {
		return ""
	}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return ""
	}
	p, _, _ := strings.Cut(rest[i:], "?")
	if p == "/" {
		return ""
	}
	return p
}

// addParams reads "<payload type> name=value; name=value" and keeps the
// parameters that are not codec parameters, first of each name.
func (s *SDP) addParams(v string) {
	_, list, ok := strings.Cut(v, " ")
	if !ok {
		return
	}
	for p := range strings.SplitSeq(list, ";") {
		name, val, ok := strings.Cut(p, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		val = strings.TrimSpace(val)
		if !ok || name == "" || val == "" || len(name) > maxSDPParamName || codecParams[name] ||
			strings.ContainsFunc(name, func(r rune) bool {
				return !(r == '-' || r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
			}) {
			continue
		}
		if len(s.Params) >= maxSDPParams {
			return
		}
		if !slices.ContainsFunc(s.Params, func(x [2]string) bool { return x[0] == name }) {
			s.Params = append(s.Params, [2]string{name, val})
		}
	}
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
	set("rtsp.sdp.control", strings.Join(s.Control, sdpMediaSep))
	for _, p := range s.Params {
		set("rtsp.sdp.fmtp."+p[0], p[1])
	}
	for _, x := range s.X {
		// The key keeps the name as sent after "x-", lower-cased:
		// rtsp.sdp.x.dimensions, rtsp.sdp.x.qt-text-nam.
		set("rtsp.sdp.x."+strings.ToLower(x[0][2:]), x[1])
	}
	return f
}

package rtspprobe

import (
	"errors"
	"maps"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// readFixture reads testdata/rtsp/<name>.
var readFixture = scantest.Fixtures("rtsp")

func TestParseResponse_fixtures(t *testing.T) {
	tests := []struct {
		file string
		want map[string]string
	}{
		{"hikvision-options-200.txt", map[string]string{
			"rtsp.status":       "200",
			"rtsp.header_names": "CSeq,Public,Date",
			"rtsp.public":       "OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER",
			"rtsp.date":         "  Thu, May 14 2020 16:45:35 GMT",
		}},
		{"hikvision-describe-401.txt", map[string]string{
			"rtsp.status":           "401",
			"rtsp.header_names":     "CSeq,WWW-Authenticate,Date",
			"rtsp.date":             "  Thu, May 14 2020 16:45:35 GMT",
			"rtsp.www_authenticate": `Digest realm="IP Camera(C2875)", nonce="938032d91ffc30ca80b5da94c18887ac", stale="FALSE"`,
			"rtsp.auth_scheme":      "Digest",
			"rtsp.realm":            "IP Camera(C2875)",
		}},
		{"hikvision-describe-200-sdp.txt", map[string]string{
			"rtsp.status":           "200",
			"rtsp.header_names":     "CSeq,Content-Type,Content-Base,Content-Length",
			"rtsp.sdp.session_name": "Media Presentation",
			"rtsp.sdp.attributes":   "Media_header,appversion,control,fmtp,recvonly,rtpmap,x-dimensions",
			"rtsp.sdp.media":        "video 0 RTP/AVP 96, audio 0 RTP/AVP 104",
			"rtsp.sdp.x.dimensions": "1920,1080",
			"rtsp.sdp.control":      "/trackID=1, /trackID=2",
		}},
		{"dahua-describe-401.txt", map[string]string{
			"rtsp.status":           "401",
			"rtsp.header_names":     "CSeq,WWW-Authenticate",
			"rtsp.www_authenticate": `Digest realm="Login to 4M0747EPAA1D284", nonce="745449738fdf77164f570c37c9186b52"`,
			"rtsp.auth_scheme":      "Digest",
			"rtsp.realm":            "Login to 4M0747EPAA1D284",
		}},
		{"dahua-options-200.txt", map[string]string{
			"rtsp.status":       "200",
			"rtsp.header_names": "CSeq,Server,Public",
			"rtsp.server":       "Rtsp Server/3.0",
			"rtsp.public":       "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, PAUSE, TEARDOWN, SET_PARAMETER, GET_PARAMETER",
		}},
		{"dahua-rtspserver-401-basic.txt", map[string]string{
			"rtsp.status":           "401",
			"rtsp.header_names":     "WWW-Authenticate,Server,Content-Length",
			"rtsp.server":           "Dahua Rtsp Server",
			"rtsp.www_authenticate": `Basic realm="device"`,
			"rtsp.auth_scheme":      "Basic",
			"rtsp.realm":            "device",
		}},
		{"hikvision-setup-200.txt", map[string]string{
			"rtsp.status":       "200",
			"rtsp.header_names": "CSeq,Session,Transport,Date",
			"rtsp.date":         "  Thu, May 14 2020 16:45:35 GMT",
		}},
		{"dahua-describe-200-sdp.txt", map[string]string{
			"rtsp.status":           "200",
			"rtsp.header_names":     "CSeq,x-Accept-Dynamic-Rate,Content-Base,Cache-Control,Content-Length,Content-Type",
			"rtsp.sdp.session_name": "Media Server",
			"rtsp.sdp.attributes":   "control,fmtp,framerate,packetization-supported,range,recvonly,rtpmap,rtppayload-supported",
			"rtsp.sdp.media":        "video 0 RTP/AVP 96",
		}},
		{"dahua-setup-200.txt", map[string]string{
			"rtsp.status":       "200",
			"rtsp.header_names": "CSeq,Session,Transport,x-Dynamic-Rate",
		}},
		{"hanwha-ipolis-401.txt", map[string]string{
			"rtsp.status":           "401",
			"rtsp.header_names":     "CSeq,Date,Expires,Cache-Control,WWW-Authenticate",
			"rtsp.date":             " Mon, 01 Jan 2018 00:00:00 GMT",
			"rtsp.www_authenticate": `Digest realm="iPOLiS", nonce="2CB39FCBBE5843DA3430129B4EA1414C"`,
			"rtsp.auth_scheme":      "Digest",
			"rtsp.realm":            "iPOLiS",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := ParseResponse(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !r.Complete {
				t.Error("not Complete")
			}
			if got := r.Fields(); !maps.Equal(got, tt.want) {
				t.Errorf("Fields()\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestParseResponse_transcriptQuirks: what the field list leaves out of
// the real transcripts (docs/protocols/rtsp.md §6.1, §6.2) but a parser must keep:
// the SDP bodies exactly as long as the recorded Content-Length with CRLF
// lines, and Hikvision's Session value padded with eight spaces.
func TestParseResponse_transcriptQuirks(t *testing.T) {
	for file, n := range map[string]int{"hikvision-describe-200-sdp.txt": 842, "dahua-describe-200-sdp.txt": 401} {
		r, err := ParseResponse(readFixture(t, file))
		if err != nil {
			t.Fatal(err)
		}
		if !r.Complete || len(r.Body) != n || r.ContentLength() != n {
			t.Errorf("%s: Complete %v, body %d bytes, Content-Length %d; want %d", file, r.Complete, len(r.Body), r.ContentLength(), n)
		}
	}
	r := scantest.MustParse(t, ParseResponse, readFixture(t, "hikvision-setup-200.txt"))
	if got := r.Get("Session"); got != "708732579;timeout=60" {
		t.Errorf("Session %q", got)
	}
	if h := r.header("Session"); h == nil || h.Raw != "        708732579;timeout=60" {
		t.Errorf("Session header as sent %+v, want the eight-space padding", h)
	}
	r = scantest.MustParse(t, ParseResponse, readFixture(t, "dahua-setup-200.txt"))
	if got := r.Get("Transport"); got != "RTP/AVP/UDP;unicast;client_port=61246-61247;server_port=41490-41491;ssrc=039FB573" {
		t.Errorf("Transport %q", got)
	}
}

func TestParseResponse_quirks(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     map[string]string
		complete bool
	}{
		{"LF only", "RTSP/1.0 200 OK\nServer: H264DVR 1.0\n\n", map[string]string{"rtsp.server": "H264DVR 1.0"}, true},
		{"no reason", "RTSP/1.0 200\r\nCSeq: 1\r\n\r\n", map[string]string{"rtsp.status": "200"}, true},
		{"folded", "RTSP/1.0 200 OK\r\nPublic: OPTIONS,\r\n DESCRIBE\r\n\r\n", map[string]string{"rtsp.public": "OPTIONS, DESCRIBE"}, true},
		{"body cut short", "RTSP/1.0 200 OK\r\nContent-Length: 100\r\n\r\nv=0\r\ns=Media Server\r\n", map[string]string{"rtsp.sdp.session_name": "Media Server"}, false},
		{
			"two challenges (Hikvision DVR, nmap)",
			"RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"Hikvision\", nonce=\"0123\", stale=\"FALSE\"\r\nWWW-Authenticate: Basic realm=\"/\"\r\n\r\n",
			map[string]string{"rtsp.realm": "Hikvision", "rtsp.auth_scheme": "Digest", "rtsp.header_names": "WWW-Authenticate,WWW-Authenticate"},
			true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scantest.MustParse(t, ParseResponse, []byte(tt.in))
			scantest.WantFields(t, r.Fields(), tt.want)
			if r.Complete != tt.complete {
				t.Errorf("Complete = %v, want %v", r.Complete, tt.complete)
			}
		})
	}
}

func TestParseResponse_notRTSP(t *testing.T) {
	scantest.Rejects(t, ParseResponse, ErrNotRTSP,
		"",
		"HTTP/1.1 400 Bad Request\r\n\r\n",
		"RTSP/1.0 OK\r\n\r\n",
		"RTSP/one 200 OK\r\n\r\n",
		"\xff\x00\x00\x00garbage",
	)
}

func TestParseResponse_incompleteHead(t *testing.T) {
	r, err := ParseResponse([]byte("RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm=\"IP Cam"))
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("error = %v, want ErrIncomplete", err)
	}
	if f := r.Fields(); f["rtsp.header_names"] != "CSeq" || f["rtsp.realm"] != "" {
		t.Errorf("partial fields = %q", f)
	}
}

func FuzzParseResponse(f *testing.F) {
	scantest.SeedDir(f, "rtsp")
	f.Add(ownFixture(f, "axis-describe-200-sdp.txt"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if r == nil {
			if err == nil {
				t.Fatal("nil response without error")
			}
			return
		}
		if n := r.ContentLength(); r.Complete && n >= 0 && len(r.Body) != n {
			t.Fatalf("complete body of %d bytes, Content-Length %d", len(r.Body), n)
		}
		scantest.NoEmptyFields(t, r.Fields())
	})
}

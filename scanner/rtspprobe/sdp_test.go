package rtspprobe

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

func ownFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseSDP_real: what the SDP of real cameras says beyond s=, field by
// field (testdata/README.md and ../../testdata/README.md for provenance).
func TestParseSDP_real(t *testing.T) {
	for _, tc := range []struct {
		name string
		sdp  []byte
		want map[string]string
	}{
		{"hikvision", body(t, readFixture(t, "hikvision-describe-200-sdp.txt")), map[string]string{
			"rtsp.sdp.session_name": "Media Presentation",
			"rtsp.sdp.attributes":   "Media_header,appversion,control,fmtp,recvonly,rtpmap,x-dimensions",
			"rtsp.sdp.media":        "video 0 RTP/AVP 96, audio 0 RTP/AVP 104",
			"rtsp.sdp.x.dimensions": "1920,1080",
			"rtsp.sdp.control":      "/trackID=1, /trackID=2",
		}},
		{"dahua", body(t, readFixture(t, "dahua-describe-200-sdp.txt")), map[string]string{
			"rtsp.sdp.session_name": "Media Server",
			"rtsp.sdp.attributes":   "control,fmtp,framerate,packetization-supported,range,recvonly,rtpmap,rtppayload-supported",
			"rtsp.sdp.media":        "video 0 RTP/AVP 96",
		}},
		{"axis", body(t, ownFixture(t, "axis-describe-200-sdp.txt")), map[string]string{
			"rtsp.sdp.session_name": "Session streamed with GStreamer",
			"rtsp.sdp.info":         "rtsp-server",
			"rtsp.sdp.tool":         "GStreamer",
			"rtsp.sdp.attributes":   "control,fmtp,framerate,range,rtpmap,tool,transform,type",
			"rtsp.sdp.media":        "video 0 RTP/AVP 96",
			"rtsp.sdp.control":      "/axis-media/media.amp, /axis-media/media.amp/stream=0",
		}},
		{"jovision", ownFixture(t, "jovision-live555-sdp.txt"), map[string]string{
			"rtsp.sdp.session_name":  `Session streamed by "rtspServerForJovision"`,
			"rtsp.sdp.info":          "live0.264",
			"rtsp.sdp.tool":          "LIVE555 Streaming Media v2013.09.18",
			"rtsp.sdp.attributes":    "control,fmtp,range,rtpmap,tool,type,x-qt-text-inf,x-qt-text-nam",
			"rtsp.sdp.media":         "video 0 RTP/AVP 96, audio 0 RTP/AVP 97",
			"rtsp.sdp.x.qt-text-nam": `Session streamed by "rtspServerForJovision"`,
			"rtsp.sdp.x.qt-text-inf": "live0.264",
		}},
		{"tp-link", ownFixture(t, "tp-link-vigi-c250-sdp.txt"), map[string]string{
			"rtsp.sdp.session_name": `Session streamed by "TP-LINK RTSP Server"`,
			"rtsp.sdp.attributes":   "control,fmtp,range,rtpmap,smart_encoder",
			"rtsp.sdp.media":        "video 0 RTP/AVP 96, audio 0 RTP/AVP 8",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseSDP(tc.sdp).Fields(); !maps.Equal(got, tc.want) {
				t.Errorf("Fields()\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// body is the body of a whole RTSP response.
func body(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := ParseResponse(b)
	if err != nil || !r.Complete {
		t.Fatalf("%v, complete %v", err, r != nil && r.Complete)
	}
	return r.Body
}

// TestParseResponse_sdpFields: a DESCRIBE answer's evidence carries the
// SDP fields beside the headers.
func TestParseResponse_sdpFields(t *testing.T) {
	r := scantest.MustParse(t, ParseResponse, ownFixture(t, "axis-describe-200-sdp.txt"))
	f := r.Fields()
	for k, want := range map[string]string{"rtsp.server": "GStreamer RTSP server", "rtsp.sdp.tool": "GStreamer", "rtsp.sdp.info": "rtsp-server"} {
		if f[k] != want {
			t.Errorf("%s = %q, want %q", k, f[k], want)
		}
	}
}

// TestParseSDP_bounds: an o= without a username, media-level i=, an
// origin of "-", oversized values, too many attributes and lines, and
// bytes that are not SDP.
func TestParseSDP_bounds(t *testing.T) {
	s := ParseSDP([]byte("v=0\no=admin 1 1 IN IP4 0.0.0.0\ns=\nm=video 0 RTP/AVP 96\ni=track info\na=x-A:1\na=X-a:2\na=x-:3\na=bad name:1\n"))
	if s.Origin != "admin" || s.Info != "" || s.SessionName != "" || len(s.X) != 2 {
		t.Errorf("%+v", s)
	}
	if f := s.Fields(); f["rtsp.sdp.x.a"] == "" || len(f) != 4 {
		// X-a and x-A share a key; the later one wins, both are kept in X.
		t.Errorf("%q", f)
	}
	var b strings.Builder
	b.WriteString("v=0\ns=" + strings.Repeat("x", 3*maxSDPValue) + "\n")
	for i := range 3 * maxSDPLines {
		b.WriteString("a=attr" + strings.Repeat("z", i%7) + string(rune('a'+i%26)) + ":v\n")
		b.WriteString("m=video 0 RTP/AVP 96\n")
	}
	s = ParseSDP([]byte(b.String()))
	if len(s.SessionName) != maxSDPValue || len(s.Attributes) > maxSDPAttrs || len(s.Media) != maxSDPMedia {
		t.Errorf("name %d, %d attributes, %d media", len(s.SessionName), len(s.Attributes), len(s.Media))
	}
	if f := ParseSDP([]byte("<html>not sdp</html>\x00\xff")).Fields(); len(f) != 0 {
		t.Errorf("not SDP: %q", f)
	}
}

var realSDP = scantest.Fixtures("real/rtsp")

// TestParseSDP_paramsAndControl: the corpus SDPs that state the device in
// fmtp parameters (Sanyo VCC-HD2300P: Model=, FirmVer=) and in control
// paths (Avigilon /defaultPrimary/, the source cut mid-line); codec
// parameters, relative controls and queries are not kept.
func TestParseSDP_paramsAndControl(t *testing.T) {
	f := ParseSDP(realSDP(t, "sanyo-vcc-hd2300p-sdp.txt")).Fields()
	for k, want := range map[string]string{
		"rtsp.sdp.fmtp.model":        "VCC-HD2300P",
		"rtsp.sdp.fmtp.firmver":      "010202",
		"rtsp.sdp.fmtp.mac":          "08007b88d4ec",
		"rtsp.sdp.fmtp.cameraseries": "2",
		"rtsp.sdp.fmtp.tvsystem":     "pal",
		"rtsp.sdp.fmtp.reso":         "640:360",
	} {
		if f[k] != want {
			t.Errorf("%s = %q, want %q", k, f[k], want)
		}
	}
	for _, k := range []string{"rtsp.sdp.fmtp.profile-level-id", "rtsp.sdp.fmtp.packetization-mode", "rtsp.sdp.fmtp.sprop-parameter-sets", "rtsp.sdp.control"} {
		if v, ok := f[k]; ok {
			t.Errorf("%s = %q, want none", k, v)
		}
	}
	f = ParseSDP(realSDP(t, "avigilon-camera-sdp.txt")).Fields()
	if want := "/defaultPrimary/micCfg0/trackID=9, /defaultPrimary/spk0/trackID=2, /defaultPr"; f["rtsp.sdp.control"] != want {
		t.Errorf("control = %q, want %q", f["rtsp.sdp.control"], want)
	}
	// Bounds: at most maxSDPParams parameters and maxSDPControl paths, the
	// first of each name; odd names and empty values are dropped.
	var b strings.Builder
	b.WriteString("v=0\na=fmtp:96 Model=A; model=B; bad name=1; empty=; x=" + strings.Repeat("v", 1000) + "\n")
	for i := range 3 * maxSDPParams {
		b.WriteString("a=fmtp:96 p" + strings.Repeat("q", i) + "=1\n")
		b.WriteString("a=control:rtsp://h/s" + strings.Repeat("t", i) + "?a=b\n")
	}
	s := ParseSDP([]byte(b.String()))
	if len(s.Params) != maxSDPParams || len(s.Control) != maxSDPControl || s.Params[0] != [2]string{"model", "A"} {
		t.Errorf("%d params (%q), %d controls", len(s.Params), s.Params[:2], len(s.Control))
	}
	for _, p := range s.Params {
		if p[0] == "bad name" || p[0] == "empty" || len(p[1]) > maxSDPValue {
			t.Errorf("param %q kept", p)
		}
	}
}

// FuzzParseSDP: mutations of real SDP bodies give bounded values, valid
// UTF-8 and no empty field.
func FuzzParseSDP(f *testing.F) {
	for _, n := range []string{"hikvision-describe-200-sdp.txt", "dahua-describe-200-sdp.txt"} {
		f.Add(readFixture(f, n))
	}
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".txt") {
			f.Add(ownFixture(f, e.Name()))
		}
	}
	for _, n := range []string{"sanyo-vcc-hd2300p-sdp.txt", "avigilon-camera-sdp.txt", "teleste-mph-h264-encoder-p2-sdp.txt"} {
		f.Add(realSDP(f, n))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := ParseSDP(b)
		if len(s.Params) > maxSDPParams || len(s.Control) > maxSDPControl {
			t.Fatalf("%d params, %d controls", len(s.Params), len(s.Control))
		}
		if len(s.Attributes) > maxSDPAttrs || len(s.Media) > maxSDPMedia || len(s.X) > maxSDPX {
			t.Fatalf("%d attributes, %d media, %d x", len(s.Attributes), len(s.Media), len(s.X))
		}
		for k, v := range s.Fields() {
			if strings.TrimSpace(v) == "" || len(v) > maxSDPMedia*(maxSDPValue+2) || !utf8Valid(v) {
				t.Fatalf("field %s = %q", k, v)
			}
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	mrand "math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"
)

// httpHandler serves HTTP/1.x with route; a HEAD gets the GET reply's head.
func (e *Emulator) httpHandler(route func(net.Conn, *request) reply) func(context.Context, net.Conn) {
	return func(_ context.Context, c net.Conn) {
		e.serveRequests(c, "HTTP/", func(c net.Conn, r *request) reply {
			rep := route(c, r)
			if r.Method == "HEAD" {
				if i := bytes.Index(rep.data, []byte("\r\n\r\n")); i >= 0 {
					rep.data = rep.data[:i+4]
				}
			}
			return rep
		})
	}
}

// rtspHandler serves RTSP/1.0 with route; every reply echoes CSeq.
func (e *Emulator) rtspHandler(route func(net.Conn, *request) reply) func(context.Context, net.Conn) {
	return func(_ context.Context, c net.Conn) {
		e.serveRequests(c, "RTSP/", route)
	}
}

func (e *Emulator) rtspVars(r *request) map[string]any {
	cseq := r.Get("CSeq")
	if _, err := strconv.Atoi(cseq); err != nil {
		cseq = "0"
	}
	return map[string]any{"CSeq": cseq, "URI": r.Target}
}

// rtspNotImplemented answers methods past DESCRIBE: the emulators stream
// nothing.
func rtspNotImplemented(cseq any) reply {
	return reply{data: []byte("RTSP/1.0 501 Not Implemented\r\nCSeq: " + cseq.(string) + "\r\n\r\n"), keep: true}
}

// --- Hikvision (docs/protocols/http.md §5.1, docs/protocols/rtsp.md §6.1, docs/protocols/ports.md §10) ---

// hikRTSPDate is the Hikvision RTSP Date format: "Thu, May 14 2020 16:45:35 GMT".
const hikRTSPDate = "Mon, Jan 02 2006 15:04:05 GMT"

func (e *Emulator) hikvisionHTTP(c net.Conn, r *request) reply {
	switch {
	case r.Target == "/" || r.Target == "/index.asp":
		return reply{data: e.render(c, "root", nil)}
	case r.Target == "/favicon.ico":
		return e.faviconReply()
	case r.Target == "/ISAPI/System/deviceInfo" && digestOK(r.Get("Authorization"), r.Method, md5hex("realm:" + e.Device.Serial)[:24], e.Device.Password):
		// The device's own identity, to the admin login only: the shape of
		// the DS-2CD2386G2-IU reply in testdata/real/http.
		return reply{data: e.isapiDeviceInfo(), keep: true}
	case hasPathPrefix(r.Target, "/ISAPI"), hasPathPrefix(r.Target, "/SDK"), hasPathPrefix(r.Target, "/PSIA"):
		// Current firmware answers every protected URL with the userCheck 401.
		return reply{data: e.render(c, "isapi401", map[string]any{"HTTPRealm": md5hex("realm:" + e.Device.Serial)[:24]}), keep: true}
	default:
		return reply{data: e.render(c, "notfound", map[string]any{"Path": r.Target}), keep: true}
	}
}

// isapiDeviceInfo is the ISAPI deviceInfo answer of a logged-in client.
func (e *Emulator) isapiDeviceInfo() []byte {
	esc := func(v string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(v))
		return b.String()
	}
	fw, build, _ := strings.Cut(e.Device.Firmware, " ")
	body := "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeviceInfo version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\n" +
		"<deviceName>" + esc(e.Device.Name) + "</deviceName>\n<model>" + esc(e.Device.Model) + "</model>\n" +
		"<serialNumber>" + esc(e.Device.Serial) + "</serialNumber>\n<macAddress>" + esc(e.Device.MAC.String()) + "</macAddress>\n" +
		"<firmwareVersion>" + esc(fw) + "</firmwareVersion>\n<firmwareReleasedDate>" + esc(build) + "</firmwareReleasedDate>\n" +
		"<deviceType>IPCamera</deviceType>\n<manufacturer>hikvision</manufacturer>\n</DeviceInfo>\n"
	return []byte("HTTP/1.1 200 OK\r\nContent-Type: application/xml; charset=\"UTF-8\"\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\nConnection: keep-alive\r\n\r\n" + body)
}

func (e *Emulator) hikvisionRTSP(c net.Conn, r *request) reply {
	v := e.rtspVars(r)
	v["RTSPDate"] = e.Now().UTC().Format(hikRTSPDate)
	realm := "IP Camera(" + e.Device.Realm + ")"
	switch {
	case r.Method == "OPTIONS":
		return reply{data: e.render(c, "rtsp-options", v), keep: true}
	case !digestOK(r.Get("Authorization"), r.Method, realm, e.Device.Password):
		return reply{data: e.render(c, "rtsp-401", v), keep: true}
	case r.Method == "DESCRIBE":
		v["SessionID"] = strconv.FormatInt(e.Now().UnixMicro(), 10)
		return reply{data: e.render(c, "rtsp-describe", v), keep: true}
	default:
		return rtspNotImplemented(v["CSeq"])
	}
}

// hikSDKReply is nmap's "Hikvision IPCam control port" match (§10).
var hikSDKReply = []byte{0, 0, 0, 0x10, 0, 0, 0, 0x1e, 0, 0, 0, 0x1e, 0, 0, 0, 0}

// hikvisionSDK stays silent until the client has sent 16 bytes, then sends
// the 16-byte header and closes, as the camera's port 8000 does to a probe
// it does not understand. nmap records the reply but not which of its
// probes drew it, so the 16-byte threshold is this emulator's assumption
// (a real header is at least that long); camsweep's 18-byte probe meets
// it either way.
func (e *Emulator) hikvisionSDK(_ context.Context, c net.Conn) {
	c.SetReadDeadline(time.Now().Add(e.Timeouts.Idle))
	buf := make([]byte, 16)
	if _, err := io.ReadFull(c, buf); err != nil {
		return
	}
	c.SetWriteDeadline(time.Now().Add(e.Timeouts.Read))
	c.Write(hikSDKReply)
	// Read the rest of the probe until the client closes: closing with
	// unread bytes would send a reset, which may drop the reply unread.
	c.SetReadDeadline(time.Now().Add(e.Timeouts.Read))
	io.Copy(io.Discard, io.LimitReader(c, 4<<10))
}

// --- Dahua (docs/protocols/http.md §5.2, docs/protocols/rtsp.md §6.2, docs/protocols/ports.md §10) ---

func (e *Emulator) dahuaHTTP(c net.Conn, r *request) reply {
	switch {
	case r.Target == "/" || r.Target == "/index.html":
		return reply{data: e.render(c, "root", nil)}
	case r.Target == "/favicon.ico":
		return e.faviconReply()
	case r.Target == "/RPC2_Login" && r.Method == "POST":
		var req struct {
			ID json.RawMessage `json:"id"`
		}
		id := "1"
		if json.Unmarshal(r.Body, &req) == nil && isJSONInt(req.ID) {
			id = string(req.ID)
		}
		return reply{data: e.render(c, "rpc2-login", map[string]any{
			"ID":            id,
			"Authorization": randomHex(20),
			"Random":        strconv.Itoa(1000000 + mrand.IntN(9000000)),
			"Session":       strconv.Itoa(1000000000 + mrand.IntN(1000000000)),
		})}
	case hasPathPrefix(r.Target, "/cgi-bin"), hasPathPrefix(r.Target, "/RPC2"):
		return reply{data: e.render(c, "cgi401", nil)}
	default:
		return reply{data: e.render(c, "notfound", nil)}
	}
}

func isJSONInt(b json.RawMessage) bool {
	_, err := strconv.ParseInt(string(b), 10, 64)
	return err == nil
}

func (e *Emulator) dahuaRTSP(c net.Conn, r *request) reply {
	v := e.rtspVars(r)
	// Dahua asks for credentials before it will even answer OPTIONS.
	if !digestOK(r.Get("Authorization"), r.Method, "Login to "+e.Device.Serial, e.Device.Password) {
		return reply{data: e.render(c, "rtsp-401", v), keep: true}
	}
	switch r.Method {
	case "OPTIONS":
		return reply{data: e.render(c, "rtsp-options", v), keep: true}
	case "DESCRIBE":
		return reply{data: e.render(c, "rtsp-describe", v), keep: true}
	default:
		return rtspNotImplemented(v["CSeq"])
	}
}

// dvripRealmRequest is DahuaConsole's realm request (§10): a0 01 00 00,
// 20 zero bytes, 05 02 01 01 00 00 a1 aa.
var dvripRealmRequest = []byte{0xa0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x02, 0x01, 0x01, 0, 0, 0xa1, 0xaa}

// dahuaDVRIP answers a 32-byte DVRIP realm request with a 32-byte header
// (b0 01, payload length at offset 4, little endian) and the realm text; any
// other 32 bytes get silence, as the device gives to what it does not parse.
func (e *Emulator) dahuaDVRIP(_ context.Context, c net.Conn) {
	c.SetReadDeadline(time.Now().Add(e.Timeouts.Idle))
	buf := make([]byte, 32)
	if _, err := io.ReadFull(c, buf); err != nil || buf[0] != 0xa0 || buf[1] != 0x01 {
		return
	}
	text := "Realm:Login to " + e.Device.Serial + "\r\nRandom:" +
		strconv.Itoa(100000000+mrand.IntN(900000000)) + "\r\n"
	hdr := make([]byte, 32)
	hdr[0], hdr[1] = 0xb0, 0x01
	n := len(text)
	hdr[4], hdr[5], hdr[6], hdr[7] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	c.SetWriteDeadline(time.Now().Add(e.Timeouts.Read))
	c.Write(append(hdr, text...))
}

// --- Axis (docs/protocols/http.md §5.3) ---

func (e *Emulator) axisHTTP(c net.Conn, r *request) reply {
	switch {
	case r.Target == "/":
		return reply{data: e.render(c, "root", nil)}
	case r.Target == "/axis-cgi/basicdeviceinfo.cgi" && r.Method == "POST":
		return reply{data: e.render(c, "basicdeviceinfo", nil)}
	default:
		return reply{data: e.render(c, "notfound", map[string]any{"Path": r.Target})}
	}
}

func (e *Emulator) axisRTSP(c net.Conn, r *request) reply {
	v := e.rtspVars(r)
	if r.Method == "OPTIONS" {
		return reply{data: e.render(c, "rtsp-options", v), keep: true}
	}
	if !digestOK(r.Get("Authorization"), r.Method, "AXIS_"+strings.ToUpper(strings.ReplaceAll(e.Device.MAC.String(), ":", "")), e.Device.Password) {
		return reply{data: e.render(c, "rtsp-401", v), keep: true}
	}
	return rtspNotImplemented(v["CSeq"])
}

// --- Uniview (docs/protocols/http.md §5.3, docs/protocols/rtsp.md §6.3) ---
//
// Facts: the LAPI JSON API answers GET /LAPI/V1.0/System/DeviceInfo behind
// HTTP digest, and unknown LAPI paths answer HTTP 599 with ResponseCode 1
// (field notes of an NVR302-16S2). No Server header, realm, root page or
// RTSP banner of Uniview is known, so those replies are SYNTH and carry no
// vendor marker (the digest realm is "camsweep-lab-synth"): the emulator
// must not teach the rules anything that a real Uniview would not say.

func (e *Emulator) univiewHTTP(c net.Conn, r *request) reply {
	switch {
	case r.Target == "/":
		return reply{data: e.render(c, "root", nil), keep: true}
	case r.Target == "/LAPI/V1.0/System/DeviceInfo":
		return reply{data: e.render(c, "lapi401", nil), keep: true}
	case hasPathPrefix(r.Target, "/LAPI"):
		return reply{data: e.render(c, "lapi599", map[string]any{"Path": r.Target}), keep: true}
	default:
		return reply{data: e.render(c, "notfound", nil), keep: true}
	}
}

func (e *Emulator) univiewRTSP(c net.Conn, r *request) reply {
	v := e.rtspVars(r)
	if r.Method == "OPTIONS" {
		return reply{data: e.render(c, "rtsp-options", v), keep: true}
	}
	return reply{data: e.render(c, "rtsp-401", v), keep: true}
}

// --- Not cameras ---

func (e *Emulator) nginxHTTP(c net.Conn, r *request) reply {
	if r.Target == "/" || r.Target == "/index.html" {
		return reply{data: e.render(c, "root", nil), keep: true}
	}
	return reply{data: e.render(c, "notfound", nil), keep: true}
}

// httpAPI is Windows HTTP.sys with nothing registered at the URL.
func (e *Emulator) httpAPI(c net.Conn, _ *request) reply {
	return reply{data: e.render(c, "notfound", nil)}
}

// hasPathPrefix reports whether target's path is prefix or below it.
func hasPathPrefix(target, prefix string) bool {
	rest, ok := strings.CutPrefix(target, prefix)
	return ok && (rest == "" || rest[0] == '/' || rest[0] == '?')
}

package emulator

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/netip"
	"time"
)

// --- Xiongmai NETSurveillance/XMEye DVR (docs/protocols/http.md §5.3, docs/protocols/udp-discovery.md §7.3, docs/protocols/xmeye.md §10) ---
//
// Facts: discovery is a 20-byte DVRIP header (0xff, msgid 1530) to UDP
// 34569, answered with msgid 1531 and {"NetWork.NetCommon": {…}} whose keys
// python-dvr, go2rtc and sol-vin/xet read; the web server says
// "uc-httpd 1.0.0" and the page title is "NETSurveillance WEB"; the Sofia
// service listens on TCP 34567 and the client speaks first. No reply was
// ever captured, so the values, the key order (sorted, as python-dvr's
// json.dumps and Go both write) and the HTTP header set are SYNTH.

// xmeyePort is the XMEye discovery port.
const xmeyePort = 34569

// XMEye message ids of §10.
const (
	xmeyeSearch      = 1530
	xmeyeSearchReply = 1531
)

func (e *Emulator) xmeyeService() UDPService {
	return UDPService{Port: xmeyePort, Name: "xmeye", Broadcast: true, Handle: e.xmeyeReply}
}

// xmeyeReply answers a msgid-1530 search, sent by broadcast or unicast,
// with a 1531 frame to the sender. DeviceType is a number as go2rtc reads
// it (its meaning is unconfirmed; 0 is SDK_DEVICE_TYPE_DVR in the NetSDK
// headers); the reply names no model. Anything else gets silence.
func (e *Emulator) xmeyeReply(req []byte, from netip.AddrPort) [][]byte {
	if len(req) < 20 || req[0] != 0xff || binary.LittleEndian.Uint16(req[14:]) != xmeyeSearch {
		return nil
	}
	self := localAddrFor(from)
	mask, gw := ifaceFacts(self)
	nc := map[string]any{
		"BuildDate":       "2023-03-08 15:27:44",
		"ChannelNum":      8,
		"DeviceType":      0,
		"GateWay":         xmeyeHex(gw),
		"HostIP":          xmeyeHex(self.String()),
		"HostName":        "LocalHost",
		"HttpPort":        80,
		"MAC":             e.Device.MAC.String(),
		"MaxBps":          0,
		"MonMode":         "TCP",
		"NetConnectState": 0,
		"OtherFunction":   "D=2023-03-08 15:27:44 V=" + md5hex(e.Device.Serial)[:15],
		"SN":              e.Device.Serial,
		"SSLPort":         8443,
		"Submask":         xmeyeHex(mask),
		"TCPMaxConn":      10,
		"TCPPort":         34567,
		"TransferPlan":    "Quality",
		"UDPPort":         34568,
		"UseHSDownLoad":   false,
	}
	if e.Device.Firmware != "" {
		nc["Version"] = e.Device.Firmware
	}
	body, err := json.Marshal(map[string]any{"NetWork.NetCommon": nc, "Ret": 100, "SessionID": "0x00000000"})
	if err != nil {
		return nil
	}
	body = append(body, '\n', 0)
	frame := make([]byte, 20, 20+len(body))
	frame[0] = 0xff
	binary.LittleEndian.PutUint16(frame[14:], xmeyeSearchReply)
	binary.LittleEndian.PutUint32(frame[16:], uint32(len(body)))
	return [][]byte{append(frame, body...)}
}

// xmeyeHex writes a dotted quad the XMEye way: "0x" and the upper-case hex
// of the address as a little-endian u32 (198.18.10.70 is "0x460A12C6").
func xmeyeHex(dotted string) string {
	a, err := netip.ParseAddr(dotted)
	if err != nil || !a.Is4() {
		return "0x00000000"
	}
	b := a.As4()
	const hexd = "0123456789ABCDEF"
	out := []byte("0x")
	for i := 3; i >= 0; i-- {
		out = append(out, hexd[b[i]>>4], hexd[b[i]&15])
	}
	return string(out)
}

func (e *Emulator) xiongmaiHTTP(c net.Conn, r *request) reply {
	if r.Target == "/" || r.Target == "/index.htm" || r.Target == "/index.html" {
		return reply{data: e.render(c, "root", nil)}
	}
	return reply{data: e.render(c, "notfound", nil)}
}

// xmeyeSofia is TCP 34567: it reads what the client sends (a DVRIP login,
// or nothing from a port scan) until the client stops or a bound is hit,
// and closes without answering. The emulator speaks no Sofia.
func (e *Emulator) xmeyeSofia(_ context.Context, c net.Conn) {
	c.SetReadDeadline(time.Now().Add(e.Timeouts.Idle))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, maxHead))
}

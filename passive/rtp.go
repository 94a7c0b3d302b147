package passive

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"

	"github.com/camsweep/camsweep/device"
)

// A recorder pulls each camera's video over RTSP and the camera sends it
// as RTP (RFC 3550), over UDP from its server port to the recorder's
// client port, or interleaved in the RTSP connection ('$', channel,
// length: RFC 2326 §10.12). A flow of RTP video from one site address to
// another makes the sender a camera (or an encoder: whatever produces a
// stream) and the receiver a recorder. The flow says so whether or not
// the capture holds the RTSP SETUP that began it: a recorder's sessions
// last for days, a capture for minutes.
//
// A flow counts once rtpMinPackets of its packets carried RTP version 2
// with one SSRC, sequence numbers moving forward by at most rtpMaxGap, a
// payload type a video stream uses (JPEG 26, MPV 32, MP2T 33, H.263 34,
// or a dynamic type 96-127: the H.264 and H.265 of every camera's SDP) and
// on average at least rtpMinAvg bytes: video fills its packets, while
// audio and voice (PCMU, PCMA, G.722…) use small ones. Both ends must be
// site addresses (siteAddr): a PC's video call through the internet is no
// camera of the site. Each flow is reported once; the flows followed are
// bounded (maxRTPFlows, forgotten all at once when full, as the repeats
// are).
const (
	rtpMinPackets = 100
	rtpMaxGap     = 64
	rtpMinAvg     = 500
	maxRTPFlows   = 1024
)

// Roles of the two ends of an RTP flow, in rtp.role.
const (
	RoleSource = "source" // sends the stream: a camera or encoder
	RoleSink   = "sink"   // receives it: a recorder
)

type rtpKey struct {
	src, dst     netip.Addr
	sport, dport uint16
	tcp          bool
}

type rtpFlow struct {
	ssrc     uint32
	seq      uint16
	n        int
	bytes    int
	reported bool
}

// rtpHeader returns the payload type and SSRC and sequence number of an
// RTP packet carrying video, ok false for anything else.
func rtpHeader(p []byte) (pt uint8, ssrc uint32, seq uint16, ok bool) {
	if len(p) < 12 || p[0]>>6 != 2 {
		return 0, 0, 0, false
	}
	hl := 12 + 4*int(p[0]&0x0f)
	if p[0]&0x10 != 0 { // header extension: 4 bytes, then its length in words
		if len(p) < hl+4 {
			return 0, 0, 0, false
		}
		hl += 4 + 4*int(binary.BigEndian.Uint16(p[hl+2:]))
	}
	if len(p) <= hl {
		return 0, 0, 0, false
	}
	pt = p[1] & 0x7f
	if !(pt == 26 || pt == 32 || pt == 33 || pt == 34 || pt >= 96) {
		return 0, 0, 0, false
	}
	return pt, binary.BigEndian.Uint32(p[8:]), binary.BigEndian.Uint16(p[2:]), true
}

// decodeRTP follows a UDP datagram, or the start of a TCP segment of an
// interleaved stream, that may be RTP from src to dst.
func (d *Decoder) decodeRTP(p []byte, src, dst netip.Addr, sp, dp uint16, tcp bool, mac string, vlan uint16, ts time.Time) {
	src, dst = src.Unmap(), dst.Unmap()
	if tcp {
		// '$', channel (RTP on the even ones), length, the packet.
		if len(p) < 4 || p[0] != '$' || p[1]&1 != 0 {
			return
		}
		n := int(binary.BigEndian.Uint16(p[2:]))
		p = p[4:]
		if n < len(p) {
			p = p[:n]
		}
	} else if sp < 1024 || dp < 1024 {
		return
	}
	pt, ssrc, seq, ok := rtpHeader(p)
	if !ok || !hostAddr(src) || !siteAddr(src) || !dst.IsValid() || !siteAddr(dst) && !dst.IsMulticast() {
		return
	}
	k := rtpKey{src, dst, sp, dp, tcp}
	f := d.rtp[k]
	if f == nil {
		if d.rtp == nil || len(d.rtp) >= maxRTPFlows {
			d.rtp = make(map[rtpKey]*rtpFlow, 64)
		}
		f = &rtpFlow{ssrc: ssrc, seq: seq - 1}
		d.rtp[k] = f
	}
	if f.reported {
		return
	}
	if f.ssrc != ssrc {
		// Another stream on the same ports (the camera restarted it):
		// count it from here.
		*f = rtpFlow{ssrc: ssrc, seq: seq - 1}
	}
	if gap := seq - f.seq; gap == 0 || gap > rtpMaxGap {
		return // a repeat, reordering or a stray: not counted
	}
	f.seq = seq
	f.n++
	f.bytes += len(p)
	if f.n < rtpMinPackets {
		return
	}
	if f.bytes/f.n < rtpMinAvg {
		*f = rtpFlow{ssrc: ssrc, seq: seq, reported: true} // audio: never a video flow
		return
	}
	f.reported = true
	transport := "udp"
	if tcp {
		transport = "tcp"
	}
	fields := func(role string, peer netip.Addr, port uint16) *device.Evidence {
		return &device.Evidence{Source: device.SourcePassive, Addr: src, Port: port, Time: ts, Fields: map[string]string{
			FieldProto: "rtp", "rtp.role": role, "rtp.peer": peer.String(), "rtp.transport": transport,
			"rtp.payload_type": strconv.Itoa(int(pt)),
		}}
	}
	cam := fields(RoleSource, dst, sp)
	cam.MAC = mac
	d.out = append(d.out, Observation{Addr: src, MAC: mac, VLAN: vlan, Evidence: cam})
	if hostAddr(dst) {
		// The receiver's own MAC is not the frame's source: its
		// binding comes from its own frames.
		rec := fields(RoleSink, src, dp)
		rec.Addr = dst
		d.out = append(d.out, Observation{Addr: dst, Evidence: rec})
	}
}

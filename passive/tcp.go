package passive

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/scanner/rtspprobe"
	"github.com/camsweep/camsweep/scanner/tlsinfo"
)

// A device's answers to whoever talked to it over TCP — an HTTP or RTSP
// response, a TLS 1.2 server certificate — go through the same parsers as
// a scan's probes. Only the server's direction is followed, from the
// segment that starts a response ("HTTP/1.", "RTSP/1.", a TLS handshake
// record holding a ServerHello), in sequence order, and each stream is
// bounded: at most maxStreams in progress (the oldest is dropped for a
// new one), maxStreamBytes each (a response head and the start of its
// body, or a certificate chain), at most maxOutOfOrder segments held
// ahead of a gap, forgotten after streamTimeout of capture time. A
// retransmitted or overlapping segment contributes only its new bytes. A
// stream ends in one piece of evidence when its response is complete, its
// buffer is full, or its connection closes (FIN or RST).
const (
	maxStreams     = 256
	maxStreamBytes = 32 << 10
	maxOutOfOrder  = 8
	streamTimeout  = 30 * time.Second
)

type streamKey struct {
	src, dst     netip.Addr
	sport, dport uint16
}

type stream struct {
	key   streamKey
	proto string // "http", "rtsp", "tls"
	next  uint32 // sequence number of the next byte wanted
	buf   []byte
	ahead []fragPart // out-of-order segments: off = sequence number
	last  time.Time
	mac   string
	vlan  uint16
}

// decodeTCP follows the server side of TCP streams (see above).
func (d *Decoder) decodeTCP(b []byte, src, dst netip.Addr, mac string, vlan uint16, ts time.Time) {
	if d.tcp.DecodeFromBytes(b, gopacket.NilDecodeFeedback) != nil {
		return
	}
	t := &d.tcp
	k := streamKey{src.Unmap(), dst.Unmap(), uint16(t.SrcPort), uint16(t.DstPort)}
	d.streams = slices.DeleteFunc(d.streams, func(s *stream) bool { return ts.Sub(s.last) > streamTimeout })
	var s *stream
	for _, x := range d.streams {
		if x.key == k {
			s = x
		}
	}
	payload := t.Payload
	if s == nil {
		proto := responseStart(payload)
		if proto == "" {
			d.decodeRTP(payload, src, dst, k.sport, k.dport, true, mac, vlan, ts)
			return
		}
		if !hostAddr(src) || !siteAddr(src) {
			return
		}
		if len(d.streams) >= maxStreams {
			d.streams = d.streams[1:]
		}
		s = &stream{key: k, proto: proto, next: t.Seq, mac: mac, vlan: vlan}
		d.streams = append(d.streams, s)
	}
	s.last = ts
	s.add(t.Seq, payload)
	if t.FIN || t.RST || len(s.buf) >= maxStreamBytes || s.complete() {
		d.finish(s, ts)
	}
}

// responseStart names the protocol whose response payload begins, "" for
// anything else.
func responseStart(p []byte) string {
	switch {
	case bytes.HasPrefix(p, []byte("HTTP/1.")):
		return "http"
	case bytes.HasPrefix(p, []byte("RTSP/1.")):
		return "rtsp"
	case len(p) > 5 && p[0] == 22 && p[1] == 3 && p[5] == 2: // handshake record, ServerHello
		return "tls"
	}
	return ""
}

// add puts the bytes of a segment starting at seq in place: the ones
// already held are skipped, the ones after a gap wait (bounded).
func (s *stream) add(seq uint32, p []byte) {
	if len(p) == 0 {
		return
	}
	if d := int32(seq - s.next); d > 0 {
		if len(s.ahead) < maxOutOfOrder && int(d) < maxStreamBytes {
			s.ahead = append(s.ahead, fragPart{off: int(seq), data: slices.Clone(p)})
		}
		return
	} else if -d >= int32(len(p)) {
		return // a retransmission of bytes held
	} else {
		p = p[-d:]
	}
	room := maxStreamBytes - len(s.buf)
	s.buf = append(s.buf, p[:min(len(p), room)]...)
	s.next += uint32(len(p))
	// Segments that waited for this one.
	for progress := true; progress && len(s.ahead) > 0; {
		progress = false
		for i, a := range s.ahead {
			if int32(uint32(a.off)-s.next) <= 0 {
				s.ahead = slices.Delete(s.ahead, i, i+1)
				s.add(uint32(a.off), a.data)
				progress = true
				break
			}
		}
	}
}

// complete reports whether the buffer holds a whole response: an HTTP or
// RTSP response whose body is as long as it says, or the TLS handshake up
// to the server's certificate.
func (s *stream) complete() bool {
	switch s.proto {
	case "http":
		r, err := httpprobe.ParseResponse(s.buf)
		return err == nil && r.Complete
	case "rtsp":
		r, err := rtspprobe.ParseResponse(s.buf)
		return err == nil && r.Complete
	case "tls":
		return serverCertificate(s.buf) != nil
	}
	return true
}

// finish turns a stream into evidence of its server and forgets it.
func (d *Decoder) finish(s *stream, ts time.Time) {
	d.streams = slices.DeleteFunc(d.streams, func(x *stream) bool { return x == s })
	var f map[string]string
	switch s.proto {
	case "http":
		if r, err := httpprobe.ParseResponse(s.buf); r != nil && (err == nil || errors.Is(err, httpprobe.ErrIncomplete)) {
			f = r.Fields()
		}
	case "rtsp":
		if r, err := rtspprobe.ParseResponse(s.buf); r != nil && (err == nil || errors.Is(err, rtspprobe.ErrIncomplete)) {
			f = r.Fields()
		}
	case "tls":
		if der := serverCertificate(s.buf); der != nil {
			f, _ = tlsinfo.ParseCertificate(der)
		}
	}
	if len(f) == 0 {
		return
	}
	for k, v := range f {
		if v == "" {
			delete(f, k)
		}
	}
	f[FieldProto] = s.proto
	ev := &device.Evidence{Source: device.SourcePassive, Addr: s.key.src, MAC: s.mac, Port: s.key.sport, Time: ts, Fields: f}
	d.out = append(d.out, Observation{Addr: s.key.src, MAC: s.mac, VLAN: s.vlan, Evidence: ev})
}

// serverCertificate returns the first certificate of the Certificate
// message in a TLS 1.2 (or earlier) server's handshake records, nil
// before it is whole. TLS 1.3 encrypts it: nil.
func serverCertificate(b []byte) []byte {
	var hs []byte
	for len(b) >= 5 && b[0] == 22 {
		n := int(b[3])<<8 | int(b[4])
		if len(b) < 5+n {
			hs = append(hs, b[5:]...)
			break
		}
		hs = append(hs, b[5:5+n]...)
		b = b[5+n:]
	}
	for len(hs) >= 4 {
		typ, n := hs[0], int(hs[1])<<16|int(hs[2])<<8|int(hs[3])
		if len(hs) < 4+n {
			return nil
		}
		body := hs[4 : 4+n]
		if typ == 11 { // Certificate: 3-byte list length, then 3-byte length + DER each
			if len(body) < 6 {
				return nil
			}
			cn := int(body[3])<<16 | int(body[4])<<8 | int(body[5])
			if cn == 0 || len(body) < 6+cn {
				return nil
			}
			return body[6 : 6+cn]
		}
		hs = hs[4+n:]
	}
	return nil
}

// siteRanges are the address ranges a site's own devices use besides
// RFC 1918 and ULA (netip.Addr.IsPrivate) and link-local: carrier-grade
// NAT and the benchmark range the lab uses.
var siteRanges = []netip.Prefix{netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("198.18.0.0/15")}

// siteAddr reports whether a is an address of the site rather than the
// internet's. A mirror port shows every web server the users visit;
// their responses name no device of the site and would bury the cameras,
// so TCP responses are kept only from site addresses.
func siteAddr(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsPrivate() || a.IsLinkLocalUnicast() {
		return true
	}
	for _, p := range siteRanges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

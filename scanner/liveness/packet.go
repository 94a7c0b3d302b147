package liveness

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// TCP flags of the segments the raw path sends and reads.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagACK = 0x10
)

// synSegment builds the 20-byte TCP SYN from src:sport to dst:dport with
// sequence number seq (no options, no payload), checksum filled in; the
// kernel adds the IP header.
func synSegment(src, dst netip.Addr, sport, dport uint16, seq uint32) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint32(b[4:], seq)
	b[12] = 5 << 4 // data offset: five 32-bit words, no options
	b[13] = flagSYN
	binary.BigEndian.PutUint16(b[14:], 1024) // window, as nmap's SYN scan
	binary.BigEndian.PutUint16(b[16:], tcpChecksum(src, dst, b))
	return b
}

// tcpChecksum is RFC 793's checksum over the IPv4 pseudo-header and seg
// (whose checksum field must be zero, or the result verifies it: zero).
func tcpChecksum(src, dst netip.Addr, seg []byte) uint16 {
	var sum uint32
	s, d := src.As4(), dst.As4()
	for _, w := range [][]byte{s[:], d[:]} {
		sum += uint32(w[0])<<8 | uint32(w[1])
		sum += uint32(w[2])<<8 | uint32(w[3])
	}
	sum += 6 // protocol TCP
	sum += uint32(len(seg))
	for i := 0; i+1 < len(seg); i += 2 {
		sum += uint32(seg[i])<<8 | uint32(seg[i+1])
	}
	if len(seg)%2 == 1 {
		sum += uint32(seg[len(seg)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// reply is what one TCP segment says about a probed port.
type reply struct {
	sport, dport uint16 // the segment's: the probed port, our port
	ack          uint32
	state        string // "open" (SYN-ACK) or "closed" (RST)
}

var errNotAnswer = errors.New("not an answer to a SYN")

// parseReply reads a TCP segment (no IP header) as an answer to a SYN: a
// SYN-ACK or a RST with ACK. Anything else, or a short or malformed
// segment, is errNotAnswer.
func parseReply(seg []byte) (reply, error) {
	if len(seg) < 20 {
		return reply{}, errNotAnswer
	}
	if off := int(seg[12]>>4) * 4; off < 20 || off > len(seg) {
		return reply{}, errNotAnswer
	}
	r := reply{sport: binary.BigEndian.Uint16(seg[0:]), dport: binary.BigEndian.Uint16(seg[2:]), ack: binary.BigEndian.Uint32(seg[8:])}
	fl := seg[13]
	switch {
	case fl&flagACK == 0:
		// A RST without ACK answers no SYN of ours (RFC 793: the reply to
		// a SYN on a closed port acknowledges it).
		return reply{}, errNotAnswer
	case fl&flagRST != 0:
		r.state = "closed"
	case fl&(flagSYN|flagFIN) == flagSYN:
		r.state = "open"
	default:
		return reply{}, errNotAnswer
	}
	return r, nil
}

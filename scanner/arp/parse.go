package arp

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// Errors of ParseFrame; values, so the receive path does not allocate.
var (
	ErrTruncated = errors.New("arp: truncated frame")
	ErrNotARP    = errors.New("arp: not an ARP frame")
	ErrNotIPv4   = errors.New("arp: not Ethernet/IPv4 ARP (hardware or protocol type or address lengths)")
)

// Operations of RFC 826.
const (
	OpRequest = 1
	OpReply   = 2
)

// Packet is an Ethernet/IPv4 ARP message.
type Packet struct {
	EthSrc    [6]byte
	Op        uint16
	SenderMAC [6]byte
	SenderIP  netip.Addr
	TargetMAC [6]byte
	TargetIP  netip.Addr
}

// Gratuitous reports an announcement: a host telling the segment its own
// binding (sender and target address equal), as request or reply.
func (p Packet) Gratuitous() bool { return p.SenderIP == p.TargetIP }

const (
	ethHeader = 14
	arpLen    = 28
)

// ParseFrame reads an Ethernet II frame carrying ARP (one 802.1Q tag is
// allowed). Only Ethernet (1) over IPv4 (0x0800) with lengths 6 and 4 is
// accepted: a message claiming other lengths is ErrNotIPv4, not a guess.
// Trailing padding is ignored. It does not allocate.
func ParseFrame(b []byte) (Packet, error) {
	var p Packet
	if len(b) < ethHeader {
		return p, ErrTruncated
	}
	copy(p.EthSrc[:], b[6:12])
	et := binary.BigEndian.Uint16(b[12:14])
	off := ethHeader
	if et == 0x8100 {
		if len(b) < ethHeader+4 {
			return p, ErrTruncated
		}
		et = binary.BigEndian.Uint16(b[16:18])
		off += 4
	}
	if et != 0x0806 {
		return p, ErrNotARP
	}
	a := b[off:]
	if len(a) < 8 {
		return p, ErrTruncated
	}
	if binary.BigEndian.Uint16(a[0:2]) != 1 || binary.BigEndian.Uint16(a[2:4]) != 0x0800 || a[4] != 6 || a[5] != 4 {
		return p, ErrNotIPv4
	}
	if len(a) < arpLen {
		return p, ErrTruncated
	}
	p.Op = binary.BigEndian.Uint16(a[6:8])
	copy(p.SenderMAC[:], a[8:14])
	p.SenderIP = netip.AddrFrom4([4]byte(a[14:18]))
	copy(p.TargetMAC[:], a[18:24])
	p.TargetIP = netip.AddrFrom4([4]byte(a[24:28]))
	return p, nil
}

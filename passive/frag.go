package passive

import (
	"bytes"
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Discovery replies are often longer than one Ethernet frame holds (a
// SADP ProbeMatch is about 1.5 KiB, an XMEye reply with its JSON as much):
// they reach the wire as IPv4 fragments, and a capture holds the pieces.
// The reassembly below is bounded: at most maxFragDatagrams datagrams in
// progress (the oldest is dropped for a new one), at most maxFragParts
// pieces and 64 KiB each, pieces older than fragTimeout (capture time,
// RFC 791's 15 s upper bound doubled) forgotten. Overlapping pieces
// (a teardrop-style attack, or two datagrams sharing an id) drop the
// datagram: nothing a device announces needs them. A piece seen again
// unchanged is a copy, not an overlap.
const (
	maxFragDatagrams = 64
	maxFragParts     = 64
	maxDatagramLen   = 65535
	fragTimeout      = 30 * time.Second
)

type fragKey struct {
	src, dst netip.Addr
	id       uint16
	proto    layers.IPProtocol
}

type fragPart struct {
	off  int
	data []byte
}

type fragDatagram struct {
	key   fragKey
	parts []fragPart
	total int // -1 until the last piece (no MF flag) arrived
	size  int
	first time.Time
}

// reassemble files one fragment of ip and returns the whole payload once
// every piece is there, nil before.
func (d *Decoder) reassemble(ip *layers.IPv4, src, dst netip.Addr, ts time.Time) []byte {
	k := fragKey{src, dst, ip.Id, ip.Protocol}
	// Forget what is too old, and find this datagram's pieces.
	var dg *fragDatagram
	d.frags = slices.DeleteFunc(d.frags, func(f *fragDatagram) bool { return ts.Sub(f.first) > fragTimeout })
	for _, f := range d.frags {
		if f.key == k {
			dg = f
		}
	}
	if dg == nil {
		if len(d.frags) >= maxFragDatagrams {
			d.frags = d.frags[1:]
		}
		dg = &fragDatagram{key: k, total: -1, first: ts}
		d.frags = append(d.frags, dg)
	}
	off := int(ip.FragOffset) * 8
	data := ip.Payload
	drop := func() []byte {
		d.frags = slices.DeleteFunc(d.frags, func(f *fragDatagram) bool { return f == dg })
		return nil
	}
	if off+len(data) > maxDatagramLen || len(dg.parts) >= maxFragParts {
		return drop()
	}
	for _, p := range dg.parts {
		if p.off == off && bytes.Equal(p.data, data) {
			// The same piece again: a capture on several ports of a
			// switch (tcpdump -i any) holds each frame once per port.
			return nil
		}
		if off < p.off+len(p.data) && p.off < off+len(data) {
			return drop()
		}
	}
	if ip.Flags&layers.IPv4MoreFragments == 0 {
		if dg.total >= 0 {
			return drop() // two last pieces
		}
		dg.total = off + len(data)
	} else if len(data)%8 != 0 {
		return drop() // only the last piece may end off an 8-byte boundary
	}
	dg.parts = append(dg.parts, fragPart{off, slices.Clone(data)})
	dg.size += len(data)
	if dg.total < 0 || dg.size != dg.total {
		return nil
	}
	// No overlap and the sizes add up: the pieces tile the datagram.
	out := make([]byte, dg.total)
	for _, p := range dg.parts {
		if p.off+len(p.data) > dg.total {
			return drop()
		}
		copy(out[p.off:], p.data)
	}
	drop()
	return out
}

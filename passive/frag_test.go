package passive

import (
	"encoding/binary"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// fragments cuts an Ethernet/IPv4/UDP frame (no VLAN) into IPv4 fragments
// of at most size payload bytes (a multiple of 8), as a sender with a
// small MTU does.
func fragments(t *testing.T, frame []byte, size int) [][]byte {
	t.Helper()
	var ip layers.IPv4
	if err := ip.DecodeFromBytes(frame[14:], gopacket.NilDecodeFeedback); err != nil {
		t.Fatal(err)
	}
	payload := ip.Payload // the UDP header and data
	var out [][]byte
	for off := 0; off < len(payload); off += size {
		end := min(off+size, len(payload))
		hdr := make([]byte, 20)
		copy(hdr, frame[14:34])
		binary.BigEndian.PutUint16(hdr[2:], uint16(20+end-off))
		binary.BigEndian.PutUint16(hdr[4:], 0x4242)
		fo := uint16(off / 8)
		if end < len(payload) {
			fo |= 0x2000 // MF
		}
		binary.BigEndian.PutUint16(hdr[6:], fo)
		f := append(append(append([]byte(nil), frame[:14]...), hdr...), payload[off:end]...)
		out = append(out, f)
	}
	return out
}

func TestDecoder_reassemblesFragments(t *testing.T) {
	frame := udpFrame(t, camMAC, "198.18.180.21", "239.255.255.250", 37020, 37020, 0, readReal(t, "sadp/hikvision-ds-2cd2320d-i.xml"))
	parts := fragments(t, frame, 512)
	if len(parts) < 2 {
		t.Fatalf("%d fragments", len(parts))
	}
	var d Decoder
	var got []Observation
	// Out of order, each piece twice (a capture on every port of a
	// switch): the last piece first.
	parts = append(parts, parts[len(parts)-1])
	for i := len(parts) - 1; i >= 0; i-- {
		for _, o := range d.Decode(parts[i], layers.LinkTypeEthernet, ts0) {
			if o.Evidence != nil {
				got = append(got, o)
			}
		}
	}
	if len(got) != 1 || got[0].Evidence.Fields["sadp.device_description"] != "DS-2CD2320D-I" {
		t.Fatalf("evidence %+v", got)
	}
	if len(d.frags) != 0 {
		t.Errorf("%d datagrams still held", len(d.frags))
	}
	// A piece overlapping another drops the datagram.
	var d2 Decoder
	overlap := append([]byte(nil), parts[1]...)
	binary.BigEndian.PutUint16(overlap[14+6:], 0x2000|uint16(256/8))
	for _, p := range append([][]byte{parts[0], overlap}, parts[1:]...) {
		for _, o := range d2.Decode(p, layers.LinkTypeEthernet, ts0) {
			if o.Evidence != nil {
				t.Fatalf("evidence from overlapping pieces: %v", o.Evidence.Fields)
			}
		}
	}
	// Pieces that never complete are bounded.
	var d3 Decoder
	for i := range 3 * maxFragDatagrams {
		p := append([]byte(nil), parts[0]...)
		binary.BigEndian.PutUint16(p[14+4:], uint16(i))
		d3.Decode(p, layers.LinkTypeEthernet, ts0)
	}
	if len(d3.frags) != maxFragDatagrams {
		t.Errorf("%d datagrams held, want the cap %d", len(d3.frags), maxFragDatagrams)
	}
}

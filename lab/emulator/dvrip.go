package emulator

import (
	"bytes"
	"encoding/binary"
	"net/netip"
)

// dvripSearchPort is Dahua's legacy binary discovery (docs/protocols/dvrip.md §4.2).
const dvripSearchPort = 5050

// dvripSearchService answers the legacy search. Devices answer the
// sender's address and port (UniversalScanner protocols.html); the tools
// send to 255.255.255.255, which a socket bound to the unspecified address
// receives, so no group is joined.
func (e *Emulator) dvripSearchService() UDPService {
	return UDPService{Port: dvripSearchPort, Name: "dvrip-search", Handle: e.dvripSearchReply}
}

// dvripSearchReply answers a 32-byte a3 01 search with a b3 reply in the
// layout of UniversalScanner Dahua1.cs: a 120-byte section 1 (section 2's
// length at 2, 0x58 at 4 as in the published selftest, version 2 at 16,
// section 3's length at 20, a 16-byte name at 0x28, address, mask, gateway
// and DNS in network order at 0x38, and, as DahuaConsole decodes them, the
// web and DVRIP TCP ports at 0x5e and 0x62), the MAC and model as section
// 2, and Key:Value lines with the serial as section 3. Which name real
// firmware puts at 0x28 and in "Name:" is not published; the model and the
// serial (DHIP's MachineName) stand in. Anything else gets silence.
func (e *Emulator) dvripSearchReply(req []byte, from netip.AddrPort) [][]byte {
	if len(req) < 32 || req[0] != 0xa3 || req[1] != 0x01 {
		return nil
	}
	self := localAddrFor(from)
	mask, gw := ifaceFacts(self)
	model, serial := e.Device.Model, e.Device.Serial
	s2 := []byte(e.Device.MAC.String() + model)
	var s3 bytes.Buffer
	s3.WriteString("Name:" + serial + "\r\n")
	s3.WriteString("Device:" + model + "\r\n")
	s3.WriteString("IPv6Addr:" + linkLocal(e.Device.MAC) + "/64;gateway:fe80::\r\n\r\n")
	s3.WriteString("SerialNo:" + serial + "\r\n\r\n")

	s1 := make([]byte, 120)
	le := binary.LittleEndian
	s1[0] = 0xb3
	le.PutUint16(s1[2:], uint16(len(s2)))
	le.PutUint32(s1[4:], 0x58)
	le.PutUint32(s1[16:], 2)
	le.PutUint16(s1[20:], uint16(s3.Len()))
	copy(s1[0x28:0x37], model) // NUL-terminated within 16 bytes
	put4 := func(off int, s string) {
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
			b := a.As4()
			copy(s1[off:], b[:])
		}
	}
	put4(0x38, self.String())
	put4(0x3c, mask)
	put4(0x40, gw)
	le.PutUint16(s1[0x5e:], 80)
	le.PutUint16(s1[0x62:], 37777)
	out := append(s1, s2...)
	return [][]byte{append(out, s3.Bytes()...)}
}

package dvrip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/camsweep/camsweep/scanner/internal/evfields"
)

// ErrNotSearchReply reports a datagram that is not a UDP 5050 search reply:
// shorter than the 120-byte first section, or not starting with b3.
var ErrNotSearchReply = errors.New("dvrip: not a 5050 search reply")

// Section1Size is the fixed first section of a search reply (UniversalScanner
// Dahua1.cs, struct Dahua1Section1, Size = 120).
const Section1Size = 120

// maxDatagram bounds what ParseSearch reads; a reply is a few hundred bytes.
const maxDatagram = 8 << 10

// searchRequest is the 32-byte search of docs/protocols/dvrip.md §4.2, as
// UniversalScanner Dahua1.cs (discover[]) and mcw0/DahuaConsole
// (p32(0xa3010001, big) + 3×p32(0) + p32(0x02000000, big) + 3×p32(0)) send it:
//
//	a3 01 00 01 00 00 00 00  00 00 00 00 00 00 00 00
//	02 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
var searchRequest = [HeaderSize]byte{
	0xa3, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
}

// SearchRequest returns a copy of the 32-byte search request.
func SearchRequest() []byte {
	b := searchRequest
	return b[:]
}

// SearchReply is a legacy discovery reply (docs/protocols/dvrip.md §4.2). Section 1 is
// 120 bytes: b3 at 0, section 2's length (u16 LE) at 2, the protocol
// version (u32 LE) at 16, section 3's length (u16 LE) at 20, a 16-byte
// string at 0x28, then IPv4 address, mask, gateway and DNS in network byte
// order at 0x38-0x47, and (as DahuaConsole decodes them) the web, HTTPS and
// DVRIP TCP ports (u16 LE) at 0x5e, 0x60, 0x62. Section 2 is the MAC as 17
// ASCII characters, optionally followed by the model; section 3 is
// "Key:Value\r\n" lines (Name, Device, IPv6Addr, SerialNo).
type SearchReply struct {
	Version    string // protocol version, "2" in real answers
	DeviceType string // the 16-byte string at 0x28 (UniversalScanner: deviceType; DahuaConsole: Hostname)
	IPv4       netip.Addr
	Mask       netip.Addr
	Gateway    netip.Addr
	DNS        netip.Addr
	HTTPPort   uint16
	HTTPSPort  uint16
	TCPPort    uint16
	MAC        string // lower-case colon form; empty when section 2 has none
	Model      string // section 2 after the MAC
	SerialNo   string
	Name       string
	Device     string
	IPv6       string // IPv6Addr as sent ("fe80::1/64;gateway:fe80::")
	Keys       []string
}

// ParseSearch decodes one search reply without trusting its lengths: the
// section 2 length is clamped to the datagram, and section 3 is everything
// after section 2 up to the first NUL, whatever its length field says
// (UniversalScanner reads the whole datagram for its lines too). Bytes that
// are not a b3 reply of at least 120 bytes give ErrNotSearchReply.
func ParseSearch(b []byte) (SearchReply, error) {
	if len(b) > maxDatagram {
		return SearchReply{}, fmt.Errorf("%w: %d bytes", ErrNotSearchReply, len(b))
	}
	if len(b) < Section1Size || b[0] != 0xb3 {
		return SearchReply{}, fmt.Errorf("%w: no b3 section of %d bytes", ErrNotSearchReply, Section1Size)
	}
	le := binary.LittleEndian
	r := SearchReply{
		Version:    strconv.FormatUint(uint64(le.Uint32(b[16:20])), 10),
		DeviceType: cString(b[0x28:0x38]),
		IPv4:       addr4(b[0x38:0x3c]),
		Mask:       addr4(b[0x3c:0x40]),
		Gateway:    addr4(b[0x40:0x44]),
		DNS:        addr4(b[0x44:0x48]),
		HTTPPort:   le.Uint16(b[0x5e:]),
		HTTPSPort:  le.Uint16(b[0x60:]),
		TCPPort:    le.Uint16(b[0x62:]),
	}
	rest := b[Section1Size:]
	s2 := rest[:min(int(le.Uint16(b[2:4])), len(rest))]
	rest = rest[len(s2):]
	if i := bytes.IndexByte(s2, 0); i >= 0 {
		s2 = s2[:i]
	}
	const macLen = len("00:11:22:33:44:55")
	if len(s2) >= macLen {
		if mac := evfields.MAC(string(s2[:macLen])); mac != "" {
			r.MAC = mac
			s2 = s2[macLen:]
		}
	}
	if r.MAC != "" {
		r.Model = clean(string(s2))
	}
	if i := bytes.IndexByte(rest, 0); i >= 0 {
		rest = rest[:i]
	}
	for _, line := range strings.Split(string(rest), "\n") {
		k, v, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":")
		k = clean(k)
		if !ok || k == "" || len(r.Keys) >= maxKeys {
			continue
		}
		r.Keys = append(r.Keys, k)
		v = clean(v)
		switch k {
		case "SerialNo":
			r.SerialNo = v
		case "Name":
			r.Name = v
		case "Device":
			r.Device = v
		case "IPv6Addr":
			r.IPv6 = v
		}
	}
	return r, nil
}

// cString is b up to its first NUL, cleaned.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return clean(string(b))
}

func addr4(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b)) }

// Fields is the evidence vocabulary of vendors/FIELDS.md (dvrip5050.*);
// empty values, zero ports and unset addresses are left out.
func (r SearchReply) Fields() map[string]string {
	s := evfields.New("dvrip5050")
	s.Str("version", r.Version)
	s.Str("device_type", r.DeviceType)
	s.Addr("ipv4_address", r.IPv4)
	s.Addr("ipv4_subnet_mask", r.Mask)
	s.Addr("ipv4_gateway", r.Gateway)
	s.Addr("ipv4_dns", r.DNS)
	s.Port("http_port", r.HTTPPort)
	s.Port("https_port", r.HTTPSPort)
	s.Port("tcp_port", r.TCPPort)
	s.Str("mac", r.MAC)
	s.Str("model", r.Model)
	s.Str("serial_no", r.SerialNo)
	s.Str("name", r.Name)
	s.Str("device", r.Device)
	s.Str("ipv6", r.IPv6)
	s.Str("keys", strings.Join(r.Keys, ","))
	return s.M
}

package xmeye

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/camsweep/camsweep/scanner/internal/evfields"
)

// ErrNotXMEye is returned for bytes that are not an XMEye discovery reply.
var ErrNotXMEye = errors.New("xmeye: not an XMEye discovery reply")

// HeaderSize is the fixed DVRIP header (docs/protocols/xmeye.md §10).
const HeaderSize = 20

// Message ids of §10: the discovery request and its reply.
const (
	MsgSearch      = 1530 // 0x05fa
	MsgSearchReply = 1531 // 0x05fb
)

// head is the first byte of every DVRIP frame.
const head = 0xff

// Bounds on what Parse reads and keeps. A reply is well under 1 KiB.
const (
	maxMessage = 64 << 10
	// MaxRaw bounds the NetWork.NetCommon keys kept as xmeye.raw.*.
	MaxRaw    = 16
	maxRawKey = 32
	maxValue  = 256
)

// Search returns the 20-byte discovery request of python-dvr SearchXM
// (struct "BBHIIHHI": 0xff, version 0, 2 reserved bytes, session 0,
// sequence 0, 2 bytes of packet counters, message id 1530, length 0):
//
//	ff 00 00 00  00 00 00 00  00 00 00 00  00 00 fa 05  00 00 00 00
func Search() []byte {
	return Frame(MsgSearch, nil)
}

// Frame builds a DVRIP frame: the little-endian 20-byte header with msgid
// and len(body), then body.
func Frame(msgid uint16, body []byte) []byte {
	b := make([]byte, HeaderSize, HeaderSize+len(body))
	b[0] = head
	binary.LittleEndian.PutUint16(b[14:], msgid)
	binary.LittleEndian.PutUint32(b[16:], uint32(len(body)))
	return append(b, body...)
}

// Reply is the NetWork.NetCommon object of a 1531 reply (docs/protocols/xmeye.md
// §10). Values are kept as sent, numbers as their decimal text; absent
// values are empty.
type Reply struct {
	MsgID uint16
	Ret   string // 100 is success
	MAC   string // lower-case colon form; empty when malformed
	// Serial is SN, the board serial (also the XMEye cloud id).
	Serial   string
	HostName string // user-set device name ("LocalHost" by default)
	// The addresses the device reports, decoded from the hex strings of
	// their little-endian value ("0x0A01A8C0" is 192.168.1.10).
	IPv4Address netip.Addr
	SubnetMask  netip.Addr
	Gateway     netip.Addr
	TCPPort     string // the Sofia/DVRIP-Web service, 34567
	HTTPPort    string
	SSLPort     string
	UDPPort     string
	// DeviceType is sent as a number by most firmware (go2rtc reads an
	// int) and as a class name ("IPC") by some (sol-vin/xet).
	DeviceType    string
	Channels      string // ChannelNum
	Firmware      string // Version, or SoftWareVersion
	BuildDate     string // BuildDate, or BuildTime
	OtherFunction string
	// Raw holds the other scalar keys of NetWork.NetCommon (MonMode,
	// TransferPlan, MaxBps …) as sent: at most MaxRaw, the first in key
	// order, keys of up to 32 letters, digits, "_", "-" or ".", values of
	// up to 256 bytes.
	Raw map[string]string
}

// Parse decodes one datagram. A reply is a frame starting with 0xff whose
// message id (offset 14, little-endian) is 1531 and whose body holds a
// "NetWork.NetCommon" object. The version and reserved bytes are not
// checked (replies carry ff 01 00 01 as well as ff 00 00 00), and the
// length field is never trusted: the body is everything after the header,
// its first JSON value is the message, and the "\n\x00" or NUL padding
// devices append is ignored.
func Parse(b []byte) (Reply, error) {
	if len(b) > maxMessage {
		return Reply{}, fmt.Errorf("%w: %d bytes", ErrNotXMEye, len(b))
	}
	if len(b) < HeaderSize {
		return Reply{}, fmt.Errorf("%w: %d bytes, shorter than the header", ErrNotXMEye, len(b))
	}
	if b[0] != head {
		return Reply{}, fmt.Errorf("%w: first byte %#02x, want 0xff", ErrNotXMEye, b[0])
	}
	if id := binary.LittleEndian.Uint16(b[14:]); id != MsgSearchReply {
		return Reply{}, fmt.Errorf("%w: message id %d, want %d", ErrNotXMEye, id, MsgSearchReply)
	}
	body := bytes.TrimLeft(b[HeaderSize:], "\x00 \t\r\n")
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var msg struct {
		NetCommon map[string]any `json:"NetWork.NetCommon"`
		Ret       any            `json:"Ret"`
	}
	if err := dec.Decode(&msg); err != nil {
		return Reply{}, fmt.Errorf("%w: body: %v", ErrNotXMEye, err)
	}
	nc := msg.NetCommon
	if nc == nil {
		return Reply{}, fmt.Errorf("%w: no NetWork.NetCommon object", ErrNotXMEye)
	}
	r := Reply{
		MsgID:         MsgSearchReply,
		Ret:           str(msg.Ret),
		MAC:           evfields.MAC(str(nc["MAC"])),
		Serial:        str(nc["SN"]),
		HostName:      str(nc["HostName"]),
		IPv4Address:   hexAddr(str(nc["HostIP"])),
		SubnetMask:    hexAddr(str(nc["Submask"])),
		Gateway:       hexAddr(str(nc["GateWay"])),
		TCPPort:       str(nc["TCPPort"]),
		HTTPPort:      str(nc["HttpPort"]),
		SSLPort:       str(nc["SSLPort"]),
		UDPPort:       str(nc["UDPPort"]),
		DeviceType:    str(nc["DeviceType"]),
		Channels:      str(nc["ChannelNum"]),
		Firmware:      first(str(nc["Version"]), str(nc["SoftWareVersion"])),
		BuildDate:     first(str(nc["BuildDate"]), str(nc["BuildTime"])),
		OtherFunction: str(nc["OtherFunction"]),
	}
	keys := make([]string, 0, len(nc))
	for k := range nc {
		if !named[k] && rawKey(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if len(r.Raw) == MaxRaw {
			break
		}
		if v := str(nc[k]); v != "" && len(v) <= maxValue {
			if r.Raw == nil {
				r.Raw = map[string]string{}
			}
			r.Raw[k] = v
		}
	}
	return r, nil
}

// named are the NetWork.NetCommon keys that have a field of their own.
var named = map[string]bool{
	"MAC": true, "SN": true, "HostName": true, "HostIP": true, "Submask": true, "GateWay": true,
	"TCPPort": true, "HttpPort": true, "SSLPort": true, "UDPPort": true, "DeviceType": true,
	"ChannelNum": true, "Version": true, "SoftWareVersion": true, "BuildDate": true,
	"BuildTime": true, "OtherFunction": true,
}

func rawKey(k string) bool {
	if k == "" || len(k) > maxRawKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// hexAddr decodes an address the way XMEye sends it: "0x" and the hex of
// the address as a little-endian u32 ("0x0A01A8C0" is 192.168.1.10). A
// dotted quad is accepted too; anything else is the zero Addr.
func hexAddr(s string) netip.Addr {
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		if h == "" || len(h) > 8 {
			return netip.Addr{}
		}
		n, err := strconv.ParseUint(h, 16, 32)
		if err != nil {
			return netip.Addr{}
		}
		var a [4]byte
		binary.LittleEndian.PutUint32(a[:], uint32(n))
		return netip.AddrFrom4(a)
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}
	}
	return a
}

// Fields is the evidence vocabulary of vendors/FIELDS.md (xmeye.*). The
// reported address, mask and gateway are kept even when they differ from
// the sender's, as sadp.* and dhip.* keep theirs: a device that reports
// another address than the one it answered from is multi-homed (or
// NATed), and the policy reads xmeye.ipv4_address and xmeye.ipv4_gateway
// for that.
func (r Reply) Fields() map[string]string {
	s := evfields.New("xmeye")
	if r.MsgID != 0 {
		s.Str("msg_id", strconv.Itoa(int(r.MsgID)))
	}
	s.Str("ret", r.Ret)
	s.Str("mac", r.MAC)
	s.Str("serial", r.Serial)
	s.Str("hostname", r.HostName)
	s.Addr("ipv4_address", r.IPv4Address)
	s.Addr("ipv4_subnet_mask", r.SubnetMask)
	s.Addr("ipv4_gateway", r.Gateway)
	s.Str("tcp_port", r.TCPPort)
	s.Str("http_port", r.HTTPPort)
	s.Str("ssl_port", r.SSLPort)
	s.Str("udp_port", r.UDPPort)
	s.Str("device_type", r.DeviceType)
	s.Str("channels", r.Channels)
	s.Str("firmware", r.Firmware)
	s.Str("build_date", r.BuildDate)
	s.Str("other_function", r.OtherFunction)
	for k, v := range r.Raw {
		s.Str("raw."+k, v)
	}
	return s.M
}

// str renders a JSON scalar as text (evfields.Scalar).
var str = evfields.Scalar

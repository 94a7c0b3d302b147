package dhip

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"

	"github.com/camsweep/camsweep/scanner/internal/evfields"
)

// ErrNotDHIP is returned for bytes that are not a DHIP discovery reply.
var ErrNotDHIP = errors.New("dhip: not a DHIP device-info reply")

// HeaderSize is the fixed DHIP header (§4.1).
const HeaderSize = 32

// magic is "DHIP" at offset 4.
var magic = []byte("DHIP")

// maxMessage bounds what ParseDHIP reads; a reply is under 1 KiB.
const maxMessage = 64 << 10

// SearchBody is the DHDiscover.search request of mcw0/DahuaConsole.
const SearchBody = `{"method":"DHDiscover.search","params":{"mac":"","uni":1}}`

// Search returns the search frame: the 32-byte little-endian header of
// §4.1 (size 0x20, "DHIP", zero session and request ids, body length twice)
// and SearchBody.
func Search() []byte {
	return Frame([]byte(SearchBody))
}

// Frame wraps body in a DHIP header.
func Frame(body []byte) []byte {
	b := make([]byte, HeaderSize, HeaderSize+len(body))
	binary.LittleEndian.PutUint32(b[0:], HeaderSize)
	copy(b[4:], magic)
	binary.LittleEndian.PutUint32(b[16:], uint32(len(body)))
	binary.LittleEndian.PutUint32(b[24:], uint32(len(body)))
	return append(b, body...)
}

// DevInfo is a client.notifyDevInfo reply (docs/protocols/dhip.md §4.1). Values are
// kept as sent, numbers as their decimal text; absent values are empty.
type DevInfo struct {
	Method string
	MAC    string // top-level "mac", lower-case colon form; empty when malformed
	// Vendor and Manufacturer are "Dahua", "General" (neutral firmware),
	// "Private" (OEM) or an OEM's name.
	Vendor       string
	Manufacturer string
	DeviceType   string // the model, "IPC-HDW1431T1-S4"
	DeviceClass  string // IPC, NVR, XVR, VTO …
	DeviceID     string
	SerialNo     string
	MachineName  string
	Version      string
	IPv4Address  netip.Addr
	SubnetMask   netip.Addr
	Gateway      netip.Addr
	DHCP         string
	// IPv6Address is "addr/len" as sent with `\/` unescaped; LinkLocal too.
	IPv6Address string
	LinkLocal   string
	HTTPPort    string
	HTTPSPort   string
	Port        string // TCP 37777 DVRIP service
	Init        string // initialisation state (an uninitialised device has no password)
	UnLoginMask string
	VideoInputs string
	// RemoteVideoInputs are the IP channels a recorder pulls from cameras
	// (0 on a camera); VideoOutputs its monitor outputs.
	RemoteVideoInputs string
	VideoOutputs      string
	Find              string
}

// ParseDHIP decodes one DHIP datagram. The header's length fields are not
// trusted (real devices disagree with their own bodies, §4.1): the body is
// everything after the header, and the first JSON value in it is the
// message; trailing "\n\x00" and other bytes are ignored.
func ParseDHIP(b []byte) (DevInfo, error) {
	if len(b) > maxMessage {
		return DevInfo{}, fmt.Errorf("%w: %d bytes", ErrNotDHIP, len(b))
	}
	if len(b) < HeaderSize || !bytes.Equal(b[4:8], magic) {
		return DevInfo{}, fmt.Errorf("%w: no DHIP header", ErrNotDHIP)
	}
	dec := json.NewDecoder(bytes.NewReader(b[HeaderSize:]))
	dec.UseNumber()
	var msg struct {
		MAC    any    `json:"mac"`
		Method string `json:"method"`
		Params struct {
			DeviceInfo map[string]any `json:"deviceInfo"`
		} `json:"params"`
	}
	if err := dec.Decode(&msg); err != nil {
		return DevInfo{}, fmt.Errorf("%w: body: %v", ErrNotDHIP, err)
	}
	di := msg.Params.DeviceInfo
	if di == nil {
		return DevInfo{}, fmt.Errorf("%w: no deviceInfo (method %q)", ErrNotDHIP, msg.Method)
	}
	v4, _ := di["IPv4Address"].(map[string]any)
	v6, _ := di["IPv6Address"].(map[string]any)
	d := DevInfo{
		Method:            msg.Method,
		MAC:               evfields.MAC(str(msg.MAC)),
		Vendor:            str(di["Vendor"]),
		Manufacturer:      str(di["Manufacturer"]),
		DeviceType:        str(di["DeviceType"]),
		DeviceClass:       str(di["DeviceClass"]),
		DeviceID:          str(di["DeviceID"]),
		SerialNo:          str(di["SerialNo"]),
		MachineName:       str(di["MachineName"]),
		Version:           str(di["Version"]),
		IPv4Address:       addr(str(v4["IPAddress"])),
		SubnetMask:        addr(str(v4["SubnetMask"])),
		Gateway:           addr(str(v4["DefaultGateway"])),
		DHCP:              str(v4["DhcpEnable"]),
		IPv6Address:       str(v6["IPAddress"]),
		LinkLocal:         str(v6["LinkLocalAddress"]),
		HTTPPort:          str(di["HttpPort"]),
		HTTPSPort:         str(di["HttpsPort"]),
		Port:              str(di["Port"]),
		Init:              str(di["Init"]),
		UnLoginMask:       str(di["UnLoginFuncMask"]),
		VideoInputs:       str(di["VideoInputChannels"]),
		RemoteVideoInputs: str(di["RemoteVideoInputChannels"]),
		VideoOutputs:      str(di["VideoOutputChannels"]),
		Find:              str(di["Find"]),
	}
	if d.IPv6Address == "/0" || d.IPv6Address == "::/0" {
		d.IPv6Address = "" // no global address configured
	}
	return d, nil
}

func addr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}
	}
	return a
}

// Fields is the evidence vocabulary of vendors/FIELDS.md (dhip.*). The
// reported addresses are kept even when they differ from the sender's
// (multi-homing evidence).
func (d DevInfo) Fields() map[string]string {
	s := evfields.New("dhip")
	s.Str("method", d.Method)
	s.Str("mac", d.MAC)
	s.Str("vendor", d.Vendor)
	s.Str("manufacturer", d.Manufacturer)
	s.Str("device_type", d.DeviceType)
	s.Str("device_class", d.DeviceClass)
	s.Str("device_id", d.DeviceID)
	s.Str("serial_no", d.SerialNo)
	s.Str("machine_name", d.MachineName)
	s.Str("version", d.Version)
	s.Addr("ipv4_address", d.IPv4Address)
	s.Addr("ipv4_subnet_mask", d.SubnetMask)
	s.Addr("ipv4_gateway", d.Gateway)
	s.Str("ipv4_dhcp", d.DHCP)
	s.Str("ipv6_address", d.IPv6Address)
	s.Str("ipv6_link_local", d.LinkLocal)
	s.Str("http_port", d.HTTPPort)
	s.Str("https_port", d.HTTPSPort)
	s.Str("port", d.Port)
	s.Str("init", d.Init)
	s.Str("unlogin_func_mask", d.UnLoginMask)
	s.Str("video_input_channels", d.VideoInputs)
	s.Str("remote_video_input_channels", d.RemoteVideoInputs)
	s.Str("video_output_channels", d.VideoOutputs)
	return s.M
}

// str renders a JSON scalar as text (evfields.Scalar).
var str = evfields.Scalar

package emulator

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net/netip"
)

// dhipGroup and dhipPort are Dahua DHIP discovery's transport (docs/protocols/dhip.md
// §4.1).
var dhipGroup = netip.MustParseAddr("239.255.255.251")

const dhipPort = 37810

func (e *Emulator) dhipService() UDPService {
	return UDPService{Port: dhipPort, Name: "dhip", Group: dhipGroup, Handle: e.dhipReply}
}

// dhipReply answers a DHDiscover.search frame with client.notifyDevInfo in
// the shape of the real §4.1 capture: compact JSON in the device's key
// order, "/" escaped as "\/", a "\n\x00" tail that the header's length
// counts. Frames that are not a search get silence.
func (e *Emulator) dhipReply(req []byte, from netip.AddrPort) [][]byte {
	if len(req) < 32 || string(req[4:8]) != "DHIP" {
		return nil
	}
	var msg struct {
		Method string `json:"method"`
	}
	if json.NewDecoder(bytes.NewReader(req[32:])).Decode(&msg) != nil || msg.Method != "DHDiscover.search" {
		return nil
	}
	self := localAddrFor(from)
	mask, gw := ifaceFacts(self)
	mac := e.Device.MAC.String()
	// OEM firmware names its label in Vendor/Manufacturer (§4.1 notes:
	// Dahua, General, Private or the OEM's name).
	vendor := "Dahua"
	if e.Device.Brand != "" {
		vendor = e.Device.Brand
	}
	// Field order and types as the real camera sends them (sorted keys).
	type v4 struct {
		DefaultGateway string
		DhcpEnable     bool
		IPAddress      string
		SubnetMask     string
	}
	type v6 struct {
		DefaultGateway   *string
		DhcpEnable       bool
		IPAddress        string
		LinkLocalAddress string
	}
	info := struct {
		AlarmInputChannels       int
		AlarmOutputChannels      int
		DeviceClass              string
		DeviceID                 string
		DeviceType               string
		Find                     string
		FindVersion              int
		HttpPort                 int
		IPv4Address              v4
		IPv6Address              v6
		Init                     int
		MachineName              string
		Manufacturer             string
		Port                     int
		RemoteVideoInputChannels int
		SerialNo                 string
		UnLoginFuncMask          int
		Vendor                   string
		Version                  string
		VideoInputChannels       int
		VideoOutputChannels      int
	}{
		DeviceClass: "IPC", DeviceType: e.Device.Model, Find: "BC", FindVersion: 1, HttpPort: 80,
		IPv4Address: v4{DefaultGateway: gw, IPAddress: self.String(), SubnetMask: mask},
		IPv6Address: v6{IPAddress: "/0", LinkLocalAddress: linkLocal(e.Device.MAC) + "/64"},
		Init:        2714, MachineName: e.Device.Serial, Manufacturer: vendor, Port: 37777,
		SerialNo: e.Device.Serial, UnLoginFuncMask: 1, Vendor: vendor, Version: e.Device.Firmware,
		VideoInputChannels: 1,
	}
	body, err := json.Marshal(map[string]any{
		"mac":    mac,
		"method": "client.notifyDevInfo",
		"params": map[string]any{"deviceInfo": info},
	})
	if err != nil {
		return nil
	}
	body = bytes.ReplaceAll(body, []byte("/"), []byte(`\/`))
	body = append(body, '\n', 0)
	frame := make([]byte, 32, 32+len(body))
	binary.LittleEndian.PutUint32(frame[0:], 32)
	copy(frame[4:], "DHIP")
	binary.LittleEndian.PutUint32(frame[16:], uint32(len(body)))
	binary.LittleEndian.PutUint32(frame[24:], uint32(len(body)))
	return [][]byte{append(frame, body...)}
}

// linkLocal is the EUI-64 link-local address of mac in the zero-padded
// form Dahua prints ("fe80::0aed:edff:fe87:427a").
func linkLocal(mac []byte) string {
	if len(mac) != 6 {
		return "fe80::"
	}
	const hexd = "0123456789abcdef"
	b := []byte{mac[0] ^ 2, mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]}
	out := []byte("fe80:")
	for i := 0; i < 8; i += 2 {
		out = append(out, ':', hexd[b[i]>>4], hexd[b[i]&15], hexd[b[i+1]>>4], hexd[b[i+1]&15])
	}
	return string(out)
}

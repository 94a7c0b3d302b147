package emulator

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"net"
	"net/netip"
	"os"
	"strings"
)

// sadpGroup and sadpPort are Hikvision SADP's transport (docs/protocols/sadp.md §3.1).
var sadpGroup = netip.MustParseAddr("239.255.255.250")

const sadpPort = 37020

// sadpService answers SADP inquiries on the group and by unicast. Real
// cameras also multicast the answer to the group; the emulator answers the
// sender only, which is what a scanner across a router sees anyway.
func (e *Emulator) sadpService() UDPService {
	return UDPService{Port: sadpPort, Name: "sadp", Group: sadpGroup, Handle: e.sadpReply}
}

// sadpReply renders the ProbeMatch of §3.3 (real element order, one element
// per line with CRLF, the "flase" spelling, no space before "build") for an
// inquiry; anything else gets silence.
func (e *Emulator) sadpReply(req []byte, from netip.AddrPort) [][]byte {
	var probe struct {
		XMLName xml.Name
		UUID    string `xml:"Uuid"`
		Types   string `xml:"Types"`
	}
	if xml.Unmarshal(req, &probe) != nil || probe.XMLName.Local != "Probe" || strings.TrimSpace(probe.Types) != "inquiry" {
		return nil
	}
	self := localAddrFor(from)
	mask, gw := ifaceFacts(self)
	mac := strings.ReplaceAll(strings.ToLower(e.Device.MAC.String()), ":", "-")
	model := e.Device.Model
	if model == "" {
		model = "IPCamera"
	}
	// A recorder reports its IP channels and a disk (SADP DigitalChannelNum,
	// DiskNumber); a camera one channel and none.
	channels, disks := "1", "0"
	if e.Device.Profile == ProfileHikvisionNVR {
		channels, disks = "8", "1"
	}
	var b bytes.Buffer
	el := func(name, value string) {
		b.WriteString("<" + name + ">")
		_ = xml.EscapeText(&b, []byte(value))
		b.WriteString("</" + name + ">\r\n")
	}
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<ProbeMatch>")
	el("Uuid", strings.TrimSpace(probe.UUID))
	el("Types", "inquiry")
	el("DeviceType", "141945")
	el("DeviceDescription", model)
	el("DeviceSN", e.Device.Serial)
	el("CommandPort", "8000")
	el("HttpPort", "80")
	el("MAC", mac)
	el("IPv4Address", self.String())
	el("IPv4SubnetMask", mask)
	el("IPv4Gateway", gw)
	el("IPv6Address", "::")
	el("IPv6Gateway", "::")
	el("IPv6MaskLen", "64")
	el("DHCP", "false")
	el("AnalogChannelNum", "0")
	el("DigitalChannelNum", channels)
	el("SoftwareVersion", e.Device.Firmware+"build 210726")
	el("DSPVersion", "V7.3 build 210624")
	el("BootTime", e.Now().Add(-72*3600e9).UTC().Format("2006-01-02 15:04:05"))
	el("Encrypt", "true")
	el("ResetAbility", "false")
	el("DiskNumber", disks)
	el("Activated", "true")
	el("PasswordResetAbility", "true")
	el("PasswordResetModeSecond", "true")
	el("DetailOEMCode", "1")
	el("SupportSecurityQuestion", "true")
	el("SupportHCPlatform", "true")
	el("HCPlatformEnable", "flase")
	el("IsModifyVerificationCode", "true")
	el("Salt", hex.EncodeToString([]byte(md5hex("salt:" + e.Device.Serial)))[:64])
	el("DeviceLock", "flase")
	el("SDKOverTLSPort", "8443")
	el("SDKServerStatus", "true")
	el("SDKOverTLSServerStatus", "true")
	el("SupportMailBox", "true")
	b.WriteString("</ProbeMatch>\r\n")
	return [][]byte{b.Bytes()}
}

// localAddrFor is the address this namespace uses to reach to: a connected
// UDP socket sends nothing, it only asks the routing table.
func localAddrFor(to netip.AddrPort) netip.Addr {
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(to))
	if err != nil {
		return netip.IPv4Unspecified()
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
}

// ifaceFacts returns the subnet mask of the interface holding self and the
// default gateway of the namespace, as a device would report its own
// configuration; "0.0.0.0" when unknown.
func ifaceFacts(self netip.Addr) (mask, gateway string) {
	mask, gateway = "0.0.0.0", "0.0.0.0"
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.Equal(self.AsSlice()) {
				mask = net.IP(n.Mask).String()
			}
		}
	}
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return mask, gateway
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Iface Destination Gateway Flags … in little-endian hex.
		fs := strings.Fields(sc.Text())
		if len(fs) < 3 || fs[1] != "00000000" {
			continue
		}
		raw, err := hex.DecodeString(fs[2])
		if err != nil || len(raw) != 4 {
			continue
		}
		var ip [4]byte
		binary.BigEndian.PutUint32(ip[:], binary.LittleEndian.Uint32(raw))
		return mask, netip.AddrFrom4(ip).String()
	}
	return mask, gateway
}

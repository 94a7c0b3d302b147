package passive

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/camsweep/camsweep/device"
)

// maxDHCPValue bounds a DHCP string option kept as evidence (options are
// at most 255 bytes each, RFC 2132 §2; a hostname is at most 63).
const maxDHCPValue = 255

// decodeDHCP reads a client's DHCP message (BOOTREQUEST, UDP 68 to 67):
// the client hardware address names the device, which often has no
// address yet. What the client asks for (parameter request list, option
// 55) is a fingerprint of its DHCP client; hostname (12), vendor class
// (60) and client FQDN (81, RFC 4702) are the device's own words.
func (d *Decoder) decodeDHCP(b []byte, frameMAC string, vlan uint16, ts time.Time) {
	p := &d.dhcp
	if p.DecodeFromBytes(b, gopacket.NilDecodeFeedback) != nil || p.Operation != layers.DHCPOpRequest {
		return
	}
	if p.HardwareType != layers.LinkTypeEthernet || len(p.ClientHWAddr) != 6 {
		return
	}
	mac := macString(p.ClientHWAddr)
	f := map[string]string{FieldProto: "dhcp"}
	addr := netip.Addr{}
	if a, ok := netip.AddrFromSlice(p.ClientIP.To4()); ok && hostAddr(a) {
		addr = a
	}
	for _, o := range p.Options {
		switch o.Type {
		case layers.DHCPOptMessageType:
			if len(o.Data) == 1 {
				f["dhcp.message_type"] = strings.ToLower(layers.DHCPMsgType(o.Data[0]).String())
			}
		case layers.DHCPOptHostname:
			setText(f, "dhcp.hostname", o.Data)
		case layers.DHCPOptClassID:
			setText(f, "dhcp.vendor_class", o.Data)
		case layers.DHCPOptParamsRequest:
			var s []string
			for _, c := range o.Data {
				s = append(s, strconv.Itoa(int(c)))
			}
			if len(s) > 0 {
				f["dhcp.prl"] = strings.Join(s, ",")
			}
		case layers.DHCPOptRequestIP:
			if a, ok := netip.AddrFromSlice(o.Data); ok && len(o.Data) == 4 && hostAddr(a) && !addr.IsValid() {
				f["dhcp.requested_ip"] = a.String()
			}
		case 81: // client FQDN: flags, two obsolete RCODEs, then the name
			if len(o.Data) > 3 {
				setText(f, "dhcp.fqdn", fqdnName(o.Data[0], o.Data[3:]))
			}
		}
	}
	ev := &device.Evidence{Source: device.SourcePassive, Addr: addr, MAC: mac, Time: ts, Fields: withVLAN(f, vlan)}
	d.out = append(d.out, Observation{Addr: addr, MAC: mac, VLAN: vlan, Evidence: ev})
}

// fqdnName is the name of a client FQDN option: wire format when flag E
// (0x04) is set, ASCII before it (RFC 4702 §2.3).
func fqdnName(flags byte, b []byte) []byte {
	if flags&0x04 == 0 {
		return b
	}
	var labels []string
	for len(b) > 0 && len(labels) < 64 {
		n := int(b[0])
		if n == 0 || n > 63 || 1+n > len(b) {
			break
		}
		labels = append(labels, string(b[1:1+n]))
		b = b[1+n:]
	}
	return []byte(strings.Join(labels, "."))
}

// setText keeps a text option as evidence when it is printable: a device
// name with control bytes or NULs trimmed, cut to maxDHCPValue.
func setText(f map[string]string, key string, b []byte) {
	s := strings.TrimRight(string(b), "\x00 ")
	if len(s) > maxDHCPValue {
		s = s[:maxDHCPValue]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if s = strings.TrimSpace(s); s != "" {
		f[key] = strings.ToValidUTF8(s, "\uFFFD")
	}
}

// decodeDHCPv6 reads a client's DHCPv6 message (UDP 546 to 547, RFC 8415):
// the client FQDN (option 39, RFC 4704, the name in wire format after one
// flags byte), the vendor class (option 16: enterprise number, then
// length-prefixed strings) and the option request list (6), as the DHCPv4
// keys. The sender is a link-local address; the Collector files it with
// the IPv4 device of the same MAC.
func (d *Decoder) decodeDHCPv6(b []byte, src netip.Addr, mac string, vlan uint16, ts time.Time) {
	var p layers.DHCPv6
	if p.DecodeFromBytes(b, gopacket.NilDecodeFeedback) != nil {
		return
	}
	switch p.MsgType {
	case layers.DHCPv6MsgTypeSolicit, layers.DHCPv6MsgTypeRequest, layers.DHCPv6MsgTypeConfirm,
		layers.DHCPv6MsgTypeRenew, layers.DHCPv6MsgTypeRebind, layers.DHCPv6MsgTypeInformationRequest:
	default:
		return // a server's or relay's message
	}
	f := map[string]string{FieldProto: "dhcpv6", "dhcp.message_type": strings.ToLower(p.MsgType.String())}
	for _, o := range p.Options {
		switch o.Code {
		case 39:
			if len(o.Data) > 1 {
				setText(f, "dhcp.fqdn", fqdnName(0x04, o.Data[1:]))
			}
		case layers.DHCPv6OptVendorClass:
			var parts []string
			for rest := o.Data[min(4, len(o.Data)):]; len(rest) >= 2 && len(parts) < 8; {
				n := int(rest[0])<<8 | int(rest[1])
				if 2+n > len(rest) {
					break
				}
				parts = append(parts, string(rest[2:2+n]))
				rest = rest[2+n:]
			}
			setText(f, "dhcp.vendor_class", []byte(strings.Join(parts, " ")))
		case layers.DHCPv6OptOro:
			var s []string
			for i := 0; i+1 < len(o.Data) && len(s) < 64; i += 2 {
				s = append(s, strconv.Itoa(int(o.Data[i])<<8|int(o.Data[i+1])))
			}
			if len(s) > 0 {
				f["dhcp.prl"] = strings.Join(s, ",")
			}
		}
	}
	ev := &device.Evidence{Source: device.SourcePassive, Addr: src, MAC: mac, Time: ts, Fields: withVLAN(f, vlan)}
	d.out = append(d.out, Observation{Addr: src, MAC: mac, VLAN: vlan, Evidence: ev})
}

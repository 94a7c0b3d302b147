package emulator

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// SSDP / UPnP (docs/protocols/ssdp-upnp.md §7.2). The Axis camera answers M-SEARCH for
// ssdp:all, upnp:rootdevice and its own types with the HTTPU reply of the
// Portable SDK for UPnP devices (libupnp) that Axis firmware ships, SERVER
// as recog records it, and serves its device description on TCP 49152.
// No verbatim Axis reply was found (§7.2, §12): the header order and the
// description follow libupnp's defaults.

const (
	ssdpPort = 1900
	upnpPort = 49152
)

var ssdpGroup = netip.AddrFrom4([4]byte{239, 255, 255, 250})

func (e *Emulator) ssdpServer() string {
	if e.Device.Profile == ProfileAxis {
		return "Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22"
	}
	return ""
}

// ssdpServices returns the SSDP responder of profiles that speak UPnP.
func (e *Emulator) ssdpServices() []UDPService {
	if e.ssdpServer() == "" {
		return nil
	}
	return []UDPService{{Port: ssdpPort, Name: "ssdp", Group: ssdpGroup, Handle: e.ssdpHandler(hostAddrs)}}
}

// upnpServices returns the TCP service of the description document.
func (e *Emulator) upnpServices() []Service {
	if e.ssdpServer() == "" {
		return nil
	}
	return []Service{{Port: upnpPort, Name: "upnp", Handle: e.httpHandler(e.upnpHTTP)}}
}

func (e *Emulator) upnpUUID() string {
	return "Upnp-BasicDevice-1_0-" + strings.ToUpper(strings.ReplaceAll(e.Device.MAC.String(), ":", ""))
}

func (e *Emulator) ssdpHandler(addrs func() []netip.Addr) func([]byte, netip.AddrPort) [][]byte {
	return func(req []byte, from netip.AddrPort) [][]byte {
		s := string(req)
		if !strings.HasPrefix(s, "M-SEARCH * HTTP/1.1\r\n") || !strings.Contains(strings.ToLower(s), "\r\nman: \"ssdp:discover\"") {
			return nil
		}
		st := ""
		for _, l := range strings.Split(s, "\r\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "ST") {
				st = strings.TrimSpace(v)
			}
		}
		uuid := "uuid:" + e.upnpUUID()
		types := []string{"upnp:rootdevice", uuid, "urn:schemas-upnp-org:device:Basic:1", "urn:axis-com:service:BasicService:1"}
		var sts []string
		switch st {
		case "ssdp:all":
			sts = types
		default:
			for _, t := range types {
				if t == st {
					sts = []string{t}
				}
			}
		}
		loc := fmt.Sprintf("http://%s:%d/rootdesc1.xml", sameNet(addrs(), from.Addr()), upnpPort)
		var out [][]byte
		for _, t := range sts {
			usn := uuid
			if t != uuid {
				usn += "::" + t
			}
			out = append(out, []byte("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nDATE: "+e.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")+
				"\r\nEXT:\r\nLOCATION: "+loc+"\r\nOPT: \"http://schemas.upnp.org/upnp/1/0/\"; ns=01\r\n01-NLS: 1\r\nSERVER: "+e.ssdpServer()+
				"\r\nX-User-Agent: redsonic\r\nST: "+t+"\r\nUSN: "+usn+"\r\n\r\n"))
		}
		return out
	}
}

// sameNet picks the address a reply to peer should name: the first on a
// /24 with it, else the first.
func sameNet(addrs []netip.Addr, peer netip.Addr) netip.Addr {
	for _, a := range addrs {
		if p, err := a.Prefix(24); err == nil && p.Contains(peer) {
			return a
		}
	}
	if len(addrs) > 0 {
		return addrs[0]
	}
	return netip.IPv4Unspecified()
}

func (e *Emulator) upnpHTTP(c net.Conn, r *request) reply {
	if r.Target != "/rootdesc1.xml" {
		return reply{data: []byte("HTTP/1.1 404 Not Found\r\nSERVER: " + e.ssdpServer() + "\r\nCONTENT-LENGTH: 0\r\n\r\n")}
	}
	host := "0.0.0.0"
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		host = a.IP.String()
	}
	d := e.Device
	mac := strings.ToUpper(strings.ReplaceAll(d.MAC.String(), ":", ""))
	body := `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
<specVersion>
<major>1</major>
<minor>0</minor>
</specVersion>
<device>
<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>
<friendlyName>AXIS ` + xmlText(d.Model) + ` - ` + mac + `</friendlyName>
<manufacturer>AXIS</manufacturer>
<manufacturerURL>http://www.axis.com/</manufacturerURL>
<modelDescription>AXIS ` + xmlText(d.Model) + ` Network Camera</modelDescription>
<modelName>AXIS ` + xmlText(d.Model) + `</modelName>
<modelNumber>` + xmlText(d.Model) + `</modelNumber>
<modelURL>http://www.axis.com/</modelURL>
<serialNumber>` + mac + `</serialNumber>
<UDN>uuid:` + e.upnpUUID() + `</UDN>
<serviceList>
<service>
<serviceType>urn:axis-com:service:BasicService:1</serviceType>
<serviceId>urn:axis-com:serviceId:BasicServiceId</serviceId>
<controlURL>/upnp/control/BasicServiceId</controlURL>
<eventSubURL>/upnp/event/BasicServiceId</eventSubURL>
<SCPDURL>/scpd_basic.xml</SCPDURL>
</service>
</serviceList>
<presentationURL>http://` + host + `:80/</presentationURL>
</device>
</root>
`
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nCONTENT-LENGTH: %d\r\nCONTENT-TYPE: text/xml\r\nDATE: %s\r\nLAST-MODIFIED: Mon, 01 Jan 2024 00:00:00 GMT\r\nSERVER: %s\r\nX-User-Agent: redsonic\r\nCONNECTION: close\r\n\r\n",
		len(body), e.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"), e.ssdpServer())
	return reply{data: []byte(head + body)}
}

func xmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

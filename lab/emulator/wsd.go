package emulator

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
)

// WS-Discovery (docs/protocols/wsd-onvif.md §1): the cameras answer Probe messages sent to
// 239.255.255.250:3702 or unicast to their port 3702 with a ProbeMatches in
// their vendor's style (§1.3): Hikvision env:/wsadis:/d: prefixes with the
// tnshik/hikwsd namespaces, a time-based UUID ending in the MAC and
// MetadataVersion 10; Dahua s:/a:/d: with standalone="yes", a random uuid:
// address, the extension/unique_identifier scope and MetadataVersion 1;
// Axis SOAP-ENV:/wsa:, http and https XAddrs. The office PC answers only
// untyped probes, as Windows does, with wsdp:Device pub:Computer.
//
// A probe is answered when every type it lists is one of the device's
// (WS-Discovery 2005/04 §5.1; an untyped probe matches every device). The
// parsing here is deliberately separate from scanner/wsd so that the
// scanner is tested against an independent reading of the protocol.

const (
	wsdPort      = 3702
	nsOnvifNet   = "http://www.onvif.org/ver10/network/wsdl"
	nsOnvifDev   = "http://www.onvif.org/ver10/device/wsdl"
	nsDevProf    = "http://schemas.xmlsoap.org/ws/2006/02/devprof"
	nsWindowsPub = "http://schemas.microsoft.com/windows/pub/2005/07"
)

var wsdGroup = netip.AddrFrom4([4]byte{239, 255, 255, 250})

type qname struct{ space, local string }

// wsdServices returns the WS-Discovery service of profiles that have one.
func (e *Emulator) wsdServices() []UDPService {
	switch e.Device.Profile {
	case ProfileHikvision, ProfileDahua, ProfileAxis, ProfileUniview, ProfilePC:
		return []UDPService{{Port: wsdPort, Name: "ws-discovery", Group: wsdGroup, Handle: e.wsdHandler(hostAddrs)}}
	}
	return nil
}

// hostAddrs lists the namespace's IPv4 addresses, all of which a device
// puts in its XAddrs, which is how a dual-homed camera shows both.
func hostAddrs() []netip.Addr {
	var out []netip.Addr
	as, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, a := range as {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(n.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if ip.Is4() && !ip.IsLoopback() {
			out = append(out, ip)
		}
	}
	return out
}

// wsdHandler answers probes; addrs gives the addresses for XAddrs (a seam
// for tests, which run on loopback).
func (e *Emulator) wsdHandler(addrs func() []netip.Addr) func([]byte, netip.AddrPort) [][]byte {
	return func(req []byte, from netip.AddrPort) [][]byte {
		id, types, ok := parseProbe(req)
		if !ok || !e.wsdMatches(types) {
			return nil
		}
		return [][]byte{e.wsdReply(id, addrs())}
	}
}

func (e *Emulator) wsdTypes() []qname {
	if e.Device.Profile == ProfilePC {
		return []qname{{nsDevProf, "Device"}, {nsWindowsPub, "Computer"}}
	}
	return []qname{{nsOnvifNet, "NetworkVideoTransmitter"}, {nsOnvifDev, "Device"}}
}

func (e *Emulator) wsdMatches(types []qname) bool {
	if len(types) == 0 {
		return true
	}
	if e.Device.Profile == ProfilePC {
		// Windows answers untyped probes, never ONVIF-typed ones.
		return false
	}
	have := e.wsdTypes()
	for _, t := range types {
		found := false
		for _, h := range have {
			if t.local == h.local && (t.space == h.space || t.space == "") {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// parseProbe returns the MessageID and resolved Types of a Probe.
func parseProbe(b []byte) (id string, types []qname, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	prefixes := map[string]string{}
	var path []string
	var text strings.Builder
	isProbe := false
	for depth := 0; ; depth++ {
		if depth > 10000 {
			return "", nil, false
		}
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(path) > 16 {
				return "", nil, false
			}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" {
					prefixes[a.Name.Local] = a.Value
				} else if a.Name.Space == "" && a.Name.Local == "xmlns" {
					prefixes[""] = a.Value
				}
			}
			path = append(path, t.Name.Local)
			text.Reset()
			if t.Name.Local == "Probe" {
				isProbe = true
			}
		case xml.CharData:
			if text.Len() < 4096 {
				text.Write(t)
			}
		case xml.EndElement:
			if len(path) == 0 {
				return "", nil, false
			}
			name := path[len(path)-1]
			path = path[:len(path)-1]
			v := strings.TrimSpace(text.String())
			text.Reset()
			switch {
			case name == "MessageID":
				id = v
			case name == "Types" && isProbe:
				for _, q := range strings.Fields(v) {
					p, l, found := strings.Cut(q, ":")
					if !found {
						p, l = "", q
					}
					types = append(types, qname{prefixes[p], l})
				}
			}
		}
	}
	return id, types, isProbe && id != ""
}

// wsdID is a stable per-device hex string.
func (e *Emulator) wsdID() []byte {
	h := sha256.Sum256([]byte(e.Device.Name + e.Device.Serial + e.Device.MAC.String()))
	return h[:]
}

// uuidString formats u as a UUID of the given version (1: time-based,
// node = the last six bytes; 4: random).
func uuidString(u [16]byte, version byte) string {
	u[6] = u[6]&0x0f | version<<4
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// linkLocal is the EUI-64 fe80:: address of the MAC, which Hikvision lists
// after its IPv4 XAddr.
func (e *Emulator) linkLocal() string { return linkLocalOf(e.Device.MAC) }

// linkLocalOf is the EUI-64 fe80:: address of m; "" for another length.
func linkLocalOf(m net.HardwareAddr) string {
	if len(m) != 6 {
		return ""
	}
	a := [16]byte{0: 0xfe, 1: 0x80, 8: m[0] ^ 2, 9: m[1], 10: m[2], 11: 0xff, 12: 0xfe, 13: m[3], 14: m[4], 15: m[5]}
	return netip.AddrFrom16(a).String()
}

func scopeValue(s string) string { return strings.ReplaceAll(s, " ", "%20") }

func (e *Emulator) wsdReply(relatesTo string, addrs []netip.Addr) []byte {
	id := e.wsdID()
	var xaddrs []string
	switch e.Device.Profile {
	case ProfileHikvision:
		// Time-based UUID whose node is the MAC (docs/protocols/wsd-onvif.md §1.3).
		var u [16]byte
		copy(u[:10], id)
		copy(u[10:], e.Device.MAC)
		epr := "urn:uuid:" + uuidString(u, 1)
		for _, a := range addrs {
			xaddrs = append(xaddrs, "http://"+a.String()+"/onvif/device_service")
		}
		if ll := e.linkLocal(); ll != "" {
			xaddrs = append(xaddrs, "http://["+ll+"]/onvif/device_service")
		}
		return fmt.Appendf(nil, hikvisionProbeMatches, epr, relatesTo, epr, onvifScopes(e.scopeList()), strings.Join(xaddrs, " "))
	case ProfileDahua:
		epr := "uuid:" + uuidString([16]byte(id[:16]), 4)
		msg := "urn:uuid:" + uuidString([16]byte(id[16:32]), 4)
		for _, a := range addrs {
			xaddrs = append(xaddrs, "http://"+a.String()+"/onvif/device_service")
		}
		return fmt.Appendf(nil, dahuaProbeMatches, msg, relatesTo, epr, onvifScopes(e.scopeList()), strings.Join(xaddrs, " "))
	case ProfileAxis:
		epr := "urn:uuid:" + uuidString([16]byte(id[:16]), 4)
		msg := "uuid:" + uuidString([16]byte(id[16:32]), 4)
		for _, a := range addrs {
			xaddrs = append(xaddrs, "http://"+a.String()+"/onvif/device_service", "https://"+a.String()+"/onvif/device_service")
		}
		return fmt.Appendf(nil, axisProbeMatches, msg, relatesTo, epr, onvifScopes(e.scopeList()), strings.Join(xaddrs, " "))
	case ProfileUniview:
		// SYNTH: the ONVIF-standard envelope of the generic gSOAP camera
		// (scopeList says why).
		epr := "urn:uuid:" + uuidString([16]byte(id[:16]), 4)
		msg := "uuid:" + uuidString([16]byte(id[16:32]), 4)
		for _, a := range addrs {
			xaddrs = append(xaddrs, "http://"+a.String()+"/onvif/device_service")
		}
		return fmt.Appendf(nil, axisProbeMatches, msg, relatesTo, epr, onvifScopes(e.scopeList()), strings.Join(xaddrs, " "))
	default: // ProfilePC
		epr := "urn:uuid:" + uuidString([16]byte(id[:16]), 4)
		for _, a := range addrs {
			xaddrs = append(xaddrs, "http://"+a.String()+":5357/"+strings.TrimPrefix(epr, "urn:uuid:")+"/")
		}
		return fmt.Appendf(nil, windowsProbeMatches, relatesTo, epr, strings.Join(xaddrs, " "))
	}
}

// scopeList is the device's ONVIF scopes without the
// onvif://www.onvif.org/ prefix, percent-encoded, in its vendor's order
// (docs/protocols/wsd-onvif.md §1.3); the device service's GetScopes returns the same.
func (e *Emulator) scopeList() []string {
	model := scopeValue(e.Device.Model)
	switch e.Device.Profile {
	case ProfileHikvision:
		scopes := []string{
			"type/video_encoder", "Profile/Streaming", "Profile/G", "Profile/T",
			"MAC/" + strings.ToLower(e.Device.MAC.String()), "hardware/" + model,
			"name/HIKVISION%20" + model, "location/city/hangzhou",
		}
		if e.Device.Brand != "" {
			// OEM firmware keeps the structure (and the tnshik/hikwsd
			// namespaces) but changes name/ (§1.3). SYNTH: the exact OEM
			// name value is not captured; "<Brand> <model>" mirrors
			// "HIKVISION <model>".
			scopes[6] = "name/" + scopeValue(e.Device.Brand) + "%20" + model
		}
		return scopes
	case ProfileDahua:
		return []string{
			"location/country/china", "name/" + scopeValue(cmp.Or(e.Device.Brand, "Dahua")), "hardware/" + model, "Profile/Streaming",
			"type/Network_Video_Transmitter", "extension/unique_identifier/1", "Profile/T",
		}
	case ProfileAxis:
		return []string{
			"Profile/Streaming", "Profile/G", "hardware/" + model, "name/AXIS%20" + model,
			"Profile/M", "Profile/T", "location/",
		}
	case ProfileUniview:
		// SYNTH: no verbatim Uniview ProbeMatch is known (docs/protocols/wsd-onvif.md
		// §1.3, docs/protocols/sources.md §12). The ONVIF-standard scope shape of the generic gSOAP
		// camera, with name/UNV (the brand on Uniview devices) and
		// hardware/<model>.
		return []string{"type/video_encoder", "Profile/Streaming", "hardware/" + model, "name/UNV", "location/"}
	}
	return nil
}

func onvifScopes(s []string) string {
	return "onvif://www.onvif.org/" + strings.Join(s, " onvif://www.onvif.org/")
}

// Envelopes after the real replies of docs/protocols/wsd-onvif.md §1.3; %s are, in order,
// message id, RelatesTo, endpoint address, scopes, XAddrs.
const hikvisionProbeMatches = `<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:enc="http://www.w3.org/2003/05/soap-encoding" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsadis="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tnshik="http://www.hikvision.com/2011/event/topics" xmlns:hikwsd="http://www.onvifext.com/onvif/ext/ver10/wsdl" xmlns:hikxsd="http://www.onvifext.com/onvif/ext/ver10/schema" xmlns:tas="http://www.onvif.org/ver10/advancedsecurity/wsdl">
 <env:Header>
 <wsadis:MessageID>%s</wsadis:MessageID>
 <wsadis:RelatesTo>%s</wsadis:RelatesTo>
 <wsadis:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsadis:To>
 <wsadis:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsadis:Action>
 <d:AppSequence InstanceId="705289" MessageNumber="11682"/>
 </env:Header>
 <env:Body>
 <d:ProbeMatches>
 <d:ProbeMatch>
 <wsadis:EndpointReference>
 <wsadis:Address>%s</wsadis:Address>
 </wsadis:EndpointReference>
 <d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>
 <d:Scopes>%s</d:Scopes>
 <d:XAddrs>%s</d:XAddrs>
 <d:MetadataVersion>10</d:MetadataVersion>
 </d:ProbeMatch>
 </d:ProbeMatches>
 </env:Body>
 </env:Envelope>
`

const dahuaProbeMatches = `<?xml version="1.0" encoding="utf-8" standalone="yes" ?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:sc="http://www.w3.org/2003/05/soap-encoding" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header><a:MessageID>%s</a:MessageID><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action><a:RelatesTo>%s</a:RelatesTo></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>%s</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>%s</d:Scopes><d:XAddrs>%s</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`

const axisProbeMatches = `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><SOAP-ENV:Header><wsa:MessageID>%s</wsa:MessageID><wsa:RelatesTo>%s</wsa:RelatesTo><wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To><wsa:Action SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action><d:AppSequence SOAP-ENV:mustUnderstand="true" MessageNumber="175811" InstanceId="1670367710"></d:AppSequence></SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><wsa:EndpointReference><wsa:Address>%s</wsa:Address></wsa:EndpointReference><d:Types>tds:Device dn:NetworkVideoTransmitter</d:Types><d:Scopes>%s</d:Scopes><d:XAddrs>%s</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>
`

// windowsProbeMatches: RelatesTo, endpoint address, XAddrs (docs/protocols/wsd-onvif.md
// §1.1: Types wsdp:Device pub:Computer, XAddrs on port 5357).
const windowsProbeMatches = `<?xml version="1.0" encoding="utf-8" ?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:wsdp="http://schemas.xmlsoap.org/ws/2006/02/devprof" xmlns:pub="http://schemas.microsoft.com/windows/pub/2005/07"><soap:Header><wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To><wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action><wsa:MessageID>urn:uuid:6b1ef2c1-0d5e-4f4e-9b8e-0a1c2e3f4a5b</wsa:MessageID><wsa:RelatesTo>%s</wsa:RelatesTo><wsd:AppSequence InstanceId="12" SequenceId="urn:uuid:3f2b1a0c-9d8e-4c7b-a6f5-e4d3c2b1a090" MessageNumber="7"></wsd:AppSequence></soap:Header><soap:Body><wsd:ProbeMatches><wsd:ProbeMatch><wsa:EndpointReference><wsa:Address>%s</wsa:Address></wsa:EndpointReference><wsd:Types>wsdp:Device pub:Computer</wsd:Types><wsd:XAddrs>%s</wsd:XAddrs><wsd:MetadataVersion>2</wsd:MetadataVersion></wsd:ProbeMatch></wsd:ProbeMatches></soap:Body></soap:Envelope>`

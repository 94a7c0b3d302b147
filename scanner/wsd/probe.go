package wsd

import (
	"crypto/rand"
	"fmt"
)

// Probe types of ONVIF devices (docs/protocols/wsd-onvif.md §1.1): video transmitters
// (cameras, encoders) and any device service (NVRs answer only this one).
const (
	TypeNVT    = "dn:NetworkVideoTransmitter"
	TypeDevice = "tds:Device"
)

// ProbeMessage is a WS-Discovery 2005/04 Probe with the given message id
// ("urn:uuid:…") for one type QName (dn: or tds:), or untyped when typ is
// empty: the shape of the probes ONVIF clients send (docs/protocols/wsd-onvif.md §1.2).
func ProbeMessage(id, typ string) []byte {
	types := "<d:Types/>"
	if typ != "" {
		types = "<d:Types>" + typ + "</d:Types>"
	}
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>`+
		`<s:Envelope xmlns:s="%s" xmlns:a="%s" xmlns:d="%s" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">`+
		`<s:Header><a:MessageID>%s</a:MessageID><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To><a:Action>%s</a:Action></s:Header>`+
		`<s:Body><d:Probe>%s<d:Scopes/></d:Probe></s:Body></s:Envelope>`,
		NSSOAP12, NSAddressing, NSDiscovery, id, ActionProbe, types)
}

// NewMessageID returns a random (version 4) "urn:uuid:…" id.
func NewMessageID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

package emulator

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// ONVIF device service (PROTOCOLS.md §2): POST /onvif/device_service on the
// cameras' web port. GetSystemDateAndTime is answered to anyone, as the
// ONVIF default access policy requires (§2.2). GetDeviceInformation follows
// the vendor: current Hikvision firmware refuses it without credentials with
// HTTP 401 and a ter:NotAuthorized fault, Axis with HTTP 400 and the same
// fault, while the Dahua profile plays older firmware that answers
// anonymously (§2.2 field note: emulators support both modes). A valid
// WS-Security UsernameToken PasswordDigest for admin and Device.Password
// opens GetDeviceInformation on every profile.
//
// Envelopes follow the vendors' styles: Hikvision env:/tds:/tt: declaring
// the tnshik/hikwsd/hikxsd namespaces in every response (§2.3), Dahua s:,
// Axis SOAP-ENV: (gSOAP). Values follow §2.3's format rules: Hikvision
// HardwareId 88, Dahua 1.00. As in wsd.go, the request parsing here is
// independent of scanner/onvif.

const (
	onvifPath    = "/onvif/device_service"
	nsSOAP12     = "http://www.w3.org/2003/05/soap-envelope"
	nsWSSE       = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	maxTokenSkew = 5 * time.Minute
)

// withONVIF routes POST /onvif/device_service to the device service and
// everything else to route.
func (e *Emulator) withONVIF(route func(net.Conn, *request) reply) func(net.Conn, *request) reply {
	return func(c net.Conn, r *request) reply {
		if r.Method == "POST" && (r.Target == onvifPath || strings.HasPrefix(r.Target, onvifPath+"?")) {
			return e.onvif(r)
		}
		return route(c, r)
	}
}

// soapCall is what the emulator reads of a request: the body's operation
// and the UsernameToken of the Security header, if any.
type soapCall struct {
	op                             string
	user, password, nonce, created string
	passwordType                   string
}

// parseSOAPCall reads the first Body child and the UsernameToken by local
// name, bounded in depth.
func parseSOAPCall(b []byte) (soapCall, bool) {
	var (
		call   soapCall
		path   []string
		inBody bool
	)
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return call, call.op != ""
		}
		if err != nil || len(path) > 32 {
			return call, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if inBody && call.op == "" && len(path) >= 2 && path[len(path)-1] == "Body" {
				call.op = t.Name.Local
			}
			if t.Name.Local == "Body" {
				inBody = true
			}
			if t.Name.Local == "Password" {
				for _, a := range t.Attr {
					if a.Name.Local == "Type" {
						call.passwordType = a.Value
					}
				}
			}
			path = append(path, t.Name.Local)
		case xml.EndElement:
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		case xml.CharData:
			if len(path) < 2 || path[len(path)-2] != "UsernameToken" {
				continue
			}
			s := strings.TrimSpace(string(t))
			switch path[len(path)-1] {
			case "Username":
				call.user = s
			case "Password":
				call.password = s
			case "Nonce":
				call.nonce = s
			case "Created":
				call.created = s
			}
		}
	}
}

// authorised checks a WS-Security PasswordDigest (OASIS UsernameToken
// Profile 1.0: Base64(SHA1(nonce || created || password))) for admin.
func (e *Emulator) authorised(call soapCall) bool {
	if e.Device.Password == "" || call.user != "admin" || !strings.HasSuffix(call.passwordType, "#PasswordDigest") {
		return false
	}
	nonce, err := base64.StdEncoding.DecodeString(call.nonce)
	if err != nil {
		return false
	}
	created, err := time.Parse(time.RFC3339Nano, call.created)
	if err != nil {
		return false
	}
	if d := e.Now().Sub(created); d > maxTokenSkew || d < -maxTokenSkew {
		return false
	}
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(call.created))
	h.Write([]byte(e.Device.Password))
	want := base64.StdEncoding.EncodeToString(h.Sum(nil))
	return subtle.ConstantTimeCompare([]byte(want), []byte(call.password)) == 1
}

func (e *Emulator) onvif(r *request) reply {
	call, ok := parseSOAPCall(r.Body)
	if !ok {
		return e.soapReply(400, e.soapFault("env:Sender", "ter:WellFormed", "Malformed SOAP request"))
	}
	switch call.op {
	case "GetSystemDateAndTime":
		return e.soapReply(200, e.systemDateAndTime())
	case "GetDeviceInformation":
		if e.Device.Profile == ProfileDahua || e.authorised(call) {
			return e.soapReply(200, e.deviceInformation())
		}
		status := 400
		if e.Device.Profile == ProfileHikvision {
			status = 401
		}
		return e.soapReply(status, e.soapFault("env:Sender", "ter:NotAuthorized", "The action requested requires authorization and the sender is not authorized"))
	default:
		return e.soapReply(500, e.soapFault("env:Receiver", "ter:ActionNotSupported", "Optional Action Not Implemented"))
	}
}

// soapEnvelope wraps body in the vendor's envelope; the prefix of the SOAP
// namespace is "env", bound by each vendor's own declaration.
func (e *Emulator) soapEnvelope(body string) []byte {
	var head, tail string
	switch e.Device.Profile {
	case ProfileHikvision:
		head = `<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:enc="http://www.w3.org/2003/05/soap-encoding" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:ter="http://www.onvif.org/ver10/error" xmlns:tnshik="http://www.hikvision.com/2011/event/topics" xmlns:hikwsd="http://www.onvifext.com/onvif/ext/ver10/wsdl" xmlns:hikxsd="http://www.onvifext.com/onvif/ext/ver10/schema">
<env:Body>`
		tail = "</env:Body>\n</env:Envelope>\n"
	case ProfileAxis:
		head = `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:ter="http://www.onvif.org/ver10/error"><SOAP-ENV:Body>`
		tail = "</SOAP-ENV:Body></SOAP-ENV:Envelope>\n"
	default:
		head = `<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:ter="http://www.onvif.org/ver10/error"><s:Header/><s:Body>`
		tail = "</s:Body></s:Envelope>"
	}
	return []byte(head + body + tail)
}

func (e *Emulator) soapFault(code, subcode, reason string) []byte {
	return e.soapEnvelope(`<env:Fault><env:Code><env:Value>` + code + `</env:Value><env:Subcode><env:Value>` + subcode +
		`</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">` + reason + `</env:Text></env:Reason></env:Fault>`)
}

func (e *Emulator) soapReply(status int, body []byte) reply {
	text := map[int]string{200: "OK", 400: "Bad Request", 401: "Unauthorized", 500: "Internal Server Error"}[status]
	var h strings.Builder
	fmt.Fprintf(&h, "HTTP/1.1 %d %s\r\n", status, text)
	if status == 401 {
		// Hikvision offers HTTP Digest beside WS-Security (§2.2).
		fmt.Fprintf(&h, "WWW-Authenticate: Digest qop=\"auth\", realm=\"IP Camera(%s)\", nonce=\"%s\", stale=\"FALSE\"\r\n", e.Device.Realm, randomHex(16))
	}
	fmt.Fprintf(&h, "Content-Type: application/soap+xml; charset=utf-8\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n", len(body))
	return reply{data: append([]byte(h.String()), body...), keep: true}
}

func (e *Emulator) systemDateAndTime() []byte {
	now := e.Now().UTC()
	tz, offset := "GMT+00:00", time.Duration(0)
	switch e.Device.Profile {
	case ProfileHikvision:
		tz, offset = "CST-8:00:00", 8*time.Hour
	case ProfileDahua:
		tz, offset = "GMT+08:00", 8*time.Hour
	case ProfileAxis:
		tz = "GMT0"
	}
	dt := func(t time.Time) string {
		return fmt.Sprintf("<tt:Time><tt:Hour>%d</tt:Hour><tt:Minute>%d</tt:Minute><tt:Second>%d</tt:Second></tt:Time><tt:Date><tt:Year>%d</tt:Year><tt:Month>%d</tt:Month><tt:Day>%d</tt:Day></tt:Date>",
			t.Hour(), t.Minute(), t.Second(), t.Year(), int(t.Month()), t.Day())
	}
	return e.soapEnvelope(`<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>` +
		tz + `</tt:TZ></tt:TimeZone><tt:UTCDateTime>` + dt(now) + `</tt:UTCDateTime><tt:LocalDateTime>` + dt(now.Add(offset)) +
		`</tt:LocalDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`)
}

func (e *Emulator) deviceInformation() []byte {
	d := e.Device
	manufacturer, serial, hw := "", d.Serial, ""
	switch d.Profile {
	case ProfileHikvision:
		manufacturer, hw = "HIKVISION", "88"
	case ProfileDahua:
		manufacturer, hw = "Dahua", "1.00"
	case ProfileAxis:
		// SYNTH: Axis serial numbers are the MAC in upper-case hex.
		manufacturer, hw = "AXIS", "7A1"
		if serial == "" {
			serial = strings.ToUpper(hex.EncodeToString(d.MAC))
		}
	}
	esc := func(s string) string {
		var b strings.Builder
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	return e.soapEnvelope(`<tds:GetDeviceInformationResponse><tds:Manufacturer>` + manufacturer + `</tds:Manufacturer><tds:Model>` + esc(d.Model) +
		`</tds:Model><tds:FirmwareVersion>` + esc(d.Firmware) + `</tds:FirmwareVersion><tds:SerialNumber>` + esc(serial) +
		`</tds:SerialNumber><tds:HardwareId>` + hw + `</tds:HardwareId></tds:GetDeviceInformationResponse>`)
}

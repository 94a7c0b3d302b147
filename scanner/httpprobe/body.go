package httpprobe

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
)

// ErrNotRPC2 reports a body that is not a Dahua JSON-RPC reply.
var ErrNotRPC2 = errors.New("not a JSON-RPC reply")

// ErrNotXML reports a body that does not start with an XML element.
var ErrNotXML = errors.New("not an XML document")

// maxXMLElements bounds how many elements ParseXMLInfo looks at, so a
// hostile body costs a bounded amount of work beyond the byte limit.
const maxXMLElements = 256

// RPC2Login is the reply to the unauthenticated first step of a Dahua web
// login (POST /RPC2_Login with an empty password, docs/protocols/http.md §5.2). The
// device answers with a challenge that names itself: realm "Login to
// <serial>" and its MAC. Random, authorization and session are per-request
// nonces and are not kept.
type RPC2Login struct {
	ID           string // echoed request id, as sent
	Result       string // "false" for the challenge
	ErrorCode    string // "268632079" (0x1003000F, "login challenge!")
	ErrorMessage string
	Realm        string // "Login to AMC000N49SSV0M2U46"
	MAC          string // normalised to lower-case colon form when it parses
	Encryption   string // "Default"
}

// ParseRPC2Login parses a /RPC2_Login reply body. A body that is not a JSON
// object with at least one of error, params or result gives ErrNotRPC2.
func ParseRPC2Login(b []byte) (*RPC2Login, error) {
	var raw struct {
		ID     json.RawMessage `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    json.RawMessage `json:"code"`
			Message json.RawMessage `json:"message"`
		} `json:"error"`
		Params *struct {
			Realm      json.RawMessage `json:"realm"`
			MAC        json.RawMessage `json:"mac"`
			Encryption json.RawMessage `json:"encryption"`
		} `json:"params"`
	}
	b = bytes.TrimPrefix(b, bom)
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, errors.Join(ErrNotRPC2, err)
	}
	if raw.Error == nil && raw.Params == nil && raw.Result == nil {
		return nil, ErrNotRPC2
	}
	r := &RPC2Login{ID: scalar(raw.ID), Result: scalar(raw.Result)}
	if raw.Error != nil {
		r.ErrorCode, r.ErrorMessage = scalar(raw.Error.Code), scalar(raw.Error.Message)
	}
	if raw.Params != nil {
		r.Realm = scalar(raw.Params.Realm)
		r.MAC = normMAC(scalar(raw.Params.MAC))
		r.Encryption = scalar(raw.Params.Encryption)
	}
	return r, nil
}

// Fields are the http.rpc2.* evidence fields; empty values are left out.
func (r *RPC2Login) Fields() map[string]string {
	return nonEmpty(map[string]string{
		"http.rpc2.result":        r.Result,
		"http.rpc2.error_code":    r.ErrorCode,
		"http.rpc2.error_message": r.ErrorMessage,
		"http.rpc2.realm":         r.Realm,
		"http.rpc2.mac":           r.MAC,
		"http.rpc2.encryption":    r.Encryption,
	})
}

// scalar renders a JSON string, number or boolean as text; objects, arrays
// and null give "". Devices are inconsistent about quoting numbers.
func scalar(m json.RawMessage) string {
	m = bytes.TrimSpace(m)
	if len(m) == 0 {
		return ""
	}
	switch m[0] {
	case '"':
		var s string
		if json.Unmarshal(m, &s) != nil {
			return ""
		}
		return clean(s)
	case '{', '[', 'n':
		return ""
	}
	return clean(string(m))
}

// clean keeps a value printable and bounded: evidence ends up in logs.
func clean(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > MaxTitle {
		s = strings.ToValidUTF8(s[:MaxTitle], "")
	}
	return s
}

// normMAC turns "3CEF8C6101C0", "3c-ef-8c-61-01-c0" or "3c:ef:8c:61:01:c0"
// into "3c:ef:8c:61:01:c0"; anything else is kept as sent.
func normMAC(s string) string {
	if len(s) == 12 {
		if _, err := strconv.ParseUint(s, 16, 64); err == nil {
			s = s[0:2] + ":" + s[2:4] + ":" + s[4:6] + ":" + s[6:8] + ":" + s[8:10] + ":" + s[10:12]
		}
	}
	if hw, err := net.ParseMAC(s); err == nil && len(hw) == 6 {
		return hw.String()
	}
	return s
}

// XMLInfo is what an unauthenticated Hikvision ISAPI/SDK answer says: the
// root element and its namespace, the userCheck status of a 401, and the
// DeviceInfo values of old firmware that answers without credentials
// (docs/protocols/http.md §5.1).
type XMLInfo struct {
	Root         string // local name of the root element: "userCheck", "DeviceInfo"
	Namespace    string // "http://www.hikvision.com/ver20/XMLSchema"
	StatusValue  string // userCheck/ResponseStatus statusValue / statusCode
	StatusString string
	// DeviceInfo children, when the root is DeviceInfo.
	Model, Serial, MAC, Firmware, DeviceType, Manufacturer string
}

// ParseXMLInfo reads the first elements of an XML body. Undeclared
// prefixes, a missing declaration and trailing garbage are tolerated; a
// body without any element gives ErrNotXML.
func ParseXMLInfo(b []byte) (*XMLInfo, error) {
	b = bytes.TrimPrefix(b, bom)
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '<' {
		return nil, ErrNotXML
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	info := &XMLInfo{}
	var path []string
	var text strings.Builder
	for n := 0; n < maxXMLElements; {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n++
			if len(path) == 0 {
				if info.Root != "" {
					// A second root: the document ended.
					return info, nil
				}
				info.Root = t.Name.Local
				for _, a := range t.Attr {
					if a.Name.Space == "" && a.Name.Local == "xmlns" {
						info.Namespace = clean(a.Value)
					}
				}
			}
			path = append(path, t.Name.Local)
			text.Reset()
		case xml.CharData:
			if text.Len() < MaxTitle {
				text.Write(t)
			}
		case xml.EndElement:
			if len(path) == 0 {
				continue
			}
			if len(path) == 2 {
				info.set(path[1], clean(text.String()))
			}
			path = path[:len(path)-1]
			text.Reset()
		}
	}
	if info.Root == "" {
		return nil, ErrNotXML
	}
	return info, nil
}

func (x *XMLInfo) set(child, v string) {
	switch child {
	case "statusValue", "statusCode":
		x.StatusValue = cmpOr(x.StatusValue, v)
	case "statusString":
		x.StatusString = cmpOr(x.StatusString, v)
	}
	if x.Root != "DeviceInfo" {
		return
	}
	switch child {
	case "model":
		x.Model = v
	case "serialNumber":
		x.Serial = v
	case "macAddress":
		x.MAC = normMAC(v)
	case "firmwareVersion":
		x.Firmware = v
	case "deviceType":
		x.DeviceType = v
	case "manufacturer":
		x.Manufacturer = v
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Fields are the http.xml_* and http.isapi.* evidence fields.
func (x *XMLInfo) Fields() map[string]string {
	return nonEmpty(map[string]string{
		"http.xml_root":            clean(x.Root),
		"http.xml_ns":              x.Namespace,
		"http.isapi.status":        x.StatusValue,
		"http.isapi.status_string": x.StatusString,
		"http.isapi.model":         x.Model,
		"http.isapi.serial":        x.Serial,
		"http.isapi.mac":           x.MAC,
		"http.isapi.firmware":      x.Firmware,
		"http.isapi.device_type":   x.DeviceType,
		"http.isapi.manufacturer":  x.Manufacturer,
	})
}

// BodyFields recognises a follow-up answer's body by its shape: a JSON
// property list (data.propertyList), a JSON-RPC reply, an XML document or a
// key=value parameter list. Other bodies (HTML error pages) add nothing.
func BodyFields(body []byte) map[string]string {
	t := bytes.TrimLeft(bytes.TrimPrefix(body, bom), " \t\r\n")
	switch {
	case len(t) == 0:
	case t[0] == '{':
		if f := propertyListFields(t); f != nil {
			return f
		}
		if r, err := ParseRPC2Login(t); err == nil {
			return r.Fields()
		}
	case bytes.HasPrefix(t, []byte("<?xml")) || (t[0] == '<' && !looksHTML(t)):
		if x, err := ParseXMLInfo(t); err == nil {
			return x.Fields()
		}
	case t[0] != '<':
		if kvs, err := ParseKeyValues(t); err == nil {
			if f := KVFields(kvs); len(f) > 0 {
				return f
			}
		}
	}
	return nil
}

func looksHTML(t []byte) bool {
	head := strings.ToLower(string(t[:min(len(t), 16)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html")
}

func nonEmpty(f map[string]string) map[string]string {
	for k, v := range f {
		if v == "" {
			delete(f, k)
		}
	}
	return f
}

package ssdp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/camsweep/camsweep/scanner/internal/msghead"
)

// Parse errors.
var (
	ErrNotSSDP        = errors.New("ssdp: not an SSDP message")
	ErrNotDescription = errors.New("ssdp: not a UPnP device description")
)

// Bounds on untrusted input.
const (
	maxMessage     = 8 << 10  // an SSDP datagram is a few hundred bytes
	maxHeaders     = 64       // header lines looked at
	maxValue       = 512      // bytes kept of a header or XML value
	MaxDescription = 64 << 10 // bytes of a description document read
)

// Message kinds.
const (
	KindResponse = "response" // HTTP/1.1 200 OK to an M-SEARCH
	KindNotify   = "notify"   // NOTIFY * HTTP/1.1 (ssdp:alive, ssdp:byebye)
	KindSearch   = "search"   // M-SEARCH * HTTP/1.1: another client's question
)

// Message is one SSDP datagram (UPnP Device Architecture 2.0 §1). Values
// are as sent, trimmed and cut at maxValue bytes.
type Message struct {
	Kind     string
	Status   int    // responses only
	Server   string // SERVER: "Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22"
	Location string
	ST       string // ST of a response, NT of a NOTIFY
	USN      string
	NTS      string // ssdp:alive, ssdp:byebye
	// CacheControl is the CACHE-CONTROL value ("max-age=1800").
	CacheControl string
}

// Parse decodes one SSDP datagram: an HTTPU response, a NOTIFY or an
// M-SEARCH. Anything else is ErrNotSSDP.
func Parse(b []byte) (Message, error) {
	if len(b) > maxMessage {
		return Message{}, fmt.Errorf("%w: %d bytes", ErrNotSSDP, len(b))
	}
	head, _, _ := msghead.SplitHead(b)
	lines := strings.Split(string(head), "\n")
	first := strings.TrimSuffix(lines[0], "\r")
	var m Message
	switch {
	case strings.HasPrefix(first, "NOTIFY * HTTP/1."):
		m.Kind = KindNotify
	case strings.HasPrefix(first, "M-SEARCH * HTTP/1."):
		m.Kind = KindSearch
	default:
		_, status, _, ok := msghead.ParseStatusLine(first, "HTTP/")
		if !ok {
			return Message{}, ErrNotSSDP
		}
		m.Kind, m.Status = KindResponse, status
	}
	rest := lines[1:]
	if len(rest) > maxHeaders {
		rest = rest[:maxHeaders]
	}
	hs := msghead.ParseHeaders(rest)
	get := func(n string) string { return clip(msghead.Get(hs, n)) }
	m.Server = get("SERVER")
	m.Location = get("LOCATION")
	m.USN = get("USN")
	m.NTS = get("NTS")
	m.CacheControl = get("CACHE-CONTROL")
	if m.Kind == KindNotify {
		m.ST = get("NT")
	} else {
		m.ST = get("ST")
	}
	if m.Kind != KindSearch && m.Server == "" && m.Location == "" && m.USN == "" && m.ST == "" {
		return Message{}, fmt.Errorf("%w: no SSDP headers", ErrNotSSDP)
	}
	return m, nil
}

// clip keeps at most maxValue bytes of valid UTF-8.
func clip(s string) string {
	if len(s) > maxValue {
		s = s[:maxValue]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// Description is the root device of a UPnP device description document
// (UDA 2.0 §2.3).
type Description struct {
	DeviceType       string
	FriendlyName     string
	Manufacturer     string
	ManufacturerURL  string
	ModelDescription string
	ModelName        string
	ModelNumber      string
	ModelURL         string
	SerialNumber     string
	UDN              string
	PresentationURL  string
}

type rawDevice struct {
	DeviceType       string `xml:"deviceType"`
	FriendlyName     string `xml:"friendlyName"`
	Manufacturer     string `xml:"manufacturer"`
	ManufacturerURL  string `xml:"manufacturerURL"`
	ModelDescription string `xml:"modelDescription"`
	ModelName        string `xml:"modelName"`
	ModelNumber      string `xml:"modelNumber"`
	ModelURL         string `xml:"modelURL"`
	SerialNumber     string `xml:"serialNumber"`
	UDN              string `xml:"UDN"`
	PresentationURL  string `xml:"presentationURL"`
}

// ParseDescription decodes a device description document; only the root
// device is read (embedded devices are the same box). Namespaces are not
// checked: real firmware gets them wrong.
func ParseDescription(b []byte) (Description, error) {
	if len(b) > MaxDescription {
		return Description{}, fmt.Errorf("%w: more than %d bytes", ErrNotDescription, MaxDescription)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var root struct {
		XMLName xml.Name
		Device  *rawDevice `xml:"device"`
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := dec.Decode(&root); err != nil {
		return Description{}, fmt.Errorf("%w: %v", ErrNotDescription, err)
	}
	if root.XMLName.Local != "root" || root.Device == nil {
		return Description{}, fmt.Errorf("%w: no <root><device>", ErrNotDescription)
	}
	d := root.Device
	t := func(s string) string {
		s = strings.TrimSpace(s)
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		return clip(s)
	}
	return Description{
		DeviceType: t(d.DeviceType), FriendlyName: t(d.FriendlyName), Manufacturer: t(d.Manufacturer),
		ManufacturerURL: t(d.ManufacturerURL), ModelDescription: t(d.ModelDescription), ModelName: t(d.ModelName),
		ModelNumber: t(d.ModelNumber), ModelURL: t(d.ModelURL), SerialNumber: t(d.SerialNumber), UDN: t(d.UDN), PresentationURL: t(d.PresentationURL),
	}, nil
}

// Fields returns the ssdp.* evidence fields of a description.
func (d Description) Fields() map[string]string {
	f := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			f["ssdp."+k] = v
		}
	}
	set("device_type", d.DeviceType)
	set("friendly_name", d.FriendlyName)
	set("manufacturer", d.Manufacturer)
	set("manufacturer_url", d.ManufacturerURL)
	set("model_description", d.ModelDescription)
	set("model_name", d.ModelName)
	set("model_number", d.ModelNumber)
	set("model_url", d.ModelURL)
	set("serial_number", d.SerialNumber)
	set("udn", d.UDN)
	set("presentation_url", d.PresentationURL)
	return f
}

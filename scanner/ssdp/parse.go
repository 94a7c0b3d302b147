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
	// FirmwareVersion is <firmwareVersion>, not in UDA but sent by Belkin
	// WeMo devices (the NetCam's "WeMo_NetCam_WW_2.00.10684.PVT").
	FirmwareVersion string
	// Truncated is set when the document stopped before the root device
	// closed (a capture cut short, a device that stops writing): the
	// children read whole before the cut are kept, the one cut is not.
	Truncated bool
}

// maxDescriptionElements bounds the elements ParseDescription looks at, so
// a hostile document costs bounded work beyond MaxDescription.
const maxDescriptionElements = 4096

// ParseDescription reads a device description document; only the root
// device's own children are read (embedded devices are the same box).
// Namespaces are not checked: real firmware gets them wrong. A document
// cut short after <root><device> gives what was read whole before the cut,
// with Truncated set, and no error.
func ParseDescription(b []byte) (Description, error) {
	if len(b) > MaxDescription {
		return Description{}, fmt.Errorf("%w: more than %d bytes", ErrNotDescription, MaxDescription)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		d       Description
		path    []string // local names from the root element down
		inDev   bool     // inside the root device (path[:2] is root, device)
		seenDev bool
		text    strings.Builder
	)
	for n := 0; n < maxDescriptionElements; {
		tok, err := dec.RawToken()
		if err != nil {
			if !seenDev {
				if err == io.EOF {
					err = errors.New("no <root><device>")
				}
				return Description{}, fmt.Errorf("%w: %v", ErrNotDescription, err)
			}
			// The root device was open when the document stopped.
			d.Truncated = inDev || len(path) > 0
			return d, nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n++
			switch {
			case len(path) == 0 && t.Name.Local != "root":
				return Description{}, fmt.Errorf("%w: root element %q", ErrNotDescription, clip(t.Name.Local))
			case len(path) == 1 && t.Name.Local == "device" && !seenDev:
				inDev, seenDev = true, true
			}
			path = append(path, t.Name.Local)
			text.Reset()
		case xml.CharData:
			if inDev && len(path) == 3 && text.Len() <= maxValue {
				text.Write(t)
			}
		case xml.EndElement:
			if len(path) == 0 {
				return Description{}, fmt.Errorf("%w: unbalanced end element", ErrNotDescription)
			}
			if inDev && len(path) == 3 {
				d.set(path[2], text.String())
			}
			if inDev && len(path) == 2 {
				// The root device is whole: nothing after it is read.
				return d, nil
			}
			path = path[:len(path)-1]
			text.Reset()
			if len(path) == 0 {
				if !seenDev {
					return Description{}, fmt.Errorf("%w: no <root><device>", ErrNotDescription)
				}
				return d, nil
			}
		}
	}
	if !seenDev {
		return Description{}, fmt.Errorf("%w: no <root><device> in the first %d elements", ErrNotDescription, maxDescriptionElements)
	}
	d.Truncated = true
	return d, nil
}

// set keeps one child of the root device; the first of each name wins.
func (d *Description) set(name, v string) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	v = clip(v)
	var dst *string
	switch name {
	case "deviceType":
		dst = &d.DeviceType
	case "friendlyName":
		dst = &d.FriendlyName
	case "manufacturer":
		dst = &d.Manufacturer
	case "manufacturerURL":
		dst = &d.ManufacturerURL
	case "modelDescription":
		dst = &d.ModelDescription
	case "modelName":
		dst = &d.ModelName
	case "modelNumber":
		dst = &d.ModelNumber
	case "modelURL":
		dst = &d.ModelURL
	case "serialNumber":
		dst = &d.SerialNumber
	case "UDN":
		dst = &d.UDN
	case "presentationURL":
		dst = &d.PresentationURL
	case "firmwareVersion":
		dst = &d.FirmwareVersion
	default:
		return
	}
	if *dst == "" {
		*dst = v
	}
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
	set("firmware_version", d.FirmwareVersion)
	if d.Truncated {
		f["ssdp.truncated"] = "true"
	}
	return f
}

package sadp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/camsweep/camsweep/scanner/internal/evfields"
)

// ErrNotSADP is returned for bytes that are not a SADP ProbeMatch.
var ErrNotSADP = errors.New("sadp: not a SADP ProbeMatch")

// maxMessage bounds what ParseProbeMatch reads; a reply is ~1.5 KiB.
const maxMessage = 64 << 10

// ProbeMatch is a device's answer to an inquiry (docs/protocols/sadp.md §3.3). Text
// values are kept as sent (trimmed); booleans stay strings because real
// firmware spells them "flase". Addresses that do not parse are left
// invalid, ports that do not parse are 0.
type ProbeMatch struct {
	UUID  string
	Types string
	// DeviceType is Hikvision's numeric product code (141945), not an enum.
	DeviceType        string
	DeviceDescription string // the model, or a generic "IPCamera"
	DeviceSN          string // model + date + serial
	MAC               string // lower-case colon form; empty when malformed
	IPv4Address       netip.Addr
	IPv4SubnetMask    netip.Addr
	IPv4Gateway       netip.Addr
	IPv6Address       netip.Addr
	IPv6Gateway       netip.Addr
	IPv6MaskLen       string
	DHCP              string
	CommandPort       uint16 // SDK port, 8000
	HTTPPort          uint16
	SDKOverTLSPort    uint16
	// SoftwareVersion is raw ("V5.6.2build 190701"); Firmware and Build
	// split it ("V5.6.2", "190701") with or without the space.
	SoftwareVersion string
	Firmware        string
	Build           string
	DSPVersion      string
	BootTime        string
	Activated       string // "false" = factory-fresh, no admin password
	AnalogChannels  string
	DigitalChannels string
	DiskNumber      string
	OEMInfo         string
	DetailOEMCode   string
}

// rawMatch mirrors the XML; every element is optional.
type rawMatch struct {
	XMLName                                  xml.Name
	UUID                                     string `xml:"Uuid"`
	Types                                    string `xml:"Types"`
	DeviceType                               string `xml:"DeviceType"`
	DeviceDescription                        string `xml:"DeviceDescription"`
	DeviceSN                                 string `xml:"DeviceSN"`
	CommandPort, SDKOverTLSPort              string
	MAC                                      string `xml:"MAC"`
	IPv4Address, IPv4SubnetMask, IPv4Gateway string
	IPv6Address, IPv6Gateway, IPv6MaskLen    string
	DHCP                                     string `xml:"DHCP"`
	SoftwareVersion, DSPVersion, BootTime    string
	Activated                                string
	AnalogChannelNum, DigitalChannelNum      string
	DiskNumber, OEMInfo, DetailOEMCode       string
	HTTPPortAlt                              string `xml:"HttpPort"`
}

// ParseProbeMatch decodes one SADP datagram. Anything that is not a
// well-formed <ProbeMatch> document is ErrNotSADP.
func ParseProbeMatch(b []byte) (ProbeMatch, error) {
	if len(b) > maxMessage {
		return ProbeMatch{}, fmt.Errorf("%w: %d bytes", ErrNotSADP, len(b))
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	// The declaration says UTF-8 or nothing; trust the bytes, not the label.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var raw rawMatch
	if err := dec.Decode(&raw); err != nil {
		return ProbeMatch{}, fmt.Errorf("%w: %v", ErrNotSADP, err)
	}
	if raw.XMLName.Local != "ProbeMatch" {
		return ProbeMatch{}, fmt.Errorf("%w: root element <%s>", ErrNotSADP, raw.XMLName.Local)
	}
	t := strings.TrimSpace
	m := ProbeMatch{
		UUID:              t(raw.UUID),
		Types:             t(raw.Types),
		DeviceType:        t(raw.DeviceType),
		DeviceDescription: t(raw.DeviceDescription),
		DeviceSN:          t(raw.DeviceSN),
		MAC:               evfields.MAC(raw.MAC),
		IPv4Address:       addr(raw.IPv4Address),
		IPv4SubnetMask:    addr(raw.IPv4SubnetMask),
		IPv4Gateway:       addr(raw.IPv4Gateway),
		IPv6Address:       addr(raw.IPv6Address),
		IPv6Gateway:       addr(raw.IPv6Gateway),
		IPv6MaskLen:       t(raw.IPv6MaskLen),
		DHCP:              t(raw.DHCP),
		CommandPort:       port(raw.CommandPort),
		HTTPPort:          port(raw.HTTPPortAlt),
		SDKOverTLSPort:    port(raw.SDKOverTLSPort),
		SoftwareVersion:   t(raw.SoftwareVersion),
		DSPVersion:        t(raw.DSPVersion),
		BootTime:          t(raw.BootTime),
		Activated:         t(raw.Activated),
		AnalogChannels:    t(raw.AnalogChannelNum),
		DigitalChannels:   t(raw.DigitalChannelNum),
		DiskNumber:        t(raw.DiskNumber),
		OEMInfo:           t(raw.OEMInfo),
		DetailOEMCode:     t(raw.DetailOEMCode),
	}
	m.Firmware, m.Build = SplitVersion(m.SoftwareVersion)
	return m, nil
}

var versionRE = regexp.MustCompile(`^(V?[0-9][0-9A-Za-z._-]*?)\s*build\s*([0-9]{6,8})\b`)

// SplitVersion splits Hikvision's "V5.6.2build 190701" and
// "V7.3 build 190626" into version and build date; a string of another
// shape is returned whole as the version.
func SplitVersion(s string) (version, build string) {
	if m := versionRE.FindStringSubmatch(s); m != nil {
		return m[1], m[2]
	}
	return s, ""
}

// normMAC turns "58-50-ed-1f-e3-85" (or colon or upper-case forms) into
// "58:50:ed:1f:e3:85"; anything else yields "".

func addr(s string) netip.Addr {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}
	}
	return a
}

func port(s string) uint16 {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0
	}
	return uint16(n)
}

// Fields is the evidence vocabulary of vendors/FIELDS.md (sadp.*); absent
// or unparsable values are left out. The reported addresses are kept even
// when they differ from the sender's: a camera answering from one address
// while naming another interface or gateway is multi-homing evidence.
func (m ProbeMatch) Fields() map[string]string {
	f := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			f["sadp."+k] = v
		}
	}
	setAddr := func(k string, a netip.Addr) {
		if a.IsValid() {
			set(k, a.String())
		}
	}
	setPort := func(k string, p uint16) {
		if p != 0 {
			set(k, strconv.Itoa(int(p)))
		}
	}
	set("types", m.Types)
	set("device_type", m.DeviceType)
	set("device_description", m.DeviceDescription)
	set("device_sn", m.DeviceSN)
	set("mac", m.MAC)
	setAddr("ipv4_address", m.IPv4Address)
	setAddr("ipv4_subnet_mask", m.IPv4SubnetMask)
	setAddr("ipv4_gateway", m.IPv4Gateway)
	if m.IPv6Address.IsValid() && !m.IPv6Address.IsUnspecified() {
		setAddr("ipv6_address", m.IPv6Address)
	}
	if m.IPv6Gateway.IsValid() && !m.IPv6Gateway.IsUnspecified() {
		setAddr("ipv6_gateway", m.IPv6Gateway)
	}
	set("dhcp", m.DHCP)
	setPort("command_port", m.CommandPort)
	setPort("http_port", m.HTTPPort)
	setPort("sdk_over_tls_port", m.SDKOverTLSPort)
	set("software_version", m.SoftwareVersion)
	set("firmware", m.Firmware)
	set("firmware_build", m.Build)
	set("dsp_version", m.DSPVersion)
	set("boot_time", m.BootTime)
	set("activated", m.Activated)
	set("analog_channels", m.AnalogChannels)
	set("digital_channels", m.DigitalChannels)
	set("disk_number", m.DiskNumber)
	set("oem_info", m.OEMInfo)
	set("detail_oem_code", m.DetailOEMCode)
	return f
}

// Inquiry is the probe of docs/protocols/sadp.md §3.2 with uuid echoed back by every
// device that answers.
func Inquiry(uuid string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>`)
	_ = xml.EscapeText(&b, []byte(uuid))
	b.WriteString(`</Uuid><Types>inquiry</Types></Probe>`)
	return []byte(b.String())
}

// Package device is camsweep's shared vocabulary: what a protocol package
// observed (Evidence), everything seen of one address (Host), what the
// fingerprint rules concluded (Identity), what the policy says about it
// (Finding) and the record that the writers emit (Record, RunRecord).
//
// It imports nothing of camsweep's so that every other package can depend on
// it without cycles.
package device

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Source names the method that produced a piece of evidence. The values are
// part of the JSON record and of the rule files, so they never change.
//
// A protocol package declares its own source (xmeye.Source, the method's
// name as well): nothing in camsweep enumerates the sources, so a new
// protocol edits no shared file for its identity. The constants below
// predate that and stay for the code that names them; device/ cannot
// alias the packages' constants, which import it.
type Source string

// The sources of docs/ARCHITECTURE.md §Evidence.
const (
	SourceARP   Source = "arp"
	SourceWSD   Source = "wsd"
	SourceONVIF Source = "onvif"
	SourceMDNS  Source = "mdns"
	SourceSSDP  Source = "ssdp"
	SourceSADP  Source = "sadp"
	SourceDHIP  Source = "dhip"
	SourceXMEye Source = "xmeye" // = xmeye.Source (scanner/xmeye/wire_test.go)
	SourceHTTP  Source = "http"
	SourceRTSP  Source = "rtsp"
	SourceTLS   Source = "tls"
	SourceTCP   Source = "tcp"
	SourceOUI   Source = "oui"
)

// Sources of the proprietary ports and their discovery.
const (
	// SourceDVRIP is Dahua's private protocol on TCP 37777 (the realm
	// request before any login); SourceDVRIP5050 is its legacy binary
	// discovery on UDP 5050.
	SourceDVRIP     Source = "dvrip"
	SourceDVRIP5050 Source = "dvrip5050"
	// SourceHikSDK is the Hikvision SDK port (TCP 8000).
	SourceHikSDK Source = "hiksdk"
)

// Evidence is one observation of one address by one method. Fields holds
// flat dotted keys ("http.server", "rtsp.realm") documented in
// vendors/FIELDS.md; rules may only read documented keys.
type Evidence struct {
	Source Source            `json:"source"`
	Addr   netip.Addr        `json:"-"`
	MAC    string            `json:"-"`
	Port   uint16            `json:"port,omitempty"`
	Fields map[string]string `json:"fields"`
	Time   time.Time         `json:"-"`
	// Services are the service addresses the evidence announced, parsed
	// (WS-Discovery's XAddrs), for probers that follow them: they read
	// this list instead of re-parsing a field's text. The record has them
	// as the field (wsd.xaddrs). Callers must not modify them.
	Services []*url.URL `json:"-"`
}

// Host is everything the scanner learnt about one address during a run.
type Host struct {
	Addr      netip.Addr
	MAC       string // lower-case colon form, empty when not on a local segment
	Ports     []uint16
	Evidence  []Evidence
	FirstSeen time.Time
	LastSeen  time.Time
	// Errors are per-host probe failures other than "nothing answered"; the
	// evidence gathered before them is kept.
	Errors []string
	// Outcomes are the same failures typed (method and Status), in the
	// same order, for machines.
	Outcomes []Outcome
	// Partial is true when probing stopped early (interrupt, host timeout).
	Partial bool
	// OutOfScope marks a host that answered a discovery sweep but is not a
	// target: recorded, never probed.
	OutOfScope bool

	// Truncated counts the evidence the host's budgets dropped; nil when
	// nothing was.
	Truncated *Truncated
	// AddressConflicts lists the ARP and SSDP claims about the address
	// that contradict each other (see AddressConflict).
	AddressConflicts []AddressConflict
}

// Alive reports whether anything at all answered from the host.
func (h *Host) Alive() bool { return len(h.Evidence) > 0 || h.MAC != "" }

// DeviceType is the kind of device an Identity names.
type DeviceType string

// Device types of docs/ARCHITECTURE.md §The device record.
const (
	TypeCamera   DeviceType = "camera"
	TypeNVR      DeviceType = "nvr"
	TypeDVR      DeviceType = "dvr"
	TypeEncoder  DeviceType = "encoder"
	TypeIntercom DeviceType = "intercom"
	TypeOther    DeviceType = "other"
	TypeUnknown  DeviceType = "unknown"
)

// ParseDeviceType maps a rule's string to a DeviceType.
func ParseDeviceType(s string) (DeviceType, error) {
	switch t := DeviceType(s); t {
	case TypeCamera, TypeNVR, TypeDVR, TypeEncoder, TypeIntercom, TypeOther, TypeUnknown:
		return t, nil
	}
	return "", fmt.Errorf("unknown device type %q (want camera, nvr, dvr, encoder, intercom, other or unknown)", s)
}

// IsVideo reports whether the type is a camera or something that records or
// carries camera video: the devices the policy is about.
func (t DeviceType) IsVideo() bool {
	switch t {
	case TypeCamera, TypeNVR, TypeDVR, TypeEncoder, TypeIntercom:
		return true
	}
	return false
}

// Conclusion is one thing a rule concluded from one piece of evidence.
type Conclusion struct {
	Key      string  `json:"key"` // vendor, brand, model, firmware, serial, device_type
	Value    string  `json:"value"`
	Rule     string  `json:"rule"`
	Evidence int     `json:"evidence"` // index into Host.Evidence
	Weight   float64 `json:"weight"`
}

// Identity is the fused verdict on who made a host and what it is.
type Identity struct {
	DeviceType DeviceType
	Vendor     string // catalog maker id of the platform maker, empty when unknown
	Brand      string
	Model      string
	Firmware   string
	Serial     string
	Confidence float64 // 0..1
	// StatedMaker is the maker or brand the device names for itself (ONVIF
	// Manufacturer, a UPnP manufacturer, a name scope), cleaned; empty when
	// it states none or only a placeholder ("General").
	StatedMaker string
	// MakerUncatalogued is true when the stated maker is not in the catalog
	// and nothing else named a maker: the policy cannot judge it, and says so.
	MakerUncatalogued bool
	// Conclusions lists every rule hit, so the record can say why.
	Conclusions []Conclusion
	// Conflicts lists conclusions that lost against a different value.
	Conflicts []Conclusion
}

// Severity of a finding. The zero value is invalid.
type Severity int

// Severities in increasing order.
const (
	SeverityInfo Severity = iota + 1
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"", "info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < SeverityInfo || s > SeverityCritical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity accepts the lower-case names; "none" yields 0, meaning no
// severity is ever reached (used by --fail-on none).
func ParseSeverity(s string) (Severity, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "none" {
		return 0, nil
	}
	for i, n := range severityNames {
		if i > 0 && n == s {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, low, medium, high, critical or none)", s)
}

// MarshalText writes the name, so JSON carries "high", not 4.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Finding is one policy verdict about one host. IDs are stable: SIEM rules
// match on them.
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Policy   string   `json:"policy"`
	Summary  string   `json:"summary"`
}

// Finding ids of docs/ARCHITECTURE.md §Findings.
const (
	FindingCoveredOnPrimary      = "covered-vendor-on-primary"
	FindingCoveredMultihomed     = "covered-vendor-multihomed"
	FindingCoveredIsolated       = "covered-vendor-isolated"
	FindingCameraOnPrimary       = "camera-on-primary"
	FindingUnidentifiedOnPrimary = "unidentified-camera-on-primary"
	// FindingUncataloguedMaker: the device names its maker, but the
	// catalog does not know that maker, so no list can be checked.
	FindingUncataloguedMaker = "uncatalogued-maker"
)

// Maker is the catalog's entry for the platform maker of a device.
type Maker struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country"`
	Parent  string `json:"parent,omitempty"`
	// UltimateParent is the top of the ownership chain when it differs
	// from Parent (Hikvision: parent CETC 52nd Institute, ultimate CETC).
	UltimateParent string   `json:"ultimate_parent,omitempty"`
	Lists          []string `json:"lists"`
}

// Zone is where the policy placed an address.
type Zone struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Sensitive bool   `json:"sensitive,omitempty"`
}

// Zone kinds with a meaning to the policy; a zones file may define others.
const (
	ZonePrimary  = "primary"
	ZoneIsolated = "isolated"
)

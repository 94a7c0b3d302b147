package onvif

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/camsweep/camsweep/scanner/wsd"
)

// Limits on the lists the parsers keep; anything beyond is dropped.
const (
	maxServices   = 32
	maxInterfaces = 16
	maxAddrs      = 16 // addresses of one kind on one interface
	maxVersions   = 16
)

// Service is one entry of a GetServicesResponse, or one category of a
// GetCapabilitiesResponse mapped to its service namespace.
type Service struct {
	Namespace string // as sent ("http://www.onvif.org/ver10/media/wsdl")
	XAddr     string // as sent
	Version   string // "2.60"; empty when not given (GetCapabilities)
}

// Name is the short name camsweep records a service under: the service
// segment of an ONVIF namespace, lower-cased ("media", "deviceio", "ptz"),
// "media2" for Media2 (ver20/media, Profile T), and "" for a namespace
// outside www.onvif.org (a vendor's own service).
func (s Service) Name() string {
	u, err := url.Parse(s.Namespace)
	if err != nil || !strings.EqualFold(u.Host, "www.onvif.org") {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || !strings.HasPrefix(parts[0], "ver") || parts[1] == "" {
		return ""
	}
	name := strings.ToLower(parts[1])
	if name == "media" && parts[0] == "ver20" {
		name = "media2"
	}
	return name
}

// Services is what GetServices or GetCapabilities says the device offers.
type Services struct {
	Services []Service
	// Versions are the ONVIF versions GetCapabilities lists under
	// Device/System/SupportedVersions ("2.40"); GetServices gives each
	// service's own Version instead.
	Versions []string
	Hints    []string
}

// ParseGetServices parses a GetServices answer (docs/protocols/wsd-onvif.md §2.1; sent
// with IncludeCapability false, so no capabilities are read).
func ParseGetServices(b []byte) (*Services, error) {
	env, err := parseEnvelope(b)
	if err != nil {
		return nil, err
	}
	r, err := env.response("GetServices")
	if err != nil {
		return nil, err
	}
	out := &Services{Hints: env.hints}
	for _, n := range r.all("Service") {
		if len(out.Services) == maxServices {
			break
		}
		s := Service{Namespace: n.text("Namespace"), XAddr: n.text("XAddr")}
		if v := n.child("Version"); v != nil {
			s.Version = version(v)
		}
		if s.Namespace != "" || s.XAddr != "" {
			out.Services = append(out.Services, s)
		}
	}
	if len(out.Services) == 0 {
		return nil, fmt.Errorf("%w: GetServicesResponse without a Service", ErrNotONVIF)
	}
	return out, nil
}

// capabilityNS maps the categories of a GetCapabilitiesResponse (and of its
// Extension) to the namespaces GetServices names the same services by.
var capabilityNS = map[string]string{
	"Analytics":       "http://www.onvif.org/ver20/analytics/wsdl",
	"Device":          NSDevice,
	"Events":          "http://www.onvif.org/ver10/events/wsdl",
	"Imaging":         "http://www.onvif.org/ver20/imaging/wsdl",
	"Media":           "http://www.onvif.org/ver10/media/wsdl",
	"PTZ":             "http://www.onvif.org/ver20/ptz/wsdl",
	"DeviceIO":        "http://www.onvif.org/ver10/deviceIO/wsdl",
	"Display":         "http://www.onvif.org/ver10/display/wsdl",
	"Recording":       "http://www.onvif.org/ver10/recording/wsdl",
	"Search":          "http://www.onvif.org/ver10/search/wsdl",
	"Replay":          "http://www.onvif.org/ver10/replay/wsdl",
	"Receiver":        "http://www.onvif.org/ver10/receiver/wsdl",
	"AnalyticsDevice": "http://www.onvif.org/ver10/analyticsdevice/wsdl",
}

// ParseGetCapabilities parses a GetCapabilities answer: each category with
// an XAddr becomes a Service (categories camsweep has no namespace for get
// an empty one), and Device/System/SupportedVersions the Versions.
func ParseGetCapabilities(b []byte) (*Services, error) {
	env, err := parseEnvelope(b)
	if err != nil {
		return nil, err
	}
	r, err := env.response("GetCapabilities")
	if err != nil {
		return nil, err
	}
	caps := r.child("Capabilities")
	if caps == nil {
		return nil, fmt.Errorf("%w: GetCapabilitiesResponse without Capabilities", ErrNotONVIF)
	}
	out := &Services{Hints: env.hints}
	add := func(n *node) {
		x := n.text("XAddr")
		if x == "" || len(out.Services) == maxServices {
			return
		}
		out.Services = append(out.Services, Service{Namespace: capabilityNS[n.Local], XAddr: x})
	}
	for _, n := range caps.Children {
		if n.Local == "Extension" {
			for _, e := range n.Children {
				add(e)
			}
			continue
		}
		add(n)
	}
	for _, v := range caps.child("Device").child("System").all("SupportedVersions") {
		if len(out.Versions) < maxVersions {
			if s := version(v); s != "" {
				out.Versions = append(out.Versions, s)
			}
		}
	}
	if len(out.Services) == 0 {
		return nil, fmt.Errorf("%w: GetCapabilitiesResponse without an XAddr", ErrNotONVIF)
	}
	return out, nil
}

// version reads a tt:OnvifVersion (Major, Minor) as "2.60"; "" when either
// part is not a number.
func version(n *node) string {
	maj, err1 := strconv.Atoi(n.text("Major"))
	mnr, err2 := strconv.Atoi(n.text("Minor"))
	if err1 != nil || err2 != nil || maj < 0 || mnr < 0 {
		return ""
	}
	return fmt.Sprintf("%d.%02d", maj, mnr)
}

// ScopeList is a GetScopesResponse: the scope URIs, split the way
// WS-Discovery scopes are (the same list a ProbeMatch carries).
type ScopeList struct {
	// Items are the ScopeItem values in order; Fixed says, per item,
	// whether ScopeDef was Fixed (name/ and location/ are Configurable).
	Items  []string
	Fixed  []bool
	Scopes wsd.Scopes
	Hints  []string
}

// ParseGetScopes parses a GetScopes answer (docs/protocols/wsd-onvif.md §2.5: one
// tds:Scopes per scope, ScopeDef and ScopeItem). The split is
// wsd.ParseScopes', so onvif.scope.* and wsd.scope.* mean the same.
func ParseGetScopes(b []byte) (*ScopeList, error) {
	env, err := parseEnvelope(b)
	if err != nil {
		return nil, err
	}
	r, err := env.response("GetScopes")
	if err != nil {
		return nil, err
	}
	out := &ScopeList{Hints: env.hints}
	for _, n := range r.all("Scopes") {
		if len(out.Items) == wsd.MaxItems {
			break
		}
		item := n.text("ScopeItem")
		if item == "" || strings.ContainsAny(item, " \t\r\n") {
			continue
		}
		out.Items = append(out.Items, item)
		out.Fixed = append(out.Fixed, strings.EqualFold(n.text("ScopeDef"), "Fixed"))
	}
	if len(out.Items) == 0 {
		return nil, fmt.Errorf("%w: GetScopesResponse without a ScopeItem", ErrNotONVIF)
	}
	out.Scopes = wsd.ParseScopes(strings.Join(out.Items, " "))
	for _, h := range out.Scopes.Hints() {
		out.Hints = appendNew(out.Hints, h)
	}
	return out, nil
}

// Hostname is a GetHostnameResponse.
type Hostname struct {
	Name     string // empty when the device has none
	FromDHCP bool
	Hints    []string
}

// ParseGetHostname parses a GetHostname answer.
func ParseGetHostname(b []byte) (*Hostname, error) {
	env, err := parseEnvelope(b)
	if err != nil {
		return nil, err
	}
	r, err := env.response("GetHostname")
	if err != nil {
		return nil, err
	}
	hi := r.child("HostnameInformation")
	if hi == nil {
		return nil, fmt.Errorf("%w: GetHostnameResponse without HostnameInformation", ErrNotONVIF)
	}
	return &Hostname{Name: hi.text("Name"), FromDHCP: strings.EqualFold(hi.text("FromDHCP"), "true"), Hints: env.hints}, nil
}

// NetworkInterface is one tds:NetworkInterfaces of a
// GetNetworkInterfacesResponse (docs/protocols/wsd-onvif.md §2.4).
type NetworkInterface struct {
	Enabled bool
	Name    string // Info/Name ("eth0")
	// MAC is Info/HwAddress in lower-case colon form; empty when it is
	// not a 6-byte MAC.
	MAC string
	// IPv4Enabled is IPv4/Enabled; DHCP is IPv4/Config/DHCP.
	IPv4Enabled bool
	DHCP        bool
	// IPv4Manual are IPv4/Config/Manual, IPv4FromDHCP IPv4/Config/FromDHCP
	// (and LinkLocal, which devices use for 169.254/16).
	IPv4Manual    []netip.Prefix
	IPv4FromDHCP  []netip.Prefix
	IPv4LinkLocal []netip.Prefix
	// IPv6 are the IPv6 Manual, FromDHCP and FromRA addresses that are not
	// link-local; IPv6LinkLocal the LinkLocal ones.
	IPv6          []netip.Prefix
	IPv6LinkLocal []netip.Prefix
}

// Addrs returns every address of the interface, IPv4 first, without
// repeats.
func (ni NetworkInterface) Addrs() []netip.Addr {
	var out []netip.Addr
	for _, l := range [][]netip.Prefix{ni.IPv4Manual, ni.IPv4FromDHCP, ni.IPv4LinkLocal, ni.IPv6, ni.IPv6LinkLocal} {
		for _, p := range l {
			if a := p.Addr(); !containsAddr(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// NetworkInterfaces is a GetNetworkInterfacesResponse.
type NetworkInterfaces struct {
	Interfaces []NetworkInterface
	Hints      []string
}

// ParseGetNetworkInterfaces parses a GetNetworkInterfaces answer. Addresses
// that do not parse, or whose prefix length is out of range, are dropped:
// the rest of the interface still counts.
func ParseGetNetworkInterfaces(b []byte) (*NetworkInterfaces, error) {
	env, err := parseEnvelope(b)
	if err != nil {
		return nil, err
	}
	r, err := env.response("GetNetworkInterfaces")
	if err != nil {
		return nil, err
	}
	out := &NetworkInterfaces{Hints: env.hints}
	for _, n := range r.all("NetworkInterfaces") {
		if len(out.Interfaces) == maxInterfaces {
			break
		}
		ni := NetworkInterface{
			Enabled: isTrue(n.text("Enabled")),
			Name:    n.text("Info", "Name"),
			MAC:     normMAC(n.text("Info", "HwAddress")),
		}
		if v4 := n.child("IPv4"); v4 != nil {
			ni.IPv4Enabled = isTrue(v4.text("Enabled"))
			cfg := v4.child("Config")
			ni.DHCP = isTrue(cfg.text("DHCP"))
			ni.IPv4Manual = prefixes(cfg.all("Manual"), true)
			ni.IPv4FromDHCP = prefixes(cfg.all("FromDHCP"), true)
			ni.IPv4LinkLocal = prefixes(cfg.all("LinkLocal"), true)
		}
		if v6 := n.child("IPv6"); v6 != nil {
			cfg := v6.child("Config")
			var all []*node
			for _, k := range []string{"Manual", "FromDHCP", "FromRA"} {
				all = append(all, cfg.all(k)...)
			}
			for _, p := range prefixes(all, false) {
				if !p.Addr().IsLinkLocalUnicast() {
					ni.IPv6 = appendPrefix(ni.IPv6, p)
				}
			}
			ni.IPv6LinkLocal = prefixes(cfg.all("LinkLocal"), false)
		}
		if ni.Name == "" && ni.MAC == "" && len(ni.Addrs()) == 0 {
			continue
		}
		out.Interfaces = append(out.Interfaces, ni)
	}
	if len(out.Interfaces) == 0 {
		return nil, fmt.Errorf("%w: GetNetworkInterfacesResponse without an interface", ErrNotONVIF)
	}
	return out, nil
}

// prefixes reads tt:PrefixedIPv4Address / tt:PrefixedIPv6Address nodes.
func prefixes(ns []*node, v4 bool) []netip.Prefix {
	var out []netip.Prefix
	for _, n := range ns {
		if len(out) == maxAddrs {
			break
		}
		a, err := netip.ParseAddr(n.text("Address"))
		if err != nil {
			continue
		}
		a = a.Unmap().WithZone("")
		if a.Is4() != v4 {
			continue
		}
		bits, err := strconv.Atoi(n.text("PrefixLength"))
		if err != nil || bits < 0 || bits > a.BitLen() {
			bits = a.BitLen()
		}
		out = appendPrefix(out, netip.PrefixFrom(a, bits))
	}
	return out
}

func appendPrefix(l []netip.Prefix, p netip.Prefix) []netip.Prefix {
	for _, q := range l {
		if q == p {
			return l
		}
	}
	return append(l, p)
}

func containsAddr(l []netip.Addr, a netip.Addr) bool {
	for _, b := range l {
		if a == b {
			return true
		}
	}
	return false
}

func appendNew(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}

func isTrue(s string) bool { return strings.EqualFold(s, "true") || s == "1" }

// normMAC returns a 6-byte MAC in lower-case colon form, else "".
func normMAC(s string) string {
	hw, err := net.ParseMAC(strings.TrimSpace(s))
	if err != nil || len(hw) != 6 {
		return ""
	}
	return hw.String()
}

package onvif

import (
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/camsweep/camsweep/scanner/internal/authhdr"
)

// snake turns "GetNetworkInterfaces" into "get_network_interfaces".
func snake(op string) string {
	var b strings.Builder
	for i, c := range op {
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

func noteInfo(f map[string]string, di *DeviceInformation) {
	set(f, "onvif.manufacturer", di.Manufacturer)
	set(f, "onvif.model", di.Model)
	set(f, "onvif.firmware", di.FirmwareVersion)
	set(f, "onvif.serial", di.SerialNumber)
	set(f, "onvif.hardware_id", di.HardwareID)
}

// noteServices records each ONVIF service's XAddr under its short name,
// the names with their versions, and the namespaces of vendor services.
func noteServices(f map[string]string, sv *Services) {
	var names, vendor []string
	for _, s := range sv.Services {
		name := s.Name()
		if name == "" {
			if s.Namespace != "" && !slices.Contains(vendor, s.Namespace) {
				vendor = append(vendor, s.Namespace)
			}
			continue
		}
		if !isWord(name) {
			continue
		}
		if _, dup := f["onvif.service."+name]; dup {
			continue
		}
		f["onvif.service."+name] = s.XAddr
		if s.Version != "" {
			name += ":" + s.Version
		}
		names = append(names, name)
	}
	set(f, "onvif.services", strings.Join(names, " "))
	set(f, "onvif.vendor_services", strings.Join(vendor, " "))
	set(f, "onvif.versions", strings.Join(sv.Versions, " "))
}

func isWord(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// noteInterfaces records the interfaces, their MACs and addresses, and the
// addresses other than the probed one: evidence of another interface of
// the same device, as wsd.other_addrs is.
func noteInterfaces(f map[string]string, nis *NetworkInterfaces, probed netip.Addr) {
	probed = probed.Unmap().WithZone("")
	var names, macs, manual, fromDHCP, v6, other []string
	dhcp := false
	for _, ni := range nis.Interfaces {
		names = appendNew(names, ni.Name)
		if ni.MAC != "" {
			macs = appendNew(macs, ni.MAC)
		}
		if slices.Contains(ni.Addrs(), probed) && ni.MAC != "" {
			f["onvif.mac"] = ni.MAC
		}
		if !ni.Enabled {
			continue
		}
		if ni.IPv4Enabled {
			dhcp = dhcp || ni.DHCP
			for _, p := range ni.IPv4Manual {
				manual = appendNew(manual, p.String())
			}
			for _, p := range ni.IPv4FromDHCP {
				fromDHCP = appendNew(fromDHCP, p.String())
			}
		}
		for _, p := range ni.IPv6 {
			v6 = appendNew(v6, p.String())
		}
		for _, a := range ni.Addrs() {
			if a == probed || a.IsLinkLocalUnicast() || a.IsLoopback() || a.IsUnspecified() || a.IsMulticast() {
				continue
			}
			if a.Is4() && !ni.IPv4Enabled {
				continue
			}
			other = appendNew(other, a.String())
		}
	}
	if f["onvif.mac"] == "" && len(macs) == 1 {
		f["onvif.mac"] = macs[0]
	}
	set(f, "onvif.interfaces", strings.Join(names, ","))
	set(f, "onvif.macs", strings.Join(macs, ","))
	set(f, "onvif.ipv4_manual", strings.Join(manual, ","))
	set(f, "onvif.ipv4_from_dhcp", strings.Join(fromDHCP, ","))
	f["onvif.dhcp"] = strconv.FormatBool(dhcp)
	set(f, "onvif.ipv6", strings.Join(v6, ","))
	set(f, "onvif.other_addrs", strings.Join(other, " "))
}

// noteScopes records GetScopes under the keys wsd.scope.* uses.
func noteScopes(f map[string]string, sl *ScopeList) {
	sc := sl.Scopes
	set(f, "onvif.scopes", strings.Join(sc.Raw, " "))
	set(f, "onvif.scope.name", sc.Name)
	set(f, "onvif.scope.hardware", sc.Hardware)
	set(f, "onvif.scope.location", sc.Location)
	set(f, "onvif.scope.mac", strings.ToLower(sc.MAC))
	set(f, "onvif.scope.manufacturer", sc.Manufacturer)
	set(f, "onvif.scope.firmware", sc.Firmware)
	set(f, "onvif.scope.serial", sc.Serial)
	set(f, "onvif.scope.profiles", strings.Join(sc.Profiles, " "))
	set(f, "onvif.scope.types", strings.Join(sc.Types, " "))
	set(f, "onvif.scope.other", strings.Join(sc.Other, " "))
}

func set(f map[string]string, k, v string) {
	if v != "" {
		f[k] = v
	}
}

// noteChallenge records the first anonymous 401's WWW-Authenticate value,
// its scheme and realm: the realm often names the maker, the model or the
// serial (Dahua "Login to <serial>", Hikvision "IP Camera(C2875)").
func noteChallenge(f map[string]string, wa string) {
	if f["onvif.www_authenticate"] != "" {
		return
	}
	if len(wa) > maxText {
		wa = wa[:maxText]
	}
	wa = strings.ToValidUTF8(strings.TrimSpace(wa), "\uFFFD")
	f["onvif.www_authenticate"] = wa
	// A malformed tail still leaves a usable scheme and realm.
	if chs, _ := authhdr.Parse(wa); len(chs) > 0 {
		set(f, "onvif.auth_scheme", chs[0].Scheme)
		set(f, "onvif.realm", chs[0].Realm())
	}
}

func noteFault(f map[string]string, fault *Fault, status int) {
	f["onvif.fault"] = fault.Subcode()
	if f["onvif.fault"] == "" {
		f["onvif.fault"] = fault.Code
	}
	f["onvif.fault_reason"] = fault.Reason
	if errors.Is(fault, ErrNotAuthorized) || status == http.StatusUnauthorized {
		f["onvif.auth"] = "required"
	}
}

package wsd

import (
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/camsweep/camsweep/device"
)

// Evidence turns each match of m, sent from `from`, into one piece of wsd
// evidence with the keys of vendors/FIELDS.md. via says how the reply was
// provoked: "multicast", "unicast" or "passive".
func Evidence(m *Message, from netip.AddrPort, via string, now time.Time) []device.Evidence {
	var out []device.Evidence
	for _, pm := range m.Matches {
		f := map[string]string{
			"wsd.message": string(m.Kind),
			"wsd.via":     via,
		}
		set := func(k, v string) {
			if v != "" {
				f[k] = v
			}
		}
		set("wsd.epr", pm.EPR)
		set("wsd.epr_mac", EPRMAC(pm.EPR))
		set("wsd.message_id", m.MessageID)
		set("wsd.types", strings.Join(pm.Types, " "))
		set("wsd.scopes", strings.Join(pm.Scopes.Raw, " "))
		set("wsd.scope.name", pm.Scopes.Name)
		set("wsd.scope.hardware", pm.Scopes.Hardware)
		set("wsd.scope.location", pm.Scopes.Location)
		set("wsd.scope.mac", strings.ToLower(pm.Scopes.MAC))
		set("wsd.scope.manufacturer", pm.Scopes.Manufacturer)
		set("wsd.scope.firmware", pm.Scopes.Firmware)
		set("wsd.scope.serial", pm.Scopes.Serial)
		set("wsd.scope.profiles", strings.Join(pm.Scopes.Profiles, " "))
		set("wsd.scope.types", strings.Join(pm.Scopes.Types, " "))
		set("wsd.scope.other", strings.Join(pm.Scopes.Other, " "))
		set("wsd.xaddrs", strings.Join(pm.XAddrs, " "))
		set("wsd.metadata_version", pm.MetadataVersion)
		set("wsd.extension", pm.Extension)
		set("wsd.hint", strings.Join(m.Hints, ","))
		set("wsd.other_addrs", otherAddrs(pm.XAddrs, from.Addr()))
		out = append(out, device.Evidence{
			Source:   device.SourceWSD,
			Addr:     from.Addr().Unmap(),
			Port:     from.Port(),
			Fields:   f,
			Time:     now,
			Services: services(pm.XAddrs),
		})
	}
	return out
}

// otherAddrs lists the XAddr addresses that are not the sender's and not
// link-local (every device has those): evidence of another interface.
func otherAddrs(xaddrs []string, from netip.Addr) string {
	var s []string
	for _, a := range XAddrHosts(xaddrs) {
		if a == from.Unmap() || a.IsLinkLocalUnicast() || a.IsLoopback() {
			continue
		}
		s = append(s, a.String())
	}
	return strings.Join(s, " ")
}

// services parses the XAddrs that are absolute URLs; the rest stay only in
// wsd.xaddrs, as sent.
func services(xaddrs []string) []*url.URL {
	var out []*url.URL
	for _, raw := range xaddrs {
		if u, err := url.Parse(raw); err == nil && u.IsAbs() && u.Host != "" {
			out = append(out, u)
		}
	}
	return out
}

package mdns

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/camsweep/camsweep/device"
)

// Evidence turns a response from an address into evidence of that address:
// one item per service instance (so that a rule can read the instance name
// together with its service type), one listing the enumerated service
// types, and one per host name that no instance points at. Every address a
// record names is kept (mdns.addrs), also when it is not the sender's: a
// multi-homed camera's other interface is evidence of the camera.
func (m Message) Evidence(from netip.AddrPort) []device.Evidence {
	if !m.Response {
		return nil
	}
	var out []device.Evidence
	ev := func(f map[string]string) {
		out = append(out, device.Evidence{Source: device.SourceMDNS, Addr: from.Addr(), Port: from.Port(), Fields: f})
	}
	used := map[string]bool{}
	for _, in := range m.Instances {
		f := map[string]string{
			"mdns.service":  in.Service,
			"mdns.instance": in.Name,
		}
		if in.Domain != "" {
			f["mdns.domain"] = in.Domain
		}
		if in.Host != "" {
			f["mdns.host"] = in.Host
			used[strings.ToLower(in.Host)] = true
			if a := m.addrsOf(in.Host); a != "" {
				f["mdns.addrs"] = a
			}
		}
		if in.Port != 0 {
			f["mdns.port"] = strconv.Itoa(int(in.Port))
		}
		for k, v := range TXTKeys(in.TXT) {
			f["mdns.txt."+k] = v
		}
		if t := TXTText(in.TXT); t != "" {
			f["mdns.txt_text"] = t
		}
		ev(f)
	}
	if len(m.Types) > 0 {
		t := slices.Clone(m.Types)
		slices.Sort(t)
		ev(map[string]string{"mdns.types": strings.Join(t, ",")})
	}
	for _, h := range m.Hosts {
		if used[strings.ToLower(h.Name)] || len(h.Addrs) == 0 {
			continue
		}
		ev(map[string]string{"mdns.host": h.Name, "mdns.addrs": m.addrsOf(h.Name)})
	}
	return out
}

// addrsOf lists the addresses of a host name, comma-separated, IPv4 first.
func (m Message) addrsOf(name string) string {
	for _, h := range m.Hosts {
		if strings.EqualFold(h.Name, name) {
			a := slices.Clone(h.Addrs)
			slices.SortFunc(a, netip.Addr.Compare)
			s := make([]string, len(a))
			for i, x := range a {
				s[i] = x.String()
			}
			return strings.Join(s, ",")
		}
	}
	return ""
}

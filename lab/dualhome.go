package lab

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
)

// Leg is the second interface of a dual-homed device: a camera wired to the
// isolated CCTV network that also has a leg on the office network, the case
// covered-vendor-multihomed exists for (docs/ARCHITECTURE.md §Findings).
//
// The leg's address is added as a /32 with no route through it, so the
// device keeps answering from, and routing through, its main interface: a
// unicast WS-Discovery probe to its CCTV address is answered from that
// address (the emulator's wildcard UDP socket would otherwise pick the
// office address as source for a reply to the office network), and its
// XAddrs list both addresses (emulator hostAddrs), as does its ONVIF
// GetNetworkInterfaces answer (emulator Interfaces): the evidence the policy
// reads. The office address still answers ARP and TCP there;
// replies go back through the router (namespaces have rp_filter off). The
// leg has multicast off, so multicast discovery on the office segment does
// not reach the device there: it is heard on its CCTV address by unicast,
// like the other devices behind the router.
type Leg struct {
	Segment string `yaml:"segment"`
	Address string `yaml:"address"`
	MAC     string `yaml:"mac"`
}

func (l *Leg) script() string {
	return fmt.Sprintf("link set eth1 address %s\nlink set eth1 multicast off\nlink set eth1 up\naddr add %s/32 dev eth1\n", l.MAC, l.Address)
}

// validateAlso checks every device's second leg: another segment, a free
// address inside it, a unique unicast MAC; not on a shared host.
func (v *validator) validateAlso(s *Spec) error {
	used := map[netip.Addr]bool{}
	macs := map[string]bool{}
	add := func(a string) {
		if p, err := netip.ParseAddr(a); err == nil {
			used[p] = true
		}
	}
	add(s.Jump.Address)
	for _, sg := range s.Segments {
		add(sg.Gateway)
	}
	for _, d := range s.Devices {
		add(d.Address)
		if hw, err := net.ParseMAC(d.MAC); err == nil {
			macs[hw.String()] = true
		}
	}
	for i, d := range s.Devices {
		l := d.Also
		if l == nil {
			continue
		}
		if d.Host != "" {
			return v.errf(v.at("devices", i, "also"), "device %q: a device on a shared host cannot have a second interface", d.Name)
		}
		var seg *Segment
		for j := range s.Segments {
			if s.Segments[j].Name == l.Segment {
				seg = &s.Segments[j]
			}
		}
		if seg == nil || l.Segment == d.Segment {
			return v.errf(v.at("devices", i, "also", "segment"), "segment %q of the second interface of %q: want another segment of the spec", l.Segment, d.Name)
		}
		p := netip.MustParsePrefix(seg.CIDR) // validated above
		a, err := netip.ParseAddr(l.Address)
		if err != nil || !a.Is4() || !p.Contains(a) || a == p.Addr() || a == lastAddr(p) {
			return v.errf(v.at("devices", i, "also", "address"), "address %q of the second interface of %q: want a host address of %s", l.Address, d.Name, seg.CIDR)
		}
		if used[a] {
			return v.errf(v.at("devices", i, "also", "address"), "address %q of the second interface of %q is already used", l.Address, d.Name)
		}
		used[a] = true
		hw, err := net.ParseMAC(l.MAC)
		if err != nil || len(hw) != 6 || hw[0]&1 != 0 || bytes.Equal(hw, make([]byte, 6)) {
			return v.errf(v.at("devices", i, "also", "mac"), "mac %q of the second interface of %q: want a unicast MAC", l.MAC, d.Name)
		}
		if macs[hw.String()] {
			return v.errf(v.at("devices", i, "also", "mac"), "mac %q of the second interface of %q is already used", l.MAC, d.Name)
		}
		macs[hw.String()] = true
	}
	return nil
}

package udpsweep

import (
	"context"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/net/ipv6"

	"github.com/camsweep/camsweep/scanner"
)

// sock6 is the IPv6 half of a sweep: the sending socket, the interfaces it
// multicasts on and, with ListenGroup, the socket joined to Group6.
type sock6 struct {
	pc    net.PacketConn
	p     *ipv6.PacketConn
	ifs   []net.Interface
	group net.PacketConn
}

// open6 opens the IPv6 sockets of cfg; nil when IPv6 is off or no
// interface has it, which is no error of the sweep (a host without IPv6 is
// normal) but a debug message.
func open6(ctx context.Context, listen func(context.Context, string, string) (net.PacketConn, error), cfg Config) *sock6 {
	log := cfg.Log.With().Stringer("group", cfg.Group6).Logger()
	ifs, err := interfaces6(cfg)
	if err != nil {
		log.Debug().Err(err).Msg("udpsweep: no IPv6 multicast: listing interfaces")
		return nil
	}
	if len(ifs) == 0 {
		log.Debug().Msg("udpsweep: no IPv6 multicast: no interface with an IPv6 link-local address")
		return nil
	}
	pc, err := listen(ctx, "udp6", "[::]:0")
	if err != nil {
		log.Debug().Err(err).Msg("udpsweep: no IPv6 multicast: udp6 socket")
		return nil
	}
	s := &sock6{pc: pc, p: ipv6.NewPacketConn(pc), ifs: ifs}
	if cfg.HopLimit6 > 0 {
		if err := s.p.SetMulticastHopLimit(cfg.HopLimit6); err != nil {
			log.Debug().Err(err).Msg("udpsweep: no IPv6 multicast: hop limit")
			pc.Close()
			return nil
		}
	}
	if !cfg.ListenGroup {
		return s
	}
	// Best effort, like listenGroup: a responder on this host may hold
	// the port.
	gpc, err := listen(ctx, "udp6", net.JoinHostPort("::", strconv.Itoa(int(cfg.Port))))
	if err != nil {
		log.Debug().Err(err).Msg("udpsweep: not listening on the IPv6 group")
		return s
	}
	gp := ipv6.NewPacketConn(gpc)
	joined := false
	for i := range ifs {
		if err := gp.JoinGroup(&ifs[i], &net.UDPAddr{IP: cfg.Group6.AsSlice()}); err != nil {
			log.Debug().Err(err).Str("iface", ifs[i].Name).Msg("udpsweep: joining the IPv6 group")
			continue
		}
		joined = true
	}
	if !joined {
		gpc.Close()
		return s
	}
	s.group = gpc
	return s
}

// send multicasts probe to [Group6%iface]:Port once out of each interface.
// A refused send (the link-local address still tentative, IPv6 turned off
// on the interface) skips that interface; only the end of ctx is an error.
func (s *sock6) send(ctx context.Context, cfg Config, pace scanner.Pacer, probe []byte) error {
	for i := range s.ifs {
		ifi := &s.ifs[i]
		err := s.p.SetMulticastInterface(ifi)
		if err == nil {
			if err = pace.Wait(ctx); err != nil {
				return err
			}
			dst := &net.UDPAddr{IP: cfg.Group6.AsSlice(), Port: int(cfg.Port), Zone: ifi.Name}
			_, err = s.pc.WriteTo(probe, dst)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			cfg.Log.Debug().Err(err).Str("iface", ifi.Name).Stringer("group", cfg.Group6).Msg("udpsweep: IPv6 multicast not sent")
		}
	}
	return nil
}

// interfaces6 lists the multicast interfaces (as for Group) that have an
// IPv6 link-local address, which a link-local multicast is sent from.
func interfaces6(cfg Config) ([]net.Interface, error) {
	if cfg.Interfaces6 != nil {
		return cfg.Interfaces6()
	}
	ifs, err := interfaces(cfg, net.FlagMulticast)
	if err != nil {
		return nil, err
	}
	var out []net.Interface
	for _, ifi := range ifs {
		if hasLinkLocal6(ifi) {
			out = append(out, ifi)
		}
	}
	return out, nil
}

func hasLinkLocal6(ifi net.Interface) bool {
	addrs, err := ifi.Addrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		if ip, ok := netip.AddrFromSlice(ipn.IP); ok && ip.Is6() && !ip.Is4In6() && ip.IsLinkLocalUnicast() {
			return true
		}
	}
	return false
}

package liveness

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/camsweep/camsweep/scanner"
)

// openRaw opens the raw ICMP and TCP sockets (CAP_NET_RAW), bound to iface
// when set.
func openRaw(ctx context.Context, iface string) (rawConns, error) {
	lc := net.ListenConfig{Control: scanner.BindControl(iface)}
	ic, err := lc.ListenPacket(ctx, "ip4:icmp", "0.0.0.0")
	if err != nil {
		return rawConns{}, fmt.Errorf("liveness: raw ICMP socket: %w", err)
	}
	tc, err := lc.ListenPacket(ctx, "ip4:tcp", "0.0.0.0")
	if err != nil {
		ic.Close()
		return rawConns{}, fmt.Errorf("liveness: raw TCP socket: %w", err)
	}
	dial := (&net.Dialer{Control: lc.Control}).DialContext
	source := func(dst netip.Addr) (netip.Addr, error) {
		// A connected UDP socket sends nothing; it only asks the routing
		// table which address a packet to dst leaves from.
		c, err := dial(ctx, "udp4", netip.AddrPortFrom(dst, 9).String())
		if err != nil {
			return netip.Addr{}, fmt.Errorf("liveness: no route to %s: %w", dst, err)
		}
		defer c.Close()
		ua, ok := c.LocalAddr().(*net.UDPAddr)
		if !ok {
			return netip.Addr{}, fmt.Errorf("liveness: no source address for %s", dst)
		}
		src, _ := netip.AddrFromSlice(ua.IP)
		return src.Unmap(), nil
	}
	return rawConns{icmp: ic, tcp: tc, source: source}, nil
}

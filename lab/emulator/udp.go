package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"

	"golang.org/x/net/ipv4"
)

// UDPService is one UDP port of a device: discovery protocols (WS-Discovery
// 3702, SADP 37020, DHIP 37810, SSDP 1900, mDNS 5353 …). When Group is set
// the emulator also joins that multicast group, as the real devices do, so
// multicast probes on the device's segment reach it.
type UDPService struct {
	Port  int
	Name  string
	Group netip.Addr
	// Broadcast binds the unspecified address without joining a group,
	// so the service hears broadcasts to its port (XMEye 34569) as well
	// as unicast.
	Broadcast bool
	// Handle answers one datagram. Each returned payload is sent from the
	// service's port back to the sender, unicast, the way cameras answer
	// both multicast and unicast probes. nil means stay silent.
	Handle func(req []byte, from netip.AddrPort) [][]byte
}

// maxDatagram bounds what a handler is given; discovery probes are small.
const maxDatagram = 64 << 10

// ListenUDP binds every UDP service. A service with a group binds the
// unspecified address (a socket bound to a unicast address does not see
// multicast) and joins the group on every multicast interface but lo; a
// Broadcast service binds the unspecified address too (nor does it see
// broadcasts); the others bind addr.
func (e *Emulator) ListenUDP(addr netip.Addr) ([]net.PacketConn, error) {
	var pcs []net.PacketConn
	fail := func(err error) ([]net.PacketConn, error) {
		for _, pc := range pcs {
			pc.Close()
		}
		return nil, fmt.Errorf("emulator %s: %w", e.Device.Name, err)
	}
	for _, s := range e.UDP {
		host := addr.String()
		if s.Group.IsValid() || s.Broadcast {
			host = "0.0.0.0"
		}
		pc, err := net.ListenPacket("udp4", net.JoinHostPort(host, strconv.Itoa(s.Port)))
		if err != nil {
			return fail(err)
		}
		pcs = append(pcs, pc)
		if s.Group.IsValid() {
			if err := joinAll(ipv4.NewPacketConn(pc), s.Group); err != nil {
				return fail(err)
			}
		}
	}
	return pcs, nil
}

func joinAll(p *ipv4.PacketConn, group netip.Addr) error {
	ifs, err := net.Interfaces()
	if err != nil {
		return err
	}
	for i := range ifs {
		ifi := &ifs[i]
		if ifi.Flags&net.FlagMulticast == 0 || ifi.Flags&net.FlagLoopback != 0 || ifi.Flags&net.FlagUp == 0 {
			continue
		}
		if err := p.JoinGroup(ifi, &net.UDPAddr{IP: group.AsSlice()}); err != nil {
			return fmt.Errorf("joining %s on %s: %w", group, ifi.Name, err)
		}
	}
	// No multicast interface (a loopback-only test): unicast still works.
	return nil
}

// ServeUDP answers on pcs[i] for e.UDP[i] until ctx ends, then closes them.
func (e *Emulator) ServeUDP(ctx context.Context, pcs []net.PacketConn) error {
	if len(pcs) != len(e.UDP) {
		return errors.New("emulator: one packet conn per UDP service needed")
	}
	var wg sync.WaitGroup
	for i, pc := range pcs {
		wg.Go(func() { ServePacketConn(ctx, pc, e.UDP[i].Handle) })
	}
	wg.Wait()
	return nil
}

// ServePacketConn runs h on every datagram read from pc until ctx ends.
func ServePacketConn(ctx context.Context, pc net.PacketConn, h func([]byte, netip.AddrPort) [][]byte) {
	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()
	defer pc.Close()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		ua, ok := from.(*net.UDPAddr)
		if !ok {
			continue
		}
		ap := ua.AddrPort()
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		req := append([]byte(nil), buf[:n]...)
		for _, rep := range h(req, ap) {
			_, _ = pc.WriteTo(rep, ua)
		}
	}
}

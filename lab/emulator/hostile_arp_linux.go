//go:build linux

package emulator

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// Open binds a raw AF_PACKET socket for ARP on the interface that holds
// addr. It needs CAP_NET_RAW, which the lab's emulators have as root in
// their own namespace; the forged frames leave only that namespace's
// interface, onto the lab's bridge.
func (f *arpForger) Open(addr netip.Addr) error {
	ifi, err := interfaceWith(addr)
	if err != nil {
		return err
	}
	proto := htons(etherTypeARP)
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, int(proto))
	if err != nil {
		return fmt.Errorf("arp forger: raw socket: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: proto, Ifindex: ifi.Index}); err != nil {
		syscall.Close(fd)
		return fmt.Errorf("arp forger: bind %s: %w", ifi.Name, err)
	}
	// A read timeout lets Serve see the end of its context.
	tv := syscall.Timeval{Usec: 200_000}
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		syscall.Close(fd)
		return fmt.Errorf("arp forger: %w", err)
	}
	f.own = addr
	f.sys = &packetSock{fd: fd, ifindex: ifi.Index}
	return nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// interfaceWith finds the interface holding addr.
func interfaceWith(addr netip.Addr) (*net.Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for i := range ifs {
		as, err := ifs[i].Addrs()
		if err != nil {
			continue
		}
		for _, a := range as {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == addr {
					return &ifs[i], nil
				}
			}
		}
	}
	return nil, fmt.Errorf("arp forger: no interface holds %s", addr)
}

type packetSock struct {
	fd, ifindex int
}

func (s *packetSock) read(buf []byte) (int, bool, error) {
	n, from, err := syscall.Recvfrom(s.fd, buf, 0)
	switch {
	case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	}
	// Our own forged frames come back as outgoing: skip them.
	if ll, ok := from.(*syscall.SockaddrLinklayer); ok && ll.Pkttype == syscall.PACKET_OUTGOING {
		return 0, false, nil
	}
	return n, true, nil
}

func (s *packetSock) write(frame []byte) error {
	sa := &syscall.SockaddrLinklayer{Protocol: htons(etherTypeARP), Ifindex: s.ifindex, Halen: 6}
	copy(sa.Addr[:], frame[0:6])
	return syscall.Sendto(s.fd, frame, 0, sa)
}

func (s *packetSock) close() { syscall.Close(s.fd) }

package scanner

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"time"
)

// DialFunc is the dialling seam every prober's Config takes.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// Dialer returns the dial function the probers share: bounded by timeout
// and, when iface is set, bound to that interface with SO_BINDTODEVICE so a
// multi-homed jump host sends only where the user said.
func Dialer(iface string, timeout time.Duration) DialFunc {
	return (&net.Dialer{Timeout: timeout, Control: BindControl(iface)}).DialContext
}

// BindControl is the socket Control that binds a socket to iface with
// SO_BINDTODEVICE, for dialers and listeners alike (UDP sweeps, raw
// sockets): a multi-homed jump host sends only where the user said. nil
// when iface is empty; off Linux the bind fails with an error saying so.
func BindControl(iface string) func(network, address string, c syscall.RawConn) error {
	if iface == "" {
		return nil
	}
	return func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = bindToDevice(int(fd), iface) }); err != nil {
			return err
		}
		return serr
	}
}

// CheckInterface reports whether iface exists and is up.
func CheckInterface(iface string) error {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return fmt.Errorf("no interface %q: %w", iface, err)
	}
	if ifi.Flags&net.FlagUp == 0 {
		return fmt.Errorf("interface %q is down", iface)
	}
	return nil
}

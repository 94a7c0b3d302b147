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
	d := &net.Dialer{Timeout: timeout}
	if iface != "" {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) { serr = bindToDevice(int(fd), iface) })
			if err != nil {
				return err
			}
			return serr
		}
	}
	return d.DialContext
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

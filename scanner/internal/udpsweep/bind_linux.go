package udpsweep

import (
	"context"
	"net"
	"syscall"
)

// defaultListen binds to iface with SO_BINDTODEVICE when set, so a
// multi-homed jump host probes only where the user said.
func defaultListen(iface string) func(context.Context, string, string) (net.PacketConn, error) {
	lc := net.ListenConfig{}
	if iface != "" {
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) { serr = syscall.BindToDevice(int(fd), iface) }); err != nil {
				return err
			}
			return serr
		}
	}
	return lc.ListenPacket
}

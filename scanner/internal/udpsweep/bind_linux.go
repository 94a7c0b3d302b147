package udpsweep

import (
	"context"
	"errors"
	"net"
	"syscall"

	"github.com/camsweep/camsweep/scanner"
)

// defaultListen binds to iface with SO_BINDTODEVICE when set, so a
// multi-homed jump host probes only where the user said.
func defaultListen(iface string) func(context.Context, string, string) (net.PacketConn, error) {
	lc := net.ListenConfig{Control: scanner.BindControl(iface)}
	return lc.ListenPacket
}

// setBroadcast sets SO_BROADCAST, without which Linux refuses to send to
// a broadcast address (EACCES).
func setBroadcast(pc net.PacketConn) error {
	sc, ok := pc.(syscall.Conn)
	if !ok {
		return errors.New("socket has no file descriptor")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
	}); err != nil {
		return err
	}
	return serr
}

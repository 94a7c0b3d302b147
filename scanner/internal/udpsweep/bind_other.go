//go:build !linux

package udpsweep

import (
	"context"
	"errors"
	"net"
)

func defaultListen(string) func(context.Context, string, string) (net.PacketConn, error) {
	var lc net.ListenConfig
	return lc.ListenPacket
}

// setBroadcast: pinning a broadcast to one interface (IP_PKTINFO) is
// implemented for Linux only.
func setBroadcast(net.PacketConn) error {
	return errors.New("not supported on this platform")
}

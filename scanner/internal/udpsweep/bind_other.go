//go:build !linux

package udpsweep

import (
	"context"
	"net"
)

func defaultListen(string) func(context.Context, string, string) (net.PacketConn, error) {
	var lc net.ListenConfig
	return lc.ListenPacket
}

//go:build !linux

package passive

import (
	"context"
	"errors"
)

// Listen needs Linux packet sockets.
func Listen(ctx context.Context, iface string, c *Collector) error {
	return errors.New("listen: live capture needs Linux (AF_PACKET)")
}

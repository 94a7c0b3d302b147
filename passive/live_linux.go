//go:build linux

package passive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Listen reads frames from interface iface into c until ctx ends, through
// an AF_PACKET socket (pcapgo's EthernetHandle; needs CAP_NET_RAW). It
// never writes to the socket: listening sends nothing. The kernel takes
// 802.1Q tags off before the socket sees the frame and hands the VLAN id
// over apart; it is put back on the frame's observations. add is called
// from Listen's goroutine only.
func Listen(ctx context.Context, iface string, c *Collector) error {
	h, err := pcapgo.NewEthernetHandle(iface)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", iface, err)
	}
	// Closing the socket is what ends a blocked read when ctx ends.
	stop := context.AfterFunc(ctx, func() { h.Close() })
	defer func() {
		if stop() {
			h.Close()
		}
	}()
	for {
		b, ci, err := h.ZeroCopyReadPacketData()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var to interface{ Timeout() bool }
			if errors.As(err, &to) && to.Timeout() {
				continue
			}
			return fmt.Errorf("listen on %s: %w", iface, err)
		}
		var vlan uint16
		if len(ci.AncillaryData) > 0 {
			if v, ok := ci.AncillaryData[0].(int); ok && v > 0 && v < 4095 {
				vlan = uint16(v)
			}
		}
		ts := ci.Timestamp
		if ts.IsZero() {
			ts = time.Now()
		}
		c.AddTagged(b, layers.LinkTypeEthernet, ts, vlan)
	}
}

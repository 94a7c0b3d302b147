package arp

import (
	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceARP

// Wire is the ARP sweep of a scan (scanner/protocols) over the directly
// connected subnets (or --interface's). Without raw sockets it says so
// once and is left out (nil, nil): the neighbour table still gives the
// MACs of on-link hosts the TCP probes touched.
func Wire(w scanner.WireConfig) (scanner.Sweeper, error) {
	if !w.Raw {
		w.Log.Warn().Msg("no CAP_NET_RAW: skipping the ARP sweep; MACs come from the kernel neighbour table (run as root or grant cap_net_raw for layer 2 discovery)")
		return nil, nil
	}
	return New(Config{
		Iface:   w.Iface,
		Retries: w.ARPRetries,
		Wait:    w.ARPWait,
		Log:     w.Log.With().Str("sweeper", string(Source)).Logger(),
	})
}

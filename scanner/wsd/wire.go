package wsd

import (
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceWSD

// Wire is the method of a scan (scanner/protocols): typed and untyped
// probes multicast on each interface (or --interface's), unicast to every
// target, and the Hellos heard meanwhile.
func Wire(w scanner.WireConfig) (scanner.Sweeper, error) {
	return New(Config{Iface: w.Iface, Untyped: true, Log: w.Log.With().Str("sweeper", string(Source)).Logger()})
}

// Decode reads one WS-Discovery datagram heard from `from` (a capture, a
// recorded reply) as the sweep files a reply; how is wsd.via:
// "multicast", "unicast" or "passive". A Probe, another client's
// question, has no matches and gives nothing.
func Decode(payload []byte, from netip.AddrPort, how string, ts time.Time) ([]device.Evidence, error) {
	m, err := Parse(payload)
	if err != nil {
		return nil, err
	}
	return Evidence(m, from, how, ts), nil
}

// AddressFields are the fields naming other addresses of the device: the
// XAddr hosts other than the sender (multi-homing evidence for the zone
// review, policy.PrimaryAddrs).
var AddressFields = []string{"wsd.other_addrs"}

package mdns

import (
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceMDNS

// Wire is the method of a scan (scanner/protocols).
func Wire(w scanner.WireConfig) (scanner.Sweeper, error) {
	return New(Config{Iface: w.Iface, Log: w.Log.With().Str("sweeper", string(Source)).Logger()})
}

// Decode reads one mDNS datagram heard from `from` (a capture, a recorded
// reply) as the sweep files a response. A query, another client's
// question, gives nothing. how and ts are not used: mDNS evidence carries
// neither.
func Decode(payload []byte, from netip.AddrPort, how string, ts time.Time) ([]device.Evidence, error) {
	m, err := Parse(payload)
	if err != nil {
		return nil, err
	}
	return m.Evidence(from), nil
}

// AddressFields are the fields naming addresses of the device: every
// address the records give its host name, also other interfaces' (multi-homing
// evidence for the zone review, policy.PrimaryAddrs).
var AddressFields = []string{"mdns.addrs"}

package dvrip

import (
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Source names the realm prober (TCP 37777) and its evidence;
// SearchSource the legacy discovery on UDP 5050 and its evidence.
const (
	Source       = device.SourceDVRIP
	SearchSource = device.SourceDVRIP5050
)

// Wire is the realm prober of a scan (scanner/protocols): one request on
// an open 37777, no login.
func Wire(w scanner.WireConfig) (scanner.PortProber, error) {
	return New(Config{PortConfig: scanner.PortConfig{Timeout: w.Timeout, Dial: w.Dial}})
}

// WireSearch is the UDP 5050 search of a scan, by unicast to every
// target: no broadcast.
func WireSearch(w scanner.WireConfig) (scanner.Sweeper, error) {
	return NewSweeper(SearchConfig{Iface: w.Iface})
}

// DecodeSearch reads one UDP 5050 search reply heard without a probe of
// ours (a recorded reply) as the search sweep would file it. how is not
// used.
func DecodeSearch(payload []byte, from netip.AddrPort, how string, ts time.Time) ([]device.Evidence, error) {
	return udpsweep.Decode(SearchSource, ParseSearch, payload, from, ts)
}

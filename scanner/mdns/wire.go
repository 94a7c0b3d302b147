package mdns

import (
	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceMDNS

// Wire is the method of a scan (sweep/methods.go).
func Wire(w scanner.WireConfig) (scanner.Sweeper, error) {
	return New(Config{Iface: w.Iface, Log: w.Log.With().Str("sweeper", string(Source)).Logger()})
}

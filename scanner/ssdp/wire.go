package ssdp

import (
	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceSSDP

// Wire is the method of a scan (sweep/methods.go); the description
// fetches use the probers' dialer and user agent.
func Wire(w scanner.WireConfig) (scanner.Sweeper, error) {
	return New(Config{Iface: w.Iface, Dial: w.Dial, UserAgent: w.UserAgent})
}

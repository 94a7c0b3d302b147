package dhip

import (
	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceDHIP

// Wire is the method of a scan (sweep/methods.go): multicast on the
// interfaces the scan uses and unicast to every target.
func Wire(w scanner.WireConfig) (scanner.Sweeper, error) { return New(Config{Iface: w.Iface}) }

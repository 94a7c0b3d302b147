package xmeye

import (
	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source. The package
// declares it, not device/: a protocol's identity lives with the protocol,
// so adding one edits no shared file. device.SourceXMEye is the same value,
// kept for the callers that already name it.
const Source device.Source = "xmeye"

// Wire is the method of a scan (sweep/methods.go): a broadcast on the
// interfaces the scan uses (only --interface when given) and unicast to
// every target.
func Wire(w scanner.WireConfig) (scanner.Sweeper, error) { return New(Config{Iface: w.Iface}) }

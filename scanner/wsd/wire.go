package wsd

import (
	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceWSD

// Wire is the method of a scan (sweep/methods.go): typed and untyped
// probes multicast on each interface (or --interface's), unicast to every
// target, and the Hellos heard meanwhile.
func Wire(w scanner.WireConfig) (scanner.Sweeper, error) {
	return New(Config{Iface: w.Iface, Untyped: true, Log: w.Log.With().Str("sweeper", string(Source)).Logger()})
}

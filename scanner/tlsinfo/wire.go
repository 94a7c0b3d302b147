package tlsinfo

import (
	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceTLS

// Wire is the method of a scan (scanner/protocols): one handshake on the
// TLS web ports, no SNI, no verification.
func Wire(w scanner.WireConfig) (scanner.PortProber, error) {
	return New(Config{PortConfig: scanner.PortConfig{Timeout: w.Timeout, Dial: w.Dial}})
}

package tcpprobe

import (
	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceTCP

// Wire is the connect sweep of a scan (scanner/protocols): --ports, each
// bounded by --connect-timeout.
func Wire(w scanner.WireConfig) (scanner.HostProber, error) {
	return New(Config{Ports: w.Ports, Timeout: w.ConnTimeout, Dial: w.Dial})
}

package hiksdk

import (
	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceHikSDK

// Wire is the method of a scan (scanner/protocols): on an open TCP 8000 it
// listens first, then sends nmap's GET request and reads the reply frame.
func Wire(w scanner.WireConfig) (scanner.PortProber, error) {
	return New(Config{PortConfig: scanner.PortConfig{Timeout: w.Timeout, Dial: w.Dial}})
}

package main

import (
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/onvif"
)

// onvifProber asks the ONVIF device service on the web ports: the device
// clock, and GetDeviceInformation without credentials.
func onvifProber(o wireOpts) (scanner.PortProber, error) {
	return onvif.New(onvif.Config{Timeout: o.Timeout, Dial: o.Dial, UserAgent: o.UserAgent})
}

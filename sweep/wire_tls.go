package sweep

import (
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/tlsinfo"
)

// tlsProber reads the certificate on the TLS web ports (443, 8443): one
// handshake, no SNI, no verification.
func tlsProber(o wireOpts) (scanner.PortProber, error) {
	return tlsinfo.New(tlsinfo.Config{PortConfig: scanner.PortConfig{Timeout: o.Timeout, Dial: o.Dial}})
}

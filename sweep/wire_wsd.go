package sweep

import (
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/wsd"
)

// wsdSweeper is ONVIF WS-Discovery: multicast on each interface (or -i),
// unicast to every target, passive Hello.
func wsdSweeper(o wireOpts) (scanner.Sweeper, error) {
	return wsd.New(wsd.Config{
		Iface:   o.Iface,
		Untyped: true,
		Log:     o.Log.With().Str("sweeper", "wsd").Logger(),
	})
}

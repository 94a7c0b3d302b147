package sweep

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/scanner"
)

// wireOpts is what the protocol constructors need from the command line.
type wireOpts struct {
	Iface     string
	Timeout   time.Duration
	Dial      scanner.DialFunc
	UserAgent string
	Log       zerolog.Logger
	// ARP sweep (wire_arp.go): retries for silent addresses, wait for late
	// replies, and whether the process may open raw sockets.
	ARPRetries int
	ARPWait    time.Duration
	Raw        bool
}

// sweepers lists the whole-run discovery methods (multicast, stateless
// unicast UDP, ARP) in the order they start. Each protocol's constructor
// lives in its own wire_<proto>.go; add one line per protocol below.
func sweepers(o wireOpts) ([]scanner.Sweeper, error) {
	var list []scanner.Sweeper
	for _, mk := range []func(wireOpts) (scanner.Sweeper, error){
		// sweeper constructors, one per line
		wsdSweeper,
		sadpSweeper,
		dhipSweeper,
		dvrip5050Sweeper,
		xmeyeSweeper,
		newMDNS,
		newSSDP,
		arpSweeper,
	} {
		s, err := mk(o)
		if err != nil {
			return nil, err
		}
		if s != nil {
			list = append(list, s)
		}
	}
	return list, nil
}

package main

import (
	"net/netip"
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/targets"
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

// targetScope adapts a target set to the engine's Scope.
type targetScope struct {
	set  *targets.Set
	opts targets.IterOptions
}

func (s targetScope) Iter() scanner.AddrSource {
	it, err := s.set.Iter(s.opts)
	if err != nil {
		// The options were validated when the first iterator was made.
		panic(err)
	}
	return it
}

func (s targetScope) Contains(a netip.Addr) bool { return s.set.Contains(a) }

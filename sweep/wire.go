package sweep

import (
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/liveness"
)

// liveness builds the liveness stage (issue 16): ICMP echo and SYNs with
// raw sockets, connects without, on the addresses ARP does not vouch for;
// nil with NoLiveness. It is no method of the list of scanner/protocols: it
// decides which addresses the methods see.
func (s *Scan) liveness(w wireOpts) (*liveness.Sweeper, error) {
	if s.opts.NoLiveness {
		return nil, nil
	}
	return liveness.New(liveness.Config{Raw: w.Raw, Iface: s.opts.Interface, Dial: w.Dial})
}

// livenessStage is the engine's Liveness: nil (not a typed nil) without
// one.
func livenessStage(l *liveness.Sweeper) scanner.Sweeper {
	if l == nil {
		return nil
	}
	return l
}

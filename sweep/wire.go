package sweep

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/scanner/liveness"
	"github.com/camsweep/camsweep/scanner/rtspprobe"
	"github.com/camsweep/camsweep/scanner/tcpprobe"
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

// This file lists every discovery method of a scan: the sweepers below,
// and the liveness stage, host and port probers of (*Scan).probers after
// them. Each protocol's constructor lives in its own wire_<proto>.go.

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

// probers builds the per-host and per-port probers and the liveness
// stage (nil with NoLiveness).
func (s *Scan) probers(w wireOpts) ([]scanner.HostProber, []scanner.PortProber, *liveness.Sweeper, error) {
	o := &s.opts
	ports := make([]uint16, 0, len(o.Ports))
	for _, p := range o.Ports {
		ports = append(ports, uint16(p)) // 1-65535: Validate
	}
	tcp, err := tcpprobe.New(tcpprobe.Config{Ports: ports, Timeout: o.ConnTimeout, Dial: w.Dial})
	if err != nil {
		return nil, nil, nil, exitcode.Usagef("%v", err)
	}
	// Follow-up requests go only to the makers whose devices answer them,
	// as the rules judge the root page.
	guess := func(root map[string]string) string {
		if g := s.fp.GuessMaker(device.SourceHTTP, root); g != fingerprint.NotACamera {
			return g
		}
		return httpprobe.NotACamera
	}
	web, err := httpprobe.New(httpprobe.Config{PortConfig: scanner.PortConfig{Timeout: o.Timeout, Dial: w.Dial, UserAgent: w.UserAgent}, Guess: guess})
	if err != nil {
		return nil, nil, nil, err
	}
	rtsp, err := rtspprobe.New(rtspprobe.Config{PortConfig: scanner.PortConfig{Timeout: o.Timeout, Dial: w.Dial, UserAgent: w.UserAgent}})
	if err != nil {
		return nil, nil, nil, err
	}
	pps := []scanner.PortProber{web, rtsp}
	// The liveness stage (issue 16): ICMP echo and SYNs with raw sockets,
	// connects without, on the addresses ARP does not vouch for.
	var live *liveness.Sweeper
	if !o.NoLiveness {
		if live, err = liveness.New(liveness.Config{Raw: w.Raw, Iface: o.Interface, Dial: w.Dial}); err != nil {
			return nil, nil, nil, err
		}
	}
	onv, err := onvifProber(wireOpts{Timeout: o.Timeout, Dial: w.Dial, UserAgent: w.UserAgent, Log: o.Log}, o.Credentials)
	if err != nil {
		return nil, nil, nil, err
	}
	pps = append(pps, onv)
	for _, mk := range []func(wireOpts) (scanner.PortProber, error){tlsProber, dvripProber, hiksdkProber} {
		p, err := mk(wireOpts{Timeout: o.Timeout, Dial: w.Dial})
		if err != nil {
			return nil, nil, nil, err
		}
		pps = append(pps, p)
	}
	return []scanner.HostProber{tcp}, pps, live, nil
}

// livenessStage is the engine's Liveness: nil (not a typed nil) without
// one.
func livenessStage(l *liveness.Sweeper) scanner.Sweeper {
	if l == nil {
		return nil
	}
	return l
}

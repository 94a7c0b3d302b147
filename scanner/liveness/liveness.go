// Package liveness is the cheap first stage on addresses ARP cannot vouch
// for (routed ranges, or every address without raw sockets): is anybody
// there at all?
//
// Sent, per address: with CAP_NET_RAW, one ICMP echo request and one TCP
// SYN to each of Config.Ports (default 80 and 554), the three within a few
// milliseconds; without it, one TCP connect to each of the ports (closed
// at once, nothing written). Back: an echo reply, a SYN-ACK (tcp.state
// open: the kernel, which holds no socket for it, answers with a RST, as
// for nmap's SYN scan) or a RST (tcp.state closed). Any of these makes the
// address live; silence on all of them makes it not worth the discovery
// salvo and the service probes (scanner.Config.Liveness).
//
// Why 80 and 554: every camera and recorder platform in docs/vendors.md serves
// its web interface on 80 or RTSP on 554 (tcpprobe's liveness rule already
// relies on 80, 443 and 554), and a host that listens on neither still
// answers a SYN to them with a RST unless a firewall drops it. Two ports,
// not three: the stage costs every address of a routed range, and 443 adds
// nothing 80 does not for a RST. Networks that drop ICMP and SYNs to closed
// ports need --no-liveness.
//
// The packets to one address leave together, after one NewPacer.WaitNew
// for the address: they make one pending neighbour entry on the last
// router, not three (scanner.DefaultNewRate).
package liveness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/netquiet"
)

// SourceICMP is the evidence source of an ICMP echo reply.
const SourceICMP device.Source = "icmp"

// Defaults for Config's zero values.
var DefaultPorts = []uint16{80, 554}

const (
	// DefaultWait is how long the stage listens after its last packet, and
	// how long one connect may take: a live host's RST comes back in one
	// round trip plus the last router's ARP resolution (milliseconds). It
	// is also at least a second so that the stage's SYNs and the host's
	// own connects later never share one second (scanner.DefaultHostRate).
	DefaultWait = 1500 * time.Millisecond
	// DefaultParallel bounds the connects in flight without raw sockets:
	// at DefaultNewRate addresses a second, two ports each, held up to
	// DefaultWait, some 750 are in flight.
	DefaultParallel = 1024
)

// Config configures a Sweeper.
type Config struct {
	// Ports get a SYN (raw) or a connect each; default DefaultPorts.
	Ports []uint16
	// Raw sends ICMP echo and raw SYNs (needs CAP_NET_RAW); when the raw
	// sockets cannot be opened the stage falls back to connects.
	Raw bool
	// Iface binds every socket to this interface, as the other probes.
	Iface string
	// Dial opens the connects without raw sockets; nil uses a net.Dialer.
	Dial scanner.DialFunc
	// Wait: see DefaultWait.
	Wait time.Duration
	// Parallel: see DefaultParallel.
	Parallel int
}

// Sweeper is the "liveness" stage; it satisfies scanner.Sweeper and is
// meant for scanner.Config.Liveness.
type Sweeper struct {
	cfg Config
	// raw opens the raw path; a seam for tests (nil: openRaw).
	raw func(ctx context.Context) (rawConns, error)
	// Fallback is set when raw sockets were asked for and could not be
	// opened, for the run record.
	fallback error
}

var _ scanner.Sweeper = (*Sweeper)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Sweeper, error) {
	if cfg.Wait < 0 || cfg.Parallel < 0 {
		return nil, errors.New("liveness: negative wait or parallelism")
	}
	if len(cfg.Ports) == 0 {
		cfg.Ports = DefaultPorts
	}
	cfg.Ports = slices.Clone(cfg.Ports)
	for i, p := range cfg.Ports {
		if p == 0 {
			return nil, errors.New("liveness: port 0")
		}
		if slices.Contains(cfg.Ports[:i], p) {
			return nil, fmt.Errorf("liveness: port %d listed twice", p)
		}
	}
	if cfg.Wait == 0 {
		cfg.Wait = DefaultWait
	}
	if cfg.Parallel == 0 {
		cfg.Parallel = DefaultParallel
	}
	if cfg.Dial == nil {
		cfg.Dial = scanner.Dialer(cfg.Iface, 0)
	}
	return &Sweeper{cfg: cfg}, nil
}

// Name is the phase name in the run record.
func (s *Sweeper) Name() string { return "liveness" }

// Ports returns the ports the stage knocks on.
func (s *Sweeper) Ports() []uint16 { return slices.Clone(s.cfg.Ports) }

// Fallback returns why the raw path was not used although Config.Raw
// asked for it (nil when it was, or was not asked for).
func (s *Sweeper) Fallback() error { return s.fallback }

// Sweep checks every address of scope, calling WaitNew once per address
// (when pace is a scanner.NewPacer) and Wait before every packet, and
// emits one evidence per answer.
func (s *Sweeper) Sweep(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, emit func(device.Evidence)) error {
	if s.cfg.Raw {
		open := s.raw
		if open == nil {
			open = func(ctx context.Context) (rawConns, error) { return openRaw(ctx, s.cfg.Iface) }
		}
		rc, err := open(ctx)
		if err == nil {
			return s.sweepRaw(ctx, scope, pace, emit, rc)
		}
		s.fallback = err
	}
	return s.sweepConnect(ctx, scope, pace, emit)
}

// waitNew paces a new address when the pacer can.
func waitNew(ctx context.Context, pace scanner.Pacer, a netip.Addr) error {
	if np, ok := pace.(scanner.NewPacer); ok {
		return np.WaitNew(ctx, a)
	}
	return nil
}

func tcpEvidence(a netip.Addr, port uint16, state string) device.Evidence {
	return device.Evidence{Source: device.SourceTCP, Addr: a, Port: port, Fields: map[string]string{"tcp.state": state}}
}

// sweepConnect is the path without raw sockets: a connect per port.
func (s *Sweeper) sweepConnect(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, emit func(device.Evidence)) error {
	sem := make(chan struct{}, s.cfg.Parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	it := scope.Iter()
loop:
	for a, ok := it.Next(); ok; a, ok = it.Next() {
		if err := waitNew(ctx, pace, a); err != nil {
			break
		}
		for _, port := range s.cfg.Ports {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				break loop
			}
			if err := pace.Wait(ctx); err != nil {
				<-sem
				break loop
			}
			wg.Go(func() {
				defer func() { <-sem }()
				state, err := s.connect(ctx, netip.AddrPortFrom(a, port))
				if state != "" {
					emit(tcpEvidence(a, port, state))
				}
				if err != nil {
					mu.Lock()
					if len(errs) < 8 { // a handful says what is wrong; thousands say nothing more
						errs = append(errs, err)
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.Join(errs...)
}

// connect returns "open", "closed" or "" (silence) for one port.
func (s *Sweeper) connect(ctx context.Context, ap netip.AddrPort) (string, error) {
	st, err := netquiet.Knock(ctx, s.cfg.Dial, ap, s.cfg.Wait)
	if err != nil {
		return st, fmt.Errorf("liveness connect %s: %w", ap, err)
	}
	return st, nil
}

// rawConns are the raw sockets of the privileged path.
type rawConns struct {
	icmp, tcp net.PacketConn
	// source returns the local address the kernel would send from to
	// dst (the TCP checksum covers it).
	source func(dst netip.Addr) (netip.Addr, error)
}

func (r rawConns) Close() {
	r.icmp.Close()
	r.tcp.Close()
}

// Package tcpprobe is the TCP connect sweep: it finds which of a short list
// of camera ports accept a connection.
//
// Sent: a TCP handshake to each port (closed again at once, nothing is
// written). Back: SYN-ACK (open), RST (closed) or nothing (filtered). Each
// open port gives one Evidence with tcp.state "open" and each closed one
// an Evidence with tcp.state "closed": a RST proves a host is there (issue
// 16: a routed camera listening on none of the ports is still a live host
// and gets a record). Filtered ports give nothing. The default port list is
// the quick sweep of docs/protocols/ports.md §10.
//
// Connects to one host run at most Config.Parallel at a time: embedded
// cameras fall over under bursts.
package tcpprobe

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

// DefaultPorts is the quick sweep of docs/protocols/ports.md §10: web, RTSP, the
// Hikvision SDK port, Dahua's DVRIP and DHIP ports and Xiongmai's Sofia port.
// New copies it; it is exported for help texts.
var DefaultPorts = []uint16{80, 443, 554, 8000, 8080, 8443, 37777, 34567, 5000}

// Defaults for Config's zero values.
const (
	DefaultParallel = 3
	DefaultTimeout  = 1500 * time.Millisecond
	// DefaultLiveness: 80, 443 and 554 lead DefaultPorts, and every camera
	// platform we know answers on at least one of them.
	DefaultLiveness = 3
)

// Config configures a Prober. Zero values take the defaults.
type Config struct {
	// Dial opens the TCP connection; nil uses a net.Dialer.
	Dial scanner.DialFunc
	// Ports are tried in this order.
	Ports []uint16
	// Parallel bounds the connects in flight to one host.
	Parallel int
	// Timeout bounds one connect; past it the port counts as filtered.
	Timeout time.Duration
	// Liveness is how many of the first ports must all stay silent for the
	// host to count as absent (see ProbeHost); 0 means DefaultLiveness, a
	// negative value tries every port on every address.
	Liveness int
}

// Prober is the "tcp" HostProber.
type Prober struct {
	cfg Config
}

var _ scanner.HostProber = (*Prober)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Prober, error) {
	if cfg.Parallel < 0 || cfg.Timeout < 0 {
		return nil, errors.New("tcpprobe: negative parallelism or timeout")
	}
	if cfg.Parallel == 0 {
		cfg.Parallel = DefaultParallel
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Liveness == 0 {
		cfg.Liveness = DefaultLiveness
	}
	if len(cfg.Ports) == 0 {
		cfg.Ports = DefaultPorts
	}
	cfg.Ports = slices.Clone(cfg.Ports)
	for i, p := range cfg.Ports {
		if p == 0 {
			return nil, errors.New("tcpprobe: port 0")
		}
		if slices.Contains(cfg.Ports[:i], p) {
			return nil, fmt.Errorf("tcpprobe: port %d listed twice", p)
		}
	}
	if cfg.Dial == nil {
		cfg.Dial = (&net.Dialer{}).DialContext
	}
	return &Prober{cfg: cfg}, nil
}

// Name is the evidence source.
func (p *Prober) Name() string { return string(device.SourceTCP) }

// Ports returns the ports the prober connects to, in order.
func (p *Prober) Ports() []uint16 { return slices.Clone(p.cfg.Ports) }

// ProbeHost connects to every configured port, calling pace.Wait before each
// attempt, and returns one Evidence per open or closed port in port-list
// order.
//
// The first Liveness ports decide whether the host is there at all: when
// every one of them times out or is unreachable — no SYN-ACK, no RST — and
// no other method has heard from the host (Target.KnownAlive), the rest
// are not tried. Absent addresses are most of any sweep, and each costs a
// connect timeout per port; a camera answers on 80, 443 or 554.
//
// When ctx ends it stops starting connects and returns what it found with
// ctx's error; connect failures other than refusal, reset, timeout or no
// route are joined into the error.
func (p *Prober) ProbeHost(ctx context.Context, t scanner.Target, pace scanner.Pacer) ([]device.Evidence, error) {
	addr := t.Addr
	states := make([]state, len(p.cfg.Ports))
	errs := make([]error, len(p.cfg.Ports)+1)
	sem := make(chan struct{}, p.cfg.Parallel)
	var wg sync.WaitGroup
	first := len(p.cfg.Ports)
	if !t.KnownAlive && p.cfg.Liveness > 0 {
		first = min(p.cfg.Liveness, first)
	}
	known := knownStates(t)
	run := func(from, to int) {
		for i := from; i < to; i++ {
			if st, ok := known[p.cfg.Ports[i]]; ok {
				// The liveness stage's SYN already drew this port's answer,
				// which is a connect's whole yield: no second connection
				// (issue 16 item 5). Its evidence is the host's already.
				states[i] = st
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			if err := pace.Wait(ctx); err != nil {
				<-sem
				errs[len(errs)-1] = err
				return
			}
			port := p.cfg.Ports[i]
			wg.Go(func() {
				defer func() { <-sem }()
				states[i], errs[i] = p.connect(ctx, netip.AddrPortFrom(addr, port))
			})
		}
	}
	run(0, first)
	wg.Wait()
	if first < len(p.cfg.Ports) && slices.ContainsFunc(states[:first], state.answered) && ctx.Err() == nil && errs[len(errs)-1] == nil {
		run(first, len(p.cfg.Ports))
		wg.Wait()
	}
	if ctx.Err() != nil {
		errs[len(errs)-1] = ctx.Err()
	}

	var evs []device.Evidence
	for i, port := range p.cfg.Ports {
		if _, ok := known[port]; ok {
			continue
		}
		if name := states[i].String(); name != "" {
			evs = append(evs, device.Evidence{
				Source: device.SourceTCP,
				Addr:   addr,
				Port:   port,
				Fields: map[string]string{"tcp.state": name},
			})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return evs, fmt.Errorf("tcp %s: %w", addr, err)
	}
	return evs, nil
}

// knownStates returns the TCP port states that the evidence swept before
// the host's turn (the liveness stage's SYN-ACKs and RSTs) already shows
// for addr. Silence is never known: a filtered port is tried again.
func knownStates(t scanner.Target) map[uint16]state {
	var m map[uint16]state
	for _, ev := range t.Swept {
		if ev.Source != device.SourceTCP || ev.Addr != t.Addr || ev.Port == 0 {
			continue
		}
		var st state
		switch ev.Fields["tcp.state"] {
		case "open":
			st = stateOpen
		case "closed":
			st = stateClosed
		default:
			continue
		}
		if m == nil {
			m = map[uint16]state{}
		}
		if st == stateOpen || m[ev.Port] != stateOpen {
			m[ev.Port] = st
		}
	}
	return m
}

// state is what one connect attempt showed.
type state uint8

const (
	stateSilent state = iota // timeout, no route, not tried: no sign of the host
	stateOpen
	stateClosed // refused or reset: the host is there
)

func (s state) answered() bool { return s != stateSilent }

// String is the tcp.state value of an answer, "" for silence (filtered is
// no evidence: an absent address looks the same).
func (s state) String() string {
	switch s {
	case stateOpen:
		return "open"
	case stateClosed:
		return "closed"
	}
	return ""
}

// connect knocks once. The caller reports ctx's end once; our own timeout
// is "filtered", silence.
func (p *Prober) connect(ctx context.Context, ap netip.AddrPort) (state, error) {
	st, err := netquiet.Knock(ctx, p.cfg.Dial, ap, p.cfg.Timeout)
	switch {
	case err != nil:
		return stateSilent, fmt.Errorf("port %d: %w", ap.Port(), err)
	case st == netquiet.Open:
		return stateOpen, nil
	case st == netquiet.Closed:
		return stateClosed, nil
	}
	return stateSilent, nil
}

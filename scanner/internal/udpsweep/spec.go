package udpsweep

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Spec declares one stateless UDP discovery protocol (SADP, DHIP, XMEye,
// DVRIP 5050): what it is called, where its probe goes and how a reply is
// judged. The protocol package writes a Spec and a pure parser; the
// Sweeper below does the rest, so the window, the once-per-address rule
// and the config checks are written once, not once per protocol.
type Spec struct {
	// Source is the method's name and the Source of its evidence: one
	// spelling for both, so the record, the rules and the logs agree.
	Source device.Source
	// Port is the discovery port; Options.Port overrides it in tests.
	Port uint16
	// Group is the multicast group probed and listened on; invalid
	// means none (broadcast or unicast only).
	Group netip.Addr
	// Broadcast sends the probe to 255.255.255.255 on each interface
	// too (Config.Broadcast).
	Broadcast bool
	// ListenGroup also listens on the discovery port (Config.ListenGroup):
	// for devices that answer to the group or to the port.
	ListenGroup bool
	// Probe makes the datagram sent; Judge reads one reply, returning its
	// fields and whether it is a match (Fields builds it from a pure
	// parser).
	Probe func() []byte
	Judge func(payload []byte) (map[string]string, bool)
	// Start, when set, replaces Probe and Judge: it runs once per Sweep so
	// a probe can carry a fresh nonce (SADP's Uuid) that its judge then
	// demands.
	Start func(o Options) (probe []byte, judge func(payload []byte) (map[string]string, bool))
}

// Options configure one protocol's Sweeper. Zero values take the
// defaults; the protocol packages alias or embed it as their Config.
type Options struct {
	// Iface restricts the sweep to one interface; empty means all.
	Iface string
	// Window is how long replies are awaited after the last probe; zero
	// means DefaultWindow.
	Window time.Duration
	// Port and Group are seams for tests; zero means the Spec's.
	Port  uint16
	Group netip.Addr
	// UnicastOnly sends unicast only: no multicast, no broadcast, and the
	// discovery port is not listened on.
	UnicastOnly bool
	// ListenPacket and Interfaces are the socket seams of Config.
	ListenPacket func(ctx context.Context, network, address string) (net.PacketConn, error)
	Interfaces   func() ([]net.Interface, error)
	// NewUUID is a seam for a Spec whose probe carries a nonce (SADP); nil
	// leaves it to the Spec.
	NewUUID func() string
}

// Sweeper is the scanner.Sweeper of a Spec.
type Sweeper struct {
	spec Spec
	opts Options
}

var _ scanner.Sweeper = (*Sweeper)(nil)

// New checks o once for every protocol and fills in the defaults from
// spec; errors name the protocol.
func New(spec Spec, o Options) (*Sweeper, error) {
	if spec.Source == "" || spec.Port == 0 || spec.Start == nil && (spec.Probe == nil || spec.Judge == nil) {
		return nil, errors.New("udpsweep: incomplete spec")
	}
	if o.Window < 0 {
		return nil, fmt.Errorf("%s: negative window", spec.Source)
	}
	if o.Window == 0 {
		o.Window = DefaultWindow
	}
	if o.Port == 0 {
		o.Port = spec.Port
	}
	if spec.Group.IsValid() {
		if !o.Group.IsValid() {
			o.Group = spec.Group
		}
		if !o.Group.Is4() || !o.Group.IsMulticast() {
			return nil, fmt.Errorf("%s: group %s is not an IPv4 multicast address", spec.Source, o.Group)
		}
	} else if o.Group.IsValid() {
		return nil, fmt.Errorf("%s: the protocol has no multicast group (%s given)", spec.Source, o.Group)
	}
	return &Sweeper{spec: spec, opts: o}, nil
}

// Name implements scanner.Sweeper: the Spec's Source.
func (s *Sweeper) Name() string { return string(s.spec.Source) }

// Options returns the options after New filled in the defaults.
func (s *Sweeper) Options() Options { return s.opts }

// Sweep implements scanner.Sweeper: one probe by multicast or broadcast
// (unless UnicastOnly) and one per in-scope IPv4 target; the first match
// from each answering address is emitted, later ones (devices answer
// twice, to the sender and to the group) are not.
func (s *Sweeper) Sweep(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, emit func(device.Evidence)) error {
	cfg := Config{
		Port:         s.opts.Port,
		Iface:        s.opts.Iface,
		Window:       s.opts.Window,
		ListenGroup:  s.spec.ListenGroup,
		ListenPacket: s.opts.ListenPacket,
		Interfaces:   s.opts.Interfaces,
	}
	if !s.opts.UnicastOnly {
		cfg.Group, cfg.Broadcast = s.opts.Group, s.spec.Broadcast
	}
	var probe []byte
	judge := s.spec.Judge
	if s.spec.Start != nil {
		probe, judge = s.spec.Start(s.opts)
	} else {
		probe = s.spec.Probe()
	}
	seen := map[netip.Addr]bool{} // Run calls handle one at a time
	return Run(ctx, cfg, scope, pace, probe, func(r Reply) {
		if seen[r.From.Addr()] {
			return
		}
		fields, ok := judge(r.Payload)
		if !ok {
			return
		}
		seen[r.From.Addr()] = true
		// A reported MAC stays a field: Evidence.MAC is for what the
		// local segment showed, and a routed device's claim is not that.
		emit(device.Evidence{Source: s.spec.Source, Addr: r.From.Addr(), Port: r.From.Port(), Fields: fields})
	})
}

// Fields makes a Spec's Judge of a pure parser whose result lists its
// fields: a reply the parser accepts is a match.
func Fields[R interface{ Fields() map[string]string }](parse func([]byte) (R, error)) func([]byte) (map[string]string, bool) {
	return func(b []byte) (map[string]string, bool) {
		r, err := parse(b)
		if err != nil {
			return nil, false
		}
		return r.Fields(), true
	}
}

// Decode is the datagram decoder of a Spec's parser for replies read
// without a probe of ours (a capture, a recorded reply): the parser's
// fields as one piece of evidence from `from`, the evidence Sweep emits
// for a match. No nonce is checked: nothing of ours was asked.
func Decode[R interface{ Fields() map[string]string }](src device.Source, parse func([]byte) (R, error), payload []byte, from netip.AddrPort, ts time.Time) ([]device.Evidence, error) {
	r, err := parse(payload)
	if err != nil {
		return nil, err
	}
	return []device.Evidence{{Source: src, Addr: from.Addr(), Port: from.Port(), Time: ts, Fields: r.Fields()}}, nil
}

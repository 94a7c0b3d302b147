// Package sadp speaks Hikvision's Search Active Devices Protocol
// (PROTOCOLS.md §3): XML over UDP port 37020.
//
// Sent: one <Probe> inquiry with a fresh Uuid (§3.2) to 239.255.255.250:37020
// on each interface and by unicast to every in-scope target, because a
// routed camera segment is reachable only by unicast. Back: a <ProbeMatch>
// (§3.3) with model, full serial, MAC (dashes), addresses, gateway,
// firmware, activation state and ports. Devices answer the sender and often
// the group too, so the sweeper also listens on the group's port when it
// can. A match is a well-formed ProbeMatch that echoes our Uuid; every
// other SADP client on the segment sees the same replies, so the Uuid is
// what makes a reply ours.
//
// The parser (ParseProbeMatch) is pure and follows the real capture of
// §3.3 (testdata/sadp). The package knows nothing about vendors: the fields
// it emits are listed in vendors/FIELDS.md (sadp.*).
package sadp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Transport facts of §3.1.
const (
	Port          = 37020
	DefaultWindow = 2 * time.Second
)

// Group is the SADP multicast group.
var Group = netip.MustParseAddr("239.255.255.250")

// Config configures a Sweeper. Zero values take the defaults.
type Config struct {
	// Iface restricts the sweep to one interface; empty means all.
	Iface string
	// Window is how long replies are awaited after the last probe.
	Window time.Duration
	// Port and Group are seams for tests; zero means 37020 and the group.
	Port  uint16
	Group netip.Addr
	// NoMulticast sends unicast only and never joins the group.
	NoMulticast bool
	// ListenPacket and Interfaces are the socket seams of udpsweep.Config.
	ListenPacket func(ctx context.Context, network, address string) (net.PacketConn, error)
	Interfaces   func() ([]net.Interface, error)
	// NewUUID makes the inquiry's Uuid; nil uses a random version-4 UUID.
	NewUUID func() string
}

// Sweeper is the "sadp" scanner.Sweeper.
type Sweeper struct {
	cfg Config
}

var _ scanner.Sweeper = (*Sweeper)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Sweeper, error) {
	if cfg.Window < 0 {
		return nil, errors.New("sadp: negative window")
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Port == 0 {
		cfg.Port = Port
	}
	if !cfg.Group.IsValid() {
		cfg.Group = Group
	}
	if !cfg.Group.Is4() || !cfg.Group.IsMulticast() {
		return nil, fmt.Errorf("sadp: group %s is not an IPv4 multicast address", cfg.Group)
	}
	if cfg.NewUUID == nil {
		cfg.NewUUID = NewUUID
	}
	return &Sweeper{cfg: cfg}, nil
}

// Name implements scanner.Sweeper.
func (s *Sweeper) Name() string { return "sadp" }

// Sweep implements scanner.Sweeper: one inquiry by multicast and one per
// in-scope target, each reply that echoes the inquiry's Uuid emitted once
// per answering address.
func (s *Sweeper) Sweep(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, emit func(device.Evidence)) error {
	uuid := s.cfg.NewUUID()
	ucfg := udpsweep.Config{
		Port:         s.cfg.Port,
		Iface:        s.cfg.Iface,
		Window:       s.cfg.Window,
		ListenGroup:  true,
		ListenPacket: s.cfg.ListenPacket,
		Interfaces:   s.cfg.Interfaces,
	}
	if !s.cfg.NoMulticast {
		ucfg.Group = s.cfg.Group
	}
	seen := map[netip.Addr]bool{}
	return udpsweep.Run(ctx, ucfg, scope, pace, Inquiry(uuid), func(r udpsweep.Reply) {
		if seen[r.From.Addr()] {
			return
		}
		m, err := ParseProbeMatch(r.Payload)
		if err != nil || m.UUID != uuid {
			return // another client's reply, or not SADP
		}
		seen[r.From.Addr()] = true
		emit(Evidence(m, r.From))
	})
}

// Evidence turns a ProbeMatch from an address into evidence of that
// address. The reported MAC stays a field (sadp.mac): Evidence.MAC is for
// what the local segment showed, and a routed device's claim is not that.
func Evidence(m ProbeMatch, from netip.AddrPort) device.Evidence {
	return device.Evidence{
		Source: device.SourceSADP,
		Addr:   from.Addr(),
		Port:   from.Port(),
		Fields: m.Fields(),
	}
}

// NewUUID returns a random RFC 9562 version-4 UUID in lower case, as
// Haicam's SADP client sends it.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

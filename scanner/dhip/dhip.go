// Package dhip speaks Dahua's DHIP discovery (PROTOCOLS.md §4.1): a 32-byte
// little-endian "DHIP" header and a JSON body over UDP port 37810.
//
// Sent: the DHDiscover.search request of mcw0/DahuaConsole to
// 239.255.255.251:37810 on each interface and by unicast to every in-scope
// target (a routed camera segment is reachable only by unicast). Back: a
// client.notifyDevInfo message with Vendor/Manufacturer ("Dahua",
// "General", "Private" or an OEM's name), the model (DeviceType), class,
// serial, firmware version, addresses, ports and initialisation state.
// Devices answer the sender unicast and some also multicast to the group,
// so the sweeper listens there too when it can. A match is a frame with
// the DHIP magic whose JSON carries params.deviceInfo; the header's length
// fields are never trusted.
//
// The parser (ParseDHIP) is pure and follows the real capture of §4.1
// (testdata/dhip). The package knows nothing about vendors: its fields are
// listed in vendors/FIELDS.md (dhip.*).
package dhip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Transport facts of §4.1.
const (
	Port          = 37810
	DefaultWindow = 2 * time.Second
)

// Group is the DHIP multicast group.
var Group = netip.MustParseAddr("239.255.255.251")

// Config configures a Sweeper. Zero values take the defaults.
type Config struct {
	// Iface restricts the sweep to one interface; empty means all.
	Iface string
	// Window is how long replies are awaited after the last probe.
	Window time.Duration
	// Port and Group are seams for tests; zero means 37810 and the group.
	Port  uint16
	Group netip.Addr
	// NoMulticast sends unicast only and never joins the group.
	NoMulticast bool
	// ListenPacket and Interfaces are the socket seams of udpsweep.Config.
	ListenPacket func(ctx context.Context, network, address string) (net.PacketConn, error)
	Interfaces   func() ([]net.Interface, error)
}

// Sweeper is the "dhip" scanner.Sweeper.
type Sweeper struct {
	cfg Config
}

var _ scanner.Sweeper = (*Sweeper)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Sweeper, error) {
	if cfg.Window < 0 {
		return nil, errors.New("dhip: negative window")
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
		return nil, fmt.Errorf("dhip: group %s is not an IPv4 multicast address", cfg.Group)
	}
	return &Sweeper{cfg: cfg}, nil
}

// Name implements scanner.Sweeper.
func (s *Sweeper) Name() string { return "dhip" }

// Sweep implements scanner.Sweeper: one search by multicast and one per
// in-scope target; each device-info reply is emitted once per answering
// address. Our own search, looped back by the group, has no deviceInfo
// and is not a match.
func (s *Sweeper) Sweep(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, emit func(device.Evidence)) error {
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
	return udpsweep.Run(ctx, ucfg, scope, pace, Search(), func(r udpsweep.Reply) {
		if seen[r.From.Addr()] {
			return
		}
		d, err := ParseDHIP(r.Payload)
		if err != nil {
			return
		}
		seen[r.From.Addr()] = true
		emit(Evidence(d, r.From))
	})
}

// Evidence turns a reply from an address into evidence of that address.
// The reported MAC stays a field (dhip.mac): Evidence.MAC is for what the
// local segment showed.
func Evidence(d DevInfo, from netip.AddrPort) device.Evidence {
	return device.Evidence{
		Source: device.SourceDHIP,
		Addr:   from.Addr(),
		Port:   from.Port(),
		Fields: d.Fields(),
	}
}

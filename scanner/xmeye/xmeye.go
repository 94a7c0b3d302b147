// Package xmeye speaks the discovery of Xiongmai's NETSurveillance/XMEye
// ("Sofia", DVRIP-Web) firmware (PROTOCOLS.md §7.3, §10): a 20-byte
// little-endian DVRIP header and a JSON body over UDP port 34569.
//
// Sent: python-dvr's SearchXM request (msgid 1530, no body) to
// 255.255.255.255:34569 once on each interface the sweep uses, forced out
// of that interface so it never follows a route off the segment, and by
// unicast to every in-scope target (a routed segment is reachable only by
// unicast). Back: msgid 1531 with {"NetWork.NetCommon": {…}}: MAC, SN
// (serial), HostName, the address, mask and gateway as hex strings of
// their little-endian value, the TCP (Sofia, 34567), HTTP, SSL and UDP
// ports and, on some firmware, DeviceType, ChannelNum, Version and
// BuildDate. The reply carries no model.
//
// Devices answer the sender's address and port, or to port 34569 (the
// clients of python-dvr, go2rtc and sol-vin/xet all send from 34569 and
// listen there), and some broadcast the answer. So the sweeper also binds
// 34569 on the unspecified address when it can, where it hears its own
// broadcast (msgid 1530, not a match) and other clients' replies too: a
// reply is evidence of whoever sent it. A match is a frame with the 0xff
// head and msgid 1531 whose body holds a NetWork.NetCommon object; the
// header's length field is never trusted.
//
// There is no real capture in PROTOCOLS.md: the parser (Parse) is pure and
// follows the documented layout and the key sets that python-dvr, go2rtc
// (internal/dvrip) and sol-vin/xet read; its fixture (testdata/xmeye) is
// SYNTH. The package knows nothing about vendors: its fields are listed in
// vendors/FIELDS.md (xmeye.*).
package xmeye

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Transport facts of §10.
const (
	Port          = 34569
	DefaultWindow = 2 * time.Second
)

// Config configures a Sweeper. Zero values take the defaults.
type Config struct {
	// Iface restricts the sweep (and the broadcast) to one interface;
	// empty means every up, broadcast-capable, non-loopback interface.
	Iface string
	// Window is how long replies are awaited after the last probe.
	Window time.Duration
	// Port is a seam for tests; zero means 34569.
	Port uint16
	// NoBroadcast sends unicast only.
	NoBroadcast bool
	// ListenPacket and Interfaces are the socket seams of udpsweep.Config.
	ListenPacket func(ctx context.Context, network, address string) (net.PacketConn, error)
	Interfaces   func() ([]net.Interface, error)
}

// Sweeper is the "xmeye" scanner.Sweeper.
type Sweeper struct {
	cfg Config
}

var _ scanner.Sweeper = (*Sweeper)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Sweeper, error) {
	if cfg.Window < 0 {
		return nil, errors.New("xmeye: negative window")
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Port == 0 {
		cfg.Port = Port
	}
	return &Sweeper{cfg: cfg}, nil
}

// Name implements scanner.Sweeper.
func (s *Sweeper) Name() string { return "xmeye" }

// Sweep implements scanner.Sweeper: one search by broadcast on each
// interface and one per in-scope target; each reply is emitted once per
// answering address, whichever socket it reached.
func (s *Sweeper) Sweep(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, emit func(device.Evidence)) error {
	ucfg := udpsweep.Config{
		Port:         s.cfg.Port,
		Iface:        s.cfg.Iface,
		Window:       s.cfg.Window,
		Broadcast:    !s.cfg.NoBroadcast,
		ListenGroup:  true,
		ListenPacket: s.cfg.ListenPacket,
		Interfaces:   s.cfg.Interfaces,
	}
	seen := map[netip.Addr]bool{}
	return udpsweep.Run(ctx, ucfg, scope, pace, Search(), func(r udpsweep.Reply) {
		if seen[r.From.Addr()] {
			return
		}
		rep, err := Parse(r.Payload)
		if err != nil {
			return
		}
		seen[r.From.Addr()] = true
		emit(Evidence(rep, r.From))
	})
}

// Evidence turns a reply from an address into evidence of that address.
// The reported MAC stays a field (xmeye.mac): Evidence.MAC is for what the
// local segment showed.
func Evidence(r Reply, from netip.AddrPort) device.Evidence {
	return device.Evidence{
		Source: device.SourceXMEye,
		Addr:   from.Addr(),
		Port:   from.Port(),
		Fields: r.Fields(),
	}
}

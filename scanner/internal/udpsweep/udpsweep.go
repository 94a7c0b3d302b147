// Package udpsweep is the socket half of the stateless UDP discovery
// sweepers (SADP, DHIP, XMEye): one probe sent by multicast (or by
// broadcast) on each interface and by unicast to every in-scope target,
// replies collected on the sending socket (and, optionally, on the
// discovery port) for a bounded window. A protocol that has a link-local
// IPv6 group (mDNS's ff02::fb) may also have the probe multicast there, on
// the interfaces that have IPv6, as a best effort.
//
// It knows nothing about what the bytes mean: the protocol package builds
// the probe and judges each datagram.
package udpsweep

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/net/ipv4"

	"github.com/camsweep/camsweep/scanner"
)

// Defaults for Config's zero values.
const (
	DefaultWindow = 2 * time.Second
	// MaxDatagram bounds one reply; discovery replies are a few KiB.
	MaxDatagram = 64 << 10
)

// Config is one protocol's sweep. Port is required; the rest have defaults.
type Config struct {
	// Port is the discovery port the probe goes to.
	Port uint16
	// Group is the discovery multicast group; invalid means unicast only.
	Group netip.Addr
	// Iface restricts sending (and group listening) to one interface;
	// empty means every up, non-loopback interface that is
	// multicast-capable (for Group) or broadcast-capable (for Broadcast).
	Iface string
	// Window is how long replies are awaited after the last probe.
	Window time.Duration
	// ListenGroup also binds Port on the unspecified address and joins
	// Group, for devices that answer by multicast to the group (SADP).
	// With Broadcast it binds Port even without a group, for devices that
	// answer to the discovery port or broadcast their answer (XMEye).
	// It is best effort: another discovery tool may hold the port.
	ListenGroup bool
	// Broadcast also sends the probe to the limited broadcast address
	// 255.255.255.255:Port once on each interface, with the interface
	// named in the packet's IP_PKTINFO so the kernel sends it out of that
	// interface and no other (a limited broadcast is never routed).
	// Linux only; elsewhere it is an error of the sweep, and unicast
	// still goes out.
	Broadcast bool
	// Group6 is an IPv6 multicast group of link-local scope (ff02::fb);
	// invalid means none. The probe then also goes to [Group6%iface]:Port
	// from a udp6 socket, once on each multicast interface (as for Group)
	// that has an IPv6 link-local address, and with ListenGroup a second
	// udp6 socket binds [::]:Port and joins Group6 on them. No IPv6 packet
	// goes anywhere else. IPv6 is best effort: when it is off (no
	// link-local address, no udp6 socket, a send refused) the sweep sends
	// nothing by IPv6 and says why to Log, at debug level.
	Group6 netip.Addr
	// HopLimit6 is the hop limit of the IPv6 multicast probe; 0 leaves the
	// kernel's default (1).
	HopLimit6 int
	// Log receives the debug messages of the IPv6 path; the zero Logger
	// drops them.
	Log zerolog.Logger

	// ListenPacket opens the sending socket ("udp4", ":0") and the group
	// socket, and with Group6 their udp6 twins ("udp6", "[::]:0" and
	// "[::]:Port"); nil binds with net.ListenConfig (to Iface when set).
	ListenPacket func(ctx context.Context, network, address string) (net.PacketConn, error)
	// Interfaces lists the interfaces to multicast and broadcast on; nil
	// uses net.Interfaces filtered as above. Tests return none so nothing
	// is multicast or broadcast from the test's namespace.
	Interfaces func() ([]net.Interface, error)
	// Interfaces6 lists the interfaces to multicast on by IPv6; nil keeps
	// those of Interfaces' list (or of the default one) that have an IPv6
	// link-local address.
	Interfaces6 func() ([]net.Interface, error)
}

// Reply is one datagram that reached one of the sweep's sockets.
type Reply struct {
	// From is the sender; an IPv6 link-local sender's zone names the
	// interface it was heard on.
	From    netip.AddrPort
	Payload []byte
	// Group is true when the reply came in on the group socket.
	Group bool
}

// Run sends probe to the group (and to Group6, and to the broadcast
// address) on each interface and to every address of scope, calling
// pace.Wait before every packet, and hands each reply to handle (called
// from one goroutine at a time) until Window has passed after the last
// probe or ctx ends. Replies to the group socket may answer
// other clients; handle decides what is ours.
func Run(ctx context.Context, cfg Config, scope scanner.Scope, pace scanner.Pacer, probe []byte, handle func(Reply)) error {
	if cfg.Port == 0 {
		return errors.New("udpsweep: no port")
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	listen := cfg.ListenPacket
	if listen == nil {
		listen = defaultListen(cfg.Iface)
	}
	pc, err := listen(ctx, "udp4", ":0")
	if err != nil {
		return fmt.Errorf("udpsweep: %w", err)
	}
	socks := []net.PacketConn{pc}
	var ifs, bifs []net.Interface
	if cfg.Group.IsValid() {
		if ifs, err = interfaces(cfg, net.FlagMulticast); err != nil {
			pc.Close()
			return fmt.Errorf("udpsweep: %w", err)
		}
	}
	if cfg.Broadcast {
		if bifs, err = interfaces(cfg, net.FlagBroadcast); err != nil {
			pc.Close()
			return fmt.Errorf("udpsweep: %w", err)
		}
	}
	group := []bool{false}
	if cfg.ListenGroup && (cfg.Broadcast || cfg.Group.IsValid() && len(ifs) > 0) {
		if gpc := listenGroup(ctx, listen, cfg, ifs); gpc != nil {
			socks, group = append(socks, gpc), append(group, true)
		}
	}
	var v6 *sock6
	if cfg.Group6.IsValid() {
		if v6 = open6(ctx, listen, cfg); v6 != nil {
			socks, group = append(socks, v6.pc), append(group, false)
			if v6.group != nil {
				socks, group = append(socks, v6.group), append(group, true)
			}
		}
	}

	var wg sync.WaitGroup
	// Closing the sockets is what unblocks the readers (docs/ARCHITECTURE.md §Style 5); it
	// happens when ctx ends or when the window is over.
	var closeOnce sync.Once
	closeAll := func() {
		closeOnce.Do(func() {
			for _, c := range socks {
				c.Close()
			}
		})
	}
	stop := context.AfterFunc(ctx, closeAll)
	var mu sync.Mutex
	done := false
	deliver := func(r Reply) {
		mu.Lock()
		defer mu.Unlock()
		if !done && ctx.Err() == nil {
			handle(r)
		}
	}
	defer func() {
		stop()
		closeAll()
		wg.Wait()
		mu.Lock()
		done = true
		mu.Unlock()
	}()
	for i, c := range socks {
		wg.Go(func() { read(c, group[i], deliver) })
	}

	var errs []error
	send := func(dst netip.Addr) error {
		if err := pace.Wait(ctx); err != nil {
			return err
		}
		_, err := pc.WriteTo(probe, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, cfg.Port)))
		return err
	}
	if len(ifs) > 0 {
		p := ipv4.NewPacketConn(pc)
		_ = p.SetMulticastTTL(1) // discovery stays on the segment
		for i := range ifs {
			err := p.SetMulticastInterface(&ifs[i])
			if err == nil {
				err = send(cfg.Group)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("multicast on %s: %w", ifs[i].Name, err))
			}
		}
	}
	if v6 != nil {
		if err := v6.send(ctx, cfg, pace, probe); err != nil {
			return err
		}
	}
	if len(bifs) > 0 {
		if err := broadcast(ctx, pc, cfg.Port, bifs, pace, probe); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	it := scope.Iter()
	for {
		a, ok := it.Next()
		if !ok {
			break
		}
		if !a.Is4() {
			continue
		}
		// A failed unicast send (no route, full buffer) is that host's
		// silence: no evidence and no error of the sweep.
		if err := send(a); err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	t := time.NewTimer(cfg.Window)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return errors.Join(errs...)
}

// listenGroup binds the discovery port and joins the group on ifs; nil
// when the port is taken or, without Broadcast, no join succeeded.
func listenGroup(ctx context.Context, listen func(context.Context, string, string) (net.PacketConn, error), cfg Config, ifs []net.Interface) net.PacketConn {
	gpc, err := listen(ctx, "udp4", net.JoinHostPort("0.0.0.0", strconv.Itoa(int(cfg.Port))))
	if err != nil {
		return nil
	}
	joined := false
	if cfg.Group.IsValid() {
		p := ipv4.NewPacketConn(gpc)
		for i := range ifs {
			if p.JoinGroup(&ifs[i], &net.UDPAddr{IP: cfg.Group.AsSlice()}) == nil {
				joined = true
			}
		}
	}
	if !joined && !cfg.Broadcast {
		gpc.Close()
		return nil
	}
	return gpc
}

// broadcast sends probe to 255.255.255.255:port once out of each of ifs.
// The interface index in the IP_PKTINFO control message pins the output
// interface; without it a limited broadcast would leave by whatever
// interface the default route names.
func broadcast(ctx context.Context, pc net.PacketConn, port uint16, ifs []net.Interface, pace scanner.Pacer, probe []byte) error {
	if err := setBroadcast(pc); err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	p := ipv4.NewPacketConn(pc)
	dst := &net.UDPAddr{IP: net.IPv4bcast, Port: int(port)}
	var errs []error
	for i := range ifs {
		if err := pace.Wait(ctx); err != nil {
			return err
		}
		if _, err := p.WriteTo(probe, &ipv4.ControlMessage{IfIndex: ifs[i].Index}, dst); err != nil {
			errs = append(errs, fmt.Errorf("broadcast on %s: %w", ifs[i].Name, err))
		}
	}
	return errors.Join(errs...)
}

func read(pc net.PacketConn, group bool, deliver func(Reply)) {
	buf := make([]byte, MaxDatagram)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return
			}
			continue // ICMP errors surface as reads on Linux; keep reading
		}
		ua, ok := from.(*net.UDPAddr)
		if !ok {
			continue
		}
		ap := ua.AddrPort()
		deliver(Reply{
			From:    netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()),
			Payload: append([]byte(nil), buf[:n]...),
			Group:   group,
		})
	}
}

// interfaces lists the up, non-loopback interfaces with flag (multicast
// or broadcast), only cfg.Iface when set.
func interfaces(cfg Config, flag net.Flags) ([]net.Interface, error) {
	if cfg.Interfaces != nil {
		return cfg.Interfaces()
	}
	all, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []net.Interface
	for _, ifi := range all {
		if cfg.Iface != "" && ifi.Name != cfg.Iface {
			continue
		}
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&flag == 0 || ifi.Flags&net.FlagLoopback != 0 {
			continue
		}
		out = append(out, ifi)
	}
	return out, nil
}

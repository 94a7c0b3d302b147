package liveness

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// run is one raw sweep's identity: the ICMP echo identifier, the TCP
// source port and the key of the sequence numbers, all random so that a
// reply must echo what this run sent to count.
type run struct {
	id    uint16
	sport uint16
	key   [16]byte
}

func newRun() run {
	var b [20]byte
	rand.Read(b[:])
	r := run{id: binary.BigEndian.Uint16(b[0:]), sport: 32768 + binary.BigEndian.Uint16(b[2:])%28000}
	copy(r.key[:], b[4:])
	return r
}

// seq is the sequence number of the SYN to a:port (and the ICMP echo
// sequence, port 0, in its low 16 bits): a keyed hash, so the answer's
// acknowledgement proves it saw our SYN.
func (r run) seq(a netip.Addr, port uint16) uint32 {
	h := fnv.New32a()
	h.Write(r.key[:])
	b := a.As16()
	h.Write(b[:])
	h.Write([]byte{byte(port >> 8), byte(port)})
	return h.Sum32()
}

// sweepRaw sends ICMP echo and SYNs and reads the answers on rc until
// Wait after the last packet.
func (s *Sweeper) sweepRaw(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, emit func(device.Evidence), rc rawConns) error {
	defer rc.Close()
	r := newRun()
	var mu sync.Mutex
	seen := map[string]bool{} // one evidence per address and answer
	once := func(ev device.Evidence, key string) {
		mu.Lock()
		dup := seen[key]
		seen[key] = true
		mu.Unlock()
		if !dup {
			emit(ev)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.readICMP(rc.icmp, r, scope, once) })
	wg.Go(func() { s.readTCP(rc.tcp, r, scope, once) })

	// A send error is one address's (no route, a local firewall): the
	// stage fails only when no packet at all could leave.
	var sendErr error
	sent := 0
	send := func(c net.PacketConn, b []byte, dst net.Addr) {
		if _, err := c.WriteTo(b, dst); err != nil {
			if sendErr == nil {
				sendErr = err
			}
			return
		}
		sent++
	}
	sources := map[netip.Prefix]netip.Addr{}
	it := scope.Iter()
	for a, ok := it.Next(); ok; a, ok = it.Next() {
		if !a.Is4() {
			continue // the raw path speaks IPv4; the targets are IPv4
		}
		if err := waitNew(ctx, pace, a); err != nil {
			break
		}
		// The source address goes into the TCP checksum; it is asked of
		// the routing table once per /24 (no packet leaves for it).
		p24, _ := a.Prefix(24)
		src, ok := sources[p24]
		if !ok {
			var err error
			if src, err = rc.source(a); err != nil && sendErr == nil {
				sendErr = err
			}
			sources[p24] = src // invalid when unroutable: skip the /24
		}
		if !src.IsValid() {
			continue
		}
		dst := &net.IPAddr{IP: a.AsSlice()}
		if err := pace.Wait(ctx); err != nil {
			break
		}
		echo := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: int(r.id), Seq: int(uint16(r.seq(a, 0)))}}
		if b, err := echo.Marshal(nil); err == nil {
			send(rc.icmp, b, dst)
		}
		for _, port := range s.cfg.Ports {
			if err := pace.Wait(ctx); err != nil {
				break
			}
			send(rc.tcp, synSegment(src, a, r.sport, port, r.seq(a, port)), dst)
		}
	}
	// Listen for the last answers, then stop the readers. With nothing
	// sent (every address of an on-link range is ARP's to judge) there is
	// nothing to wait for, and no SYN for the gap to keep apart from the
	// host's connects.
	if sent > 0 {
		t := time.NewTimer(s.cfg.Wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	now := time.Now()
	rc.icmp.SetReadDeadline(now)
	rc.tcp.SetReadDeadline(now)
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if sent == 0 && sendErr != nil {
		return fmt.Errorf("liveness: nothing could be sent: %w", sendErr)
	}
	return nil
}

// readFrom reads c until its deadline passes or it closes, and hands each
// datagram from an in-scope address to judge. The raw sockets see every
// ICMP message and TCP segment of the namespace, most of them not ours.
func readFrom(c net.PacketConn, scope scanner.Scope, judge func(a netip.Addr, b []byte)) {
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			if isTimeout(err) || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if a, ok := ipOf(from); ok && scope.Contains(a) {
			judge(a, buf[:n])
		}
	}
}

func (s *Sweeper) readICMP(c net.PacketConn, r run, scope scanner.Scope, emit func(device.Evidence, string)) {
	readFrom(c, scope, func(a netip.Addr, b []byte) {
		m, err := icmp.ParseMessage(1, b)
		if err != nil || m.Type != ipv4.ICMPTypeEchoReply {
			return
		}
		e, ok := m.Body.(*icmp.Echo)
		if !ok || e.ID != int(r.id) || e.Seq != int(uint16(r.seq(a, 0))) {
			return // another process's ping, or no reply to ours
		}
		emit(device.Evidence{Source: SourceICMP, Addr: a, Fields: map[string]string{"icmp.echo": "reply"}}, a.String()+"/icmp")
	})
}

func (s *Sweeper) readTCP(c net.PacketConn, r run, scope scanner.Scope, emit func(device.Evidence, string)) {
	readFrom(c, scope, func(a netip.Addr, b []byte) {
		rep, err := parseReply(b)
		if err != nil || rep.dport != r.sport || rep.ack != r.seq(a, rep.sport)+1 {
			return // someone else's traffic: the raw socket sees every TCP segment
		}
		emit(tcpEvidence(a, rep.sport, rep.state), a.String()+"/"+rep.state+"/"+strconv.Itoa(int(rep.sport)))
	})
}

func ipOf(a net.Addr) (netip.Addr, bool) {
	ia, ok := a.(*net.IPAddr)
	if !ok {
		return netip.Addr{}, false
	}
	ip, ok := netip.AddrFromSlice(ia.IP)
	return ip.Unmap(), ok
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

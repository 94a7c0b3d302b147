package emulator

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sync"
	"time"
)

// RawService is a device's link-layer responder (the ARP forger): Listen
// opens it on the interface holding the device's address, Serve runs it
// until the context ends and then closes it.
type RawService interface {
	Open(addr netip.Addr) error
	Serve(ctx context.Context)
}

// arpForger answers ARP requests for the addresses of claims other than
// its own with several forged MACs each, the way a spoofing host or a
// broken proxy-ARP box does (issue 14 item 2). It is bounded to forgeRate
// frames a second.
type arpForger struct {
	claims netip.Prefix
	pool   [][6]byte
	own    netip.Addr // set by Open: never claimed

	mu    sync.Mutex
	start time.Time
	sent  int

	sys forgerSys // the raw socket; nil until Open

	// log gets one line for the first forged answer for each address (the
	// emulator's log file in the lab), so a test can tell the forger
	// forged from the scan ignoring it; told holds those addresses.
	log  io.Writer
	told map[netip.Addr]bool
}

// newARPForger forges with a pool of n MACs: locally administered (02:…),
// so they can never be a real maker's, and distinct from every lab MAC.
func newARPForger(claims netip.Prefix, n int) *arpForger {
	f := &arpForger{claims: claims.Masked(), log: os.Stderr, told: map[netip.Addr]bool{}}
	for i := range n {
		f.pool = append(f.pool, [6]byte{0x02, 0xf0, 0x4e, 0xd0, byte(i >> 8), byte(i)})
	}
	return f
}

// macsFor returns the forged MACs that answer for a: 1 to claimMACsPerAddr
// of the pool, shifting with the address, so each MAC claims many
// addresses and some addresses have more MACs than the scanner keeps.
func (f *arpForger) macsFor(a netip.Addr) [][6]byte {
	if !a.Is4() || !f.claims.Contains(a) || a == f.own || len(f.pool) == 0 {
		return nil
	}
	b := a.As4()
	i := int(binary.BigEndian.Uint32(b[:]) - binary.BigEndian.Uint32(f.claims.Addr().AsSlice()))
	k := 1 + i%claimMACsPerAddr
	out := make([][6]byte, 0, k)
	for t := range min(k, len(f.pool)) {
		out = append(out, f.pool[(i+t)%len(f.pool)])
	}
	return out
}

// Ethernet and ARP constants (RFC 826).
const (
	etherTypeARP = 0x0806
	arpFrameLen  = 14 + 28
	minFrameLen  = 60 // Ethernet minimum without FCS: replies are padded
)

// replies returns the forged replies to an Ethernet frame: one per MAC
// that claims the asked address when the frame is an ARP request for
// IPv4 over Ethernet, nil for anything else.
func (f *arpForger) replies(frame []byte) [][]byte {
	if len(frame) < arpFrameLen || binary.BigEndian.Uint16(frame[12:14]) != etherTypeARP {
		return nil
	}
	arp := frame[14:]
	if binary.BigEndian.Uint16(arp[0:2]) != 1 || binary.BigEndian.Uint16(arp[2:4]) != 0x0800 ||
		arp[4] != 6 || arp[5] != 4 || binary.BigEndian.Uint16(arp[6:8]) != 1 {
		return nil
	}
	sha, spa, tpa := arp[8:14], arp[14:18], arp[24:28]
	target := netip.AddrFrom4([4]byte(tpa))
	var out [][]byte
	for _, mac := range f.macsFor(target) {
		r := make([]byte, minFrameLen)
		copy(r[0:6], sha)
		copy(r[6:12], mac[:])
		binary.BigEndian.PutUint16(r[12:14], etherTypeARP)
		a := r[14:]
		binary.BigEndian.PutUint16(a[0:2], 1)
		binary.BigEndian.PutUint16(a[2:4], 0x0800)
		a[4], a[5] = 6, 4
		binary.BigEndian.PutUint16(a[6:8], 2)
		copy(a[8:14], mac[:])
		copy(a[14:18], tpa)
		copy(a[18:24], sha)
		copy(a[24:28], spa)
		out = append(out, r)
	}
	return out
}

// allow reports whether n more frames fit this second's forgeRate.
func (f *arpForger) allow(n int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now := time.Now(); now.Sub(f.start) >= time.Second {
		f.start, f.sent = now, 0
	}
	if f.sent+n > forgeRate {
		return false
	}
	f.sent += n
	return true
}

// forgerSys is the raw socket of one interface.
type forgerSys interface {
	// read returns one frame, or ok false after a short wait with none.
	read(buf []byte) (n int, ok bool, err error)
	write(frame []byte) error
	close()
}

// Serve answers requests until ctx ends.
func (f *arpForger) Serve(ctx context.Context) {
	if f.sys == nil {
		<-ctx.Done()
		return
	}
	defer f.sys.close()
	buf := make([]byte, 2048)
	for ctx.Err() == nil {
		n, ok, err := f.sys.read(buf)
		if err != nil {
			return
		}
		if !ok {
			continue
		}
		rs := f.replies(buf[:n])
		if len(rs) == 0 || !f.allow(len(rs)) {
			continue
		}
		for _, r := range rs {
			_ = f.sys.write(r)
		}
		f.tell(rs)
	}
}

// tell logs the first answer for an address: "arp forger: claimed A for
// ASKER with N MACs".
func (f *arpForger) tell(rs [][]byte) {
	if len(rs) == 0 || len(rs[0]) < arpFrameLen {
		return
	}
	a := netip.AddrFrom4([4]byte(rs[0][28:32]))
	if f.told[a] {
		return
	}
	f.told[a] = true
	fmt.Fprintf(f.log, "arp forger: claimed %s for %s with %d MACs\n", a, netip.AddrFrom4([4]byte(rs[0][38:42])), len(rs))
}

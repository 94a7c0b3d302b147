// Package neigh reads the kernel's IPv4 neighbour (ARP) table of the
// current network namespace from /proc/net/arp.
//
// Nothing is sent: the TCP probes already made the kernel resolve every
// on-link host they touched, so without raw sockets the engine learns those
// hosts' MACs here. The format is the one net/ipv4/arp.c's arp_seq_show
// writes: a header line, then "IP HWtype Flags HWaddress Mask Device" rows.
// An entry counts when its flags have ATF_COM (0x2, resolution complete) and
// its address is not all zeros. IPv6 neighbours are not in this file.
package neigh

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/camsweep/camsweep/device"
)

// DefaultPath is the table of the namespace the process runs in.
const DefaultPath = "/proc/net/arp"

// ErrFormat reports input that is not /proc/net/arp.
var ErrFormat = errors.New("neigh: not a /proc/net/arp table")

// atfCom is ATF_COM from <net/if_arp.h>: the hardware address is known.
const atfCom = 0x2

// Entry is one resolved neighbour.
type Entry struct {
	Addr   netip.Addr
	MAC    string // lower-case colon form
	Device string
	Flags  uint32
}

// Evidence records the entry as "arp" evidence learnt from the kernel, for
// callers that keep it beside the host's MAC.
func (e Entry) Evidence() device.Evidence {
	return device.Evidence{
		Source: device.SourceARP,
		Addr:   e.Addr,
		MAC:    e.MAC,
		Fields: map[string]string{"arp.method": "kernel-neighbour"},
	}
}

// ParseProcNetARP reads a /proc/net/arp table. Incomplete entries (no
// ATF_COM, or an all-zero address) and hardware addresses that are not MACs
// are skipped; a row that cannot be read is an ErrFormat.
func ParseProcNetARP(r io.Reader) ([]Entry, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("neigh: %w", err)
		}
		return nil, fmt.Errorf("%w: empty", ErrFormat)
	}
	if !strings.HasPrefix(sc.Text(), "IP address") {
		return nil, fmt.Errorf("%w: header %q", ErrFormat, sc.Text())
	}
	var out []Entry
	for line := 2; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 6 {
			return out, fmt.Errorf("%w: line %d has %d fields, want 6", ErrFormat, line, len(f))
		}
		addr, err := netip.ParseAddr(f[0])
		if err != nil || !addr.Is4() {
			return out, fmt.Errorf("%w: line %d: address %q", ErrFormat, line, f[0])
		}
		flags, err := strconv.ParseUint(strings.TrimPrefix(f[2], "0x"), 16, 32)
		if err != nil {
			return out, fmt.Errorf("%w: line %d: flags %q", ErrFormat, line, f[2])
		}
		if flags&atfCom == 0 {
			continue
		}
		hw, err := net.ParseMAC(f[3])
		if err != nil || len(hw) != 6 || isZero(hw) {
			continue
		}
		out = append(out, Entry{Addr: addr, MAC: hw.String(), Device: f[5], Flags: uint32(flags)})
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("neigh: %w", err)
	}
	return out, nil
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// Lookup reads the table at path (DefaultPath in production, a fixture in
// tests) into an address-to-MAC map. An address seen on two devices keeps
// its first MAC.
func Lookup(path string) (map[netip.Addr]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("neigh: %w", err)
	}
	defer f.Close()
	entries, err := ParseProcNetARP(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m := make(map[netip.Addr]string, len(entries))
	for _, e := range entries {
		if _, ok := m[e.Addr]; !ok {
			m[e.Addr] = e.MAC
		}
	}
	return m, nil
}

// Cached returns a Lookup of path that rereads the table at most once per
// ttl, so the engine may ask for every host it probed (a /16 of dead
// addresses) without reading the file tens of thousands of times. An entry
// the kernel made for a host's first connect attempt is seen as long as ttl
// is shorter than the connect timeout. Safe for concurrent use.
func Cached(path string, ttl time.Duration, now func() time.Time) func() (map[netip.Addr]string, error) {
	var (
		mu   sync.Mutex
		at   time.Time
		tbl  map[netip.Addr]string
		last error
	)
	return func() (map[netip.Addr]string, error) {
		mu.Lock()
		defer mu.Unlock()
		if t := now(); at.IsZero() || t.Sub(at) >= ttl {
			tbl, last = Lookup(path)
			at = t
		}
		return tbl, last
	}
}

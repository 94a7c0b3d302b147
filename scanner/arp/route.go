package arp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
)

// RouteTablePath is where Linux lists the IPv4 routes of the namespace.
const RouteTablePath = "/proc/net/route"

// maxRouteTable bounds what is read of the route table: a router's full
// table is not what this file is for, and its first lines hold the
// routes of a host.
const maxRouteTable = 1 << 20

// rtfGateway is RTF_GATEWAY of linux/route.h: the route goes through a
// gateway.
const rtfGateway = 0x2

// GatewaysOf reads the routers of each interface from a Linux route table
// (RouteTablePath). A router answers ARP for many addresses when it does
// proxy ARP, which the forged-ARP rule must not take for spoofing.
func GatewaysOf(path string) (map[string][]netip.Addr, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRouteTable))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ParseRoutes(path, b)
}

// ParseRoutes reads /proc/net/route text: a header line, then one route a
// line, whitespace-separated, of which Iface (1st), Gateway (3rd, the
// address as the kernel's little-endian hex word) and Flags (4th, hex)
// matter. It returns, per interface, the gateways of its routes, without
// repeats. A malformed line is an error naming it (name:line).
func ParseRoutes(name string, b []byte) (map[string][]netip.Addr, error) {
	out := map[string][]netip.Addr{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	for sc.Scan() {
		n++
		f := strings.Fields(sc.Text())
		if n == 1 || len(f) == 0 {
			continue // the header, or a blank line
		}
		if len(f) < 4 {
			return nil, fmt.Errorf("%s:%d: %d columns, want at least 4", name, n, len(f))
		}
		flags, err := strconv.ParseUint(f[3], 16, 32)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: flags %q: %w", name, n, f[3], err)
		}
		gw, err := hex.DecodeString(f[2])
		if err != nil || len(gw) != 4 {
			return nil, fmt.Errorf("%s:%d: gateway %q is not 8 hex digits", name, n, f[2])
		}
		if flags&rtfGateway == 0 {
			continue
		}
		var a [4]byte
		binary.LittleEndian.PutUint32(a[:], binary.BigEndian.Uint32(gw))
		addr := netip.AddrFrom4(a)
		if addr.IsUnspecified() || slices.Contains(out[f[0]], addr) {
			continue
		}
		out[f[0]] = append(out[f[0]], addr)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
	}
	return out, nil
}

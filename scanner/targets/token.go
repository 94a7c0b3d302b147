package targets

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrIPv6 is returned (wrapped in a *TokenError) for an IPv6 token.
var ErrIPv6 = errors.New("IPv6 targets are not supported yet")

// ErrHostname is returned (wrapped in a *TokenError) for a token that looks
// like a host name: resolving names is not supported yet.
var ErrHostname = errors.New("hostnames are not supported yet: give an address, CIDR or range")

// maxTokenIntervals bounds how many separate intervals one octet-range token
// may expand to (0-255.0-255.0-255.1 would be 16M of them): the set's memory
// is proportional to its intervals, never to its addresses.
const maxTokenIntervals = 1 << 16

// MaxIntervals bounds the separate intervals of all include tokens together,
// and of all exclude tokens together, before they are merged: the bound on
// one token alone let a 20 KB list of such tokens take gigabytes. 65,536
// intervals are 1 MiB; a list that needs more should use CIDRs or ranges.
const MaxIntervals = maxTokenIntervals

// Token is one target as the user wrote it, with where it came from.
type Token struct {
	Text  string // "198.18.1.0/24"
	Where string // "targets.txt:12", "argument 2", "--exclude"; may be empty
}

func (t Token) String() string {
	if t.Where == "" {
		return strconv.Quote(t.Text)
	}
	return t.Where + ": " + strconv.Quote(t.Text)
}

// TokenError reports a token that is not a valid target. Err says why and
// may be ErrIPv6 or ErrHostname.
type TokenError struct {
	Where string
	Token string
	Err   error
}

func (e *TokenError) Error() string {
	msg := fmt.Sprintf("bad target %q: %v", e.Token, e.Err)
	if e.Where != "" {
		msg = e.Where + ": " + msg
	}
	return msg
}

func (e *TokenError) Unwrap() error { return e.Err }

// kind is the shape of a parsed token.
type kind uint8

const (
	kindAddr  kind = iota + 1 // 198.18.1.7
	kindCIDR                  // 198.18.1.0/24
	kindRange                 // 198.18.1.10-40, 198.18.1.10-198.18.2.5, 198.18.1-3.0-255
)

// interval is an inclusive range of IPv4 addresses as integers.
type interval struct{ lo, hi uint32 }

func (v interval) size() uint64 { return uint64(v.hi) - uint64(v.lo) + 1 }

// target is a parsed token.
type target struct {
	kind kind
	bits int        // prefix length, for kindCIDR
	ivs  []interval // sorted, disjoint
}

// parseToken parses one token. Errors do not name the token; the caller
// wraps them in a *TokenError.
func parseToken(s string) (target, error) {
	switch {
	case s == "":
		return target{}, errors.New("empty target")
	case strings.ContainsRune(s, ':'):
		return target{}, ErrIPv6
	case strings.ContainsRune(s, '/'):
		return parseCIDR(s)
	case looksLikeHostname(s):
		return target{}, ErrHostname
	}
	if first, last, ok := strings.Cut(s, "-"); ok && strings.Count(first, ".") == 3 && strings.Contains(last, ".") {
		lo, err := parseAddr(first)
		if err != nil {
			return target{}, err
		}
		hi, err := parseAddr(last)
		if err != nil {
			return target{}, fmt.Errorf("range end: %w", err)
		}
		if hi < lo {
			return target{}, fmt.Errorf("range end %s is before its start %s", last, first)
		}
		return target{kind: kindRange, ivs: []interval{{lo, hi}}}, nil
	}
	return parseOctets(s)
}

func parseCIDR(s string) (target, error) {
	base, bits, _ := strings.Cut(s, "/")
	if strings.ContainsAny(base, "-*") {
		return target{}, errors.New("a CIDR needs a single base address, not a range")
	}
	a, err := parseAddr(base)
	if err != nil {
		return target{}, err
	}
	if bits == "" || !allDigits(bits) {
		return target{}, fmt.Errorf("prefix length %q is not a number", bits)
	}
	n, err := strconv.Atoi(bits)
	if err != nil || n > 32 || len(bits) > 2 {
		return target{}, fmt.Errorf("prefix length %s out of range (0-32)", bits)
	}
	var mask uint32
	if n > 0 {
		mask = math.MaxUint32 << (32 - n)
	}
	lo := a & mask
	if lo != a {
		// 198.18.0.5/24 is either a typo in the address or a host written
		// with its netmask; scanning the whole /24 on a guess would reach
		// 254 hosts nobody named. The zones file refuses it the same way.
		return target{}, fmt.Errorf("host bits set: write the network %s/%d, or the single address %s", fmtAddr(lo), n, base)
	}
	return target{kind: kindCIDR, bits: n, ivs: []interval{{lo, lo | ^mask}}}, nil
}

func fmtAddr(a uint32) string {
	return fmt.Sprintf("%d.%d.%d.%d", a>>24, a>>16&0xff, a>>8&0xff, a&0xff)
}

// parseAddr parses a plain dotted quad.
func parseAddr(s string) (uint32, error) {
	f := strings.Split(s, ".")
	if len(f) != 4 {
		return 0, fmt.Errorf("%q is not an IPv4 address", s)
	}
	var a uint32
	for _, o := range f {
		v, err := parseOctet(o)
		if err != nil {
			return 0, err
		}
		a = a<<8 | v
	}
	return a, nil
}

func parseOctet(s string) (uint32, error) {
	switch {
	case s == "":
		return 0, errors.New("empty octet")
	case !allDigits(s):
		return 0, fmt.Errorf("octet %q is not a number", s)
	case len(s) > 3:
		return 0, fmt.Errorf("octet %s out of range", s)
	case len(s) > 1 && s[0] == '0':
		return 0, fmt.Errorf("octet %s has a leading zero (octal or decimal?)", s)
	}
	v, _ := strconv.Atoi(s)
	if v > 255 {
		return 0, fmt.Errorf("octet %s out of range", s)
	}
	return uint32(v), nil
}

// parseOctets parses a dotted quad whose octets may be N, N-M or *.
func parseOctets(s string) (target, error) {
	f := strings.Split(s, ".")
	if len(f) != 4 {
		return target{}, errors.New("not an IPv4 address, CIDR or range")
	}
	var lo, hi [4]uint32
	single := true
	for i, o := range f {
		switch a, b, isRange := strings.Cut(o, "-"); {
		case o == "*":
			lo[i], hi[i] = 0, 255
			single = false
		case isRange:
			x, err := parseOctet(a)
			if err != nil {
				return target{}, err
			}
			y, err := parseOctet(b)
			if err != nil {
				return target{}, err
			}
			if y < x {
				return target{}, fmt.Errorf("octet range %s is reversed", o)
			}
			lo[i], hi[i] = x, y
			single = false
		default:
			x, err := parseOctet(o)
			if err != nil {
				return target{}, err
			}
			lo[i], hi[i] = x, x
		}
	}
	if single {
		a := lo[0]<<24 | lo[1]<<16 | lo[2]<<8 | lo[3]
		return target{kind: kindAddr, ivs: []interval{{a, a}}}, nil
	}
	// Octets after j that span 0-255 join octet j's range into one
	// interval; every combination of the octets before j is another one.
	j := 3
	for j > 0 && lo[j] == 0 && hi[j] == 255 {
		j--
	}
	n := 1
	for i := range j {
		n *= int(hi[i] - lo[i] + 1)
		if n > maxTokenIntervals {
			return target{}, fmt.Errorf("expands to more than %d separate ranges", maxTokenIntervals)
		}
	}
	shift := 8 * uint(3-j)
	tail := uint32(uint64(1)<<shift - 1)
	ivs := make([]interval, 0, n)
	var walk func(i int, prefix uint32)
	walk = func(i int, prefix uint32) {
		if i == j {
			p := prefix << (8 * uint(4-j))
			ivs = append(ivs, interval{p | lo[j]<<shift, p | hi[j]<<shift | tail})
			return
		}
		for v := lo[i]; v <= hi[i]; v++ {
			walk(i+1, prefix<<8|v)
		}
	}
	walk(0, 0)
	return target{kind: kindRange, ivs: ivs}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// looksLikeHostname reports whether s is a plausible DNS name with a letter
// in it, and not a dotted quad with a typo in its last octet (198.18.1.x),
// which deserves an octet error instead.
func looksLikeHostname(s string) bool {
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9' || c == '-' || c == '.':
		default:
			return false
		}
	}
	if !letter || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	if len(labels) == 4 {
		numeric := 0
		for _, l := range labels[:3] {
			if allDigits(strings.ReplaceAll(l, "-", "")) {
				numeric++
			}
		}
		if numeric == 3 {
			return false
		}
	}
	return true
}

package targets

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// SkipKind says why addresses that were asked for will not be probed.
type SkipKind uint8

const (
	// SkipReserved: addresses in a never-probe range; Token is the range
	// ("127.0.0.0/8").
	SkipReserved SkipKind = iota + 1
	// SkipNetBcast: network and broadcast addresses of include CIDRs of
	// length /30 or shorter, all CIDRs together; Token is empty.
	SkipNetBcast
	// SkipExcluded: addresses removed by the excludes, all together; Token
	// is empty.
	SkipExcluded
	// SkipTarget: an include token none of whose addresses is left. Its
	// addresses are also counted in one of the entries above; this entry
	// exists so that a target the user named is never dropped silently.
	SkipTarget
)

// Skip accounts for addresses that were asked for but will not be probed.
type Skip struct {
	Kind   SkipKind
	Token  string // see SkipKind
	Where  string // where Token came from, for SkipTarget
	Reason string // "loopback", "network/broadcast", "excluded", …
	Count  uint64 // addresses
}

func (s Skip) String() string {
	switch s.Kind {
	case SkipTarget:
		tok := s.Token
		if s.Where != "" {
			tok += " (" + s.Where + ")"
		}
		return fmt.Sprintf("target %s will not be probed: %s", tok, s.Reason)
	case SkipReserved:
		return fmt.Sprintf("skipped %d reserved %s (%s %s)", s.Count, plural(s.Count), s.Reason, s.Token)
	case SkipNetBcast:
		return fmt.Sprintf("skipped %d reserved %s (%s)", s.Count, plural(s.Count), s.Reason)
	default:
		return fmt.Sprintf("skipped %d %s (%s)", s.Count, plural(s.Count), s.Reason)
	}
}

func plural(n uint64) string {
	if n == 1 {
		return "address"
	}
	return "addresses"
}

// neverProbe are the ranges no target ever includes, whatever the user asks.
var neverProbe = []struct {
	iv     interval
	token  string
	reason string
}{
	{interval{0x00000000, 0x00FFFFFF}, "0.0.0.0/8", "this network"},
	{interval{0x7F000000, 0x7FFFFFFF}, "127.0.0.0/8", "loopback"},
	{interval{0xE0000000, 0xEFFFFFFF}, "224.0.0.0/4", "multicast"},
	{interval{0xF0000000, 0xFFFFFFFF}, "240.0.0.0/4", "reserved and limited broadcast"},
}

// Set is the addresses to scan: includes minus the never-probe ranges, the
// network and broadcast addresses of include CIDRs, and the excludes. It is
// immutable and safe for concurrent use.
type Set struct {
	ivs     []interval // sorted, disjoint, non-adjacent
	cum     []uint64   // cum[i] = addresses in ivs[:i]; len(ivs)+1 entries
	skipped []Skip
}

// maxBuildErrors bounds how many bad tokens one Build reports.
const maxBuildErrors = 10

// Build parses include and exclude tokens (surrounding white space is
// ignored) and builds the Set. An error joins a *TokenError for each bad
// token (up to 10). A Set may be empty when everything was skipped; see
// Skipped.
func Build(include, exclude []Token) (*Set, error) {
	inc, errs, err := parseAll(include, nil, "targets")
	if err != nil {
		return nil, err
	}
	exc, errs, err := parseAll(exclude, errs, "excludes")
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		if len(errs) > maxBuildErrors {
			errs = append(errs[:maxBuildErrors], fmt.Errorf("and %d more bad targets", len(errs)-maxBuildErrors))
		}
		return nil, errors.Join(errs...)
	}

	var all []interval
	for _, t := range inc {
		all = append(all, t.ivs...)
	}
	cur := merge(all)
	s := &Set{}

	for _, r := range neverProbe {
		before := total(cur)
		cur = subtract(cur, []interval{r.iv})
		if n := before - total(cur); n > 0 {
			s.skipped = append(s.skipped, Skip{Kind: SkipReserved, Token: r.token, Reason: r.reason, Count: n})
		}
	}

	// Network and broadcast addresses, remembering which CIDR asked for
	// each so that a removed explicit target can be told why.
	var nb []netBcast
	for i, t := range inc {
		if t.kind == kindCIDR && t.bits <= 30 {
			v := t.ivs[0]
			nb = append(nb, netBcast{v.lo, i}, netBcast{v.hi, i})
		}
	}
	slices.SortStableFunc(nb, func(a, b netBcast) int { return cmp.Compare(a.addr, b.addr) })
	nbIvs := make([]interval, len(nb))
	for i, p := range nb {
		nbIvs[i] = interval{p.addr, p.addr}
	}
	before := total(cur)
	cur = subtract(cur, merge(nbIvs))
	if n := before - total(cur); n > 0 {
		s.skipped = append(s.skipped, Skip{Kind: SkipNetBcast, Reason: "network/broadcast", Count: n})
	}

	var exIvs []excl
	for i, t := range exc {
		for _, v := range t.ivs {
			exIvs = append(exIvs, excl{v, i})
		}
	}
	slices.SortFunc(exIvs, func(a, b excl) int { return cmp.Compare(a.iv.lo, b.iv.lo) })
	flat := make([]interval, len(exIvs))
	for i, e := range exIvs {
		flat[i] = e.iv
	}
	before = total(cur)
	cur = subtract(cur, merge(flat))
	if n := before - total(cur); n > 0 {
		s.skipped = append(s.skipped, Skip{Kind: SkipExcluded, Reason: "excluded", Count: n})
	}

	s.ivs = cur
	s.cum = make([]uint64, len(cur)+1)
	for i, v := range cur {
		s.cum[i+1] = s.cum[i] + v.size()
	}

	// Targets the user named that have nothing left.
	exMax := make([]excl, len(exIvs)) // exMax[i]: the interval reaching furthest among exIvs[:i+1]
	for i, e := range exIvs {
		exMax[i] = e
		if i > 0 && exMax[i-1].iv.hi > e.iv.hi {
			exMax[i] = exMax[i-1]
		}
	}
	for i, t := range inc {
		if s.intersects(t.ivs) {
			continue
		}
		s.skipped = append(s.skipped, Skip{
			Kind:   SkipTarget,
			Token:  include[i].Text,
			Where:  include[i].Where,
			Reason: whyTokenRemoved(t.ivs, merge(nbIvs), nb, include, exIvs, exMax, exclude),
			Count:  total(t.ivs),
		})
	}
	return s, nil
}

type netBcast struct {
	addr  uint32
	token int // index into the includes
}

type excl struct {
	iv    interval
	token int // index into the excludes
}

// parseAll parses toks, adding bad tokens to errs. A non-nil error means the
// tokens together expand to more than MaxIntervals intervals; parsing stops
// there, so memory stays bounded whatever the list holds.
func parseAll(toks []Token, errs []error, what string) ([]target, []error, error) {
	out := make([]target, 0, min(len(toks), MaxIntervals))
	n := 0
	for _, tok := range toks {
		text := strings.TrimSpace(tok.Text)
		t, err := parseToken(text)
		if err != nil {
			errs = append(errs, &TokenError{Where: tok.Where, Token: text, Err: err})
			continue
		}
		if n += len(t.ivs); n > MaxIntervals {
			return nil, nil, &TooManyError{What: what, Where: tok.Where, Count: n}
		}
		out = append(out, t)
	}
	return out, errs, nil
}

// TooManyError reports targets (or excludes) that together expand to more
// than MaxIntervals separate intervals.
type TooManyError struct {
	What  string // "targets", "excludes", or the list's name
	Where string // the token at which the total passed the bound
	Count int    // intervals counted up to and including that token
}

func (e *TooManyError) Error() string {
	msg := fmt.Sprintf("%s expand to more than %d separate ranges in total (%d by this line): merge them into CIDRs or ranges", e.What, MaxIntervals, e.Count)
	if e.Where != "" {
		msg = e.Where + ": " + msg
	}
	return msg
}

// whyTokenRemoved names every rule that removed part of a token with
// nothing left, with counts when more than one did. Naming only the rule
// that removed the token's first address blamed "network/broadcast" for a
// /24 that an exclude had removed whole.
func whyTokenRemoved(ivs, nbIvs []interval, nb []netBcast, include []Token, exIvs, exMax []excl, exclude []Token) string {
	type part struct {
		reason string
		n      uint64
	}
	var parts []part
	rem := slices.Clone(ivs)
	for _, r := range neverProbe {
		before := total(rem)
		rem = subtract(rem, []interval{r.iv})
		if n := before - total(rem); n > 0 {
			parts = append(parts, part{r.reason + " (" + r.token + ")", n})
		}
	}
	if len(rem) > 0 {
		before := total(rem)
		after := subtract(rem, nbIvs)
		if n := before - total(after); n > 0 {
			// The first network/broadcast address of the token names the
			// CIDR that asked for it.
			first := rem[0].lo
			for _, p := range nb {
				if containsAddr(rem, p.addr) {
					first = p.addr
					break
				}
			}
			parts = append(parts, part{whyRemoved(first, nb, include, exIvs, exMax, exclude), n})
		}
		rem = after
	}
	if len(rem) > 0 {
		parts = append(parts, part{whyRemoved(rem[0].lo, nil, include, exIvs, exMax, exclude), total(rem)})
	}
	switch len(parts) {
	case 0:
		return "removed"
	case 1:
		return parts[0].reason
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = fmt.Sprintf("%s: %d %s", p.reason, p.n, plural(p.n))
	}
	return strings.Join(out, "; ")
}

func containsAddr(ivs []interval, a uint32) bool {
	for _, v := range ivs {
		if v.lo <= a && a <= v.hi {
			return true
		}
	}
	return false
}

// whyRemoved names the rule that removed address a.
func whyRemoved(a uint32, nb []netBcast, include []Token, exIvs, exMax []excl, exclude []Token) string {
	for _, r := range neverProbe {
		if r.iv.lo <= a && a <= r.iv.hi {
			return r.reason + " (" + r.token + ")"
		}
	}
	if i, ok := slices.BinarySearchFunc(nb, a, func(p netBcast, a uint32) int { return cmp.Compare(p.addr, a) }); ok {
		return "network/broadcast address of " + describe(include[nb[i].token])
	}
	// The last exclude interval starting at or before a; among those, the
	// one reaching furthest covers a if any does.
	i, _ := slices.BinarySearchFunc(exIvs, a, func(e excl, a uint32) int {
		if e.iv.lo <= a {
			return -1
		}
		return 1
	})
	if i > 0 && exMax[i-1].iv.hi >= a {
		return "excluded by " + describe(exclude[exMax[i-1].token])
	}
	return "removed"
}

func describe(t Token) string {
	s := strings.TrimSpace(t.Text)
	if t.Where != "" {
		s += " (" + t.Where + ")"
	}
	return s
}

// Count is the number of addresses in the set (at most 2^32).
func (s *Set) Count() uint64 {
	if len(s.cum) == 0 { // the zero Set
		return 0
	}
	return s.cum[len(s.cum)-1]
}

// Contains reports whether a is in the set. IPv4-mapped IPv6 addresses are
// unmapped first; other IPv6 addresses are never in it.
func (s *Set) Contains(a netip.Addr) bool {
	a = a.Unmap()
	if !a.Is4() {
		return false
	}
	b := a.As4()
	return s.contains(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
}

func (s *Set) contains(x uint32) bool {
	i := s.firstEndingAtOrAfter(x)
	return i < len(s.ivs) && s.ivs[i].lo <= x
}

// firstEndingAtOrAfter returns the index of the first interval whose hi >= x.
func (s *Set) firstEndingAtOrAfter(x uint32) int {
	lo, hi := 0, len(s.ivs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.ivs[m].hi < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (s *Set) intersects(ivs []interval) bool {
	for _, v := range ivs {
		i := s.firstEndingAtOrAfter(v.lo)
		if i < len(s.ivs) && s.ivs[i].lo <= v.hi {
			return true
		}
	}
	return false
}

// Skipped accounts for every address asked for that will not be probed:
// one entry per never-probe range that removed any, one for network and
// broadcast addresses, one for excludes, then one per include token with no
// address left, in input order.
func (s *Set) Skipped() []Skip { return slices.Clone(s.skipped) }

// merge sorts ivs in place and returns them merged into disjoint,
// non-adjacent intervals.
func merge(ivs []interval) []interval {
	if len(ivs) == 0 {
		return nil
	}
	slices.SortFunc(ivs, func(a, b interval) int { return cmp.Compare(a.lo, b.lo) })
	out := ivs[:1]
	for _, v := range ivs[1:] {
		last := &out[len(out)-1]
		if last.hi == 0xFFFFFFFF || v.lo <= last.hi+1 {
			last.hi = max(last.hi, v.hi)
			continue
		}
		out = append(out, v)
	}
	return out
}

// subtract returns a minus b; both sorted and disjoint.
func subtract(a, b []interval) []interval {
	var out []interval
	j := 0
	for _, v := range a {
		for j < len(b) && b[j].hi < v.lo {
			j++
		}
		lo := v.lo
		done := false
		for k := j; k < len(b) && b[k].lo <= v.hi; k++ {
			if b[k].lo > lo {
				out = append(out, interval{lo, b[k].lo - 1})
			}
			if b[k].hi >= v.hi {
				done = true
				break
			}
			lo = b[k].hi + 1
		}
		if !done {
			out = append(out, interval{lo, v.hi})
		}
	}
	return out
}

func total(ivs []interval) uint64 {
	var n uint64
	for _, v := range ivs {
		n += v.size()
	}
	return n
}

package targets

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
)

// IterOptions chooses the order and the share of a Set an Iterator visits.
type IterOptions struct {
	// Shuffle visits the addresses in a pseudo-random order fixed by Seed;
	// without it they come in ascending order and Seed is ignored.
	Shuffle bool
	Seed    uint64
	// Shard k of Shards (1 <= Shard <= Shards, as from ParseShard) visits
	// only the k-th of Shards disjoint parts whose union is the whole set.
	// Shards 0 means no sharding (Shard must then be 0 too).
	Shard, Shards int
}

// Iterator yields the addresses of a Set. It is not safe for concurrent use;
// make one per goroutine, or have one goroutine feed the others.
type Iterator struct {
	set      *Set
	start    uint64 // this shard's first position in the (permuted) order
	pos, end uint64 // the next position, and the end of this shard
	shuffle  bool
	perm     feistel
	iv       int // ascending order: index of the interval holding pos
}

// Iter returns an Iterator over s. It fails only on bad options.
func (s *Set) Iter(opts IterOptions) (*Iterator, error) {
	lo, hi := uint64(0), s.Count()
	switch {
	case opts.Shards < 0 || opts.Shards == 0 && opts.Shard != 0:
		return nil, fmt.Errorf("shard %d/%d: need 1 <= k <= n", opts.Shard, opts.Shards)
	case opts.Shards > 0:
		if opts.Shard < 1 || opts.Shard > opts.Shards {
			return nil, fmt.Errorf("shard %d/%d: need 1 <= k <= n", opts.Shard, opts.Shards)
		}
		n := s.Count()
		lo = scale(n, uint64(opts.Shard-1), uint64(opts.Shards))
		hi = scale(n, uint64(opts.Shard), uint64(opts.Shards))
	}
	it := &Iterator{set: s, start: lo, pos: lo, end: hi, shuffle: opts.Shuffle}
	if opts.Shuffle {
		it.perm = newFeistel(s.Count(), opts.Seed)
	} else {
		it.iv = s.intervalAt(lo)
	}
	return it, nil
}

// scale returns n*k/d without overflow (k <= d).
func scale(n, k, d uint64) uint64 {
	h, l := bits.Mul64(n, k)
	q, _ := bits.Div64(h, l, d)
	return q
}

// Next returns the next address, or ok false when the iterator is done. It
// does not allocate.
func (it *Iterator) Next() (addr netip.Addr, ok bool) {
	if it.pos >= it.end {
		return netip.Addr{}, false
	}
	s := it.set
	var x uint32
	if it.shuffle {
		idx := it.perm.permute(it.pos)
		i := s.intervalAt(idx)
		x = s.ivs[i].lo + uint32(idx-s.cum[i])
	} else {
		for it.pos >= s.cum[it.iv+1] {
			it.iv++
		}
		x = s.ivs[it.iv].lo + uint32(it.pos-s.cum[it.iv])
	}
	it.pos++
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}), true
}

// Len is how many addresses this iterator yields in all (its shard's size).
func (it *Iterator) Len() uint64 { return it.end - it.start }

// Remaining is how many addresses Next has yet to yield.
func (it *Iterator) Remaining() uint64 { return it.end - it.pos }

// intervalAt returns the index of the interval holding the idx-th address
// (idx < Count), by binary search on the cumulative counts.
func (s *Set) intervalAt(idx uint64) int {
	lo, hi := 0, len(s.ivs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.cum[m+1] <= idx {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// ParseShard parses "k/n" (1 <= k <= n), as given to --shard.
func ParseShard(s string) (k, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok || !allDigits(a) || !allDigits(b) || a == "" || b == "" {
		return 0, 0, fmt.Errorf("shard %q: want K/N, e.g. 2/4", s)
	}
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("shard %q: %w", s, err)
	}
	if n < 1 || k < 1 || k > n {
		return 0, 0, fmt.Errorf("shard %q: need 1 <= K <= N", s)
	}
	return k, n, nil
}

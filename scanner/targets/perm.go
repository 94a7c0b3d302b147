package targets

// feistel is a keyed pseudo-random permutation of [0, n): a balanced Feistel
// network over 2*half bits (the fewest even number covering n, so at most
// 4n values), cycle-walked back into [0, n). Walking from x < n along the
// network's cycle must reach a value below n again (x itself at worst), and
// on average takes under four steps. It is not cryptographic and need not
// be: it only has to spread neighbouring indices far apart, reproducibly.
type feistel struct {
	n    uint64
	half uint
	mask uint64
	keys [feistelRounds]uint64
}

// feistelRounds: four rounds make a pseudo-random permutation (Luby and
// Rackoff); two more smooth the very small domains.
const feistelRounds = 6

func newFeistel(n, seed uint64) feistel {
	f := feistel{n: n, half: 1}
	for f.half < 32 && uint64(1)<<(2*f.half) < n {
		f.half++
	}
	f.mask = uint64(1)<<f.half - 1
	state := seed
	for i := range f.keys {
		state += 0x9E3779B97F4A7C15
		f.keys[i] = mix64(state)
	}
	return f
}

// permute maps x < n to its place in the permutation.
func (f *feistel) permute(x uint64) uint64 {
	for {
		x = f.encrypt(x)
		if x < f.n {
			return x
		}
	}
}

func (f *feistel) encrypt(x uint64) uint64 {
	l, r := x>>f.half, x&f.mask
	for _, k := range f.keys {
		l, r = r, l^(mix64(r^k)&f.mask)
	}
	return l<<f.half | r
}

// mix64 is the SplitMix64 finaliser: every input bit flips about half the
// output bits.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

package oui

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The table's wire form, kept small for embedding (gzip on top): a magic,
// the string table, then the MA-L, MA-M and MA-S blocks, each a count and
// records of (key delta from the previous key, org index, country index),
// all unsigned varints.
const magic = "CSOUI1\n"

// Limits that keep a corrupt table from asking for unbounded memory.
const (
	maxStrings = 1 << 20
	maxRecords = 1 << 21
	maxString  = 4096
)

var errCorrupt = errors.New("oui: corrupt table")

// MarshalBinary encodes the table.
func (t *Table) MarshalBinary() ([]byte, error) {
	b := []byte(magic)
	b = binary.AppendUvarint(b, uint64(len(t.strs)))
	for _, s := range t.strs {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, rs := range [][]rec{t.l, t.m, t.s} {
		b = binary.AppendUvarint(b, uint64(len(rs)))
		var prev uint64
		for _, r := range rs {
			b = binary.AppendUvarint(b, r.key-prev)
			b = binary.AppendUvarint(b, uint64(r.org))
			b = binary.AppendUvarint(b, uint64(r.country))
			prev = r.key
		}
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote, checking every index
// and the order of the keys.
func (t *Table) UnmarshalBinary(b []byte) error {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return fmt.Errorf("%w: bad magic", errCorrupt)
	}
	b = b[len(magic):]
	next := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, fmt.Errorf("%w: truncated", errCorrupt)
		}
		b = b[n:]
		return v, nil
	}
	ns, err := next()
	if err != nil {
		return err
	}
	if ns == 0 || ns > maxStrings || ns > uint64(len(b)) {
		return fmt.Errorf("%w: %d strings", errCorrupt, ns)
	}
	strs := make([]string, ns)
	for i := range strs {
		n, err := next()
		if err != nil {
			return err
		}
		if n > maxString || n > uint64(len(b)) {
			return fmt.Errorf("%w: string of %d bytes", errCorrupt, n)
		}
		strs[i] = string(b[:n])
		b = b[n:]
	}
	var blocks [3][]rec
	widths := [3]uint{24, 28, 36}
	for bi := range blocks {
		n, err := next()
		if err != nil {
			return err
		}
		if n > maxRecords || n > uint64(len(b)) {
			return fmt.Errorf("%w: %d records", errCorrupt, n)
		}
		rs := make([]rec, n)
		var key uint64
		for i := range rs {
			var d, org, country uint64
			if d, err = next(); err != nil {
				return err
			}
			if org, err = next(); err != nil {
				return err
			}
			if country, err = next(); err != nil {
				return err
			}
			if (i > 0 && d == 0) || d >= 1<<widths[bi] || key+d >= 1<<widths[bi] {
				return fmt.Errorf("%w: key out of order or range", errCorrupt)
			}
			if org >= ns || country >= ns {
				return fmt.Errorf("%w: string index", errCorrupt)
			}
			key += d
			rs[i] = rec{key: key, org: uint32(org), country: uint32(country)}
		}
		blocks[bi] = rs
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", errCorrupt, len(b))
	}
	t.strs, t.l, t.m, t.s = strs, blocks[0], blocks[1], blocks[2]
	return nil
}

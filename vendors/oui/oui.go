// Package oui is the IEEE MAC address block registry (MA-L, MA-M and MA-S)
// and its lookup.
//
// The built-in table is generated (go generate, see gen/) from the npm
// package oui-data, a full copy of the IEEE registry; its date and licence
// are in SOURCE and LICENSE.oui-data beside it. A lookup tries the 36-bit
// MA-S block, then the 28-bit MA-M block, then the 24-bit MA-L block, so a
// block that the IEEE sub-assigned loses to the sub-assignment. Parent
// blocks registered to "IEEE Registration Authority" are left out of the
// table: such a row names no maker.
//
// A MAC with the locally administered bit (0x02 of the first octet) set is
// randomised or virtual and has no registry meaning, and a multicast MAC
// (0x01) names a group, not a device: Lookup finds no entry for either, and
// Fields says why. An OUI is a modest hint: module and chip makers
// (Espressif, Realtek, HiSilicon…) sell to many device makers, and relabels
// keep their maker's OUI; rules weigh it against protocol evidence.
package oui

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

//go:generate go run ./gen -version 2.1.9 -o table.bin.gz -source SOURCE

//go:embed table.bin.gz
var tableGz []byte

//go:embed SOURCE
var sourceText string

// ErrMAC reports a string that is not a 48-bit MAC address.
var ErrMAC = errors.New("oui: not a MAC address")

// Registry names an IEEE assignment size.
const (
	MAL = "MA-L" // 24-bit prefix (the classic OUI)
	MAM = "MA-M" // 28-bit prefix
	MAS = "MA-S" // 36-bit prefix (and the legacy IAB)
)

// Entry is one registry assignment.
type Entry struct {
	Registry string // MAL, MAM or MAS
	Org      string // organisation name as registered, HTML entities decoded
	Country  string // country as registered (ISO code or name); may be empty
	key      uint64
}

// Prefix is the block as upper-case hex digits: "44A642", "8C1F64F4B".
func (e Entry) Prefix() string {
	digits := e.Bits() / 4
	if digits == 0 {
		return ""
	}
	return hexKey(e.key, digits)
}

// Bits is the prefix length of the entry's registry.
func (e Entry) Bits() int { return registryBits(e.Registry) }

func registryBits(r string) int {
	switch r {
	case MAL:
		return 24
	case MAM:
		return 28
	case MAS:
		return 36
	}
	return 0
}

type rec struct {
	key          uint64 // prefix value at its own length
	org, country uint32 // indices into Table.strs
}

// Table is a registry loaded in memory. The zero Table is empty. A Table is
// safe for concurrent lookups.
type Table struct {
	strs    []string
	l, m, s []rec // sorted by key: 24-, 28- and 36-bit prefixes
}

// Len is the number of entries.
func (t *Table) Len() int { return len(t.l) + len(t.m) + len(t.s) }

// Lookup finds the longest registered prefix of mac (any of aa:bb:cc:dd:ee:ff,
// aa-bb-…, aabb.ccdd.eeff, aabbccddeeff). A malformed, locally administered
// or multicast address has no entry.
func (t *Table) Lookup(mac string) (Entry, bool) {
	hw, err := ParseMAC(mac)
	if err != nil {
		return Entry{}, false
	}
	return t.LookupHW(hw)
}

// LookupHW is Lookup for a parsed address; it does not allocate.
func (t *Table) LookupHW(hw [6]byte) (Entry, bool) {
	if IsLocal(hw) || IsMulticast(hw) {
		return Entry{}, false
	}
	v := uint64(hw[0])<<40 | uint64(hw[1])<<32 | uint64(hw[2])<<24 | uint64(hw[3])<<16 | uint64(hw[4])<<8 | uint64(hw[5])
	if r, ok := find(t.s, v>>12); ok {
		return t.entry(MAS, r), true
	}
	if r, ok := find(t.m, v>>20); ok {
		return t.entry(MAM, r), true
	}
	if r, ok := find(t.l, v>>24); ok {
		return t.entry(MAL, r), true
	}
	return Entry{}, false
}

func find(rs []rec, key uint64) (rec, bool) {
	lo, hi := 0, len(rs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch k := rs[mid].key; {
		case k == key:
			return rs[mid], true
		case k < key:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return rec{}, false
}

const hexUpper = "0123456789ABCDEF"

func (t *Table) entry(registry string, r rec) Entry {
	return Entry{Registry: registry, Org: t.strs[r.org], Country: t.strs[r.country], key: r.key}
}

func hexKey(key uint64, digits int) string {
	var b [9]byte
	for i := digits - 1; i >= 0; i-- {
		b[i] = hexUpper[key&0xf]
		key >>= 4
	}
	return string(b[:digits])
}

// ParseMAC reads a 48-bit MAC in colon, hyphen, dot or bare hex form.
func ParseMAC(s string) ([6]byte, error) {
	var hw [6]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		case c == ':' || c == '-' || c == '.':
			continue
		default:
			return hw, ErrMAC
		}
		if n == 12 {
			return hw, ErrMAC
		}
		hw[n/2] = hw[n/2]<<4 | d
		n++
	}
	if n != 12 {
		return hw, ErrMAC
	}
	return hw, nil
}

// FormatMAC is the record's form of a MAC: lower-case, colon-separated.
func FormatMAC(hw [6]byte) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 17)
	for i, x := range hw {
		b[i*3] = hex[x>>4]
		b[i*3+1] = hex[x&0xf]
		if i < 5 {
			b[i*3+2] = ':'
		}
	}
	return string(b)
}

// IsLocal reports the locally administered bit: randomised (phones,
// laptops), virtual or hand-set addresses, outside the IEEE registry.
func IsLocal(hw [6]byte) bool { return hw[0]&0x02 != 0 }

// IsMulticast reports the group bit.
func IsMulticast(hw [6]byte) bool { return hw[0]&0x01 != 0 }

// chipMakers are registry names of module, chip and contract makers whose
// OUIs sit in devices of many brands: their OUI says little about who made
// the device.
var chipMakers = []string{
	"espressif", "realtek", "hisilicon", "mediatek", "ralink", "azurewave",
	"universal global scientific", "ampak", "murata", "quectel", "fn-link",
	"shenzhen bilian", "tuya", "texas instruments", "silicon laboratories",
	"ingenic", "fullhan", "novatek", "sigmastar", "anyka", "goke", "allwinner",
	"rockchip", "amlogic", "broadcom", "qualcomm", "hon hai", "liteon", "lite-on",
	"intel corporate", "cloud network technology",
}

// IsChipMaker reports whether org is a module or chip maker (see chipMakers).
func IsChipMaker(org string) bool {
	o := strings.ToLower(org)
	for _, c := range chipMakers {
		if strings.Contains(o, c) {
			return true
		}
	}
	return false
}

// Fields describes mac as "oui" evidence fields (vendors/FIELDS.md):
// mac.vendor, mac.registry, mac.prefix, mac.country and mac.chip_maker for
// a registered address; mac.local or mac.multicast instead of a vendor for
// those; nil for a malformed or unregistered address.
func (t *Table) Fields(mac string) map[string]string {
	hw, err := ParseMAC(mac)
	if err != nil {
		return nil
	}
	switch {
	case IsMulticast(hw):
		return map[string]string{"mac.multicast": "true"}
	case IsLocal(hw):
		return map[string]string{"mac.local": "true"}
	}
	e, ok := t.LookupHW(hw)
	if !ok {
		return nil
	}
	f := map[string]string{"mac.vendor": e.Org, "mac.registry": e.Registry, "mac.prefix": e.Prefix()}
	if e.Country != "" {
		f["mac.country"] = e.Country
	}
	if IsChipMaker(e.Org) {
		f["mac.chip_maker"] = "true"
	}
	return f
}

var (
	builtinOnce sync.Once
	builtin     *Table
	builtinErr  error
)

// Builtin returns the embedded registry, decoded on first use.
func Builtin() (*Table, error) {
	builtinOnce.Do(func() {
		builtin, builtinErr = decodeGz(tableGz)
	})
	return builtin, builtinErr
}

// Lookup looks mac up in the embedded registry.
func Lookup(mac string) (Entry, bool) {
	t, err := Builtin()
	if err != nil {
		return Entry{}, false
	}
	return t.Lookup(mac)
}

// Source describes the embedded data: package, version, data date and
// licence, one "key: value" per line.
func Source() string { return sourceText }

// DataDate is the date of the embedded registry data (YYYY-MM-DD).
func DataDate() string {
	for line := range strings.Lines(sourceText) {
		if v, ok := strings.CutPrefix(line, "date:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func decodeGz(b []byte) (*Table, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("oui: built-in table: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("oui: built-in table: %w", err)
	}
	t := &Table{}
	if err := t.UnmarshalBinary(raw); err != nil {
		return nil, fmt.Errorf("oui: built-in table: %w", err)
	}
	return t, nil
}

// Merge returns a table with the entries of over and, where over has no
// entry for a prefix, those of t. Used to lay a user file over the built-in
// registry.
func (t *Table) Merge(over *Table) *Table {
	b := NewBuilder()
	for _, src := range []*Table{over, t} {
		for _, blk := range []struct {
			reg string
			rs  []rec
		}{{MAL, src.l}, {MAM, src.m}, {MAS, src.s}} {
			for _, r := range blk.rs {
				b.add(blk.reg, r.key, src.strs[r.org], src.strs[r.country])
			}
		}
	}
	return b.Table()
}

// Builder collects entries into a Table; the first entry for a prefix wins.
type Builder struct {
	idx  map[string]uint32
	t    Table
	seen map[[2]uint64]bool
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	b := &Builder{idx: map[string]uint32{}, seen: map[[2]uint64]bool{}}
	b.intern("")
	return b
}

func (b *Builder) intern(s string) uint32 {
	if i, ok := b.idx[s]; ok {
		return i
	}
	i := uint32(len(b.t.strs))
	b.t.strs = append(b.t.strs, s)
	b.idx[s] = i
	return i
}

// Add adds an assignment given as 6 (MA-L), 7 (MA-M) or 9 (MA-S) hex
// digits, separators ignored. It reports whether the prefix was new.
func (b *Builder) Add(prefix, org, country string) (bool, error) {
	var key uint64
	n := 0
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		case c == ':' || c == '-' || c == '.':
			continue
		default:
			return false, fmt.Errorf("prefix %q: not hex", prefix)
		}
		key = key<<4 | uint64(d)
		n++
		if n > 9 {
			return false, fmt.Errorf("prefix %q: want 6, 7 or 9 hex digits", prefix)
		}
	}
	var reg string
	switch n {
	case 6:
		reg = MAL
	case 7:
		reg = MAM
	case 9:
		reg = MAS
	default:
		return false, fmt.Errorf("prefix %q: want 6, 7 or 9 hex digits", prefix)
	}
	org = strings.TrimSpace(org)
	if org == "" {
		return false, fmt.Errorf("prefix %q: no organisation", prefix)
	}
	return b.add(reg, key, org, strings.TrimSpace(country)), nil
}

func (b *Builder) add(reg string, key uint64, org, country string) bool {
	id := [2]uint64{uint64(registryBits(reg)), key}
	if b.seen[id] {
		return false
	}
	b.seen[id] = true
	r := rec{key: key, org: b.intern(org), country: b.intern(country)}
	switch reg {
	case MAL:
		b.t.l = append(b.t.l, r)
	case MAM:
		b.t.m = append(b.t.m, r)
	case MAS:
		b.t.s = append(b.t.s, r)
	}
	return true
}

// Table sorts what was added and returns it; the Builder must not be used
// afterwards.
func (b *Builder) Table() *Table {
	for _, rs := range [][]rec{b.t.l, b.t.m, b.t.s} {
		slices.SortFunc(rs, func(x, y rec) int {
			switch {
			case x.key < y.key:
				return -1
			case x.key > y.key:
				return 1
			}
			return 0
		})
	}
	t := b.t
	return &t
}

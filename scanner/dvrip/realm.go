package dvrip

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/camsweep/camsweep/scanner"
)

// HeaderSize is the fixed binary header of every DVRIP message (§10).
const HeaderSize = 32

// MaxRealmPayload bounds the text read after a realm reply's header; the
// real text ("Realm:Login to <serial>\r\nRandom:<n>\r\n") is under 100
// bytes.
const MaxRealmPayload = 4 << 10

// ErrNotDVRIP reports bytes that are not a DVRIP login reply: fewer than 32
// bytes, or a first byte other than 0xb0.
var ErrNotDVRIP error = scanner.Mismatch("dvrip: not a DVRIP login reply")

// ErrTruncated reports a reply whose text is shorter than its header
// announces; the Realm returned with it holds what arrived.
var ErrTruncated = errors.New("dvrip: reply shorter than its header says")

// realmRequest is mcw0/DahuaConsole's realm request (docs/protocols/dvrip.md §10),
// built there as p32(0xa0010000, big) + 20×p8(0) + p64(0x050201010000a1aa, big):
//
//	a0 01 00 00 00 00 00 00  00 00 00 00 00 00 00 00
//	00 00 00 00 00 00 00 00  05 02 01 01 00 00 a1 aa
var realmRequest = [HeaderSize]byte{
	0xa0, 0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x02, 0x01, 0x01, 0x00, 0x00, 0xa1, 0xaa,
}

// RealmRequest returns a copy of the 32-byte realm request. It asks the
// device for the realm and nonce of a login that is never attempted.
func RealmRequest() []byte {
	b := realmRequest
	return b[:]
}

// Realm is a DVRIP realm reply: a 32-byte header whose first two bytes are
// b0 00 or b0 01 and whose bytes 4-7 are the text length (little endian,
// as DahuaConsole's _p2p_len reads it), then "Key:Value\r\n" lines.
type Realm struct {
	// Code is the first two header bytes as hex ("b001").
	Code string
	// Length is the text length the header announces; never trusted.
	Length uint32
	// Realm is the Realm line's value ("Login to 4K01FD2PAJ6E3FF"), Serial
	// what follows "Login to " in it.
	Realm  string
	Serial string
	// Keys are the line keys in order ("Realm", "Random"). The Random
	// value is a per-request nonce and is not kept.
	Keys []string
}

// maxKeys and maxValue bound what the text may contribute: it is
// attacker-chosen.
const (
	maxKeys  = 16
	maxValue = 128
)

// ParseRealm decodes a realm reply. The header's length is read but not
// trusted: the text is what follows the header, cut at the announced length
// when that is shorter, at MaxRealmPayload, and at the first NUL. A reply
// whose text is shorter than announced gives what arrived and
// ErrTruncated; bytes that are not a b0 reply give ErrNotDVRIP. A reply
// without a Realm line is still a DVRIP reply (empty Realm, no error).
func ParseRealm(b []byte) (Realm, error) {
	if len(b) < HeaderSize {
		return Realm{}, fmt.Errorf("%w: %d bytes", ErrNotDVRIP, len(b))
	}
	if b[0] != 0xb0 {
		return Realm{}, fmt.Errorf("%w: first byte %#02x", ErrNotDVRIP, b[0])
	}
	r := Realm{Code: hex.EncodeToString(b[:2]), Length: binary.LittleEndian.Uint32(b[4:8])}
	text := b[HeaderSize:]
	var err error
	switch {
	case uint64(len(text)) > uint64(r.Length):
		text = text[:r.Length]
	case uint64(len(text)) < uint64(r.Length) && len(text) < MaxRealmPayload:
		err = fmt.Errorf("%w: %d of %d bytes", ErrTruncated, len(text), r.Length)
	}
	if len(text) > MaxRealmPayload {
		text = text[:MaxRealmPayload]
	}
	if i := bytes.IndexByte(text, 0); i >= 0 {
		text = text[:i]
	}
	lines := strings.Split(string(text), "\n")
	if err != nil && len(lines) > 0 {
		// The last line was cut mid-way: half a serial would mislead.
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		k, v, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":")
		k = clean(k)
		if !ok || k == "" || len(r.Keys) >= maxKeys {
			continue
		}
		r.Keys = append(r.Keys, k)
		if k == "Realm" && r.Realm == "" {
			r.Realm = clean(v)
			if s, ok := strings.CutPrefix(r.Realm, "Login to "); ok {
				r.Serial = strings.TrimSpace(s)
			}
		}
	}
	return r, err
}

// clean trims, drops control characters and invalid UTF-8, and bounds s.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxValue {
		s = strings.ToValidUTF8(s[:maxValue], "")
	}
	return s
}

// Fields is the evidence vocabulary of vendors/FIELDS.md (dvrip.*); empty
// values are left out.
func (r Realm) Fields() map[string]string {
	f := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			f["dvrip."+k] = v
		}
	}
	set("reply", r.Code)
	set("realm", r.Realm)
	set("serial", r.Serial)
	set("keys", strings.Join(r.Keys, ","))
	return f
}

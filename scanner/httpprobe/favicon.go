package httpprobe

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"strconv"
)

// FaviconPath is the icon browsers ask every web server for.
const FaviconPath = "/favicon.ico"

// FaviconFields hashes an icon the two ways public signature sets record
// it: http.favicon_md5, the lower-case hex MD5 of the bytes (rapid7/recog
// xml/favicons.xml, nmap http-favicon), and http.favicon_mmh3, Shodan's
// http.favicon.hash — the signed 32-bit MurmurHash3 (x86_32, seed 0) of the
// bytes' base64 encoding with a newline after every 76 characters and at
// the end (Python's base64.encodebytes), as nuclei templates use it.
func FaviconFields(icon []byte) map[string]string {
	sum := md5.Sum(icon)
	return map[string]string{
		"http.favicon_md5":  hex.EncodeToString(sum[:]),
		"http.favicon_mmh3": strconv.Itoa(int(int32(murmur3(mimeBase64(icon), 0)))),
	}
}

// mimeBase64 is standard base64 in lines of 76 characters, each ended by
// "\n", the last one included.
func mimeBase64(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	out := make([]byte, 0, len(enc)+len(enc)/76+1)
	for len(enc) > 76 {
		out = append(out, enc[:76]...)
		out = append(out, '\n')
		enc = enc[76:]
	}
	out = append(out, enc...)
	return append(out, '\n')
}

// murmur3 is MurmurHash3_x86_32 (Austin Appleby, public domain
// SMHasher): 4-byte little-endian blocks, then the tail, then the
// finalisation mix.
func murmur3(data []byte, seed uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	h := seed
	n := len(data) / 4 * 4
	for i := 0; i < n; i += 4 {
		k := binary.LittleEndian.Uint32(data[i:])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	var k uint32
	switch tail := data[n:]; len(tail) {
	case 3:
		k ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(tail[0])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(len(data))
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

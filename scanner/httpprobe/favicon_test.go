package httpprobe

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
)

// TestMurmur3_smhasherVerification runs SMHasher's VerificationTest for
// MurmurHash3_x86_32: hash the keys {}, {0}, {0,1} … {0…254} with seeds
// 256, 255 … 1, hash the 256 little-endian results with seed 0, and compare
// the result with the published verification value 0xB0F57EE3.
func TestMurmur3_smhasherVerification(t *testing.T) {
	key := make([]byte, 256)
	hashes := make([]byte, 4*256)
	for i := range 256 {
		key[i] = byte(i)
		binary.LittleEndian.PutUint32(hashes[4*i:], murmur3(key[:i], uint32(256-i)))
	}
	if got := murmur3(hashes, 0); got != 0xB0F57EE3 {
		t.Errorf("verification %#08x, want 0xb0f57ee3", got)
	}
}

func TestMurmur3_vectors(t *testing.T) {
	// Values of the reference implementation (Python mmh3.hash, signed).
	for _, tc := range []struct {
		in   string
		seed uint32
		want int32
	}{
		{"", 0, 0},
		{"", 1, 0x514e28b7},
		{"hello", 0, 613153351},
		{"The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723},
	} {
		if got := int32(murmur3([]byte(tc.in), tc.seed)); got != tc.want {
			t.Errorf("murmur3(%q, %d) = %d, want %d", tc.in, tc.seed, got, tc.want)
		}
	}
}

func TestMimeBase64_linesOf76(t *testing.T) {
	got := string(mimeBase64(make([]byte, 120))) // 160 base64 characters
	lines := strings.Split(got, "\n")
	if len(lines) != 4 || len(lines[0]) != 76 || len(lines[1]) != 76 || len(lines[2]) != 8 || lines[3] != "" {
		t.Errorf("lines %q", lines)
	}
	if got := string(mimeBase64([]byte("abc"))); got != "YWJj\n" {
		t.Errorf("short %q", got)
	}
	if got := string(mimeBase64(make([]byte, 57))); len(got) != 77 || got[76] != '\n' {
		t.Errorf("exactly one line %q", got)
	}
}

func TestFaviconFields(t *testing.T) {
	f := FaviconFields([]byte("abc"))
	// md5("abc") is RFC 1321's test vector; mmh3 of "YWJj\n" as computed
	// by this package (pinned so a change shows).
	if f["http.favicon_md5"] != "900150983cd24fb0d6963f7d28e17f72" {
		t.Errorf("md5 %q", f["http.favicon_md5"])
	}
	if want := int32(murmur3([]byte("YWJj\n"), 0)); f["http.favicon_mmh3"] != strconv.Itoa(int(want)) {
		t.Errorf("mmh3 %q, want %d", f["http.favicon_mmh3"], want)
	}
}

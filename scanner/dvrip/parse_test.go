package dvrip

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// readFixture reads testdata/dvrip/<name>.
var readFixture = scantest.Fixtures("dvrip")

func TestRealmRequest_bytes(t *testing.T) {
	// DahuaConsole: p32(0xa0010000, big) + 20×p8(0) + p64(0x050201010000a1aa, big).
	want, _ := hex.DecodeString("a0010000" + strings.Repeat("00", 20) + "050201010000a1aa")
	got := RealmRequest()
	if !bytes.Equal(got, want) {
		t.Errorf("request % x\nwant    % x", got, want)
	}
	got[0] = 0
	if RealmRequest()[0] != 0xa0 {
		t.Error("RealmRequest shares its array")
	}
}

func TestSearchRequest_bytes(t *testing.T) {
	// UniversalScanner Dahua1.cs discover[] and DahuaConsole
	// p32(0xa3010001, big) + 3×p32(0) + p32(0x02000000, big) + 3×p32(0).
	want, _ := hex.DecodeString("a3010001" + strings.Repeat("00", 12) + "02000000" + strings.Repeat("00", 12))
	if got := SearchRequest(); !bytes.Equal(got, want) {
		t.Errorf("request % x\nwant    % x", got, want)
	}
}

func TestParseRealm_fixture(t *testing.T) {
	// b0 01 00 00 33 00 00 00 (0x33 = 51 bytes of text), 24 zero bytes,
	// "Realm:Login to 4K01FD2PAJ6E3FF\r\nRandom:1430327297\r\n".
	r := scantest.MustParse(t, ParseRealm, readFixture(t, "dahua-realm-reply.bin"))
	scantest.GoldenFields(t, "dahua-realm-reply.bin", r.Fields())
	if r.Length != 51 {
		t.Errorf("length %d", r.Length)
	}
}

func frame(code byte, length uint32, text string) []byte {
	b := make([]byte, HeaderSize, HeaderSize+len(text))
	b[0], b[1] = 0xb0, code
	binary.LittleEndian.PutUint32(b[4:], length)
	return append(b, text...)
}

func exact(text string) []byte { return frame(1, uint32(len(text)), text) }

func TestParseRealm_lengthsAreNotTrusted(t *testing.T) {
	const text = "Realm:Login to 5H08A08PAJF1598\r\nRandom:42\r\n"
	for name, tc := range map[string]struct {
		in      []byte
		serial  string
		wantErr error
	}{
		"exact":             {frame(0, uint32(len(text)), text), "5H08A08PAJF1598", nil},
		"trailing garbage":  {append(frame(0, uint32(len(text)), text), "Realm:Login to EVIL\r\n"...), "5H08A08PAJF1598", nil},
		"length zero":       {frame(1, 0, text), "", nil},
		"length huge":       {frame(1, 0xffffffff, text), "5H08A08PAJF1598", ErrTruncated},
		"cut mid-line":      {frame(1, uint32(len(text)), text[:20]), "", ErrTruncated},
		"NUL-terminated":    {frame(1, uint32(len(text))+3, text+"\x00\x00\x00"), "5H08A08PAJF1598", nil},
		"LF only":           {exact("Random:1\nRealm:Login to ABC123\n"), "ABC123", nil},
		"no realm line":     {exact("Random:7\n"), "", nil},
		"control chars":     {exact("Realm:Login to AB\x01C\x7f1\r\n"), "ABC1", nil},
		"realm other shape": {exact("Realm:Device_CGI\r\n"), "", nil},
	} {
		r, err := ParseRealm(tc.in)
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("%s: err %v, want %v", name, err, tc.wantErr)
		}
		if r.Serial != tc.serial {
			t.Errorf("%s: serial %q, want %q (%+v)", name, r.Serial, tc.serial, r)
		}
	}
	for name, in := range map[string][]byte{
		"empty":        nil,
		"short":        frame(1, 0, "")[:31],
		"request":      RealmRequest(),
		"search reply": readFixture(t, "universalscanner-dahua1.bin"),
		"http":         []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
	} {
		if _, err := ParseRealm(in); !errors.Is(err, ErrNotDVRIP) {
			t.Errorf("%s: err %v, want ErrNotDVRIP", name, err)
		}
	}
}

func TestParseRealm_boundsKeysAndValues(t *testing.T) {
	var b strings.Builder
	for range 100 {
		b.WriteString("K:v\r\n")
	}
	b.WriteString("Realm:Login to " + strings.Repeat("A", 1000) + "\r\n")
	text := b.String()
	r, err := ParseRealm(frame(1, uint32(len(text)), text))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Keys) != maxKeys || r.Realm != "" {
		t.Errorf("keys %d, realm %q", len(r.Keys), r.Realm)
	}
	text = "Realm:Login to " + strings.Repeat("B", 1000) + "\r\n"
	r, _ = ParseRealm(frame(1, uint32(len(text)), text))
	if len(r.Realm) != maxValue {
		t.Errorf("realm of %d bytes", len(r.Realm))
	}
}

func TestParseSearch_universalScannerSelftest(t *testing.T) {
	// b3 00 18 00 58 00 00 00 … (section 2 is 0x18 bytes), version 2 at 16,
	// section 3 length 0x58 at 20, 192.0.2.20/24 via 192.0.2.1 at 0x38;
	// then "00:11:22:33:44:55Virtual" and the Key:Value lines.
	r := scantest.MustParse(t, ParseSearch, readFixture(t, "universalscanner-dahua1.bin"))
	scantest.GoldenFields(t, "universalscanner-dahua1.bin", r.Fields())
}

func TestParseSearch_lengthsAreNotTrusted(t *testing.T) {
	real := readFixture(t, "universalscanner-dahua1.bin")
	with := func(off int, v uint16) []byte {
		b := slices.Clone(real)
		binary.LittleEndian.PutUint16(b[off:], v)
		return b
	}
	for name, tc := range map[string]struct {
		in          []byte
		mac, serial string
	}{
		"as sent":             {real, "00:11:22:33:44:55", "123456789"},
		"section 3 length 0":  {with(20, 0), "00:11:22:33:44:55", "123456789"},
		"section 3 too long":  {with(20, 0xffff), "00:11:22:33:44:55", "123456789"},
		"section 2 too long":  {with(2, 0xffff), "00:11:22:33:44:55", ""},
		"section 2 only MAC":  {with(2, 17), "00:11:22:33:44:55", "123456789"},
		"section 2 empty":     {with(2, 0), "", "123456789"},
		"cut in section 3":    {real[:len(real)-20], "00:11:22:33:44:55", ""},
		"cut in section 2":    {real[:Section1Size+10], "", ""},
		"section 1 only":      {real[:Section1Size], "", ""},
		"NUL after section 3": {append(slices.Clone(real), "\x00Evil:1"...), "00:11:22:33:44:55", "123456789"},
	} {
		r, err := ParseSearch(tc.in)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if r.MAC != tc.mac || r.SerialNo != tc.serial {
			t.Errorf("%s: mac %q serial %q, want %q %q", name, r.MAC, r.SerialNo, tc.mac, tc.serial)
		}
		if slices.Contains(r.Keys, "Evil") {
			t.Errorf("%s: read past a NUL: %v", name, r.Keys)
		}
	}
	for name, in := range map[string][]byte{
		"empty":    nil,
		"request":  SearchRequest(),
		"short":    real[:Section1Size-1],
		"realm":    readFixture(t, "dahua-realm-reply.bin"),
		"not b3":   append([]byte{0xb0}, real[1:]...),
		"too long": append(slices.Clone(real), make([]byte, maxDatagram)...),
	} {
		if _, err := ParseSearch(in); !errors.Is(err, ErrNotSearchReply) {
			t.Errorf("%s: err %v, want ErrNotSearchReply", name, err)
		}
	}
}

func FuzzParseRealm(f *testing.F) {
	f.Add(readFixture(f, "dahua-realm-reply.bin"))
	f.Add(frame(0, 0xffffffff, "Realm:Login to X\r\n"))
	f.Add(RealmRequest())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRealm(b)
		if err != nil && !errors.Is(err, ErrNotDVRIP) && !errors.Is(err, ErrTruncated) {
			t.Fatalf("error %v is neither ErrNotDVRIP nor ErrTruncated", err)
		}
		if errors.Is(err, ErrNotDVRIP) {
			return
		}
		for k, v := range r.Fields() {
			if v == "" || !strings.HasPrefix(k, "dvrip.") || strings.ContainsAny(v, "\r\n\x00") || len(v) > maxKeys*(maxValue+1) {
				t.Fatalf("field %q=%q", k, v)
			}
		}
	})
}

func FuzzParseSearch(f *testing.F) {
	f.Add(readFixture(f, "universalscanner-dahua1.bin"))
	f.Add(SearchRequest())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseSearch(b)
		if err != nil {
			if !errors.Is(err, ErrNotSearchReply) {
				t.Fatalf("error %v is not ErrNotSearchReply", err)
			}
			return
		}
		for k, v := range r.Fields() {
			if v == "" || !strings.HasPrefix(k, "dvrip5050.") || strings.ContainsAny(v, "\r\n\x00") {
				t.Fatalf("field %q=%q", k, v)
			}
		}
	})
}

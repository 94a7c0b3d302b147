package oui

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustBuiltin(t testing.TB) *Table {
	t.Helper()
	tbl, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// docs/protocols/arp-oui.md §9: registry assignments of the makers camsweep cares about,
// including MA-M and MA-S blocks whose MA-L parent is the IEEE RA.
func TestBuiltin_Lookup_protocolsPrefixes(t *testing.T) {
	tbl := mustBuiltin(t)
	if tbl.Len() < 50000 {
		t.Fatalf("built-in table has %d entries, want the full registry", tbl.Len())
	}
	tests := []struct {
		mac, registry, prefix, org string
	}{
		{"44:a6:42:46:67:24", MAL, "44A642", "Hangzhou Hikvision Digital Technology Co.,Ltd."},
		{"58-50-ED-00-00-01", MAL, "5850ED", "Hangzhou Hikvision Digital Technology Co.,Ltd."},
		{"c42f.9042.5f1a", MAL, "C42F90", "Hangzhou Hikvision Digital Technology Co.,Ltd."},
		{"08eded5a1022", MAL, "08EDED", "Zhejiang Dahua Technology Co., Ltd."},
		{"3c:ef:8c:61:01:c0", MAL, "3CEF8C", "Zhejiang Dahua Technology Co., Ltd."},
		{"ac:cc:8e:4a:2c:1f", MAL, "ACCC8E", "Axis Communications AB"},
		{"00:40:8c:00:00:01", MAL, "00408C", "Axis Communications AB"},
		{"b0:b3:53:60:12:34", MAM, "B0B3536", "Hangzhou Hikrobot Technology Co., Ltd."},
		{"34:46:63:20:00:01", MAM, "3446632", "Amcrest Technologies"},
		{"8c:1f:64:f4:b0:01", MAS, "8C1F64F4B", "JOREX LOREX INDIA PRIVATE LIMITED"},
	}
	for _, tt := range tests {
		e, ok := tbl.Lookup(tt.mac)
		if !ok {
			t.Errorf("Lookup(%s): no entry", tt.mac)
			continue
		}
		if e.Registry != tt.registry || e.Prefix() != tt.prefix || e.Org != tt.org {
			t.Errorf("Lookup(%s) = %s %s %q, want %s %s %q", tt.mac, e.Registry, e.Prefix(), e.Org, tt.registry, tt.prefix, tt.org)
		}
	}
	// The IEEE RA parent of an MA-M block names no maker: an unassigned
	// sub-block has no entry rather than "IEEE Registration Authority".
	if e, ok := tbl.Lookup("b0:b3:53:f0:00:00"); ok && strings.Contains(e.Org, "Registration Authority") {
		t.Errorf("parent block reported as maker: %+v", e)
	}
}

// docs/vendors.md §3.4: prefixes that community tables attribute to camera
// makers belong to someone else.
func TestBuiltin_Lookup_communityTablesWrong(t *testing.T) {
	tbl := mustBuiltin(t)
	for mac, want := range map[string]string{
		"d8:eb:46:00:00:01": "Google",
		"a0:cf:5b:00:00:01": "Cisco",
		"f4:c7:14:00:00:01": "HUAWEI",
		"ec:71:db:00:00:01": "Reolink",
		"38:d2:ca:00:00:01": "Tmall",
		"00:42:52:00:00:01": "RLX",
		"fc:ad:0f:00:00:01": "QTS",
	} {
		e, ok := tbl.Lookup(mac)
		if !ok || !strings.Contains(e.Org, want) {
			t.Errorf("Lookup(%s) = %q, %v; want %s", mac, e.Org, ok, want)
		}
	}
}

func TestTable_Fields(t *testing.T) {
	tbl := mustBuiltin(t)
	tests := []struct {
		mac  string
		want map[string]string
	}{
		{"44:a6:42:46:67:24", map[string]string{"mac.vendor": "Hangzhou Hikvision Digital Technology Co.,Ltd.", "mac.registry": "MA-L", "mac.prefix": "44A642", "mac.country": "China"}},
		// Same OUI with the locally administered bit: randomised, no vendor.
		{"46:a6:42:46:67:24", map[string]string{"mac.local": "true"}},
		{"01:00:5e:00:00:fb", map[string]string{"mac.multicast": "true"}},
		{"24:0a:c4:00:00:01", map[string]string{"mac.vendor": "Espressif Inc.", "mac.registry": "MA-L", "mac.prefix": "240AC4", "mac.country": "British Virgin Islands", "mac.chip_maker": "true"}},
		{"84:8a:59:00:00:01", map[string]string{"mac.vendor": "Hisilicon Technologies Co., Ltd", "mac.registry": "MA-L", "mac.prefix": "848A59", "mac.country": "China", "mac.chip_maker": "true"}},
		{"not a mac", nil},
	}
	for _, tt := range tests {
		got := tbl.Fields(tt.mac)
		if len(got) != len(tt.want) {
			t.Errorf("Fields(%s) = %v, want %v", tt.mac, got, tt.want)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("Fields(%s)[%s] = %q, want %q", tt.mac, k, got[k], v)
			}
		}
	}
	if _, ok := tbl.Lookup("46:a6:42:46:67:24"); ok {
		t.Error("locally administered MAC has an entry")
	}
}

func TestParseMAC(t *testing.T) {
	for _, s := range []string{"44:a6:42:46:67:24", "44-A6-42-46-67-24", "44a6.4246.6724", "44A642466724"} {
		hw, err := ParseMAC(s)
		if err != nil || FormatMAC(hw) != "44:a6:42:46:67:24" {
			t.Errorf("ParseMAC(%q) = %s, %v", s, FormatMAC(hw), err)
		}
	}
	for _, s := range []string{"", "44:a6:42", "44:a6:42:46:67:24:00", "zz:a6:42:46:67:24", "44 a6 42 46 67 24"} {
		if _, err := ParseMAC(s); !errors.Is(err, ErrMAC) {
			t.Errorf("ParseMAC(%q) err = %v, want ErrMAC", s, err)
		}
	}
}

func TestLoadFile_formats(t *testing.T) {
	for _, tt := range []struct {
		file   string
		format Format
		n      int
	}{
		{"nmap-mac-prefixes.txt", FormatNmap, 7},
		{"manuf.txt", FormatManuf, 6},
		{"ieee-oui.csv", FormatIEEECSV, 5}, // RA parent and CID left out
	} {
		path := filepath.Join("..", "..", "testdata", "oui", tt.file)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if f := Detect(data); f != tt.format {
			t.Errorf("%s: Detect = %v, want %v", tt.file, f, tt.format)
		}
		tbl, err := LoadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if tbl.Len() != tt.n {
			t.Errorf("%s: %d entries, want %d", tt.file, tbl.Len(), tt.n)
		}
		for mac, reg := range map[string]string{"44:a6:42:00:00:01": MAL, "b0:b3:53:60:00:01": MAM, "8c:1f:64:f4:b0:01": MAS} {
			e, ok := tbl.Lookup(mac)
			if !ok || e.Registry != reg {
				t.Errorf("%s: Lookup(%s) = %+v, %v; want %s", tt.file, mac, e, ok, reg)
			}
		}
	}
	tbl, _ := LoadFile("../../testdata/oui/ieee-oui.csv")
	if e, _ := tbl.Lookup("00:00:01:00:00:01"); e.Org != "Unilever R&D" {
		t.Errorf("HTML entity not decoded: %q", e.Org)
	}
}

func TestParse_errorsNameFileAndLine(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"nmap", "# c\n44A642 Hikvision\n44A6 Short\n", "u.txt:3: prefix \"44A6\": want 6, 7 or 9 hex digits"},
		{"nmap-noorg", "44A642 Hikvision\n08EDED\n", "u.txt:2: want \"HEX Vendor\""},
		{"manuf-mask", "00:00:0C\tCisco\tCisco Systems\n00:1B:C5:00:00:00/40\tX\tY\n", "u.txt:2: prefix \"00:1B:C5:00:00:00/40\": mask /40"},
		{"manuf-bits", "00:1B:C5:01:00:00/28\tX\tY\n", "u.txt:1: prefix \"00:1B:C5:01:00:00/28\": bits set beyond /28"},
		{"csv-registry", "Registry,Assignment,Organization Name,Organization Address\nMA-X,44A642,Hik,addr\n", "u.txt:2: registry \"MA-X\""},
		{"garbage", "\x00\x01binary\n", "u.txt: not an IEEE CSV"},
		{"longline", "44A642 " + strings.Repeat("x", maxLineLen+10) + "\n", "u.txt:1: bufio.Scanner: token too long"},
	}
	for _, tt := range tests {
		_, err := Parse("u.txt", strings.NewReader(tt.in))
		if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestTable_Merge_userFileWins(t *testing.T) {
	user, err := Parse("u", strings.NewReader("44A642 Our relabelled cameras\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := mustBuiltin(t).Merge(user)
	if e, _ := m.Lookup("44:a6:42:00:00:01"); e.Org != "Our relabelled cameras" {
		t.Errorf("user entry lost: %q", e.Org)
	}
	if e, _ := m.Lookup("08:ed:ed:00:00:01"); !strings.Contains(e.Org, "Dahua") {
		t.Errorf("built-in entry lost: %q", e.Org)
	}
}

func TestTable_binaryRoundTrip(t *testing.T) {
	tbl := mustBuiltin(t)
	b, err := tbl.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Table
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	b2, _ := back.MarshalBinary()
	if !bytes.Equal(b, b2) || back.Len() != tbl.Len() {
		t.Fatal("round trip changed the table")
	}
	for i := range len(b) {
		if back.UnmarshalBinary(b[:i]) == nil {
			t.Fatalf("truncated at %d accepted", i)
		}
		if i > 64 {
			break
		}
	}
}

func TestDataDate(t *testing.T) {
	if d := DataDate(); len(d) != 10 || d[4] != '-' {
		t.Errorf("DataDate() = %q", d)
	}
}

func BenchmarkLookupHW(b *testing.B) {
	tbl := mustBuiltin(b)
	macs := [][6]byte{{0x44, 0xa6, 0x42, 1, 2, 3}, {0x8c, 0x1f, 0x64, 0xf4, 0xb0, 1}, {0xb0, 0xb3, 0x53, 0x60, 0, 1}, {0x00, 0x00, 0x00, 0xff, 0, 0}, {0xfe, 0, 0, 0, 0, 0}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tbl.LookupHW(macs[i%len(macs)])
	}
}

func BenchmarkLookupString(b *testing.B) {
	tbl := mustBuiltin(b)
	b.ReportAllocs()
	for b.Loop() {
		tbl.Lookup("44:a6:42:46:67:24")
	}
}

func BenchmarkBuiltinDecode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeGz(tableGz); err != nil {
			b.Fatal(err)
		}
	}
}

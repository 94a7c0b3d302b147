package oui

import (
	"os"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, name := range []string{"nmap-mac-prefixes.txt", "manuf.txt", "ieee-oui.csv"} {
		if b, err := os.ReadFile("../../testdata/oui/" + name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("00:1B:C5:00:00:00/36\tX\tY\n"))
	f.Add([]byte("Registry,Assignment\nMA-L,\"44A642\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, err := Parse("fuzz", strings.NewReader(string(data)))
		if err != nil {
			if !strings.HasPrefix(err.Error(), ErrFormat.Error()) {
				t.Fatalf("error without ErrFormat prefix: %v", err)
			}
			return
		}
		tbl.Lookup("44:a6:42:00:00:01")
		b, _ := tbl.MarshalBinary()
		var back Table
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzUnmarshalBinary(f *testing.F) {
	small, _ := Parse("seed", strings.NewReader("44A642 Hik\nB0B3536 Robot\n8C1F64F4B Lorex\n"))
	b, _ := small.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		var tbl Table
		if tbl.UnmarshalBinary(data) == nil {
			tbl.Lookup("44:a6:42:00:00:01")
			tbl.Lookup("8c:1f:64:f4:b0:01")
		}
	})
}

func FuzzParseMAC(f *testing.F) {
	f.Add("44:a6:42:46:67:24")
	f.Add("44a6.4246.6724")
	f.Fuzz(func(t *testing.T, s string) {
		hw, err := ParseMAC(s)
		if err != nil {
			return
		}
		back, err := ParseMAC(FormatMAC(hw))
		if err != nil || back != hw {
			t.Fatalf("FormatMAC round trip %q", s)
		}
	})
}

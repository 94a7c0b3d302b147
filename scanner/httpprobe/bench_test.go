package httpprobe

import "testing"

// BenchmarkParseResponse measures the parser and field extraction on real
// replies (make bench).
func BenchmarkParseResponse(b *testing.B) {
	for _, name := range []string{"hikvision-webserver-200-bom-login.txt", "dahua-nvr-200-uppercase.txt", "hikvision-dnvrs-401-usercheck.txt"} {
		raw := readFixture(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				r, err := ParseResponse(raw)
				if err != nil {
					b.Fatal(err)
				}
				_ = r.Fields()
			}
		})
	}
}

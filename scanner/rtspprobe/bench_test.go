package rtspprobe

import "testing"

// BenchmarkParseResponse measures the parser and field extraction on real
// replies (make bench).
func BenchmarkParseResponse(b *testing.B) {
	for _, name := range []string{"hikvision-describe-401.txt", "dahua-describe-401.txt", "hikvision-describe-200-sdp.txt"} {
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

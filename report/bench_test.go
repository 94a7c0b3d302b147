package report

import (
	"io"
	"testing"
)

// BenchmarkJSON_WriteRecord measures encoding one device record line.
func BenchmarkJSON_WriteRecord(b *testing.B) {
	recs, _ := sample()
	w := NewJSON(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteRecord(recs[1]); err != nil {
			b.Fatal(err)
		}
	}
}

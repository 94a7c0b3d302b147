package rtspprobe

import (
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// BenchmarkParseResponse measures the parser and field extraction on real
// replies (make bench).
func BenchmarkParseResponse(b *testing.B) {
	scantest.BenchFields(b, []string{"hikvision-describe-401.txt", "dahua-describe-401.txt", "hikvision-describe-200-sdp.txt"}, readFixture, ParseResponse)
}

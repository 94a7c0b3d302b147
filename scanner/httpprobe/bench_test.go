package httpprobe

import (
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// BenchmarkParseResponse measures the parser and field extraction on real
// replies (make bench).
func BenchmarkParseResponse(b *testing.B) {
	scantest.BenchFields(b, []string{"hikvision-webserver-200-bom-login.txt", "dahua-nvr-200-uppercase.txt", "hikvision-dnvrs-401-usercheck.txt"}, readFixture, ParseResponse)
}

package dhip_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/dhip"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// TestCorpus_dhipTypes: the DHIP replies of the corpus of real replies
// (testdata/real/dhip, provenance in testdata/real/discovery.yaml; the
// sources printed the JSON body only, so it is framed here with the
// header Search uses) give the maker, model and device type they state.
func TestCorpus_dhipTypes(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "real", "dhip")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no corpus")
	}
	eng := scantest.Identifier(t)
	for _, tc := range []struct {
		file, model string
		typ         device.DeviceType
	}{
		{"dahua-ipc-hdw5421s-json-only.bin", "IPC-HDW5421S", device.TypeCamera},
		{"intelbras-mhdx-1016-json-only.bin", "MHDX 1016", device.TypeDVR},
		{"intelbras-ss-3530-mf-face-w-json-only.bin", "SS 3530 MF FACE W", device.TypeOther},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			if os.IsNotExist(err) {
				t.Skip("absent")
			}
			if err != nil {
				t.Fatal(err)
			}
			d, err := dhip.ParseDHIP(dhip.Frame(b))
			if err != nil {
				t.Fatal(err)
			}
			id := eng.Identify(&device.Host{Evidence: []device.Evidence{{Source: device.SourceDHIP, Fields: d.Fields()}}})
			if id.Vendor != "dahua" || id.Model != tc.model || id.DeviceType != tc.typ {
				t.Errorf("vendor %q model %q type %q, want dahua %q %q", id.Vendor, id.Model, id.DeviceType, tc.model, tc.typ)
			}
		})
	}
}

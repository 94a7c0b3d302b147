package onvif

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func seeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "onvif", "*.xml"))
	if len(files) == 0 {
		f.Fatal("no fixtures")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParseGetDeviceInformation: mutations of the real replies give a
// value or one of the package's errors, never a panic.
func FuzzParseGetDeviceInformation(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		di, err := ParseGetDeviceInformation(b)
		if err != nil {
			var fault *Fault
			if !errors.Is(err, ErrNotONVIF) && !errors.Is(err, ErrMalformed) && !errors.As(err, &fault) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(di.Model) > maxText || len(di.Manufacturer) > maxText {
			t.Fatal("text beyond bound")
		}
	})
}

func FuzzParseGetSystemDateAndTime(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseGetSystemDateAndTime(b)
	})
}

func FuzzParseFault(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		fault, err := ParseFault(b)
		if err == nil && len(fault.Subcodes) > maxSubcodes {
			t.Fatalf("%d subcodes", len(fault.Subcodes))
		}
	})
}

package onvif

import (
	"errors"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"

	"github.com/camsweep/camsweep/scanner/wsd"
)

func seeds(f *testing.F) {
	scantest.SeedFiles(f, filepath.Join("..", "..", "testdata", "onvif", "*.xml"))
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

// checkErr fails on an error that is none of the package's.
func checkErr(t *testing.T, err error) {
	t.Helper()
	var fault *Fault
	if !errors.Is(err, ErrNotONVIF) && !errors.Is(err, ErrMalformed) && !errors.As(err, &fault) {
		t.Fatalf("unexpected error %v", err)
	}
}

// FuzzParseGetServices, and the fuzzers below: mutations of the real
// replies give a bounded value or one of the package's errors.
func FuzzParseGetServices(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseGetServices(b)
		if err != nil {
			checkErr(t, err)
			return
		}
		if len(s.Services) == 0 || len(s.Services) > maxServices {
			t.Fatalf("%d services", len(s.Services))
		}
	})
}

func FuzzParseGetCapabilities(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseGetCapabilities(b)
		if err != nil {
			checkErr(t, err)
			return
		}
		if len(s.Services) == 0 || len(s.Services) > maxServices || len(s.Versions) > maxVersions {
			t.Fatalf("%d services, %d versions", len(s.Services), len(s.Versions))
		}
	})
}

func FuzzParseGetNetworkInterfaces(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseGetNetworkInterfaces(b)
		if err != nil {
			checkErr(t, err)
			return
		}
		if len(n.Interfaces) == 0 || len(n.Interfaces) > maxInterfaces {
			t.Fatalf("%d interfaces", len(n.Interfaces))
		}
		for _, ni := range n.Interfaces {
			for _, l := range [][]netip.Prefix{ni.IPv4Manual, ni.IPv4FromDHCP, ni.IPv4LinkLocal, ni.IPv6, ni.IPv6LinkLocal} {
				if len(l) > maxAddrs {
					t.Fatalf("%d addresses", len(l))
				}
				for _, p := range l {
					if !p.IsValid() || p.Addr().Zone() != "" {
						t.Fatalf("bad prefix %v", p)
					}
				}
			}
			if ni.MAC != "" && len(ni.MAC) != 17 {
				t.Fatalf("MAC %q", ni.MAC)
			}
		}
	})
}

func FuzzParseGetHostname(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseGetHostname(b)
		if err != nil {
			checkErr(t, err)
			return
		}
		if len(h.Name) > maxText {
			t.Fatal("text beyond bound")
		}
	})
}

func FuzzParseGetScopes(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseGetScopes(b)
		if err != nil {
			checkErr(t, err)
			return
		}
		if len(s.Items) == 0 || len(s.Items) != len(s.Fixed) || len(s.Items) > wsd.MaxItems {
			t.Fatalf("%d items, %d defs", len(s.Items), len(s.Fixed))
		}
	})
}

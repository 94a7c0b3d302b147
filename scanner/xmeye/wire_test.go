package xmeye

import (
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// TestWire_source: the method is named by the package's own Source, whose
// value is the one records and rules have always carried ("xmeye", also
// device.SourceXMEye), and the interface from --interface reaches the
// sweeper.
func TestWire_source(t *testing.T) {
	if Source != "xmeye" {
		t.Fatalf("Source = %q, want xmeye", Source)
	}
	if Source != device.SourceXMEye {
		t.Fatalf("Source = %q, device.SourceXMEye = %q", Source, device.SourceXMEye)
	}
	s, err := Wire(scanner.WireConfig{Iface: "eth7"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != string(Source) {
		t.Errorf("Name() = %q, want %q", s.Name(), Source)
	}
	if o := s.(*Sweeper).Options(); o.Iface != "eth7" || o.Port != Port || o.UnicastOnly {
		t.Errorf("options %+v", o)
	}
}

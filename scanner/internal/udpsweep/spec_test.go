package udpsweep

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
)

func testSpec(group netip.Addr) Spec {
	return Spec{Source: device.Source("test"), Port: 9, Group: group, Start: func(Options) ([]byte, func([]byte) (map[string]string, bool)) {
		return []byte("probe"), func([]byte) (map[string]string, bool) { return nil, false }
	}}
}

func TestNew_checksOnceForEveryProtocol(t *testing.T) {
	grp := netip.MustParseAddr("239.255.255.250")
	if _, err := New(Spec{Source: "x"}, Options{}); err == nil {
		t.Error("a spec without port and Start accepted")
	}
	if _, err := New(testSpec(grp), Options{Window: -1}); err == nil || !strings.HasPrefix(err.Error(), "test: ") {
		t.Errorf("negative window: %v, want an error naming the protocol", err)
	}
	if _, err := New(testSpec(grp), Options{Group: netip.MustParseAddr("192.0.2.1")}); err == nil {
		t.Error("a unicast group accepted")
	}
	if _, err := New(testSpec(netip.Addr{}), Options{Group: grp}); err == nil {
		t.Error("a group accepted for a protocol that has none")
	}
	s, err := New(testSpec(grp), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if o := s.Options(); o.Port != 9 || o.Group != grp || o.Window != DefaultWindow || s.Name() != "test" {
		t.Errorf("defaults %+v name %q", o, s.Name())
	}
	if s, err = New(testSpec(grp), Options{Port: 7, Window: time.Second}); err != nil {
		t.Fatal(err)
	}
	if o := s.Options(); o.Port != 7 || o.Window != time.Second {
		t.Errorf("overrides lost: %+v", o)
	}
}

package udpsweep

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
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

// TestSweeper_stopsOnCancel: a sweep of every Spec (SADP, DHIP, XMEye,
// DVRIP 5050) returns soon after its context ends, however long the
// window, with the context's error.
func TestSweeper_stopsOnCancel(t *testing.T) {
	s, err := New(testSpec(netip.Addr{}), Options{Port: 9, Window: time.Hour, Interfaces: func() ([]net.Interface, error) { return nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.Sweep(ctx, scanner.AddrList{netip.MustParseAddr("127.0.0.2")}, nopPacer{}, func(device.Evidence) {}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v after cancel", d)
	}
}

type nopPacer struct{}

func (nopPacer) Wait(ctx context.Context) error { return ctx.Err() }

package netquiet_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner/internal/netquiet"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// TestKnock: a completed handshake is open, a refusal closed, a dial that
// runs out of time quiet with no error, and any other failure quiet with
// that error.
func TestKnock(t *testing.T) {
	var d net.Dialer
	open := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), scantest.OpenPort(t))
	for _, tt := range []struct {
		ap   netip.AddrPort
		want string
	}{{open, netquiet.Open}, {scantest.ClosedAddr(t), netquiet.Closed}} {
		if st, err := netquiet.Knock(t.Context(), d.DialContext, tt.ap, time.Second); st != tt.want || err != nil {
			t.Errorf("%s: %q %v, want %q", tt.ap, st, err, tt.want)
		}
	}
	odd := errors.New("no file descriptors")
	fail := func(context.Context, string, string) (net.Conn, error) { return nil, odd }
	if st, err := netquiet.Knock(t.Context(), fail, open, time.Second); st != netquiet.Quiet || !errors.Is(err, odd) {
		t.Errorf("other failure: %q %v, want quiet and the error", st, err)
	}
	stall := func(ctx context.Context, _, _ string) (net.Conn, error) { <-ctx.Done(); return nil, ctx.Err() }
	if st, err := netquiet.Knock(t.Context(), stall, open, 10*time.Millisecond); st != netquiet.Quiet || err != nil {
		t.Errorf("timeout: %q %v, want silence", st, err)
	}
}

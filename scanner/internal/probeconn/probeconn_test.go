package probeconn

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// TestDial: a refused connect is no error and no Conn; a read cut by the
// scan's own deadline is the scan's error, even when the connection's
// deadline (the same instant) fires before the context marks itself done;
// a read cut by the probe's shorter timeout is silence, not an error.
func TestDial(t *testing.T) {
	refuse := func(context.Context, string, string) (net.Conn, error) { return nil, syscall.ECONNREFUSED }
	c, err := Dial(t.Context(), "x", refuse, netip.MustParseAddrPort("127.0.0.1:9"), time.Second, &scantest.Pacer{})
	if c != nil || err != nil {
		t.Fatalf("refused: %v %v, want nothing", c, err)
	}

	stall := scantest.ServeTCP(t, func(_ net.Conn, done <-chan struct{}) { <-done })
	dial := (&net.Dialer{}).DialContext
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	c, err = Dial(ctx, "x", dial, stall, time.Hour, &scantest.Pacer{})
	if err != nil || c == nil {
		t.Fatalf("dial: %v", err)
	}
	_, rerr := c.Read(make([]byte, 1))
	if err := c.Err("read", rerr); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("scan deadline: %v, want the scan's error", err)
	}
	c.Close()

	c, err = Dial(t.Context(), "x", dial, stall, 50*time.Millisecond, &scantest.Pacer{})
	if err != nil || c == nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	_, rerr = c.Read(make([]byte, 1))
	if err := c.Err("read", rerr); err != nil {
		t.Errorf("probe timeout: %v, want silence (nil)", err)
	}
}

package netquiet

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestKnock(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	var d net.Dialer
	open := netip.MustParseAddrPort(ln.Addr().String())
	if st, err := Knock(t.Context(), d.DialContext, open, time.Second); st != Open || err != nil {
		t.Errorf("open port: %q %v", st, err)
	}
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := netip.MustParseAddrPort(free.Addr().String())
	free.Close()
	if st, err := Knock(t.Context(), d.DialContext, closed, time.Second); st != Closed || err != nil {
		t.Errorf("closed port: %q %v", st, err)
	}
	odd := errors.New("no file descriptors")
	fail := func(context.Context, string, string) (net.Conn, error) { return nil, odd }
	if st, err := Knock(t.Context(), fail, open, time.Second); st != Quiet || !errors.Is(err, odd) {
		t.Errorf("other failure: %q %v, want quiet and the error", st, err)
	}
	stall := func(ctx context.Context, _, _ string) (net.Conn, error) { <-ctx.Done(); return nil, ctx.Err() }
	if st, err := Knock(t.Context(), stall, open, 10*time.Millisecond); st != Quiet || err != nil {
		t.Errorf("timeout: %q %v, want silence", st, err)
	}
}

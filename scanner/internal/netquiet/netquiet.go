// Package netquiet tells a device's silence from a real failure. A port
// that refuses, resets, times out or is unreachable is the normal answer of
// most addresses in a sweep: the probers report it as "no evidence", never
// as an error, and keep errors for what an operator should see.
package netquiet

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// Silent reports whether err (nil included) means the peer said nothing
// useful: EOF, a timeout, a refusal or reset, a broken pipe, no route.
func Silent(err error) bool {
	var ne net.Error
	switch {
	case err == nil,
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, os.ErrDeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH),
		errors.As(err, &ne) && ne.Timeout():
		return true
	}
	return false
}

// Port states a Knock tells apart.
const (
	Open   = "open"   // the handshake completed
	Closed = "closed" // refused or reset: a host is there
	Quiet  = ""       // timeout, unreachable, or ctx ended: nothing said
)

// Knock connects to ap within timeout and closes at once, for the connect
// sweeps (tcpprobe, and liveness without raw sockets): it returns Open,
// Closed or Quiet, and any other failure as it came, with Quiet.
func Knock(ctx context.Context, dial func(ctx context.Context, network, address string) (net.Conn, error), ap netip.AddrPort, timeout time.Duration) (string, error) {
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := dial(dctx, "tcp", ap.String())
	switch {
	case err == nil:
		c.Close()
		return Open, nil
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return Closed, nil
	case ctx.Err() != nil, dctx.Err() != nil, Silent(err):
		return Quiet, nil
	}
	return Quiet, err
}

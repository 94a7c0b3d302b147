// Package probeconn opens the one TCP connection of a per-port probe the
// way every prober must: the engine's pacer first (a connect is a packet to
// a fragile device), the probe's own time limit, a connection whose every
// blocking call ends when that limit or the scan ends, and one rule for
// errors — a device that refuses, resets or stays silent is no error, an
// interrupted scan says so, anything else names the probe, the address and
// the step.
package probeconn

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/netquiet"
)

// Conn is a probe's connection; Ctx is the probe's context (the caller's,
// bounded by the timeout).
type Conn struct {
	net.Conn
	Ctx    context.Context
	name   string
	ap     netip.AddrPort
	parent context.Context
	cancel context.CancelFunc
	stop   func() bool
}

// Dial waits for pace, then connects to ap with dial within timeout. It
// returns a nil Conn and a nil error when the device refused, reset or
// ignored the connect (netquiet.Silent), and an error for anything else.
// The caller must Close a non-nil Conn.
func Dial(ctx context.Context, name string, dial scanner.DialFunc, ap netip.AddrPort, timeout time.Duration, pace scanner.Pacer) (*Conn, error) {
	if err := pace.Wait(ctx); err != nil {
		return nil, fmt.Errorf("%s %s: %w", name, ap, err)
	}
	c := &Conn{name: name, ap: ap, parent: ctx}
	c.Ctx, c.cancel = context.WithTimeout(ctx, timeout)
	conn, err := dial(c.Ctx, "tcp", ap.String())
	if err != nil {
		c.cancel()
		return nil, c.Err("connect", err)
	}
	c.Conn = conn
	c.stop = Bridge(c.Ctx, conn)
	return c, nil
}

// Err says what an error at step what means: nil when the device just
// went silent, refused or reset; the scan's own error when it was
// interrupted; otherwise the error, naming probe, address and step.
func (c *Conn) Err(what string, err error) error {
	switch {
	case c.Interrupted() != nil:
		return fmt.Errorf("%s %s: %s: %w", c.name, c.ap, what, c.Interrupted())
	case netquiet.Silent(err):
		return nil
	}
	return fmt.Errorf("%s %s: %s: %w", c.name, c.ap, what, err)
}

// Interrupted is the scan's error, when the scan (not the probe's own time
// limit) ended. The connection's deadline is the scan's when that is the
// nearer one, and a read can time out a moment before the context's timer
// marks it done: a deadline already passed counts as done.
func (c *Conn) Interrupted() error {
	if err := c.parent.Err(); err != nil {
		return err
	}
	if dl, ok := c.parent.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// Close closes the connection and releases the probe's context.
func (c *Conn) Close() error {
	c.stop()
	c.cancel()
	return c.Conn.Close()
}

// Bridge sets conn's deadline to ctx's and makes ctx's end interrupt every
// blocking call on conn at once; stop undoes the latter.
func Bridge(ctx context.Context, conn net.Conn) (stop func() bool) {
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	return context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
}

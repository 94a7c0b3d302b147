package scanner

import (
	"context"

	"github.com/camsweep/camsweep/device"
)

type knownAliveKey struct{}

// WithKnownAlive marks a host's context: another method (a discovery
// sweep, ARP) already heard from the host, so probers must not give up on
// it early for silence.
func WithKnownAlive(ctx context.Context) context.Context {
	return context.WithValue(ctx, knownAliveKey{}, true)
}

// KnownAlive reports whether ctx carries WithKnownAlive.
func KnownAlive(ctx context.Context) bool {
	v, _ := ctx.Value(knownAliveKey{}).(bool)
	return v
}

type sweptKey struct{}

// WithSwept puts on a host's context the evidence the sweepers gathered
// about that host before its per-host turn (a WS-Discovery match naming
// the host's ONVIF XAddr, a SADP reply with its HTTP port), so a prober
// can follow what the device announced instead of guessing. Only evidence
// whose Addr is the host's goes in: a hint never leads a prober to another
// address. The engine does this; probers read it with Swept.
func WithSwept(ctx context.Context, ev []device.Evidence) context.Context {
	if len(ev) == 0 {
		return ctx
	}
	return context.WithValue(ctx, sweptKey{}, ev)
}

// Swept returns the evidence WithSwept put on ctx, nil when there is none.
// Callers must not modify it.
func Swept(ctx context.Context) []device.Evidence {
	ev, _ := ctx.Value(sweptKey{}).([]device.Evidence)
	return ev
}

package scanner

import "context"

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

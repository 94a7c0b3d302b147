package scanner

import (
	"context"
	"net/netip"

	"github.com/camsweep/camsweep/device"
)

// Pacer is the engine's permission to send: a prober calls Wait once before
// every packet or connection attempt, and stops when it returns an error
// (the context ended). The engine's Pacer combines the global
// packets-per-second budget with the per-host limit, so probers never keep
// a rate limiter of their own.
type Pacer interface {
	Wait(ctx context.Context) error
}

// HostProber probes one address without prior knowledge of it: the TCP
// connect sweep, unicast UDP discovery probes. A reply that proves the host
// is up is returned as evidence; silence is no evidence and no error.
type HostProber interface {
	Name() string
	ProbeHost(ctx context.Context, addr netip.Addr, pace Pacer) ([]device.Evidence, error)
}

// PortProber follows up on an open TCP port (HTTP, RTSP, TLS …). The engine
// calls it only for ports it Accepts and that a HostProber found open.
type PortProber interface {
	Name() string
	Accepts(port uint16) bool
	ProbePort(ctx context.Context, addr netip.AddrPort, pace Pacer) ([]device.Evidence, error)
}

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

// HostPacer is the Pacer the engine hands Sweepers. ForHost returns the
// pacer of one address: it spends that address's per-host budget, the same
// one the address's own probes spend later in the run, so a sweeper that
// connects to one host (SSDP's description fetch) keeps to the per-device
// limit however many responders send it there.
type HostPacer interface {
	Pacer
	ForHost(addr netip.Addr) Pacer
}

var _ HostPacer = (*pacer)(nil)

// HostProber probes one address without prior knowledge of it: the TCP
// connect sweep, unicast UDP discovery probes. A reply that proves the host
// is up is returned as evidence; silence is no evidence and no error.
type HostProber interface {
	Name() string
	ProbeHost(ctx context.Context, t Target, pace Pacer) ([]device.Evidence, error)
}

// PortProber follows up on an open TCP port (HTTP, RTSP, TLS …). The engine
// calls it only for ports it Accepts and that a HostProber found open.
type PortProber interface {
	Name() string
	Accepts(port uint16) bool
	ProbePort(ctx context.Context, t Target, pace Pacer) ([]device.Evidence, error)
}

// PortHinter is a PortProber that may know ports worth a visit beyond those
// a HostProber found open: an ONVIF device service that WS-Discovery
// announced at http://<addr>:8899/onvif/device_service while the connect
// sweep only knocks on 80 and 8080. After the open ports, the engine asks
// HintPorts with the host's Target and calls ProbePort once
// for each hinted port it has not already called this prober with. Only
// ports of addr itself may be hinted; a closed one costs one connection
// attempt, paced like any other.
type PortHinter interface {
	HintPorts(t Target) []uint16
}

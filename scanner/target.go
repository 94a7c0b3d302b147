package scanner

import (
	"net/netip"

	"github.com/camsweep/camsweep/device"
)

// Target is what a prober is handed about the host it probes: the
// address (and, for a PortProber, the port), whether another method
// already heard from the host, and the evidence the sweepers gathered
// about it before its per-host turn — a WS-Discovery match naming the
// host's ONVIF XAddr, a SADP reply with its HTTP port, the liveness
// stage's SYN-ACKs — so a prober can follow what the device announced
// instead of guessing. It is explicit, not carried in the context, so a
// prober's inputs are its arguments (as zgrab2's ScanTarget).
type Target struct {
	Addr netip.Addr
	// Port is the port a PortProber probes; 0 for a HostProber.
	Port uint16
	// KnownAlive: a sweep or ARP heard from the host, so probers must not
	// give up on it early for silence.
	KnownAlive bool
	// Swept is the sweep evidence whose Addr is the host's: a hint never
	// leads a prober to another address. Callers must not modify it.
	Swept []device.Evidence
}

// At is the Target of one port and nothing more: no sweep heard from it.
func At(ap netip.AddrPort) Target { return Target{Addr: ap.Addr(), Port: ap.Port()} }

// AddrPort is the probed address and port.
func (t Target) AddrPort() netip.AddrPort { return netip.AddrPortFrom(t.Addr, t.Port) }

// OnPort is t for one of its host's ports.
func (t Target) OnPort(port uint16) Target {
	t.Port = port
	return t
}

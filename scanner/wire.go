package scanner

import (
	"time"

	"github.com/rs/zerolog"
)

// WireConfig is what the command line gives every discovery method: one
// type for all the protocol packages' method constructors (each package's
// wire.go), so that the list of protocols (scanner/protocols) holds one
// entry per protocol and no constructor of its own. A protocol that needs
// more than this (the ONVIF credentials, the HTTP follow-up guess of the
// fingerprint rules) is built in that list from its protocols.Config.
type WireConfig struct {
	// Iface restricts sending to one interface (--interface); empty
	// means the routing table decides.
	Iface string
	// Timeout bounds one service exchange (--timeout); ConnTimeout one
	// TCP connect (--connect-timeout).
	Timeout     time.Duration
	ConnTimeout time.Duration
	// Ports are the TCP ports the connect sweep tries (--ports).
	Ports []uint16
	// Dial opens the probers' TCP connections (bound to Iface).
	Dial DialFunc
	// UserAgent is sent by the methods that send one.
	UserAgent string
	// Log is the run's logger; a sweeper tags its lines with its name.
	Log zerolog.Logger
	// Raw says the process may open raw sockets (CAP_NET_RAW): layer 2
	// sweeps need it.
	Raw bool
	// ARPRetries and ARPWait are the ARP sweep's --arp-retries and
	// --arp-wait.
	ARPRetries int
	ARPWait    time.Duration
}

package dhip

import (
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceDHIP

// Wire is the method of a scan (scanner/protocols): multicast on the
// interfaces the scan uses and unicast to every target.
func Wire(w scanner.WireConfig) (scanner.Sweeper, error) { return New(Config{Iface: w.Iface}) }

// Decode reads one DHIP datagram heard without a probe of ours (a
// capture, a recorded reply) as the sweep would file it: the list of
// protocols (scanner/protocols) hands it to passive listening and to the
// corpus replay. how is not used: every reply says the same.
func Decode(payload []byte, from netip.AddrPort, how string, ts time.Time) ([]device.Evidence, error) {
	return udpsweep.Decode(Source, ParseDHIP, payload, from, ts)
}

// AddressFields are the fields naming addresses of the device's own
// networks: the address and gateway it reports, which may differ from
// the one it answered from (multi-homing evidence for the zone review,
// policy.PrimaryAddrs). dhip.ipv6_address carries a prefix length.
var AddressFields = []string{"dhip.ipv4_address", "dhip.ipv4_gateway", "dhip.ipv6_address"}

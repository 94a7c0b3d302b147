package xmeye

import (
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Source is the method's name and its evidence's source. The package
// declares it, not device/: a protocol's identity lives with the protocol,
// so adding one edits no shared file. device.SourceXMEye is the same value,
// kept for the callers that already name it.
const Source device.Source = "xmeye"

// Wire is the method of a scan (scanner/protocols): a broadcast on the
// interfaces the scan uses (only --interface when given) and unicast to
// every target.
func Wire(w scanner.WireConfig) (scanner.Sweeper, error) { return New(Config{Iface: w.Iface}) }

// Decode reads one XMEye datagram heard without a probe of ours (a
// capture, a recorded reply) as the sweep would file it: the list of
// protocols (scanner/protocols) hands it to passive listening and to the
// corpus replay. how is not used: every reply says the same.
func Decode(payload []byte, from netip.AddrPort, how string, ts time.Time) ([]device.Evidence, error) {
	return udpsweep.Decode(Source, Parse, payload, from, ts)
}

// FrameReply puts a search reply's header in front of a JSON body
// published without it (an excerpt): the corpus replay reads such bodies
// through Decode.
func FrameReply(body []byte) []byte { return Frame(MsgSearchReply, body) }

// AddressFields are the fields naming addresses of the device's own
// networks: the address and gateway it reports, which may differ from
// the one it answered from (multi-homing evidence for the zone review,
// policy.PrimaryAddrs).
var AddressFields = []string{"xmeye.ipv4_address", "xmeye.ipv4_gateway"}

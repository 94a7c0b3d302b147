// Package sadp speaks Hikvision's Search Active Devices Protocol
// (docs/protocols/sadp.md §3): XML over UDP port 37020.
//
// Sent: one <Probe> inquiry with a fresh Uuid (§3.2) to 239.255.255.250:37020
// on each interface and by unicast to every in-scope target, because a
// routed camera segment is reachable only by unicast. Back: a <ProbeMatch>
// (§3.3) with model, full serial, MAC (dashes), addresses, gateway,
// firmware, activation state and ports. Devices answer the sender and often
// the group too, so the sweeper also listens on the group's port when it
// can. A match is a well-formed ProbeMatch that echoes our Uuid; every
// other SADP client on the segment sees the same replies, so the Uuid is
// what makes a reply ours.
//
// The parser (ParseProbeMatch) is pure and follows the real capture of
// §3.3 (testdata/sadp). The package knows nothing about vendors: the fields
// it emits are listed in vendors/FIELDS.md (sadp.*).
package sadp

import (
	"crypto/rand"
	"fmt"
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Transport facts of §3.1.
const (
	Port          = 37020
	DefaultWindow = 2 * time.Second
)

// Group is the SADP multicast group.
var Group = netip.MustParseAddr("239.255.255.250")

// Spec is SADP declared for udpsweep: one inquiry with a fresh Uuid by
// multicast and by unicast to every in-scope target, and a listener on
// the group, where devices often answer too. Every SADP client on the
// segment hears those replies: only one that echoes our Uuid is a match.
var Spec = udpsweep.Spec{
	Source:      device.SourceSADP,
	Port:        Port,
	Group:       Group,
	ListenGroup: true,
	Start: func(o udpsweep.Options) ([]byte, func([]byte) (map[string]string, bool)) {
		uuid := NewUUID()
		if o.NewUUID != nil {
			uuid = o.NewUUID()
		}
		return Inquiry(uuid), func(b []byte) (map[string]string, bool) {
			m, err := ParseProbeMatch(b)
			return m.Fields(), err == nil && m.UUID == uuid
		}
	},
}

// Config configures a Sweeper (udpsweep.Options; NewUUID makes the
// inquiry's Uuid, nil a random version-4 UUID). Zero values take the
// defaults.
type Config = udpsweep.Options

// Sweeper is the "sadp" scanner.Sweeper.
type Sweeper = udpsweep.Sweeper

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Sweeper, error) { return udpsweep.New(Spec, cfg) }

// NewUUID returns a random RFC 9562 version-4 UUID in lower case, as
// Haicam's SADP client sends it.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

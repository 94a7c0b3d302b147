// Package dhip speaks Dahua's DHIP discovery (docs/protocols/dhip.md §4.1): a 32-byte
// little-endian "DHIP" header and a JSON body over UDP port 37810.
//
// Sent: the DHDiscover.search request of mcw0/DahuaConsole to
// 239.255.255.251:37810 on each interface and by unicast to every in-scope
// target (a routed camera segment is reachable only by unicast). Back: a
// client.notifyDevInfo message with Vendor/Manufacturer ("Dahua",
// "General", "Private" or an OEM's name), the model (DeviceType), class,
// serial, firmware version, addresses, ports and initialisation state.
// Devices answer the sender unicast and some also multicast to the group,
// so the sweeper listens there too when it can. A match is a frame with
// the DHIP magic whose JSON carries params.deviceInfo; the header's length
// fields are never trusted.
//
// The parser (ParseDHIP) is pure and follows the real capture of §4.1
// (testdata/dhip). The package knows nothing about vendors: its fields are
// listed in vendors/FIELDS.md (dhip.*).
package dhip

import (
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Transport facts of §4.1.
const (
	Port          = 37810
	DefaultWindow = 2 * time.Second
)

// Group is the DHIP multicast group.
var Group = netip.MustParseAddr("239.255.255.251")

// Spec is DHIP discovery declared for udpsweep: one DHDiscover.search by
// multicast and by unicast to every in-scope target, and a listener on the
// group for devices that answer there too. Our own search, looped back by
// the group, has no deviceInfo and is not a match.
var Spec = udpsweep.Spec{Source: device.SourceDHIP, Port: Port, Group: Group, ListenGroup: true, Probe: Search, Judge: udpsweep.Fields(ParseDHIP)}

// Config configures a Sweeper (udpsweep.Options). Zero values take the
// defaults.
type Config = udpsweep.Options

// Sweeper is the "dhip" scanner.Sweeper.
type Sweeper = udpsweep.Sweeper

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Sweeper, error) { return udpsweep.New(Spec, cfg) }

// Package xmeye speaks the discovery of Xiongmai's NETSurveillance/XMEye
// ("Sofia", DVRIP-Web) firmware (docs/protocols/udp-discovery.md §7.3, docs/protocols/xmeye.md §10): a 20-byte
// little-endian DVRIP header and a JSON body over UDP port 34569.
//
// Sent: python-dvr's SearchXM request (msgid 1530, no body) to
// 255.255.255.255:34569 once on each interface the sweep uses, forced out
// of that interface so it never follows a route off the segment, and by
// unicast to every in-scope target (a routed segment is reachable only by
// unicast). Back: msgid 1531 with {"NetWork.NetCommon": {…}}: MAC, SN
// (serial), HostName, the address, mask and gateway as hex strings of
// their little-endian value, the TCP (Sofia, 34567), HTTP, SSL and UDP
// ports and, on some firmware, DeviceType, ChannelNum, Version and
// BuildDate. The reply carries no model.
//
// Devices answer the sender's address and port, or to port 34569 (the
// clients of python-dvr, go2rtc and sol-vin/xet all send from 34569 and
// listen there), and some broadcast the answer. So the sweeper also binds
// 34569 on the unspecified address when it can, where it hears its own
// broadcast (msgid 1530, not a match) and other clients' replies too: a
// reply is evidence of whoever sent it. A match is a frame with the 0xff
// head and msgid 1531 whose body holds a NetWork.NetCommon object; the
// header's length field is never trusted.
//
// There is no real capture in docs/protocols: the parser (Parse) is pure and
// follows the documented layout and the key sets that python-dvr, go2rtc
// (internal/dvrip) and sol-vin/xet read; its fixture (testdata/xmeye) is
// SYNTH. The package knows nothing about vendors: its fields are listed in
// vendors/FIELDS.md (xmeye.*).
package xmeye

import (
	"time"

	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Transport facts of §10.
const (
	Port          = 34569
	DefaultWindow = 2 * time.Second
)

// Spec is XMEye discovery declared for udpsweep: one search by broadcast
// on each interface, forced out of it, and by unicast to every in-scope
// target; the discovery port is listened on too, since devices answer to
// it or broadcast the answer. There we also hear our own search (msgid
// 1530, not a match) and other clients' replies: a reply is evidence of
// whoever sent it.
var Spec = udpsweep.Spec{Source: Source, Port: Port, Broadcast: true, ListenGroup: true, Probe: Search, Judge: udpsweep.Fields(Parse)}

// Config configures a Sweeper (udpsweep.Options; UnicastOnly sends no
// broadcast). Zero values take the defaults.
type Config = udpsweep.Options

// Sweeper is the "xmeye" scanner.Sweeper.
type Sweeper = udpsweep.Sweeper

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Sweeper, error) { return udpsweep.New(Spec, cfg) }

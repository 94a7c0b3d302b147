package ssdp

import (
	"net/netip"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Source is the method's name and its evidence's source.
const Source = device.SourceSSDP

// Wire is the method of a scan (scanner/protocols); the description
// fetches use the probers' dialer and user agent.
func Wire(w scanner.WireConfig) (scanner.Sweeper, error) {
	return New(Config{Iface: w.Iface, Dial: w.Dial, UserAgent: w.UserAgent})
}

// Decode reads one SSDP datagram heard from `from` (a capture, a recorded
// reply) as the sweep files a responder that sent it once. An M-SEARCH,
// another client's question, gives nothing, as in the sweep. how and ts
// are not used: SSDP evidence carries neither.
func Decode(payload []byte, from netip.AddrPort, how string, ts time.Time) ([]device.Evidence, error) {
	m, err := Parse(payload)
	if err != nil {
		return nil, err
	}
	if m.Kind == KindSearch {
		return nil, nil
	}
	return []device.Evidence{MessageEvidence(from, m)}, nil
}

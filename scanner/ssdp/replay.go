package ssdp

import (
	"net/netip"

	"github.com/camsweep/camsweep/device"
)

// MessageEvidence is the evidence the sweep files for one responder that
// sent msgs: the same fields a scan records, for replaying recorded replies
// (the corpus of real replies) without a socket.
func MessageEvidence(from netip.AddrPort, msgs ...Message) device.Evidence {
	r := &responder{from: from}
	for _, m := range msgs {
		r.add(m)
	}
	return r.evidence()
}

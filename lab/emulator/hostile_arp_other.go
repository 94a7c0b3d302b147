//go:build !linux

package emulator

import (
	"errors"
	"net/netip"
)

// Open fails: raw link-layer sockets are Linux's here, as is the lab.
func (f *arpForger) Open(netip.Addr) error {
	return errors.New("arp forger: needs Linux (AF_PACKET)")
}

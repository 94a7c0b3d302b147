//go:build !linux

package arp

import "errors"

// CanRaw reports whether the process may open packet sockets; the ARP
// sweep is Linux-only.
func CanRaw() bool { return false }

// OpenLink is not available off Linux.
func OpenLink(Link) (Conn, error) { return nil, errors.New("arp: packet sockets need Linux") }

//go:build !linux

package syslog

import "net"

// peerGone is Linux only (TCP_INFO); elsewhere the reader goroutine alone
// notices a closed receiver.
func peerGone(net.Conn) bool { return false }

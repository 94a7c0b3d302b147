package syslog

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// peerGone reports whether the kernel knows the receiver has closed or
// reset the TCP connection (its state is no longer ESTABLISHED: CLOSE_WAIT
// after the peer's FIN). A message written then would be accepted by the
// kernel and lost, so the sender asks before every write instead of
// relying on its reader goroutine having noticed already. It narrows the
// window to the time between this call and the write; only a protocol
// with acknowledgements (RELP) closes it.
func peerGone(raw net.Conn) bool {
	sc, ok := raw.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	gone := false
	_ = rc.Control(func(fd uintptr) {
		info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		gone = err == nil && info.State != unix.BPF_TCP_ESTABLISHED
	})
	return gone
}

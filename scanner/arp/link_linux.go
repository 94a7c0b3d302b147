package arp

import (
	"errors"
	"fmt"
	"os"

	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// CanRaw reports whether the process may open packet sockets
// (CAP_NET_RAW), by trying one.
func CanRaw() bool {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// arpFilter keeps EtherType 0x0806 frames, the first 128 bytes of each.
var arpFilter = mustAssemble([]bpf.Instruction{
	bpf.LoadAbsolute{Off: 12, Size: 2},
	bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0x0806, SkipFalse: 1},
	bpf.RetConstant{Val: 128},
	bpf.RetConstant{Val: 0},
})

func mustAssemble(in []bpf.Instruction) []bpf.RawInstruction {
	raw, err := bpf.Assemble(in)
	if err != nil {
		panic(err)
	}
	return raw
}

// linkConn receives through pcapgo's EthernetHandle and sends through a
// packet socket bound to no protocol, so it queues nothing.
type linkConn struct {
	*pcapgo.EthernetHandle
	send int
	to   unix.SockaddrLinklayer
}

// OpenLink opens the AF_PACKET sockets of an interface.
func OpenLink(l Link) (Conn, error) {
	h, err := pcapgo.NewEthernetHandle(l.Name)
	if err != nil {
		return nil, err
	}
	if err := h.SetCaptureLength(128); err != nil {
		h.Close()
		return nil, err
	}
	if err := h.SetBPF(arpFilter); err != nil {
		h.Close()
		return nil, fmt.Errorf("BPF filter: %w", err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		h.Close()
		return nil, os.NewSyscallError("socket", err)
	}
	to := unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ARP), Ifindex: l.Index, Halen: 6}
	copy(to.Addr[:], broadcast)
	return &linkConn{EthernetHandle: h, send: fd, to: to}, nil
}

func (c *linkConn) WritePacketData(b []byte) error {
	for {
		err := unix.Sendto(c.send, b, 0, &c.to)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.EAGAIN) {
			return nil // the queue is full: the retry round asks again
		}
		return err
	}
}

func (c *linkConn) Close() error {
	unix.Close(c.send)
	return c.EthernetHandle.Close()
}

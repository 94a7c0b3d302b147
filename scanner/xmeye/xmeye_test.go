package xmeye

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// --- the sweeper against UDP responders on loopback; no interface is
// handed to it, so nothing is broadcast from the test's namespace ---

func noInterfaces() ([]net.Interface, error) { return nil, nil }

func TestSweeper_Sweep_unicastReplies(t *testing.T) {
	py := readFixture(t, "synth-python-dvr-netcommon.bin")
	search := Search()
	port := scantest.ServeUDPTo(t, "127.0.0.2", 0, func(req []byte, _ *net.UDPAddr) ([][]byte, *net.UDPAddr) {
		if !bytes.Equal(req, search) {
			return nil, nil
		}
		return [][]byte{py, py}, nil // answered twice: one evidence
	})
	scantest.ServeUDPTo(t, "127.0.0.3", port, func([]byte, *net.UDPAddr) ([][]byte, *net.UDPAddr) {
		return [][]byte{readFixture(t, "synth-go2rtc-dvr.bin")}, nil
	})
	scantest.ServeUDPTo(t, "127.0.0.4", port, func(req []byte, _ *net.UDPAddr) ([][]byte, *net.UDPAddr) { return [][]byte{req}, nil }) // an echo is no reply
	s := scantest.Build(t, New, Config{Port: uint16(port), Window: 300 * time.Millisecond, Interfaces: noInterfaces})
	got, n := scantest.SweepAddrs(t, s, "127.0.0.2", "127.0.0.3", "127.0.0.4", "::1")
	if n != 3 {
		t.Errorf("pace.Wait called %d times, want 3 (IPv4 targets only, no interface to broadcast on)", n)
	}
	if len(got) != 2 || len(got[netip.MustParseAddr("127.0.0.2")]) != 1 {
		t.Fatalf("evidence %v", got)
	}
	ev := got[netip.MustParseAddr("127.0.0.2")][0]
	if ev.Source != Source || ev.Port != uint16(port) || ev.MAC != "" ||
		ev.Fields["xmeye.serial"] != "c5f2a8e91d7b3046" || ev.Fields["xmeye.ipv4_address"] != "192.168.1.10" {
		t.Errorf("evidence %+v", ev)
	}
	if f := got[netip.MustParseAddr("127.0.0.3")][0].Fields; f["xmeye.channels"] != "8" {
		t.Errorf("evidence %v", f)
	}
}

// TestSweeper_Sweep_replyToDiscoveryPort: a device that answers to the
// discovery port rather than to the sender's port (as python-dvr and
// go2rtc expect, sending from 34569) is heard on the socket bound to it.
// The ListenPacket seam puts that socket on another loopback port, since
// the responder holds the test's discovery port.
func TestSweeper_Sweep_replyToDiscoveryPort(t *testing.T) {
	listener, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lport := listener.LocalAddr().(*net.UDPAddr).Port
	py := readFixture(t, "synth-python-dvr-netcommon.bin")
	port := scantest.ServeUDPTo(t, "127.0.0.2", 0, func(_ []byte, from *net.UDPAddr) ([][]byte, *net.UDPAddr) {
		return [][]byte{py}, &net.UDPAddr{IP: from.IP, Port: lport}
	})
	var asked []string
	listen := func(ctx context.Context, network, address string) (net.PacketConn, error) {
		asked = append(asked, address)
		if address == "0.0.0.0:"+strconv.Itoa(port) {
			return listener, nil
		}
		var lc net.ListenConfig
		return lc.ListenPacket(ctx, network, address)
	}
	s := scantest.Build(t, New, Config{Port: uint16(port), Window: 300 * time.Millisecond, Interfaces: noInterfaces, ListenPacket: listen})
	got := scantest.Collect(t, s, scantest.Scope{netip.MustParseAddr("127.0.0.2")}, &scantest.Pacer{})
	if len(got) != 1 || got[netip.MustParseAddr("127.0.0.2")][0].Fields["xmeye.serial"] != "c5f2a8e91d7b3046" {
		t.Errorf("evidence %v; sockets asked for %v", got, asked)
	}
}

func TestNew_defaults(t *testing.T) {
	if _, err := New(Config{Window: -1}); err == nil {
		t.Error("negative window accepted")
	}
	s := scantest.Build(t, New, Config{})
	if o := s.Options(); o.Port != Port || o.Window != DefaultWindow || s.Name() != "xmeye" {
		t.Errorf("config %+v", s.Options())
	}
}

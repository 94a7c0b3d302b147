package sadp

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// echoUUID renders the real capture with the inquiry's Uuid and the given
// serial.
func echoUUID(t *testing.T, serial string) func([]byte) [][]byte {
	capture := string(readFixture(t, "hikvision-ds-2cd2385g1-i.xml"))
	return func(req []byte) [][]byte {
		s := string(req)
		i, j := strings.Index(s, "<Uuid>"), strings.Index(s, "</Uuid>")
		if i < 0 || j < i {
			return nil
		}
		uuid := s[i+6 : j]
		r := strings.Replace(capture, "e8ecfe09-90e4-44c0-842b-703f46b58c81", uuid, 1)
		r = strings.Replace(r, "DS-2CD2385G1-I20200414AAWRE33842150", serial, 1)
		return [][]byte{[]byte(r)}
	}
}

func noInterfaces() ([]net.Interface, error) { return nil, nil }

func TestSweeper_Sweep_unicastReplies(t *testing.T) {
	port := scantest.ServeUDP(t, "127.0.0.2", 0, func(req []byte) [][]byte {
		r := echoUUID(t, "SERIAL-A")(req)
		return append(r, r...) // answered twice: emitted once
	})
	scantest.ServeUDP(t, "127.0.0.3", port, echoUUID(t, "SERIAL-B"))
	scantest.ServeUDP(t, "127.0.0.4", port, func([]byte) [][]byte { // another client's reply
		return [][]byte{readFixture(t, "hikvision-ds-2cd2385g1-i.xml")}
	})
	scantest.ServeUDP(t, "127.0.0.5", port, func([]byte) [][]byte { return [][]byte{[]byte("garbage")} })

	s := scantest.Build(t, New, Config{Port: uint16(port), Window: 300 * time.Millisecond, Interfaces: noInterfaces, NewUUID: func() string { return "test-uuid-1" }})
	got, n := scantest.SweepAddrs(t, s, "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6")
	if n != 5 {
		t.Errorf("pace.Wait called %d times, want 5 (one per packet)", n)
	}
	if len(got) != 2 {
		t.Fatalf("evidence from %d addresses, want 2: %v", len(got), got)
	}
	for addr, serial := range map[string]string{"127.0.0.2": "SERIAL-A", "127.0.0.3": "SERIAL-B"} {
		evs := got[netip.MustParseAddr(addr)]
		if len(evs) != 1 {
			t.Fatalf("%s: %d evidence items, want 1", addr, len(evs))
		}
		ev := evs[0]
		if ev.Source != device.SourceSADP || ev.Port != uint16(port) || ev.MAC != "" {
			t.Errorf("%s: evidence %+v", addr, ev)
		}
		if ev.Fields["sadp.device_sn"] != serial || ev.Fields["sadp.device_description"] != "DS-2CD2385G1-I" {
			t.Errorf("%s: fields %v", addr, ev.Fields)
		}
		// The reported address differs from the sender's: kept.
		if ev.Fields["sadp.ipv4_address"] != "192.168.124.40" || ev.Fields["sadp.ipv4_gateway"] != "192.168.124.1" {
			t.Errorf("%s: reported addresses lost: %v", addr, ev.Fields)
		}
	}
}

func TestNew_rejectsBadConfig(t *testing.T) {
	if _, err := New(Config{Window: -1}); err == nil {
		t.Error("negative window accepted")
	}
	if _, err := New(Config{Group: netip.MustParseAddr("192.0.2.1")}); err == nil {
		t.Error("unicast group accepted")
	}
}

func TestNewUUID(t *testing.T) {
	u := NewUUID()
	if len(u) != 36 || u[14] != '4' || strings.ToLower(u) != u || u == NewUUID() {
		t.Errorf("NewUUID() = %q", u)
	}
}

package dhip

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// readFixture reads testdata/dhip/<name>.
var readFixture = scantest.Fixtures("dhip")

func TestParseDHIP_realCapture(t *testing.T) {
	// The header says 0x2ef bytes of body; the body is 0x2ee: lengths lie.
	d := scantest.MustParse(t, ParseDHIP, readFixture(t, "dahua-ipc-hdw1431t1-s4.bin"))
	scantest.GoldenFields(t, "dahua-ipc-hdw1431t1-s4.bin", d.Fields())
}

func TestParseDHIP_generalNVR(t *testing.T) {
	d := scantest.MustParse(t, ParseDHIP, readFixture(t, "universalscanner-general-nvr.bin"))
	f := d.Fields()
	scantest.WantFields(t, f, map[string]string{
		"dhip.vendor": "General", "dhip.device_class": "NVR", "dhip.serial_no": "123456789",
		"dhip.ipv6_address": "fe80::1/64", "dhip.ipv4_dhcp": "false", "dhip.version": "3.216.0000000.0",
		"dhip.remote_video_input_channels": "0", "dhip.video_output_channels": "1",
	})
	if _, ok := f["dhip.manufacturer"]; ok {
		t.Error("absent Manufacturer emitted")
	}
}

func TestParseDHIP_lyingFrames(t *testing.T) {
	real := readFixture(t, "dahua-ipc-hdw1431t1-s4.bin")
	body := real[HeaderSize:]
	lie := func(n uint32) []byte {
		b := slices.Clone(real)
		for _, off := range []int{16, 24} {
			b[off], b[off+1], b[off+2], b[off+3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
		}
		return b
	}
	for name, in := range map[string][]byte{
		"length zero":     lie(0),
		"length huge":     lie(0xffffffff),
		"trailing bytes":  append(slices.Clone(real), "garbage\x00\x00{}"...),
		"no tail":         Frame(bytes.TrimRight(body, "\n\x00")),
		"header size lie": append([]byte{0xff, 0, 0, 0}, real[4:]...),
	} {
		d, err := ParseDHIP(in)
		if err != nil || d.SerialNo != "6C01E93PAG69A7D" {
			t.Errorf("%s: %+v, %v", name, d, err)
		}
	}
	for name, in := range map[string][]byte{
		"empty":          nil,
		"header only":    real[:HeaderSize],
		"short":          real[:20],
		"no magic":       append([]byte("\x20\x00\x00\x00DHIQ"), real[8:]...),
		"missing JSON":   Frame([]byte("\n\x00")),
		"truncated JSON": real[:200],
		"our search":     Search(),
		"not an object":  Frame([]byte(`[1,2]`)),
		"huge":           Frame(make([]byte, maxMessage)),
	} {
		if _, err := ParseDHIP(in); !errors.Is(err, ErrNotDHIP) {
			t.Errorf("%s: err %v, want ErrNotDHIP", name, err)
		}
	}
}

func TestSearch_bytes(t *testing.T) {
	// DahuaConsole: p64(0x2000000044484950, big) + p64(0) + p32(len) + p32(0) + p32(len) + p32(0).
	//   20 00 00 00 44 48 49 50  00 00 00 00 00 00 00 00
	//   3a 00 00 00 00 00 00 00  3a 00 00 00 00 00 00 00
	want, _ := hex.DecodeString("200000004448495000000000000000003a000000000000003a00000000000000")
	got := Search()
	if !bytes.Equal(got[:HeaderSize], want) {
		t.Errorf("header % x\nwant   % x", got[:HeaderSize], want)
	}
	if string(got[HeaderSize:]) != SearchBody || len(SearchBody) != 0x3a {
		t.Errorf("body %q", got[HeaderSize:])
	}
}

func FuzzParseDHIP(f *testing.F) {
	f.Add(readFixture(f, "dahua-ipc-hdw1431t1-s4.bin"))
	f.Add(readFixture(f, "universalscanner-general-nvr.bin"))
	f.Add(Search())
	// Real replies of the corpus (testdata/real/dhip: a hybrid DVR with
	// remote channels, an access terminal), framed as on the wire.
	for _, n := range []string{"intelbras-mhdx-1016-json-only.bin", "intelbras-ss-3530-mf-face-w-json-only.bin"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "real", "dhip", n)); err == nil {
			f.Add(Frame(b))
		}
	}
	f.Add(Frame([]byte(`{"params":{"deviceInfo":{"IPv4Address":[],"IPv6Address":null,"SerialNo":{}}}}`)))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDHIP(b)
		if err != nil {
			if !errors.Is(err, ErrNotDHIP) {
				t.Fatalf("error %v is not ErrNotDHIP", err)
			}
			return
		}
		for k, v := range d.Fields() {
			if v == "" || !strings.HasPrefix(k, "dhip.") {
				t.Fatalf("field %q=%q", k, v)
			}
		}
	})
}

// --- the sweeper against UDP responders on loopback ---

func TestSweeper_Sweep_unicastReplies(t *testing.T) {
	real := readFixture(t, "dahua-ipc-hdw1431t1-s4.bin")
	search := Search()
	port := scantest.ServeUDP(t, "127.0.0.2", 0, func(req []byte) [][]byte {
		if !bytes.Equal(req, search) {
			return nil
		}
		return [][]byte{real, real}
	})
	scantest.ServeUDP(t, "127.0.0.3", port, func([]byte) [][]byte { return [][]byte{readFixture(t, "universalscanner-general-nvr.bin")} })
	scantest.ServeUDP(t, "127.0.0.4", port, func(req []byte) [][]byte { return [][]byte{req} }) // an echo is not a reply
	s := scantest.Build(t, New, Config{Port: uint16(port), Window: 300 * time.Millisecond, Interfaces: func() ([]net.Interface, error) { return nil, nil }})
	got, n := scantest.SweepAddrs(t, s, "127.0.0.2", "127.0.0.3", "127.0.0.4", "::1")
	if n != 3 {
		t.Errorf("pace.Wait called %d times, want 3 (IPv4 targets only)", n)
	}
	if len(got) != 2 || len(got[netip.MustParseAddr("127.0.0.2")]) != 1 {
		t.Fatalf("evidence %v", got)
	}
	ev := got[netip.MustParseAddr("127.0.0.2")][0]
	if ev.Source != device.SourceDHIP || ev.Fields["dhip.serial_no"] != "6C01E93PAG69A7D" || ev.Fields["dhip.ipv4_address"] != "192.168.124.17" || ev.MAC != "" {
		t.Errorf("evidence %+v", ev)
	}
	if got[netip.MustParseAddr("127.0.0.3")][0].Fields["dhip.vendor"] != "General" {
		t.Errorf("evidence %+v", got[netip.MustParseAddr("127.0.0.3")])
	}
}

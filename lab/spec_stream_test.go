package lab

import (
	"net/netip"
	"strings"
	"testing"
)

// TestParseSpec_recorder: records and stream_kbps (lab/emulator/stream.go)
// need announce: true, addresses in the lab range and a bit rate in range;
// a valid recorder hands its cameras to the emulator.
func TestParseSpec_recorder(t *testing.T) {
	for _, tc := range []struct{ new, want string }{
		{"    server: webserver\n    records: [198.18.20.22]", `device "cam": records and stream_kbps need announce: true`},
		{"    server: webserver\n    announce: true\n    stream_kbps: -1", `stream_kbps -1 of device "cam": want 1 to 1000000`},
		{"    server: webserver\n    announce: true\n    records: [10.0.0.1]", `records "10.0.0.1" of device "cam": want at most 16 IPv4 addresses in 198.18.0.0/15`},
	} {
		_, err := ParseSpec("lab.yaml", []byte(strings.Replace(baseSpec, "    server: webserver", tc.new, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	s, err := ParseSpec("lab.yaml", []byte(strings.Replace(baseSpec, "    server: webserver",
		"    server: webserver\n    password: p\n    announce: true\n    stream_kbps: 2000\n    records: [198.18.20.22]", 1)))
	if err != nil {
		t.Fatal(err)
	}
	d := s.Devices[0].emulatorDevice()
	if len(d.Records) != 1 || d.Records[0] != netip.MustParseAddr("198.18.20.22") || d.StreamKbps != 2000 || !d.Announce {
		t.Errorf("emulator device: records %v, stream_kbps %d, announce %v", d.Records, d.StreamKbps, d.Announce)
	}
}

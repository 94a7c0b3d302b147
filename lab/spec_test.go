package lab

import (
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/lab/emulator"
)

// baseSpec is valid; the cases below break one line of it. Line numbers in
// the expected errors refer to this text.
const baseSpec = `prefix: cswt-
segments:
  - name: primary
    cidr: 198.18.10.0/24
    gateway: 198.18.10.1
    zone: {name: p, kind: primary}
  - name: cctv
    cidr: 198.18.20.0/24
    gateway: 198.18.20.1
    zone: {name: c, kind: isolated}
jump: {segment: primary, address: 198.18.10.2}
devices:
  - name: cam
    segment: primary
    profile: hikvision-camera
    address: 198.18.10.21
    mac: 44:a6:42:00:00:01
    serial: DS-X
    realm: C2875
    server: webserver
  - name: dh
    segment: cctv
    profile: dahua-camera
    address: 198.18.20.22
    mac: 08:ed:ed:00:00:02
    serial: 4K01FD2PAJ6E3FF
`

func TestParseSpec_valid(t *testing.T) {
	s, err := ParseSpec("lab.yaml", []byte(baseSpec))
	if err != nil {
		t.Fatal(err)
	}
	if s.Prefix != "cswt-" || len(s.Segments) != 2 || len(s.Devices) != 2 || s.Devices[1].Serial != "4K01FD2PAJ6E3FF" {
		t.Errorf("%+v", s)
	}
	want := []string{"cswt-router", "cswt-jump", "cswt-sw-primary", "cswt-sw-cctv", "cswt-d-cam", "cswt-d-dh"}
	if got := s.Namespaces(); !reflect.DeepEqual(got, want) {
		t.Errorf("namespaces %v", got)
	}
}

func TestParseSpec_errors(t *testing.T) {
	for _, tc := range []struct{ old, new, want string }{
		{"address: 198.18.10.21", "address: 198.51.100.5", `lab.yaml:16: address "198.51.100.5" is outside 198.18.0.0/15`},
		{"address: 198.18.10.21", "address: 198.18.20.21", `lab.yaml:16: address "198.18.20.21" is outside its segment 198.18.10.0/24`},
		{"address: 198.18.10.21", "address: 198.18.10.255", `lab.yaml:16: address "198.18.10.255" is the network or broadcast address of 198.18.10.0/24`},
		{"address: 198.18.10.21", "address: cam.local", `lab.yaml:16: address "cam.local": want an IPv4 address`},
		{"address: 198.18.20.22", "address: 198.18.20.1", `lab.yaml:24: duplicate address "198.18.20.1" (also gateway of cctv)`},
		{"address: 198.18.10.21", "address: 198.18.10.2", `lab.yaml:16: duplicate address "198.18.10.2" (also jump)`},
		{"mac: 08:ed:ed:00:00:02", "mac: 44:A6:42:00:00:01", `lab.yaml:25: duplicate mac "44:A6:42:00:00:01" (also device "cam")`},
		{"mac: 44:a6:42:00:00:01", "mac: 44:a6:42:00:00", `lab.yaml:17: mac "44:a6:42:00:00": want six colon-separated hex bytes`},
		{"mac: 44:a6:42:00:00:01", "mac: 01:00:5e:00:00:01", `lab.yaml:17: mac "01:00:5e:00:00:01" is not a unicast address`},
		{"name: dh", "name: cam", `lab.yaml:21: duplicate device name "cam"`},
		{"name: cam", "name: a-very-long-camera", `lab.yaml:13: device name "a-very-long-camera": want 1 to 15 lower-case letters, digits or "-", starting with a letter`},
		{"name: cam", "name: Cam", `lab.yaml:13: device name "Cam": want 1 to 15 lower-case letters, digits or "-", starting with a letter`},
		{"profile: hikvision-camera", "profile: no-such-profile", `lab.yaml:15: unknown profile "no-such-profile" (want one of ` + strings.Join(emulator.Profiles(), ", ") + `)`},
		{"prefix: cswt-", "prefix: camsweeptest-", `lab.yaml:1: prefix "camsweeptest-": want 2 to 7 lower-case letters or digits and a final "-" (e.g. "csw-")`},
		{"prefix: cswt-", "prefix: ''", `lab.yaml:1: prefix "": want 2 to 7 lower-case letters or digits and a final "-" (e.g. "csw-")`},
		{"  - name: cctv", "  - name: cctvsegment1", `lab.yaml:7: segment name "cctvsegment1": want 1 to 10 lower-case letters or digits`},
		{"  - name: cctv", "  - name: primary", `lab.yaml:7: duplicate segment name "primary"`},
		{"cidr: 198.18.20.0/24", "cidr: 198.51.100.0/24", `lab.yaml:8: cidr "198.51.100.0/24" is outside 198.18.0.0/15`},
		{"cidr: 198.18.20.0/24", "cidr: 198.18.10.0/25", `lab.yaml:8: cidr "198.18.10.0/25" overlaps segment "primary"`},
		{"cidr: 198.18.20.0/24", "cidr: 198.18.20.1/24", `lab.yaml:8: cidr "198.18.20.1/24": want an IPv4 network such as 198.18.10.0/24`},
		{"cidr: 198.18.20.0/24", "cidr: 198.16.0.0/14", `lab.yaml:8: cidr "198.16.0.0/14" is outside 198.18.0.0/15`},
		{"kind: isolated", "kind: dmz", `lab.yaml:10: zone kind "dmz": want primary or isolated`},
		{"name: c,", "name: p,", `lab.yaml:10: zone name "p": want a unique, non-empty name`},
		{"segment: primary, address", "segment: office, address", `lab.yaml:11: jump segment "office" is not a segment`},
		{"    segment: cctv", "    segment: dmz", `lab.yaml:22: segment "dmz" of device "dh" is not a segment`},
		{"realm: C2875", "realm: C28", `lab.yaml:19: realm "C28" of device "cam": want the 5-character token of "IP Camera(XXXXX)"`},
		{"server: webserver", "server: nginx", `lab.yaml:20: server "nginx" of device "cam": want webserver or App-webs/`},
		{"    serial: 4K01FD2PAJ6E3FF", "    serial: 4K01\"FD2", `lab.yaml:26: serial "4K01\"FD2": want up to 64 letters, digits, spaces or ._/()+-`},
		{"    serial: 4K01FD2PAJ6E3FF", "    serial: ''", `lab.yaml:26: serial "" of device "dh": Dahua realms are "Login to <serial>"`},
		{"profile: dahua-camera\n    address: 198.18.20.22\n    mac: 08:ed:ed:00:00:02\n    serial: 4K01FD2PAJ6E3FF", "profile: xiongmai-dvr\n    address: 198.18.20.22\n    mac: 08:ed:ed:00:00:02\n    serial: 3a6f 0c9e",
			`lab.yaml:26: serial "3a6f 0c9e" of device "dh": the XMEye reply's SN needs one, without spaces`},
		{"    serial: 4K01FD2PAJ6E3FF", "    realm: C2875\n    serial: X", `lab.yaml:26: realm "C2875": only hikvision-camera devices take a realm`},
		{"    server: webserver", "    server: webserver\n    onvif_auth: digest", `lab.yaml:21: onvif_auth: device "cam" needs a password for HTTP Digest to accept`},
		{"    server: webserver", "    server: webserver\n    password: x\n    onvif_auth: basic", `lab.yaml:22: onvif_auth "basic" of device "cam": want "digest" or nothing`},
		{"    serial: DS-X", "    serail: DS-X", `lab.yaml:18: unknown field "serail"`},
		{"    serial: DS-X", "    serial: [DS-X]", "lab.yaml:18: cannot unmarshal !!seq into string"},
		{baseSpec, "# nothing\n", "lab.yaml:1: empty spec"},
	} {
		data := strings.Replace(baseSpec, tc.old, tc.new, 1)
		if data == baseSpec {
			t.Fatalf("case %q does not change the spec", tc.want)
		}
		_, err := ParseSpec("lab.yaml", []byte(data))
		var se *SpecError
		if !errors.As(err, &se) {
			t.Errorf("%s: got %v, want a *SpecError", tc.want, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("error\n got %s\nwant %s", err, tc.want)
		}
	}
}

// A YAML syntax error keeps the parser's own line, which for an unclosed
// flow sequence is where the sequence opened (yaml.v3 counts that line from
// zero, hence 16 or 17).
func TestParseSpec_syntaxError(t *testing.T) {
	data := strings.Replace(baseSpec, "mac: 44:a6:42:00:00:01", "mac: [44:a6:42:00:00:01", 1)
	_, err := ParseSpec("lab.yaml", []byte(data))
	var se *SpecError
	if !errors.As(err, &se) || se.File != "lab.yaml" || (se.Line != 16 && se.Line != 17) || !strings.Contains(se.Msg, "did not find expected") {
		t.Errorf("got %v", err)
	}
}

func TestDefaultSpec(t *testing.T) {
	s, err := DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	if s.Prefix != "csw-" || s.JumpNS() != "csw-jump" {
		t.Errorf("prefix %q", s.Prefix)
	}
	// Real vendor OUIs (docs/protocols/arp-oui.md §9) for the cameras.
	for name, oui := range map[string]string{
		"hik-cam": "44:a6:42", "dahua-cam": "08:ed:ed", "axis-cam": "ac:cc:8e",
		"cctv-hik": "c4:2f:90", "cctv-dahua": "3c:ef:8c",
	} {
		d, ok := s.Device(name)
		if !ok || !strings.HasPrefix(d.MAC, oui) {
			t.Errorf("%s: %+v", name, d)
		}
	}
	// The spec written to the state dir reads back the same.
	data, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSpec("spec.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, back) {
		t.Errorf("round trip\n got %+v\nwant %+v", back, s)
	}
	for _, d := range s.Devices {
		if _, err := net.ParseMAC(d.MAC); err != nil {
			t.Error(err)
		}
	}
}

func TestZones(t *testing.T) {
	s, err := DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Zones(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `zones:
  - name: lab-primary
    kind: primary
    cidrs: [198.18.10.0/24]
  - name: lab-cctv
    kind: isolated
    cidrs: [198.18.20.0/24]
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

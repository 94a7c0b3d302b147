package lab

import (
	"errors"
	"strings"
	"testing"
)

const hostSpec = `prefix: cswx-
segments:
  - {name: primary, cidr: 198.18.100.0/22, gateway: 198.18.100.1, zone: {name: p, kind: primary}}
jump: {segment: primary, address: 198.18.100.2}
devices:
  - {name: cam, segment: primary, profile: axis-camera, address: 198.18.100.10, mac: "ac:cc:8e:00:00:01"}
  - {name: pc-1, segment: primary, profile: office-pc, address: 198.18.100.11, mac: "00:1b:21:00:00:01", host: pcs}
  - {name: pc-2, segment: primary, profile: office-pc, address: 198.18.101.12, mac: "00:1b:21:00:00:02", host: pcs}
`

func TestParseSpec_sharedHost(t *testing.T) {
	s, err := ParseSpec("lab.yaml", []byte(hostSpec))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cswx-router", "cswx-jump", "cswx-sw-primary", "cswx-d-cam", "cswx-h-pcs"}
	if got := s.Namespaces(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Namespaces() = %v, want %v", got, want)
	}
	us := s.serveUnits()
	if len(us) != 2 || us[1] != (serveUnit{"pcs", "cswx-h-pcs"}) {
		t.Errorf("serveUnits() = %v", us)
	}
	sc := s.hostScript("pcs")
	for _, w := range []string{
		"link add m1 link eth0 address 00:1b:21:00:00:02 type macvlan mode bridge",
		"addr add 198.18.101.12/22 dev m1",
		"rule add from 198.18.101.12 lookup 1001",
		"route add default via 198.18.100.1 dev m1 table 1001",
	} {
		if !strings.Contains(sc, w) {
			t.Errorf("hostScript lacks %q:\n%s", w, sc)
		}
	}
}

func TestParseSpec_sharedHostErrors(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"profile: axis-camera, address: 198.18.100.10, mac: \"ac:cc:8e:00:00:01\"}", "profile: axis-camera, address: 198.18.100.10, mac: \"ac:cc:8e:00:00:01\", host: pcs}", `lab.yaml:6: device "cam": profile "axis-camera" cannot share a host`},
		{"host: pcs}\n  - {name: pc-2", "host: cam}\n  - {name: pc-2", `lab.yaml:7: host "cam" is also a device name`},
	} {
		_, err := ParseSpec("lab.yaml", []byte(strings.Replace(hostSpec, tc.from, tc.to, 1)))
		var se *SpecError
		if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("err = %v, want prefix %q", err, tc.want)
		}
	}
}

package lab

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/lab/emulator"
)

// hostileSpec is baseSpec with an ARP forger and an SSDP hijacker; the
// cases below break one line of it.
const hostileSpec = baseSpec + `  - name: forger
    segment: primary
    profile: hostile-arp
    address: 198.18.10.31
    mac: 02:48:00:00:00:31
    claims: 198.18.10.192/26
    claim_macs: 12
  - name: hijack
    segment: primary
    profile: hostile-ssdp
    address: 198.18.10.38
    mac: 02:48:00:00:00:38
    peers: [198.18.10.21]
`

func TestParseSpec_hostile(t *testing.T) {
	s, err := ParseSpec("lab.yaml", []byte(hostileSpec))
	if err != nil {
		t.Fatal(err)
	}
	f, _ := s.Device("forger")
	ed := f.emulatorDevice()
	if ed.Claims != netip.MustParsePrefix("198.18.10.192/26") || ed.ClaimMACs != 12 {
		t.Errorf("forger: claims %v, %d MACs", ed.Claims, ed.ClaimMACs)
	}
	h, _ := s.Device("hijack")
	if p := h.emulatorDevice().Peers; len(p) != 1 || p[0] != netip.MustParseAddr("198.18.10.21") {
		t.Errorf("hijack: peers %v", p)
	}
	// What the spec says is what the emulators read back (lab up writes
	// spec.yaml, lab serve reads it).
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseSpec("spec.yaml", out); err != nil {
		t.Errorf("marshalled spec: %v\n%s", err, out)
	}
	for _, p := range emulator.HostileProfiles() {
		if !emulator.KnownProfile(p) {
			t.Errorf("%s not a profile", p)
		}
	}
}

func TestParseSpec_hostileErrors(t *testing.T) {
	for _, tc := range []struct{ old, new, want string }{
		{"claims: 198.18.10.192/26", "claims: 198.18.20.0/26", `lab.yaml:32: claims "198.18.20.0/26" of device "forger": outside its segment 198.18.10.0/24`},
		{"claims: 198.18.10.192/26", "claims: 198.18.10.0/25", `lab.yaml:32: claims "198.18.10.0/25" of device "forger": holds 198.18.10.1 of gateway of primary (claim unused addresses only)`},
		{"claims: 198.18.10.192/26", "claims: 198.18.10.193/26", `lab.yaml:32: claims "198.18.10.193/26" of device "forger": want an IPv4 prefix`},
		{"claims: 198.18.10.192/26", "claims: nonsense", `lab.yaml:32: claims "nonsense"`},
		{"    claims: 198.18.10.192/26\n", "", `lab.yaml:27: claims "" of device "forger"`},
		{"claim_macs: 12", "claim_macs: 65", `lab.yaml:33: claim_macs 65 of device "forger": want 1 to 64`},
		{"claim_macs: 12", "claim_macs: -1", `lab.yaml:33: claim_macs -1`},
		{"peers: [198.18.10.21]", "peers: [198.51.100.7]", `lab.yaml:39: peer "198.51.100.7" of device "hijack": want an IPv4 address in 198.18.0.0/15`},
		{"    peers: [198.18.10.21]\n", "", `device "hijack" needs peers`},
		{"profile: hostile-ssdp", "profile: hostile-tarpit", `lab.yaml:39: peers: only hostile-widener and hostile-ssdp devices name peers`},
		{"profile: hostile-arp", "profile: hostile-tarpit", `only hostile-arp devices claim addresses`},
		{"profile: hikvision-camera", "profile: hikvision-camera\n    claims: 198.18.10.192/26", `claims "198.18.10.192/26": only hostile-arp devices claim addresses`},
		{"    peers: [198.18.10.21]\n", "    peers: [198.18.10.21]\n    host: box\n", `a hostile device needs a namespace of its own`},
	} {
		if !strings.Contains(hostileSpec, tc.old) {
			t.Fatalf("case %q: not in the spec", tc.old)
		}
		_, err := ParseSpec("lab.yaml", []byte(strings.Replace(hostileSpec, tc.old, tc.new, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q -> %q: error %v, want %q", tc.old, tc.new, err, tc.want)
		}
	}
}

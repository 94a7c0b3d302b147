package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseZones_unknownKindFailsClosed: a mistyped kind used to be taken
// as a user-defined non-primary kind, so a covered camera in a sensitive
// zone of kind "primray" raised no finding. Now an undeclared kind, and an
// unknown key, are refused with file, line and token.
func TestParseZones_unknownKindFailsClosed(t *testing.T) {
	tests := []struct{ src, want string }{
		{"zones:\n  - {name: core, kind: primray, sensitive: true, cidrs: [10.0.0.0/8]}\n",
			`z.yaml:2: unknown kind "primray" in zone "core" (did you mean primary? want primary, isolated, guest, dmz, or a kind declared under kinds:)`},
		{"zones:\n  - name: cctv\n    kind: isloated\n    cidrs: [10.0.0.0/8]\n",
			`z.yaml:3: unknown kind "isloated" in zone "cctv" (did you mean isolated?`},
		{"zones:\n  - {name: lab, kind: lab, cidrs: [10.0.0.0/8]}\n",
			`z.yaml:2: unknown kind "lab" in zone "lab" (want primary`},
		{"zones:\n  - {name: core, kind: primary, cidrs: [10.0.0.0/8], sensitve: true}\n",
			`z.yaml:2: unknown key "sensitve" in zone`},
		{"kinds: [lab]\nzone:\n  - {name: a, kind: lab, cidrs: [10.0.0.0/8]}\n",
			`z.yaml:2: unknown key "zone" in zones file`},
		{"kinds: [primray]\nzones:\n  - {name: a, kind: primray, cidrs: [10.0.0.0/8]}\n",
			`z.yaml:1: kind "primray" in kinds looks like a typo of primary`},
		{"kinds: [primary]\nzones:\n  - {name: a, kind: primary, cidrs: [10.0.0.0/8]}\n",
			`z.yaml:1: kind "primary" in kinds is built in`},
		{"kinds: [lab, lab]\nzones:\n  - {name: a, kind: lab, cidrs: [10.0.0.0/8]}\n",
			`z.yaml:1: kind "lab" twice in kinds`},
		{"kinds: lab\nzones:\n  - {name: a, kind: lab, cidrs: [10.0.0.0/8]}\n",
			`z.yaml:1: kinds`},
	}
	for _, tt := range tests {
		_, err := ParseZones("z.yaml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseZones(%q)\n got error: %v\nwant it to contain: %s", tt.src, err, tt.want)
		}
	}
}

// TestParseZones_declaredKinds: kinds listed under kinds: are usable and
// non-primary; the built-in kinds need no declaration.
func TestParseZones_declaredKinds(t *testing.T) {
	z, err := ParseZones("z.yaml", []byte("kinds: [lab, OT]\nzones:\n  - {name: a, kind: lab, cidrs: [10.1.0.0/16]}\n  - {name: b, kind: ot, cidrs: [10.2.0.0/16]}\n  - {name: c, kind: guest, cidrs: [10.3.0.0/16]}\n  - {name: d, kind: dmz, cidrs: [10.4.0.0/16]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, zone := range z.Zones() {
		kinds = append(kinds, zone.Kind)
	}
	if got := strings.Join(kinds, ","); got != "lab,ot,guest,dmz" {
		t.Errorf("kinds %s", got)
	}
}

// TestLoadZones_sizeLimit: a zones file is read with a bound; /dev/zero
// and a file over the bound are errors, not an unbounded read.
func TestLoadZones_sizeLimit(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err := LoadZones("/dev/zero")
		if err == nil || !strings.Contains(err.Error(), "/dev/zero: larger than 16 MiB") {
			t.Errorf("LoadZones(/dev/zero): %v", err)
		}
	}
	p := filepath.Join(t.TempDir(), "big.yaml")
	big := "zones:\n  - {name: a, kind: primary, cidrs: [10.0.0.0/8]}\n" + strings.Repeat("#", MaxZonesFile)
	if err := os.WriteFile(p, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadZones(p); err == nil || !strings.Contains(err.Error(), "larger than 16 MiB") {
		t.Errorf("LoadZones(%d bytes): %v", len(big), err)
	}
	if err := os.WriteFile(p, []byte(big[:MaxZonesFile]), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadZones(p); err != nil {
		t.Errorf("LoadZones(exactly %d bytes): %v", MaxZonesFile, err)
	}
}

// FuzzParseZones: no input panics; a file that parses has at least one
// zone, every kind is built in or declared, and every prefix is masked.
func FuzzParseZones(f *testing.F) {
	f.Add("zones:\n  - {name: core, kind: primary, sensitive: true, cidrs: [10.20.0.0/16]}\n  - {name: cctv, kind: isolated, cidrs: [10.99.0.0/24], vlans: [99]}\n")
	f.Add("kinds: [lab]\nzones:\n  - {name: a, kind: lab, cidrs: [10.0.0.0/8, 10.1.0.0/16]}\n")
	f.Add("zones:\n  - {name: a, kind: primray, cidrs: [10.0.0.0/8]}\n")
	f.Add("zones:\n  - name: a\n    kind: primary\n    cidrs: ['::/0', 192.0.2.1]\n    vlans: ['4094']\n")
	f.Fuzz(func(t *testing.T, in string) {
		z, err := ParseZones("f.yaml", []byte(in))
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.yaml:") {
					t.Fatalf("error line without file:line: %q", line)
				}
			}
			return
		}
		if len(z.Zones()) == 0 {
			t.Fatal("no zones")
		}
		for _, zone := range z.Zones() {
			if !kindRe.MatchString(zone.Kind) || nearKind(zone.Kind) != "" {
				t.Fatalf("kind %q accepted", zone.Kind)
			}
		}
		for _, p := range z.prefixes {
			if p.p.Masked() != p.p {
				t.Fatalf("prefix %v has host bits", p.p)
			}
		}
	})
}

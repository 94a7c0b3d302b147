package protocols

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/scanner"
)

// fieldsDoc reads the keys of vendors/FIELDS.md's rows.
func fieldsDoc(t *testing.T) map[string]bool {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "vendors", "FIELDS.md"))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_.]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		keys[m[1]] = true
	}
	if len(keys) < 50 {
		t.Fatalf("vendors/FIELDS.md: only %d field rows read; has the table's layout changed?", len(keys))
	}
	return keys
}

// TestList_methodIsEvidenceSource: every entry of the list is named once,
// builds a sweeper or prober of its kind whose Name is the entry's
// Source, and that name is the prefix of its fields in vendors/FIELDS.md:
// one spelling for the method, the record's evidence and the rules. A new
// protocol that names its method one way and its fields another fails
// here.
func TestList_methodIsEvidenceSource(t *testing.T) {
	keys := fieldsDoc(t)
	prefixes := map[string]bool{}
	for k := range keys {
		p, _, _ := strings.Cut(k, ".")
		prefixes[p] = true
	}
	// Raw, so that ARP is built too (nothing is opened before Sweep).
	c := Config{WireConfig: scanner.WireConfig{Timeout: time.Second, Log: zerolog.Nop(), Raw: true}}
	if len(list) < 15 {
		t.Fatalf("only %d protocols listed", len(list))
	}
	seen := map[string]bool{}
	for _, p := range list {
		name := string(p.Source)
		if seen[name] {
			t.Errorf("protocol %q listed twice", name)
		}
		seen[name] = true
		if !prefixes[name] {
			t.Errorf("protocol %q: vendors/FIELDS.md lists no %s.* field; its name and its evidence's source differ", name, name)
		}
		if strings.TrimSpace(p.Help) == "" || strings.Contains(p.Help, "\n") {
			t.Errorf("protocol %q: help %q, want one line", name, p.Help)
		}
		var built string
		var kinds int
		if p.Sweeper != nil {
			kinds++
			x, err := p.Sweeper(c)
			if err != nil || x == nil {
				t.Fatalf("protocol %q: %v, %v", name, x, err)
			}
			built = x.Name()
			if p.Kind != KindSweeper {
				t.Errorf("protocol %q: a sweeper listed as %s", name, p.Kind)
			}
		}
		if p.Host != nil {
			kinds++
			x, err := p.Host(c)
			if err != nil || x == nil {
				t.Fatalf("protocol %q: %v, %v", name, x, err)
			}
			built = x.Name()
			if p.Kind != KindHost {
				t.Errorf("protocol %q: a host prober listed as %s", name, p.Kind)
			}
		}
		if p.Port != nil {
			kinds++
			x, err := p.Port(c)
			if err != nil || x == nil {
				t.Fatalf("protocol %q: %v, %v", name, x, err)
			}
			built = x.Name()
			if p.Kind != KindPort {
				t.Errorf("protocol %q: a port prober listed as %s", name, p.Kind)
			}
		}
		if kinds != 1 {
			t.Errorf("protocol %q has %d constructors, want 1", name, kinds)
		}
		if built != name {
			t.Errorf("protocol listed as %q builds %q", name, built)
		}
		if d := p.Datagram; d != nil && (d.Port == 0 || d.Decode == nil) {
			t.Errorf("protocol %q: datagram without port or decoder", name)
		}
		for _, k := range p.AddressFields {
			if !strings.HasPrefix(k, name+".") || !keys[k] {
				t.Errorf("protocol %q: address field %q is not one of its vendors/FIELDS.md rows", name, k)
			}
		}
	}
}

// TestList_passivePortsDistinct: passive listening tells a datagram's
// protocol by its port, so no two protocols it reads may share one.
func TestList_passivePortsDistinct(t *testing.T) {
	by := map[uint16]string{}
	for _, p := range list {
		if p.Datagram == nil || !p.Datagram.Passive {
			continue
		}
		if o, ok := by[p.Datagram.Port]; ok {
			t.Errorf("port %d read passively as %s and %s", p.Datagram.Port, o, p.Source)
		}
		by[p.Datagram.Port] = string(p.Source)
	}
	if len(by) != 6 {
		t.Errorf("%d protocols read passively, want 6 (wsd sadp dhip xmeye mdns ssdp): %v", len(by), by)
	}
}

// fixtures are the recorded datagrams of testdata/ (testdata/README.md)
// that each Datagram protocol's decoder reads.
var fixtures = map[string][]string{
	"wsd":       {"wsd/amcrest-ip2m-841b.xml", "wsd/axis-m2036-le.xml", "wsd/dahua-ipc-hfw2228m-i1-v2-hello.xml", "wsd/hikvision-ds-2cd2385g1-i.xml", "wsd/hikvision-ds-2cd3955fwd-iws.xml"},
	"sadp":      {"sadp/hikvision-ds-2cd2385g1-i.xml", "sadp/universalscanner-virtual-crlf.xml"},
	"dhip":      {"dhip/dahua-ipc-hdw1431t1-s4.bin", "dhip/universalscanner-general-nvr.bin"},
	"dvrip5050": {"dvrip/universalscanner-dahua1.bin"},
	"xmeye":     {"xmeye/synth-go2rtc-dvr.bin", "xmeye/synth-python-dvr-netcommon.bin"},
	"mdns":      {"mdns/axis-m5014.bin", "mdns/hikvision-ds-2cd2722fwd-izs.bin"},
	"ssdp":      {"ssdp/axis-msearch-response.txt", "ssdp/universalscanner-notify.txt"},
}

// unrecorded are address fields no fixture carries: the recorded SADP
// replies have no IPv6 configured (sadp/parse.go emits both keys).
var unrecorded = map[string]bool{"sadp.ipv6_address": true, "sadp.ipv6_gateway": true}

// TestDatagram_decodesFixtures: each Datagram protocol's decoder reads its
// recorded replies into evidence of its own Source from the sender, with
// fields of its own prefix, and the fixtures together show every one of
// its AddressFields but those no recording carries (unrecorded): a field
// renamed in the parser and not in AddressFields fails here.
func TestDatagram_decodesFixtures(t *testing.T) {
	from := netip.MustParseAddrPort("192.0.2.10:40000")
	ts := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	for _, p := range list {
		if p.Datagram == nil {
			continue
		}
		name := string(p.Source)
		files := fixtures[name]
		if len(files) == 0 {
			t.Errorf("%s: no fixture listed", name)
			continue
		}
		seen := map[string]bool{}
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", f))
			if err != nil {
				t.Fatal(err)
			}
			evs, err := p.Datagram.Decode(b, from, "passive", ts)
			if err != nil || len(evs) == 0 {
				t.Errorf("%s: %s: %d evidence, %v", name, f, len(evs), err)
				continue
			}
			for _, ev := range evs {
				if ev.Source != p.Source || ev.Addr != from.Addr() || ev.Port != from.Port() {
					t.Errorf("%s: %s: evidence %s from %s:%d", name, f, ev.Source, ev.Addr, ev.Port)
				}
				for k := range ev.Fields {
					if !strings.HasPrefix(k, name+".") {
						t.Errorf("%s: %s: field %q", name, f, k)
					}
					seen[k] = true
				}
			}
		}
		for _, k := range p.AddressFields {
			if !seen[k] && !unrecorded[k] {
				t.Errorf("%s: no fixture shows address field %s", name, k)
			}
		}
	}
}

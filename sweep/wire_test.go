package sweep

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/scanner"
)

// TestWire_methodIsEvidenceSource: every method of the list in
// methods.go is named once, builds a sweeper or prober of its kind whose
// Name is the list's, and that name is the Source of its evidence, the
// prefix of its fields in vendors/FIELDS.md: one spelling for the method,
// the record's evidence and the rules. A new protocol that names its
// method one way and its fields another fails here.
func TestWire_methodIsEvidenceSource(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "vendors", "FIELDS.md"))
	if err != nil {
		t.Fatal(err)
	}
	prefixes := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9]+)\\.").FindAllStringSubmatch(string(doc), -1) {
		prefixes[m[1]] = true
	}
	o := testOptions()
	// Raw, so that ARP is built too (nothing is opened before Sweep).
	w := wireOpts{WireConfig: scanner.WireConfig{Timeout: o.Timeout, Log: o.Log, Raw: true}}
	if len(methods) < 15 {
		t.Fatalf("only %d methods listed", len(methods))
	}
	seen := map[string]bool{}
	for _, m := range methods {
		if seen[m.Name] {
			t.Errorf("method %q listed twice", m.Name)
		}
		seen[m.Name] = true
		if !prefixes[m.Name] {
			t.Errorf("method %q: vendors/FIELDS.md lists no %s.* field; its name and its evidence's source differ", m.Name, m.Name)
		}
		if strings.TrimSpace(m.Help) == "" || strings.Contains(m.Help, "\n") {
			t.Errorf("method %q: help %q, want one line", m.Name, m.Help)
		}
		var name string
		var kinds int
		if m.sweeper != nil {
			kinds++
			x, err := m.sweeper(w)
			if err != nil || x == nil {
				t.Fatalf("method %q: %v, %v", m.Name, x, err)
			}
			name = x.Name()
			if m.Kind != KindSweeper {
				t.Errorf("method %q: a sweeper listed as %s", m.Name, m.Kind)
			}
		}
		if m.host != nil {
			kinds++
			x, err := m.host(w)
			if err != nil || x == nil {
				t.Fatalf("method %q: %v, %v", m.Name, x, err)
			}
			name = x.Name()
			if m.Kind != KindHost {
				t.Errorf("method %q: a host prober listed as %s", m.Name, m.Kind)
			}
		}
		if m.port != nil {
			kinds++
			x, err := m.port(w)
			if err != nil || x == nil {
				t.Fatalf("method %q: %v, %v", m.Name, x, err)
			}
			name = x.Name()
			if m.Kind != KindPort {
				t.Errorf("method %q: a port prober listed as %s", m.Name, m.Kind)
			}
		}
		if kinds != 1 {
			t.Errorf("method %q has %d constructors, want 1", m.Name, kinds)
		}
		if name != m.Name {
			t.Errorf("method listed as %q builds %q", m.Name, name)
		}
	}
}

// TestBuild_order: the engine gets the methods by kind in the list's
// order, the order the run record names them; ARP is left out without
// raw sockets, with one warning.
func TestBuild_order(t *testing.T) {
	var logs strings.Builder
	w := wireOpts{WireConfig: scanner.WireConfig{Timeout: time.Second, Log: zerolog.New(&logs)}}
	sws, hps, pps, err := build(w)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range sws {
		got = append(got, x.Name())
	}
	for _, x := range hps {
		got = append(got, x.Name())
	}
	for _, x := range pps {
		got = append(got, x.Name())
	}
	want := "wsd sadp dhip dvrip5050 xmeye mdns ssdp tcp http rtsp onvif tls dvrip hiksdk"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("methods %q, want %q", g, want)
	}
	if !strings.Contains(logs.String(), "skipping the ARP sweep") {
		t.Errorf("no ARP warning without raw sockets: %q", logs.String())
	}
}

// TestMethodsHelp: every method has its entry in the help, with its kind,
// and no line passes the width (no word of the help is that long).
func TestMethodsHelp(t *testing.T) {
	h := MethodsHelp(88)
	for _, m := range Methods() {
		if !strings.Contains(h, "  "+m.Name+" ("+string(m.Kind)+"):\n") {
			t.Errorf("help lacks %s (%s):\n%s", m.Name, m.Kind, h)
		}
	}
	if !strings.Contains(h, "UDP 34569") {
		t.Errorf("help lacks XMEye's port:\n%s", h)
	}
	for _, l := range strings.Split(h, "\n") {
		if len(l) > 88 {
			t.Errorf("help line of %d columns: %q", len(l), l)
		}
	}
}

// TestPrivilege_bareWords: the run record's privilege holds the words the
// README documents; what they meant goes to privilege_note.
func TestPrivilege_bareWords(t *testing.T) {
	for _, m := range []string{privilegeRaw, privilegeUnprivileged} {
		if m != "raw" && m != "unprivileged" {
			t.Errorf("privilege %q, want raw or unprivileged", m)
		}
		if privilegeNote(m) == "" {
			t.Errorf("privilege %q has no note", m)
		}
	}
	if m := privilegeMode(); m != privilegeRaw && m != privilegeUnprivileged {
		t.Errorf("privilegeMode() = %q", m)
	}
}

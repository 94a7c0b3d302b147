package sweep

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestWire_methodIsEvidenceSource: every sweeper and prober wire.go lists
// is named once, and its name is the Source of its evidence, the prefix
// of its fields in vendors/FIELDS.md: one spelling for the method, the
// record's evidence and the rules. A new protocol that names its method
// one way and its fields another fails here.
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
	o.NoLiveness = true
	s := &Scan{opts: o}
	w := wireOpts{Iface: "", Timeout: o.Timeout, Log: o.Log}
	sws, err := sweepers(w)
	if err != nil {
		t.Fatal(err)
	}
	hps, pps, _, err := s.probers(w)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range sws {
		names = append(names, x.Name())
	}
	for _, x := range hps {
		names = append(names, x.Name())
	}
	for _, x := range pps {
		names = append(names, x.Name())
	}
	t.Logf("methods %v", names)
	if len(names) < 12 {
		t.Fatalf("only %d methods wired: %v", len(names), names)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("method %q wired twice", n)
		}
		seen[n] = true
		if !prefixes[n] {
			t.Errorf("method %q: vendors/FIELDS.md lists no %s.* field; its name and its evidence's source differ", n, n)
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

package sweep

import (
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/scanner"
)

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

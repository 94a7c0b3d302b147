package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/termsafe"
	"github.com/camsweep/camsweep/store"
	"github.com/camsweep/camsweep/vendors"
)

// deviceWords are what a device can put in the strings it names itself
// with (issue 14 item 5): every C0 control, DEL, every C1 control as a
// character and as a bare byte, the bidi overrides, isolates and marks,
// zero-width and tag characters, and invalid UTF-8.
func deviceWords() []string {
	var ws []string
	for c := 0; c < 0x20; c++ {
		ws = append(ws, fmt.Sprintf("c0-%02x[%c]", c, c))
	}
	ws = append(ws, "del[\x7f]")
	for r := rune(0x80); r <= 0x9f; r++ {
		ws = append(ws, fmt.Sprintf("c1-%02x[%c][%s]", r, r, string([]byte{byte(r)})))
	}
	for _, r := range []rune{0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c, 0x200b, 0xfeff, 0x2028, 0xe0041, 0x3164} {
		ws = append(ws, fmt.Sprintf("fmt-%04x[%c]", r, r))
	}
	return append(ws,
		"bad-utf8[\xff\xfe\xc3(\xed\xa0\x80]",
		// The attacks of the hostile lab: clear the screen, set the title,
		// and a CR that rewrites a flagged Dahua row as an Axis camera.
		"\x1b[2J\x1b[H", "\x1b]0;owned\x07", "\r198.18.10.99  aa:bb:cc:dd:ee:ff  camera  Axis  Axis  M3106-L",
	)
}

// hostileRecord is a flagged Dahua camera whose every device-named field
// holds word.
func hostileRecord(word string) *device.Record {
	recs, _ := reportSample()
	var r *device.Record // Amcrest, made by Dahua, covered, on the core zone
	for _, x := range recs {
		if x.IP == "198.18.10.22" {
			r = x
		}
	}
	vendor := "Dahua" + word
	r.Vendor = &vendor
	r.Brand, r.Model, r.Serial, r.Firmware = "Amcrest"+word, "IP2M"+word, "SN"+word, "FW"+word
	r.Findings[0].Summary = "Amcrest camera " + r.Model + " on core"
	r.Evidence[0].Fields["dhip.device_type"] = "IP2M" + word
	r.Conflicts[0].Value = "axis" + word
	return r
}

// checkTerminalSafe fails when out holds a byte or character that a
// terminal acts on or that hides text: anything but the writer's own
// newlines.
func checkTerminalSafe(t *testing.T, what string, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatalf("%s: invalid UTF-8 in %q", what, out)
	}
	for i, r := range string(out) {
		if (r < 0x20 && r != '\n') || r == 0x7f || termsafe.Hidden(r) {
			t.Fatalf("%s: U+%04X at byte %d: %q", what, r, i, out[max(0, i-40):min(len(out), i+40)])
		}
	}
}

// TestTable_deviceControlCharacters: the table keeps one row per device,
// its columns in place, and shows each device-sent character as an escape.
func TestTable_deviceControlCharacters(t *testing.T) {
	for _, word := range deviceWords() {
		r := hostileRecord(word)
		var buf bytes.Buffer
		tw := NewTable(&buf)
		if err := tw.WriteRecord(r); err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteRun(&device.RunRecord{Schema: device.SchemaRun, Policy: "uk-nil", Zones: "zones.yaml"}); err != nil {
			t.Fatal(err)
		}
		out := buf.Bytes()
		checkTerminalSafe(t, fmt.Sprintf("table %q", word), out)
		lines := strings.Split(string(out), "\n")
		if len(lines) != 5 { // header, row, blank, summary, ""
			t.Fatalf("table %q: %d lines:\n%s", word, len(lines), out)
		}
		row := lines[1]
		if !strings.HasPrefix(row, "198.18.10.22 ") || !strings.Contains(row, "IP2M"+termsafe.Text(word)) {
			t.Errorf("table %q: row %q", word, row)
		}
		// The columns line up: FINDING starts where its header does.
		if h, c := strings.Index(lines[0], "FINDING"), strings.Index(row, "CRITICAL covered-vendor-on-primary"); utf8.RuneCountInString(lines[0][:h]) != utf8.RuneCountInString(row[:c]) {
			t.Errorf("table %q: columns shifted:\n%s\n%s", word, lines[0], row)
		}
	}
}

// TestTable_changesDeviceControlCharacters: one line per change, whatever
// the device sent, in the key (a serial) and the summary.
func TestTable_changesDeviceControlCharacters(t *testing.T) {
	for _, word := range deviceWords() {
		r := hostileRecord(word)
		r.MAC = ""
		var buf bytes.Buffer
		tw := NewTable(&buf)
		for _, k := range []store.ChangeKind{store.ChangeNew, store.ChangeFlagRaised} {
			c := &store.Change{Schema: store.SchemaChange, Kind: k, Key: "serial:" + r.Serial, RunID: r.RunID, Record: r}
			if err := tw.WriteChange(c); err != nil {
				t.Fatal(err)
			}
		}
		out := buf.Bytes()
		checkTerminalSafe(t, fmt.Sprintf("changes %q", word), out)
		if n := bytes.Count(out, []byte("\n")); n != 2 {
			t.Errorf("changes %q: %d lines:\n%s", word, n, out)
		}
		if !bytes.Contains(out, []byte("serial:SN"+termsafe.Text(word))) {
			t.Errorf("changes %q: key not shown escaped:\n%s", word, out)
		}
	}
}

// TestMarkdown_deviceControlCharacters: the compliance report keeps its
// table rows whole (no raw newline or "|" from a device) and holds no
// control character, read rendered or with cat.
func TestMarkdown_deviceControlCharacters(t *testing.T) {
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	_, rr := reportSample()
	clean := func() []byte {
		var buf bytes.Buffer
		m := NewMarkdown(&buf, Options{Catalog: cat})
		if err := m.WriteRecord(hostileRecord("")); err != nil {
			t.Fatal(err)
		}
		if err := m.WriteRun(rr); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}()
	for _, word := range append(deviceWords(), "| 198.18.10.99 | Axis |\n| x | y |", "<img src=x onerror=alert(1)>&#x202e;") {
		var buf bytes.Buffer
		m := NewMarkdown(&buf, Options{Catalog: cat})
		if err := m.WriteRecord(hostileRecord(word)); err != nil {
			t.Fatal(err)
		}
		if err := m.WriteRun(rr); err != nil {
			t.Fatal(err)
		}
		out := buf.Bytes()
		checkTerminalSafe(t, fmt.Sprintf("report %q", word), out)
		if a, b := bytes.Count(out, []byte("\n")), bytes.Count(clean, []byte("\n")); a != b {
			t.Errorf("report %q: %d lines, %d without the device's words", word, a, b)
		}
		for i, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "| ") && unescapedBars(l) != unescapedBars(strings.Split(string(clean), "\n")[i]) {
				t.Errorf("report %q: line %d has other cells: %q", word, i+1, l)
			}
		}
		// In code spans Markdown shows HTML and references as written.
		s := strings.NewReplacer(`\<`, "", `\&`, "").Replace(outsideCode(string(out)))
		if strings.Contains(s, "<img") || strings.Contains(s, "&#x") {
			t.Errorf("report %q: HTML or a character reference got through", word)
		}
		s = string(out)
		if !strings.Contains(s, "| Model number | IP2M"+termsafe.Markdown(word)+" |") && word != "" {
			t.Errorf("report %q: model row not escaped as termsafe.Markdown", word)
		}
	}
}

// unescapedBars counts the cell separators of a Markdown table row.
func unescapedBars(l string) int {
	n := 0
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

// outsideCode is s without its code spans (between unescaped backticks).
func outsideCode(s string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && !in && i+1 < len(s):
			b.WriteString(s[i : i+2])
			i++
		case s[i] == '`':
			in = !in
		case !in:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

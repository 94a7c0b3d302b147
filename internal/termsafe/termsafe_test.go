package termsafe

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// unsafeRune reports a character that must never reach the output: a C0
// control, DEL, a C1 control, or one Hidden names.
func unsafeRune(r rune) bool { return r < 0x20 || r == 0x7f || Hidden(r) }

// checkSafe fails when out holds invalid UTF-8 or a character a terminal
// acts on or hides.
func checkSafe(t *testing.T, what, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s(%q) = %q: invalid UTF-8", what, in, out)
	}
	for i, r := range out {
		if unsafeRune(r) {
			t.Fatalf("%s(%q) = %q: U+%04X at byte %d", what, in, out, r, i)
		}
	}
	for i := 0; i < len(out); i++ {
		if c := out[i]; c < 0x20 || c == 0x7f {
			t.Fatalf("%s(%q) = %q: control byte %#x at %d", what, in, out, c, i)
		}
	}
}

// unescape reads Text's output back to the bytes it came from, so a test
// can tell that no two inputs look the same. It is the reading of a Go
// string literal's escapes, which Text writes.
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			return "", fmt.Errorf("lone backslash at %d", i)
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[i]]
			if i+n >= len(s) {
				return "", fmt.Errorf("short escape at %d", i)
			}
			v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil {
				return "", err
			}
			if s[i] == 'x' {
				b.WriteByte(byte(v))
			} else {
				b.WriteRune(rune(v))
			}
			i += n
		default:
			return "", fmt.Errorf("unknown escape \\%c at %d", s[i], i)
		}
	}
	return b.String(), nil
}

// TestSanitise_everyControl: each C0 control, DEL and each C1 control (as a
// UTF-8 character and as the bare byte, which is invalid UTF-8) comes out
// as a visible escape between the letters around it, never as itself.
func TestSanitise_everyControl(t *testing.T) {
	short := map[byte]string{'\t': `\t`, '\n': `\n`, '\r': `\r`}
	for c := 0; c < 0x20; c++ {
		want, ok := short[byte(c)]
		if !ok {
			want = fmt.Sprintf(`\x%02x`, c)
		}
		in := "cam" + string(rune(c)) + "01"
		got := Text(in)
		if got != "cam"+want+"01" {
			t.Errorf("Text(%q) = %q, want %q", in, got, "cam"+want+"01")
		}
		checkSafe(t, "Text", in, got)
	}
	if got := Text("a\x7fb"); got != `a\x7fb` {
		t.Errorf("DEL: %q", got)
	}
	for r := rune(0x80); r <= 0x9f; r++ {
		in := "cam" + string(r) + "01"
		want := fmt.Sprintf(`cam\u%04x01`, r)
		if got := Text(in); got != want {
			t.Errorf("C1 U+%04X: Text = %q, want %q", r, got, want)
		}
		raw := "cam" + string([]byte{byte(r)}) + "01"
		want = fmt.Sprintf(`cam\x%02x01`, r)
		if got := Text(raw); got != want {
			t.Errorf("bare byte %#x: Text = %q, want %q", r, got, want)
		}
		checkSafe(t, "Text", raw, Text(raw))
	}
}

// TestSanitise_cases: the attacks of issue 14 item 5 and the invisible
// characters, each with what a person sees instead.
func TestSanitise_cases(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "Hikvision DS-2CD2143G2-I", "Hikvision DS-2CD2143G2-I"},
		{"non-ASCII letters stay", "Überwachung カメラ ☃", "Überwachung カメラ ☃"},
		{"U+FFFD as sent stays", "a\uFFFDb", "a\uFFFDb"},
		{"clear screen", "\x1b[2J\x1b[HAxis", `\x1b[2J\x1b[HAxis`},
		{"window title (OSC 0, BEL)", "\x1b]0;pwned\x07cam", `\x1b]0;pwned\x07cam`},
		{"CR rewrite of a row", "Dahua\r198.18.10.9  Axis", `Dahua\r198.18.10.9  Axis`},
		{"backspaces", "Hik\b\b\bAxis", `Hik\x08\x08\x08Axis`},
		{"tab shifts a column", "a\tb", `a\tb`},
		{"newline", "a\nb", `a\nb`},
		{"backslash doubled", `C:\cam\x1b`, `C:\\cam\\x1b`},
		{"8-bit CSI", "a\u009b2Jb", `a\u009b2Jb`},
		{"RLO", "cam\u202eaxis", `cam\u202eaxis`},
		{"LRE RLE PDF LRO", "\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
		{"isolates", "\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"marks", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"zero-width", "Ax\u200bis\u200c\u200d\u2060\ufeff", `Ax\u200bis\u200c\u200d\u2060\ufeff`},
		{"soft hyphen", "Da\u00adhua", `Da\u00adhua`},
		{"line and paragraph separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"tag characters", "x\U000E0041\U000E007F", `x\U000e0041\U000e007f`},
		{"Hangul fillers", "Axis\u3164\u115f\u1160\uffa0", `Axis\u3164\u115f\u1160\uffa0`},
		{"invalid UTF-8", "a\xffb\xc3(\xe2\x82", `a\xffb\xc3(\xe2\x82`},
		{"surrogate half (CESU-8)", "\xed\xa0\x80", `\xed\xa0\x80`},
		{"overlong slash", "\xc0\xaf", `\xc0\xaf`},
	} {
		got := Text(tc.in)
		if got != tc.want {
			t.Errorf("%s: Text(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
		checkSafe(t, "Text", tc.in, got)
		if back, err := unescape(got); err != nil || back != tc.in {
			t.Errorf("%s: %q does not read back: %q %v", tc.name, got, back, err)
		}
	}
}

// TestSanitise_cleanNoAlloc: the common case, a clean string, is returned as it is.
func TestSanitise_cleanNoAlloc(t *testing.T) {
	s := "Hikvision DS-2CD2143G2-I 198.18.10.21 ünïcode"
	if n := testing.AllocsPerRun(100, func() { _ = Text(s) }); n != 0 {
		t.Errorf("%v allocations for a clean string", n)
	}
}

// TestSanitise_markdown: a cell cannot split the table, start HTML, a link, an
// entity or emphasis, and a device's escape shows as Text writes it once
// rendered (each backslash escaped once more).
func TestSanitise_markdown(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"DS-2CD2143G2-I", "DS-2CD2143G2-I"},
		{"a | b", `a \| b`},
		{"row\n| 198.18.10.9 | Axis |", `row\\n\| 198.18.10.9 \| Axis \|`},
		{"<img src=x onerror=alert(1)>", `\<img src=x onerror=alert(1)\>`},
		{"&#x202e;sixa", `\&\#x202e;sixa`},
		{"[click](http://198.18.0.1)", `\[click\](http://198.18.0.1)`},
		{"**bold** _it_ ~~s~~ `c` # h !x $m$", `\*\*bold\*\* \_it\_ \~\~s\~\~ \` + "`" + `c\` + "`" + ` \# h \!x \$m\$`},
		{"\x1b[2J", `\\x1b\[2J`},
		{"a\u202eb", `a\\u202eb`},
		{"  spaced \t out  ", `spaced \\t out`},
	} {
		if got := Markdown(tc.in); got != tc.want {
			t.Errorf("Markdown(%q) = %q, want %q", tc.in, got, tc.want)
		}
		checkSafe(t, "Markdown", tc.in, Markdown(tc.in))
	}
}

func TestSanitise_codeSpan(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http.title", "http.title"},
		{"a`b", "a'b"},
		{"IP Camera\r\x1b[31m", `IP Camera\r\x1b[31m`},
		{"x\u2066y", `x\u2066y`},
	} {
		if got := CodeSpan(tc.in); got != tc.want {
			t.Errorf("CodeSpan(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSanitise_console: a log line on a terminal carrying a device's words, as the
// message, a field value and an error, holds no control byte other than
// the level's own colour, and shows the device's escapes.
func TestSanitise_console(t *testing.T) {
	var buf bytes.Buffer
	w := Console(zerolog.ConsoleWriter{Out: &buf, NoColor: true, PartsExclude: []string{zerolog.TimestampFieldName}})
	log := zerolog.New(w)
	hostile := "cam\x1b]0;title\x07\r\u202eAxis\u3164"
	log.Warn().Str("relates_to", hostile).Err(fmt.Errorf("reply %q", hostile)).Str("name", "\u0085x").Msg("probe " + hostile)
	out := strings.TrimSuffix(buf.String(), "\n")
	checkSafe(t, "Console", hostile, out)
	for _, want := range []string{`probe cam\x1b]0;title\x07\r\u202eAxis\u3164`, `relates_to="cam\x1b]0;title\a\r\u202eAxis\u3164"`, `name="\u0085x"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log line %q lacks %q", out, want)
		}
	}
}

// FuzzText: whatever a device sends, the output of Text, Markdown and
// CodeSpan is valid UTF-8 with no control character or hidden format
// character; Text's output reads back to the input (no two inputs look
// alike); Markdown's output has no "|" a table would split on.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[2J", "a\rb", "\u202e", "\xff\xfe", `\x1b`, "a|b\n", "\u2028", "\U000E0041", "\xc2\x9b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		checkSafe(t, "Text", s, out)
		if back, err := unescape(out); err != nil || back != s {
			t.Fatalf("Text(%q) = %q reads back as %q (%v)", s, out, back, err)
		}
		md := Markdown(s)
		checkSafe(t, "Markdown", s, md)
		for i := 0; i < len(md); i++ {
			if md[i] == '|' {
				n := 0
				for j := i - 1; j >= 0 && md[j] == '\\'; j-- {
					n++
				}
				if n%2 == 0 {
					t.Fatalf("Markdown(%q) = %q: bare | at %d", s, md, i)
				}
			}
		}
		checkSafe(t, "CodeSpan", s, CodeSpan(s))
		if strings.Contains(CodeSpan(s), "`") {
			t.Fatalf("CodeSpan(%q) holds a backtick", s)
		}
	})
}

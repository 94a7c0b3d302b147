// Package termsafe makes text a device chose safe to show a person: on a
// terminal, in a Markdown report, in a log line on a console.
//
// A device names itself (mDNS instance names, WS-Discovery scopes, which
// are percent-decoded, HTTP titles, model and serial strings), so without
// this an ESC from a device clears the screen or sets the window title, a CR
// overwrites the start of a table row so a flagged Dahua row reads as an
// Axis camera at another address, a TAB shifts the table's columns, and a
// right-to-left override reverses what follows it. Every such character is
// written out visibly rather than dropped: dropping would still let a
// device make one string look like another, and an analyst should see that
// a device sent an escape. The escapes are those of a Go string literal, so
// the original bytes can be read back (a backslash itself is doubled).
//
// JSON, CSV, CEF and syslog keep their own encodings: they are for
// programs, and each already escapes or replaces control characters.
package termsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Text returns s as one line that shows every character it holds: C0
// controls (TAB, LF and CR included, so s cannot move the cursor or start
// a new row), DEL, C1 controls, Unicode format characters (the bidi
// embeddings, overrides, isolates and marks, zero-width characters, the
// BOM, tag characters), line and paragraph separators and the invisible
// Hangul fillers become escapes (\x1b, \r, \u202e); invalid UTF-8 becomes
// \xHH per byte; a backslash becomes \\. The result is valid UTF-8 and
// holds no control character, whatever s is. A string with nothing to
// escape is returned as it is, without allocating.
func Text(s string) string { return escape(s, true) }

// escape is Text; with backslash false a backslash is left as it is, for
// text whose backslashes are already escapes (a value zerolog quoted).
func escape(s string, backslash bool) string {
	i := firstUnsafe(s, backslash)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == '\\' && !backslash {
				b.WriteByte(c)
			} else {
				escapeASCII(&b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			writeHexByte(&b, c)
		case Hidden(r):
			writeRuneEscape(&b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// firstUnsafe is the index of the first byte Text must rewrite, or len(s).
func firstUnsafe(s string, backslash bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f || (c == '\\' && backslash) {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || Hidden(r) {
			return i
		}
		i += n
	}
	return len(s)
}

func escapeASCII(b *strings.Builder, c byte) {
	switch c {
	case '\\':
		b.WriteString(`\\`)
	case '\t':
		b.WriteString(`\t`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	default:
		if c < 0x20 || c == 0x7f {
			writeHexByte(b, c)
			return
		}
		b.WriteByte(c)
	}
}

func writeHexByte(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

func writeRuneEscape(b *strings.Builder, r rune) {
	digits := 4
	if r > 0xffff {
		b.WriteString(`\U`)
		digits = 8
	} else {
		b.WriteString(`\u`)
	}
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>shift)&0xf])
	}
}

// Hidden reports whether r is a non-ASCII character Text writes as an
// escape: one a terminal acts on or that changes how the text around it
// reads without showing itself.
//   - C1 controls U+0080–U+009F: CSI (U+009B) and OSC (U+009D) start escape
//     sequences on terminals that take 8-bit controls.
//   - Unicode format characters (category Cf): the bidi embeddings and
//     overrides U+202A–U+202E, isolates U+2066–U+2069, marks U+200E, U+200F
//     and U+061C, which reorder what follows (CVE-2021-42574, "Trojan
//     Source"); the zero-width space, joiners and word joiner, the BOM and
//     the soft hyphen, which make two strings that look the same differ;
//     the tag characters U+E0000–U+E007F, which carry invisible text.
//   - Line and paragraph separators U+2028 and U+2029, which some terminals
//     and viewers break lines at.
//   - The Hangul fillers U+115F, U+1160, U+3164 and U+FFA0: letters by
//     category, but drawn as nothing, so they hide a name's real end.
func Hidden(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x115f, r == 0x1160, r == 0x3164, r == 0xffa0:
		return true
	case r < 0xa0:
		return false
	}
	return unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// Markdown returns s for a Markdown table cell or a line of text: Text's
// escapes, runs of spaces as one space, and a backslash before every
// character that would make s something other than text. "|" would split
// the table cell; "<" and ">" would open raw HTML or an autolink; "&" would
// start a character reference ("&#x202e;" is an override again once
// rendered); "[" "]" "!" a link or image; "*" "_" "~" emphasis and
// strike-through; "`" a code span; "#" a heading; "$" math on renderers
// that take it; and "\" itself, so the escapes Text wrote render as
// written. Newlines cannot occur: Text wrote them as \n.
func Markdown(s string) string {
	s = strings.Join(strings.Fields(Text(s)), " ")
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch r {
		case '|', '\\', '`', '*', '_', '[', ']', '<', '>', '#', '!', '~', '&', '$':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CodeSpan returns s for the inside of a one-backtick Markdown code span,
// where Markdown, HTML and character references are not interpreted: Text's
// escapes on one line, with a backtick (which would end the span) as "'".
// A "|" is left as it is, so a code span is no place for device text in a
// table row.
func CodeSpan(s string) string {
	s = strings.Join(strings.Fields(Text(s)), " ")
	return strings.ReplaceAll(s, "`", "'")
}

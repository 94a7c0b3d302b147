package oui

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"strings"
)

// Format is a registry file format that ParseFile understands.
type Format int

// The formats of --oui-file.
const (
	FormatUnknown Format = iota
	FormatIEEECSV        // IEEE oui.csv / mam.csv / oui36.csv / iab.csv: "Registry,Assignment,Organization Name,Organization Address"
	FormatNmap           // nmap-mac-prefixes: "HEX Vendor"; also arp-scan's ieee-oui.txt ("HEX<tab>Vendor")
	FormatManuf          // Wireshark manuf: "00:00:0C<tab>Short<tab>Long", "00:1B:C5:00:00:00/36<tab>…"
)

func (f Format) String() string {
	switch f {
	case FormatIEEECSV:
		return "IEEE CSV"
	case FormatNmap:
		return "nmap-mac-prefixes"
	case FormatManuf:
		return "Wireshark manuf"
	}
	return "unknown"
}

// ErrFormat reports a registry file that cannot be read; the message names
// the file and line.
var ErrFormat = errors.New("oui: bad registry file")

// Bounds on user files: a registry has ~55 000 rows; a file far larger, or
// with absurd lines, is not one.
const (
	maxLines   = 1 << 20
	maxLineLen = 64 << 10
)

// LoadFile reads a registry file in any of the formats, detected from its
// first data line.
func LoadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(path, f)
}

// Parse reads a registry from r; name is used in error messages
// ("name:line: …"). The format is detected from the first data line.
func Parse(name string, r io.Reader) (*Table, error) {
	br := bufio.NewReaderSize(r, maxLineLen)
	head, _ := br.Peek(maxLineLen)
	format := Detect(head)
	switch format {
	case FormatIEEECSV:
		return parseCSV(name, br)
	case FormatNmap, FormatManuf:
		return parseLines(name, br, format)
	}
	return nil, fmt.Errorf("%w: %s: not an IEEE CSV, nmap-mac-prefixes or Wireshark manuf file", ErrFormat, name)
}

// Detect guesses the format from the start of a file.
func Detect(head []byte) Format {
	for line := range bytes.Lines(head) {
		l := strings.TrimSpace(string(line))
		if l == "" || l[0] == '#' {
			continue
		}
		if strings.HasPrefix(l, "Registry,Assignment") {
			return FormatIEEECSV
		}
		first, _, _ := strings.Cut(strings.ReplaceAll(l, "\t", " "), " ")
		switch {
		case strings.Contains(first, ":") || strings.Contains(first, "-"):
			return FormatManuf
		case isHex(first) && len(first) >= 6:
			return FormatNmap
		}
		return FormatUnknown
	}
	return FormatUnknown
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func parseCSV(name string, r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	b := NewBuilder()
	for n := 0; ; n++ {
		rec, err := cr.Read()
		line, _ := cr.FieldPos(0)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrFormat, name, err)
		}
		if n >= maxLines {
			return nil, fmt.Errorf("%w: %s: more than %d rows", ErrFormat, name, maxLines)
		}
		if n == 0 {
			if len(rec) < 3 || rec[0] != "Registry" {
				return nil, fmt.Errorf("%w: %s:%d: want the header Registry,Assignment,Organization Name,…", ErrFormat, name, line)
			}
			continue
		}
		if len(rec) < 3 {
			return nil, fmt.Errorf("%w: %s:%d: %d fields, want at least 3", ErrFormat, name, line, len(rec))
		}
		switch rec[0] {
		case "MA-L", "MA-M", "MA-S", "IAB":
		case "CID":
			continue // company ids are for locally administered addresses
		default:
			return nil, fmt.Errorf("%w: %s:%d: registry %q", ErrFormat, name, line, rec[0])
		}
		if err := addOrg(b, rec[1], rec[2], ""); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %v", ErrFormat, name, line, err)
		}
	}
	return b.Table(), nil
}

func addOrg(b *Builder, prefix, org, country string) error {
	org = html.UnescapeString(strings.TrimSpace(org))
	if org == "IEEE Registration Authority" {
		return nil // a parent block, not a maker
	}
	_, err := b.Add(prefix, org, country)
	return err
}

func parseLines(name string, r io.Reader, format Format) (*Table, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLineLen)
	b := NewBuilder()
	line := 0
	for sc.Scan() {
		line++
		if line > maxLines {
			return nil, fmt.Errorf("%w: %s: more than %d lines", ErrFormat, name, maxLines)
		}
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		var err error
		if format == FormatManuf {
			err = manufLine(b, l)
		} else {
			prefix, org, ok := strings.Cut(strings.Replace(l, "\t", " ", 1), " ")
			if !ok {
				err = errors.New("want \"HEX Vendor\"")
			} else {
				err = addOrg(b, prefix, org, "")
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %v", ErrFormat, name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s:%d: %v", ErrFormat, name, line+1, err)
	}
	return b.Table(), nil
}

// manufLine reads "00:00:0C<tab>Short[<tab>Long]" or
// "00:1B:C5:00:00:00/36<tab>Short[<tab>Long]" (also /28); the long name is
// preferred.
func manufLine(b *Builder, l string) error {
	cols := strings.FieldsFunc(l, func(r rune) bool { return r == '\t' })
	if len(cols) < 2 {
		return errors.New("want \"PREFIX<tab>Short<tab>Long\"")
	}
	org := strings.TrimSpace(cols[len(cols)-1])
	if c, _, ok := strings.Cut(org, "#"); ok && len(cols) == 2 {
		org = strings.TrimSpace(c) // old manuf: "Short # Long comment"
	}
	addr, mask, masked := strings.Cut(strings.TrimSpace(cols[0]), "/")
	hexd := strings.NewReplacer(":", "", "-", "", ".", "").Replace(addr)
	if !isHex(hexd) {
		return fmt.Errorf("prefix %q: not hex", cols[0])
	}
	digits := 6
	if masked {
		switch mask {
		case "24":
		case "28":
			digits = 7
		case "36":
			digits = 9
		default:
			return fmt.Errorf("prefix %q: mask /%s (want /24, /28 or /36)", cols[0], mask)
		}
	}
	if len(hexd) < digits {
		return fmt.Errorf("prefix %q: too short for /%d", cols[0], digits*4)
	}
	if strings.Trim(hexd[digits:], "0") != "" {
		return fmt.Errorf("prefix %q: bits set beyond /%d", cols[0], digits*4)
	}
	return addOrg(b, hexd[:digits], org, "")
}

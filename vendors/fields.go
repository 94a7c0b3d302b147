package vendors

import (
	"fmt"
	"slices"
	"strings"
)

// FieldSet is the vocabulary of evidence keys a rule may read, as listed in
// FIELDS.md. A listed key ending in ".*" admits any suffix.
type FieldSet struct {
	exact    map[string]bool
	prefixes []string // "onvif.scope." for a listed "onvif.scope.*"
}

// NewFieldSet builds a FieldSet from keys; mostly for tests.
func NewFieldSet(keys ...string) FieldSet {
	fs := FieldSet{exact: map[string]bool{}}
	for _, k := range keys {
		if p, ok := strings.CutSuffix(k, "*"); ok && strings.HasSuffix(p, ".") {
			fs.prefixes = append(fs.prefixes, p)
			continue
		}
		fs.exact[k] = true
	}
	slices.Sort(fs.prefixes)
	return fs
}

// Has reports whether key may be read by a rule.
func (f FieldSet) Has(key string) bool {
	if f.exact[key] {
		return true
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(key, p) && len(key) > len(p) {
			return true
		}
	}
	return false
}

// Keys lists the documented keys, sorted (prefix keys with their ".*").
func (f FieldSet) Keys() []string {
	out := make([]string, 0, len(f.exact)+len(f.prefixes))
	for k := range f.exact {
		out = append(out, k)
	}
	for _, p := range f.prefixes {
		out = append(out, p+"*")
	}
	slices.Sort(out)
	return out
}

// Len is the number of documented keys.
func (f FieldSet) Len() int { return len(f.exact) + len(f.prefixes) }

// ParseFields reads the keys of a FIELDS.md table: every table row whose
// first cell is a back-quoted key. The header and separator rows are skipped.
func ParseFields(name string, data []byte) (FieldSet, error) {
	var keys []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		first := strings.TrimSpace(cells[0])
		if !strings.HasPrefix(first, "`") {
			continue
		}
		key := strings.Trim(first, "`")
		if key == "" || strings.ContainsAny(key, " `") {
			return FieldSet{}, fmt.Errorf("%s:%d: malformed key cell %q", name, i+1, first)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return FieldSet{}, fmt.Errorf("%s: no field keys found", name)
	}
	return NewFieldSet(keys...), nil
}

// LoadFields parses the embedded FIELDS.md.
func LoadFields() (FieldSet, error) {
	data, err := embedded.ReadFile("FIELDS.md")
	if err != nil {
		return FieldSet{}, err
	}
	return ParseFields("FIELDS.md", data)
}

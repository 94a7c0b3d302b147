// Package evfields builds the evidence field maps of the discovery
// parsers (sadp.*, dhip.*, xmeye.*, dvrip5050.*) the same way: one key
// prefix, and nothing for an empty value, a zero port or an unset or
// unspecified address, so a rule never matches a field a device left blank.
package evfields

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
)

// Set is a field map under one prefix.
type Set struct {
	prefix string
	M      map[string]string
}

// New starts a map whose keys are prefix+"."+key.
func New(prefix string) Set { return Set{prefix: prefix + ".", M: map[string]string{}} }

// Str sets key to v unless v is empty.
func (s Set) Str(key, v string) {
	if v != "" {
		s.M[s.prefix+key] = v
	}
}

// Addr sets key to a unless a is unset or unspecified (0.0.0.0, ::).
func (s Set) Addr(key string, a netip.Addr) {
	if a.IsValid() && !a.IsUnspecified() {
		s.Str(key, a.String())
	}
}

// Port sets key to p unless p is zero.
func (s Set) Port(key string, p uint16) {
	if p != 0 {
		s.Str(key, strconv.Itoa(int(p)))
	}
}

// MAC is s as a lower-case colon-separated MAC when it is one in colon or
// hyphen form ("44-19-B6-6B-4F-A4", "44:19:b6:6b:4f:a4"), else "": a
// device's MAC field is kept only when it is a MAC.
func MAC(s string) string {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "-", ":"))
	if len(s) != 17 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i%3 == 2 {
			if c != ':' {
				return ""
			}
		} else if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return ""
		}
	}
	return s
}

// Scalar renders a JSON scalar decoded with UseNumber as text, trimmed;
// objects, arrays and null are "" (DHIP and XMEye bodies put numbers,
// booleans and strings in the same keys across firmware).
func Scalar(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

package fingerprint

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors"
	"github.com/camsweep/camsweep/vendors/yamldoc"
)

// What a statement field states (vendors/statements.yaml).
const (
	StatesMaker      = "maker"
	StatesMakerModel = "maker-model"
	StatesBrand      = "brand"
	StatesModel      = "model"
	StatesFirmware   = "firmware"
	StatesSerial     = "serial"
)

var statesKinds = []string{StatesMaker, StatesMakerModel, StatesBrand, StatesModel, StatesFirmware, StatesSerial}

// statementRulePrefix starts the rule id of every statement hit: records
// cite "self.onvif.manufacturer" beside the rule ids.
const statementRulePrefix = "self."

// Statement is one evidence field in which a device states part of its own
// identity. Unlike a rule it matches no pattern: the value itself is the
// candidate, cleaned and, for makers, resolved through the catalog.
type Statement struct {
	Field       string
	States      string
	Weight      float64
	When        []Condition
	Unless      []Condition
	KeepUnknown bool
	// Self is false for a field that is not the device's own statement (a
	// registry's entry for its MAC): it may name a maker, but never becomes
	// the record's stated maker.
	Self   bool
	Source string
	File   string
	Line   int
}

// RuleID is the id the statement's hits carry.
func (s *Statement) RuleID() string { return statementRulePrefix + s.Field }

// Statements is the loaded statements.yaml: the fields and the filters that
// keep placeholders and garbage from winning.
type Statements struct {
	List         []Statement
	maxLen       map[string]int
	placeholders map[string][]string // kind ("any", "model", …) -> normalised values
}

// LoadStatements parses the embedded vendors/statements.yaml.
func LoadStatements(fields vendors.FieldSet) (*Statements, error) {
	return ParseStatements("statements.yaml", vendors.StatementsYAML, fields)
}

// ParseStatements parses a statements file; every problem names file:line.
func ParseStatements(name string, data []byte, fields vendors.FieldSet) (*Statements, error) {
	d, err := yamldoc.Parse(name, data)
	if err != nil {
		return nil, err
	}
	top, err := d.Mapping(d.Root, "statements file", "max_len", "placeholders", "statements")
	if err != nil {
		return nil, err
	}
	st := &Statements{maxLen: map[string]int{}, placeholders: map[string][]string{}}
	var errs []error
	fail := func(err error) bool {
		if err != nil {
			errs = append(errs, err)
			return true
		}
		return false
	}
	if n := top.Get("max_len"); n != nil {
		if m, err := d.Mapping(n, "max_len", StatesMaker, StatesBrand, StatesModel, StatesFirmware, StatesSerial); !fail(err) {
			for _, f := range m.Fields {
				v, err := d.Float(f.Value, "max_len "+f.Key)
				if fail(err) {
					continue
				}
				if v < 1 || v > 4096 || v != float64(int(v)) {
					fail(d.Errorf(f.Value, "max_len %s: want a whole number 1-4096, got %v", f.Key, v))
					continue
				}
				st.maxLen[f.Key] = int(v)
			}
		}
	}
	if n := top.Get("placeholders"); n != nil {
		if m, err := d.Mapping(n, "placeholders", "any", StatesModel, StatesFirmware, StatesSerial, StatesBrand); !fail(err) {
			for _, f := range m.Fields {
				vs, _, err := d.StrList(f.Value, "placeholders "+f.Key)
				if fail(err) {
					continue
				}
				for _, v := range vs {
					st.placeholders[f.Key] = append(st.placeholders[f.Key], normValue(v))
				}
			}
		}
	}
	sn, err := top.Require("statements")
	if fail(err) {
		return nil, errors.Join(errs...)
	}
	items, err := d.Seq(sn, "statements")
	if fail(err) {
		return nil, errors.Join(errs...)
	}
	seen := map[string]int{}
	for _, it := range items {
		m, err := d.Mapping(it, "statement", "field", "states", "weight", "when", "unless", "keep_unknown", "self", "source")
		if fail(err) {
			continue
		}
		s := Statement{File: name, Line: it.Line, KeepUnknown: true, Self: true}
		str := func(key string) string {
			v, err := m.Require(key)
			if fail(err) {
				return ""
			}
			x, err := d.Str(v, "statement "+key)
			if fail(err) {
				return ""
			}
			if strings.TrimSpace(x) == "" {
				fail(d.Errorf(v, "empty %q in statement", key))
			}
			return x
		}
		s.Field = str("field")
		if s.Field != "" && !fields.Has(s.Field) {
			fail(d.Errorf(m.Get("field"), "unknown field %q in statement (not in FIELDS.md)", s.Field))
		}
		if first, dup := seen[s.Field]; dup && s.Field != "" {
			fail(d.Errorf(m.Get("field"), "field %q has a statement already (line %d)", s.Field, first))
		}
		seen[s.Field] = it.Line
		s.States = str("states")
		if s.States != "" && !slices.Contains(statesKinds, s.States) {
			fail(d.Errorf(m.Get("states"), "unknown states %q in statement %q (want %s)", s.States, s.Field, strings.Join(statesKinds, ", ")))
		}
		s.Source = str("source")
		if wn, err := m.Require("weight"); !fail(err) {
			if w, err := d.Float(wn, "statement weight"); !fail(err) {
				if !(w > 0 && w <= 1) {
					fail(d.Errorf(wn, "weight %v out of range in statement %q (want 0 < w <= 1)", w, s.Field))
				}
				s.Weight = w
			}
		}
		if kn := m.Get("keep_unknown"); kn != nil {
			if b, err := d.Bool(kn, "statement keep_unknown"); !fail(err) {
				s.KeepUnknown = b
			}
		}
		if kn := m.Get("self"); kn != nil {
			if b, err := d.Bool(kn, "statement self"); !fail(err) {
				s.Self = b
			}
		}
		s.When = conditions(d, fields, m.Get("when"), "when", fail)
		s.Unless = conditions(d, fields, m.Get("unless"), "unless", fail)
		st.List = append(st.List, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return st, nil
}

func conditions(d *yamldoc.Doc, fields vendors.FieldSet, n *yaml.Node, what string, fail func(error) bool) []Condition {
	if n == nil {
		return nil
	}
	m, err := d.Mapping(n, "statement "+what)
	if fail(err) {
		return nil
	}
	var out []Condition
	for _, f := range m.Fields {
		if !fields.Has(f.Key) {
			fail(d.Errorf(f.KeyN, "unknown field %q in statement %s (not in FIELDS.md)", f.Key, what))
			continue
		}
		pat, err := d.Str(f.Value, "statement "+what+" pattern")
		if fail(err) {
			continue
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			fail(d.Errorf(f.Value, "bad regex %q in statement %s: %v", pat, what, unwrapRegexpErr(err)))
			continue
		}
		out = append(out, Condition{Field: f.Key, Match: re})
	}
	return out
}

// normValue lower-cases and collapses whitespace, for placeholder lookups.
func normValue(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// clean returns the value a statement of kind may use, or "" when the value
// states nothing: empty, a placeholder, too long, holding a control or
// format character or invalid UTF-8 (a device that sends those is not
// stating a name), or a serial of one repeated character.
func (st *Statements) clean(kind, v string) string {
	if !utf8.ValidString(v) {
		return ""
	}
	for _, r := range v {
		// Checked before white space is collapsed: a CR or a tab is a
		// control, not a space, in a name.
		if r != ' ' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
			return ""
		}
	}
	v = strings.Join(strings.Fields(v), " ")
	if v == "" {
		return ""
	}
	lenKind := kind
	if kind == StatesMakerModel {
		lenKind = StatesMaker
	}
	if n := st.maxLen[lenKind]; n > 0 && utf8.RuneCountInString(v) > n {
		return ""
	}
	nv := normValue(v)
	if slices.Contains(st.placeholders["any"], nv) || slices.Contains(st.placeholders[kind], nv) {
		return ""
	}
	if kind == StatesSerial && len(strings.Trim(nv, nv[:1])) == 0 {
		return ""
	}
	return v
}

// cleanHits drops or tidies the brand, model, firmware and serial hits of
// rules and statements alike: a rule's capture of a placeholder ("IPC"), of
// an absurdly long value or of control characters states nothing either.
func (st *Statements) cleanHits(hits []device.Conclusion) []device.Conclusion {
	out := hits[:0]
	for _, c := range hits {
		switch c.Key {
		case KeyBrand, KeyModel, KeyFirmware, KeySerial:
			if c.Value = st.clean(c.Key, c.Value); c.Value == "" {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// unifySpellings makes hits of one key that differ only in white space and
// case carry one spelling, that of the strongest of them, so that two
// witnesses of one firmware ("V5.6.2build 190701" in SADP, "V5.6.2 build
// 190701" in ONVIF) agree in fusion instead of contradicting each other.
func unifySpellings(hits []device.Conclusion, key string) {
	canon := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	best := map[string]int{} // canonical form -> index of the strongest hit
	for i, c := range hits {
		if c.Key != key {
			continue
		}
		k := canon(c.Value)
		if j, ok := best[k]; !ok || c.Weight > hits[j].Weight {
			best[k] = i
		}
	}
	for i, c := range hits {
		if c.Key == key {
			hits[i].Value = hits[best[canon(c.Value)]].Value
		}
	}
}

// statementHits turns the host's statements into conclusions. It also
// returns the maker the device states for itself (the strongest maker
// statement, resolved or not) and whether that name is one the catalog does
// not know.
func (e *Engine) statementHits(h *device.Host) (hits []device.Conclusion, stated string, uncatalogued bool) {
	if e.statements == nil {
		return nil, "", false
	}
	bestW := 0.0
	for i := range h.Evidence {
		ev := &h.Evidence[i]
		for si := range e.statements.List {
			s := &e.statements.List[si]
			raw, ok := ev.Fields[s.Field]
			if !ok || !conditionsHold(s.When, ev.Fields, true) || conditionsHold(s.Unless, ev.Fields, false) {
				continue
			}
			emit := func(key, value string) {
				hits = append(hits, device.Conclusion{Key: key, Value: value, Rule: s.RuleID(), Evidence: i, Weight: s.Weight})
			}
			v := e.statements.clean(s.States, raw)
			if v == "" {
				continue
			}
			switch s.States {
			case StatesModel:
				emit(KeyModel, v)
			case StatesFirmware:
				emit(KeyFirmware, v)
			case StatesSerial:
				emit(KeySerial, v)
			case StatesMaker, StatesBrand, StatesMakerModel:
				var m vendors.NameMatch
				var rest string
				var found bool
				if s.States == StatesMakerModel {
					if m, found = e.cat.LookupName(v); !found {
						m, rest, found = e.cat.LookupPrefix(v)
					}
				} else {
					m, found = e.cat.LookupName(v)
				}
				switch {
				case found && m.Generic:
					continue
				case found:
					if m.Maker != "" {
						emit(KeyVendor, m.Maker)
					}
					if m.Brand != "" && (m.Relabel || m.Maker == "" || m.Brand != e.cat.ShortName(m.Maker)) {
						emit(KeyBrand, m.Brand)
					}
					if rest = e.statements.clean(StatesModel, rest); rest != "" {
						emit(KeyModel, rest)
					}
				case s.KeepUnknown:
					// A name the catalog does not know: it is the label
					// on the box, and the record keeps it as the stated
					// maker so that a user sees what the catalog lacks.
					emit(KeyBrand, v)
				default:
					continue
				}
				if s.Self && s.States != StatesBrand && (found || s.KeepUnknown) && s.Weight > bestW {
					bestW, stated, uncatalogued = s.Weight, v, !found
				}
			}
		}
	}
	return hits, stated, uncatalogued
}

// conditionsHold reports whether every condition matches (all=true), or
// whether any matches (all=false). An absent field does not match.
func conditionsHold(cs []Condition, fields map[string]string, all bool) bool {
	if len(cs) == 0 {
		return all
	}
	for _, c := range cs {
		v, ok := fields[c.Field]
		hit := ok && c.Match.MatchString(v)
		if all && !hit {
			return false
		}
		if !all && hit {
			return true
		}
	}
	return all
}

// String names the statement for messages.
func (s *Statement) String() string { return fmt.Sprintf("%s:%d: %s", s.File, s.Line, s.Field) }

// Package fingerprint turns a host's evidence into a device.Identity. The
// knowledge is data: rules in vendors/rules/*.yaml (format in
// vendors/rules/README.md) each read one evidence field, match it with an RE2
// pattern and conclude vendor, brand, model, firmware, serial or device type
// with a weight. Every rule carries examples that CheckExamples runs.
//
// Fusion: rule hits on a host are grouped per conclusion key and value; a
// value's score is 1-Π(1-w) over its hits, counting only the strongest hit per
// evidence source, so two rules reading the same HTTP reply are not treated as
// independent witnesses. The best-scoring value wins, the others become
// conflicts, and the winner's confidence is reduced by the best contradicting
// score.
package fingerprint

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors"
	"github.com/camsweep/camsweep/vendors/yamldoc"
)

// Conclusion keys a rule may set.
const (
	KeyVendor     = "vendor"
	KeyBrand      = "brand"
	KeyModel      = "model"
	KeyFirmware   = "firmware"
	KeySerial     = "serial"
	KeyDeviceType = "device_type"
)

// conclusionKeys in the order conclusions are emitted.
var conclusionKeys = []string{KeyVendor, KeyDeviceType, KeyBrand, KeyModel, KeyFirmware, KeySerial}

// captureKeys are the conclusion keys a named capture group may fill; vendor
// and device_type must be fixed so the loader can check them.
var captureKeys = []string{KeyBrand, KeyModel, KeyFirmware, KeySerial}

// Condition is an extra field test of a rule's when: section.
type Condition struct {
	Field string
	Match *regexp.Regexp
}

// Example is a set of fields with the conclusions a rule must draw from them;
// an empty Expect means the rule must not match.
type Example struct {
	Fields map[string]string
	Expect map[string]string
	Line   int
}

// Rule is one compiled fingerprint rule.
type Rule struct {
	ID          string
	Description string
	Field       string
	Match       *regexp.Regexp
	When        []Condition
	Conclude    map[string]string // fixed conclusions
	Weight      float64
	Source      string
	Examples    []Example
	File        string
	Line        int

	captures [][2]int // (conclusion key index in captureKeys, subexpression index)
}

// Eval runs the rule on one evidence item's fields. It reports whether the
// rule matched and, if so, what it concludes (fixed conclusions plus
// non-empty captures).
func (r *Rule) Eval(fields map[string]string) (map[string]string, bool) {
	out := map[string]string{}
	ok := r.eval(fields, func(k, v string) { out[k] = v })
	if !ok {
		return nil, false
	}
	return out, true
}

// eval calls emit for each conclusion, in conclusionKeys order for fixed
// conclusions then captures, and reports whether the rule matched.
func (r *Rule) eval(fields map[string]string, emit func(key, value string)) bool {
	v, ok := fields[r.Field]
	if !ok {
		return false
	}
	var sub []int
	if len(r.captures) > 0 {
		if sub = r.Match.FindStringSubmatchIndex(v); sub == nil {
			return false
		}
	} else if !r.Match.MatchString(v) {
		return false
	}
	for _, c := range r.When {
		w, ok := fields[c.Field]
		if !ok || !c.Match.MatchString(w) {
			return false
		}
	}
	for _, k := range conclusionKeys {
		if cv, ok := r.Conclude[k]; ok {
			emit(k, cv)
		}
	}
	for _, c := range r.captures {
		lo, hi := sub[2*c[1]], sub[2*c[1]+1]
		if lo < 0 {
			continue
		}
		if s := strings.TrimSpace(v[lo:hi]); s != "" {
			emit(captureKeys[c[0]], s)
		}
	}
	return true
}

// pos names the rule's place for messages.
func (r *Rule) pos() string { return fmt.Sprintf("%s:%d", r.File, r.Line) }

// LoadRules parses every *.yaml file at the root of fsys, sorted by name.
// Rule ids must be unique across the files. All problems are returned
// together, each naming file:line.
func LoadRules(fsys fs.FS, fields vendors.FieldSet, cat *vendors.Catalog) ([]Rule, error) {
	return loadRules(fsys, "", fields, cat)
}

func loadRules(fsys fs.FS, prefix string, fields vendors.FieldSet, cat *vendors.Catalog) ([]Rule, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	where := prefix
	if where == "" {
		where = "rules"
	}
	if len(names) == 0 {
		// A folder of .yml files, or the wrong folder, loaded nothing
		// and passed as "ok" while the rules the user meant were absent.
		return nil, fmt.Errorf("%s: no *.yaml rule file", where)
	}
	var rules []Rule
	var errs []error
	for _, name := range names {
		data, err := readRuleFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path.Join(prefix, name), err))
			continue
		}
		rs, err := ParseRules(path.Join(prefix, name), data, fields, cat)
		if err != nil {
			errs = append(errs, err)
		}
		rules = append(rules, rs...)
	}
	errs = append(errs, checkDuplicates(rules)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("%s: the *.yaml files hold no rules", where)
	}
	return rules, nil
}

// MaxRuleFile bounds one rule file; the built-in files are a few KiB each.
const MaxRuleFile = 16 << 20

// readRuleFile reads a rule file, refusing one over MaxRuleFile rather than
// reading a /dev/zero or a mistaken log file until memory runs out.
func readRuleFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxRuleFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxRuleFile {
		return nil, fmt.Errorf("larger than %d MiB, not a rule file", MaxRuleFile>>20)
	}
	return data, nil
}

// ReadRuleFile reads the rule file at path with the bound of MaxRuleFile
// (for camsweep rules test, which names files one by one).
func ReadRuleFile(name string) ([]byte, error) {
	data, err := readRuleFile(os.DirFS(filepath.Dir(name)), filepath.Base(name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

func checkDuplicates(rules []Rule) []error {
	var errs []error
	seen := map[string]*Rule{}
	for i := range rules {
		r := &rules[i]
		if first, dup := seen[r.ID]; dup {
			errs = append(errs, fmt.Errorf("%s: duplicate rule id %q (first at %s)", r.pos(), r.ID, first.pos()))
			continue
		}
		seen[r.ID] = r
	}
	return errs
}

var ruleIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)+$`)

// ParseRules parses one rule file. The file's rules are checked against the
// documented field keys and the catalog; examples are not run (see
// CheckExamples).
func ParseRules(name string, data []byte, fields vendors.FieldSet, cat *vendors.Catalog) ([]Rule, error) {
	if cat == nil {
		return nil, errors.New("fingerprint: ParseRules needs a catalog")
	}
	d, err := yamldoc.Parse(name, data)
	if err != nil {
		return nil, err
	}
	top, err := d.Mapping(d.Root, "rule file", "rules")
	if err != nil {
		return nil, err
	}
	rn, err := top.Require("rules")
	if err != nil {
		return nil, err
	}
	items, err := d.Seq(rn, "rules")
	if err != nil {
		return nil, err
	}
	p := ruleParser{d: d, fields: fields, cat: cat}
	var rules []Rule
	for _, it := range items {
		if r, ok := p.rule(it); ok {
			rules = append(rules, r)
		}
	}
	p.errs = append(p.errs, checkDuplicates(rules)...)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return rules, nil
}

type ruleParser struct {
	d      *yamldoc.Doc
	fields vendors.FieldSet
	cat    *vendors.Catalog
	errs   []error
}

func (p *ruleParser) fail(err error) bool {
	if err != nil {
		p.errs = append(p.errs, err)
		return true
	}
	return false
}

func (p *ruleParser) rule(n *yaml.Node) (Rule, bool) {
	before := len(p.errs)
	m, err := p.d.Mapping(n, "rule", "id", "description", "field", "match", "when", "conclude", "weight", "source", "examples")
	if p.fail(err) {
		return Rule{}, false
	}
	r := Rule{File: p.d.Name, Line: n.Line}
	what := "rule"
	str := func(key string, required bool) string {
		v := m.Get(key)
		if v == nil {
			if required {
				p.fail(p.d.Errorf(m.Node, "missing %q in %s", key, what))
			}
			return ""
		}
		s, err := p.d.Str(v, what+" "+key)
		if !p.fail(err) && required && strings.TrimSpace(s) == "" {
			p.fail(p.d.Errorf(v, "empty %q in %s", key, what))
		}
		return s
	}
	r.ID = str("id", true)
	if r.ID != "" {
		what = fmt.Sprintf("rule %q", r.ID)
		if !ruleIDRe.MatchString(r.ID) {
			p.fail(p.d.Errorf(m.Get("id"), "bad rule id %q (want dotted lower-case words, e.g. hikvision.http.server.webs)", r.ID))
		}
	}
	r.Description = str("description", true)
	r.Source = str("source", true)
	r.Field = str("field", true)
	if r.Field != "" && !p.fields.Has(r.Field) {
		p.fail(p.d.Errorf(m.Get("field"), "unknown field %q in %s (not in FIELDS.md)", r.Field, what))
	}
	if pat := str("match", true); pat != "" {
		re, err := regexp.Compile(pat)
		if err != nil {
			p.fail(p.d.Errorf(m.Get("match"), "bad regex %q in %s: %v", pat, what, unwrapRegexpErr(err)))
		} else {
			r.Match = re
			for i, name := range re.SubexpNames() {
				if name == "" {
					continue
				}
				k := slices.Index(captureKeys, name)
				if k < 0 {
					p.fail(p.d.Errorf(m.Get("match"), "capture %q in %s is not a conclusion key (want %s)", name, what, strings.Join(captureKeys, ", ")))
					continue
				}
				r.captures = append(r.captures, [2]int{k, i})
			}
		}
	}
	if wn := m.Get("weight"); wn == nil {
		p.fail(p.d.Errorf(m.Node, "missing \"weight\" in %s", what))
	} else if w, err := p.d.Float(wn, what+" weight"); !p.fail(err) {
		if !(w > 0 && w <= 1) {
			p.fail(p.d.Errorf(wn, "weight %v out of range in %s (want 0 < w <= 1)", w, what))
		}
		r.Weight = w
	}
	r.When = p.when(m.Get("when"), what)
	r.Conclude = p.conclude(m.Get("conclude"), what)
	if len(r.Conclude) == 0 && len(r.captures) == 0 && len(p.errs) == before {
		p.fail(p.d.Errorf(m.Node, "%s concludes nothing", what))
	}
	for _, c := range r.captures {
		if _, fixed := r.Conclude[captureKeys[c[0]]]; fixed {
			p.fail(p.d.Errorf(m.Get("match"), "%s both captures and fixes %q", what, captureKeys[c[0]]))
		}
	}
	r.Examples = p.examples(m.Get("examples"), m.Node, what)
	return r, len(p.errs) == before
}

// unwrapRegexpErr drops the "error parsing regexp: " prefix that the file
// context makes redundant.
func unwrapRegexpErr(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

func (p *ruleParser) when(n *yaml.Node, what string) []Condition {
	if n == nil {
		return nil
	}
	m, err := p.d.Mapping(n, what+" when")
	if p.fail(err) {
		return nil
	}
	var out []Condition
	for _, f := range m.Fields {
		if !p.fields.Has(f.Key) {
			p.fail(p.d.Errorf(f.KeyN, "unknown field %q in %s when (not in FIELDS.md)", f.Key, what))
			continue
		}
		pat, err := p.d.Str(f.Value, what+" when "+f.Key)
		if p.fail(err) {
			continue
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			p.fail(p.d.Errorf(f.Value, "bad regex %q in %s when: %v", pat, what, unwrapRegexpErr(err)))
			continue
		}
		out = append(out, Condition{Field: f.Key, Match: re})
	}
	return out
}

// conclusions parses a mapping of conclusion keys to values and checks them;
// used by conclude: (strict) and example expect: (same checks).
func (p *ruleParser) conclusions(n *yaml.Node, what string) map[string]string {
	m, err := p.d.Mapping(n, what, conclusionKeys...)
	if p.fail(err) {
		return nil
	}
	out := map[string]string{}
	for _, f := range m.Fields {
		v, err := p.d.Str(f.Value, what+" "+f.Key)
		if p.fail(err) {
			continue
		}
		switch {
		case strings.TrimSpace(v) == "":
			p.fail(p.d.Errorf(f.Value, "empty %q in %s", f.Key, what))
			continue
		case f.Key == KeyVendor && !p.cat.HasMaker(v):
			p.fail(p.d.Errorf(f.Value, "unknown vendor %q in %s (not a maker id of %s)", v, what, p.cat.Name()))
			continue
		case f.Key == KeyDeviceType:
			if _, err := device.ParseDeviceType(v); err != nil {
				p.fail(p.d.Errorf(f.Value, "%s: %v", what, err))
				continue
			}
		}
		out[f.Key] = v
	}
	return out
}

func (p *ruleParser) conclude(n *yaml.Node, what string) map[string]string {
	if n == nil {
		return nil
	}
	return p.conclusions(n, what+" conclude")
}

func (p *ruleParser) examples(n, parent *yaml.Node, what string) []Example {
	if n == nil {
		p.fail(p.d.Errorf(parent, "%s has no examples (want at least one)", what))
		return nil
	}
	items, err := p.d.Seq(n, what+" examples")
	if p.fail(err) {
		return nil
	}
	if len(items) == 0 {
		p.fail(p.d.Errorf(n, "%s has no examples (want at least one)", what))
	}
	var out []Example
	for _, it := range items {
		m, err := p.d.Mapping(it, what+" example", "fields", "expect")
		if p.fail(err) {
			continue
		}
		ex := Example{Line: it.Line, Fields: map[string]string{}, Expect: map[string]string{}}
		fn, err := m.Require("fields")
		if p.fail(err) {
			continue
		}
		fm, err := p.d.Mapping(fn, what+" example fields")
		if p.fail(err) {
			continue
		}
		for _, f := range fm.Fields {
			if !p.fields.Has(f.Key) {
				p.fail(p.d.Errorf(f.KeyN, "unknown field %q in %s example (not in FIELDS.md)", f.Key, what))
				continue
			}
			v, err := p.d.Str(f.Value, what+" example "+f.Key)
			if p.fail(err) {
				continue
			}
			ex.Fields[f.Key] = v
		}
		en, err := m.Require("expect")
		if p.fail(err) {
			continue
		}
		if exp := p.conclusions(en, what+" example expect"); exp != nil {
			ex.Expect = exp
		}
		out = append(out, ex)
	}
	return out
}

// CheckExamples runs every example of every rule and returns all failures
// joined, each naming the example's file:line.
func CheckExamples(rules []Rule) error {
	var errs []error
	for i := range rules {
		errs = append(errs, rules[i].CheckExamples()...)
	}
	return errors.Join(errs...)
}

// CheckExamples runs the rule's examples.
func (r *Rule) CheckExamples() []error {
	var errs []error
	if len(r.Examples) == 0 {
		errs = append(errs, fmt.Errorf("%s: rule %q has no examples", r.pos(), r.ID))
	}
	for _, ex := range r.Examples {
		got, ok := r.Eval(ex.Fields)
		at := fmt.Sprintf("%s:%d", r.File, ex.Line)
		switch {
		case len(ex.Expect) == 0 && ok:
			errs = append(errs, fmt.Errorf("%s: rule %q matched a negative example: concluded %v", at, r.ID, got))
		case len(ex.Expect) > 0 && !ok:
			errs = append(errs, fmt.Errorf("%s: rule %q did not match its example, want %v", at, r.ID, ex.Expect))
		case len(ex.Expect) > 0 && !maps.Equal(got, ex.Expect):
			errs = append(errs, fmt.Errorf("%s: rule %q concluded %v, want %v", at, r.ID, got, ex.Expect))
		}
	}
	return errs
}

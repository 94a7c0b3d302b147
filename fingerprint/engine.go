package fingerprint

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors"
)

// Config configures New.
type Config struct {
	// Catalog checks vendor ids; required.
	Catalog *vendors.Catalog
	// Fields is the key vocabulary; zero means the embedded FIELDS.md.
	Fields vendors.FieldSet
	// Rules replaces the embedded rule set (vendors.RulesFS) when non-nil.
	Rules []Rule
	// ExtraRuleDirs are directories whose *.yaml rules are added to the
	// built-in ones; ids must not collide.
	ExtraRuleDirs []string
	// Statements replaces the embedded vendors/statements.yaml when non-nil.
	Statements *Statements
}

// Engine applies compiled rules to hosts. It is immutable and safe for
// concurrent use.
type Engine struct {
	cat        *vendors.Catalog
	statements *Statements
	rules      []Rule
	byField    map[string][]int // field key -> indexes into rules, in rule order
	fields     []string         // keys of byField, sorted, for a deterministic walk
}

// New loads, validates and compiles the rules and runs their examples.
func New(cfg Config) (*Engine, error) {
	if cfg.Catalog == nil {
		return nil, errors.New("fingerprint: Config.Catalog is required")
	}
	fields := cfg.Fields
	if fields.Len() == 0 {
		var err error
		if fields, err = vendors.LoadFields(); err != nil {
			return nil, fmt.Errorf("fingerprint: %w", err)
		}
	}
	rules := slices.Clone(cfg.Rules)
	if rules == nil {
		var err error
		if rules, err = LoadRules(vendors.RulesFS, fields, cfg.Catalog); err != nil {
			return nil, err
		}
	}
	for _, dir := range cfg.ExtraRuleDirs {
		extra, err := loadRules(os.DirFS(dir), dir, fields, cfg.Catalog)
		if err != nil {
			return nil, err
		}
		rules = append(rules, extra...)
	}
	if errs := checkDuplicates(rules); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := CheckExamples(rules); err != nil {
		return nil, err
	}
	st := cfg.Statements
	if st == nil {
		var err error
		if st, err = LoadStatements(fields); err != nil {
			return nil, err
		}
	}
	e := &Engine{cat: cfg.Catalog, statements: st, rules: rules, byField: map[string][]int{}}
	for i := range rules {
		f := rules[i].Field
		if _, ok := e.byField[f]; !ok {
			e.fields = append(e.fields, f)
		}
		e.byField[f] = append(e.byField[f], i)
	}
	slices.Sort(e.fields)
	return e, nil
}

// Rules returns the engine's rules.
func (e *Engine) Rules() []Rule { return slices.Clone(e.rules) }

// Identify runs every rule and every statement (vendors/statements.yaml)
// over every evidence item of h and fuses the hits.
func (e *Engine) Identify(h *device.Host) device.Identity {
	hits, stated, uncatalogued := e.statementHits(h)
	for i := range h.Evidence {
		ev := &h.Evidence[i]
		if len(ev.Fields) == 0 {
			continue
		}
		for _, f := range e.fields {
			if _, ok := ev.Fields[f]; !ok {
				continue
			}
			for _, ri := range e.byField[f] {
				r := &e.rules[ri]
				r.eval(ev.Fields, func(k, v string) {
					hits = append(hits, device.Conclusion{Key: k, Value: v, Rule: r.ID, Evidence: i, Weight: r.Weight})
				})
			}
		}
	}
	if e.statements != nil {
		hits = e.statements.cleanHits(hits)
	}
	for _, k := range []string{KeyModel, KeyFirmware, KeySerial} {
		unifySpellings(hits, k)
	}
	id := Fuse(h.Evidence, hits)
	id.StatedMaker = stated
	// A stated name the catalog lacks matters only when nothing else named
	// the maker (under another winning maker it is a relabel's brand) and
	// the device is one the catalog is about: a printer's UPnP manufacturer
	// is not a gap in a catalog of camera makers.
	id.MakerUncatalogued = uncatalogued && id.Vendor == "" && id.DeviceType.IsVideo()
	return id
}

// Fuse turns rule hits into an Identity; exported so the lead's pipeline can
// fuse hits from other places (and so fusion is testable on its own).
//
// Per key, hits are grouped by value. A value's score is 1-Π(1-w) where each
// evidence source contributes only its strongest hit. The best score wins
// (ties: the stronger single hit, then the lexically smaller value, so the
// result is deterministic); the other values' hits go to Conflicts. The
// winner's confidence is score*(1-best losing score/2).
//
// When the vendor is contested, the brand, model, firmware and serial hits of
// rules that concluded a losing vendor are moved to Conflicts too: a model
// captured by an Axis rule says nothing about a Hikvision device.
func Fuse(evidence []device.Evidence, hits []device.Conclusion) device.Identity {
	id := device.Identity{DeviceType: device.TypeUnknown, Conclusions: hits}
	if len(hits) == 0 {
		return id
	}
	source := func(c device.Conclusion) device.Source {
		if c.Evidence >= 0 && c.Evidence < len(evidence) {
			return evidence[c.Evidence].Source
		}
		return ""
	}

	vendor, vconf, vlosers := fuseKey(hits, KeyVendor, source, nil)
	lostVendor := map[string]bool{} // rule ids that concluded a losing vendor
	for _, c := range vlosers {
		lostVendor[c.Rule] = true
	}
	id.Conflicts = append(id.Conflicts, vlosers...)
	id.Vendor = vendor

	dt, dconf, dlosers := fuseKey(hits, KeyDeviceType, source, nil)
	id.Conflicts = append(id.Conflicts, dlosers...)
	if dt != "" {
		id.DeviceType = device.DeviceType(dt)
	}

	for _, k := range []string{KeyBrand, KeyModel, KeyFirmware, KeySerial} {
		v, _, losers := fuseKey(hits, k, source, lostVendor)
		id.Conflicts = append(id.Conflicts, losers...)
		switch k {
		case KeyBrand:
			id.Brand = v
		case KeyModel:
			id.Model = v
		case KeyFirmware:
			id.Firmware = v
		case KeySerial:
			id.Serial = v
		}
	}
	switch {
	case vendor != "":
		id.Confidence = vconf
	case dt != "":
		id.Confidence = dconf
	}
	return id
}

// fuseKey fuses the hits of one key. Hits whose rule is in exclude always
// lose. It returns the winning value ("" if none), its confidence and the
// losing hits.
func fuseKey(hits []device.Conclusion, key string, source func(device.Conclusion) device.Source, exclude map[string]bool) (string, float64, []device.Conclusion) {
	type group struct {
		value string
		best  map[device.Source]float64
		max   float64
		score float64
	}
	var groups []*group
	var losers []device.Conclusion
	for _, c := range hits {
		if c.Key != key {
			continue
		}
		if exclude[c.Rule] {
			losers = append(losers, c)
			continue
		}
		i := slices.IndexFunc(groups, func(g *group) bool { return g.value == c.Value })
		if i < 0 {
			groups = append(groups, &group{value: c.Value, best: map[device.Source]float64{}})
			i = len(groups) - 1
		}
		g := groups[i]
		s := source(c)
		g.best[s] = max(g.best[s], c.Weight)
		g.max = max(g.max, c.Weight)
	}
	if len(groups) == 0 {
		return "", 0, losers
	}
	for _, g := range groups {
		miss := 1.0
		for _, w := range g.best {
			miss *= 1 - w
		}
		g.score = 1 - miss
	}
	slices.SortStableFunc(groups, func(a, b *group) int {
		switch {
		case a.score != b.score:
			return cmp.Compare(b.score, a.score)
		case a.max != b.max:
			return cmp.Compare(b.max, a.max)
		}
		return cmp.Compare(a.value, b.value)
	})
	win := groups[0]
	lose := 0.0
	if len(groups) > 1 {
		lose = groups[1].score
		for _, c := range hits {
			if c.Key == key && c.Value != win.value && !exclude[c.Rule] {
				losers = append(losers, c)
			}
		}
	}
	conf := min(max(win.score*(1-lose/2), 0), 1)
	return win.value, conf, losers
}

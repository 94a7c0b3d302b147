package vendors

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors/yamldoc"
)

// Source is one provenance entry of the catalog, keyed like VENDORS.md.
type Source struct {
	Key   string
	Title string
	URL   string
	Date  string // published or snapshotted: YYYY, YYYY-MM or YYYY-MM-DD; may be empty
}

// List kinds.
const (
	ListNames    = "names"    // the list names the companies it covers
	ListProperty = "property" // the list defines a property and names nobody
)

// List is a legal or policy list of covered companies.
type List struct {
	ID           string
	Name         string
	Jurisdiction string
	Since        time.Time
	Kind         string // ListNames or ListProperty
	Description  string
	AsOf         time.Time // when camsweep last checked the list against its sources
	Sources      []string
}

// Membership bases.
const (
	BasisNamed     = "named"     // the list names the maker
	BasisProperty  = "property"  // the list's property plainly applies to the maker
	BasisJudgement = "judgement" // camsweep's policy judgement, not a legal determination
)

// Membership says that a maker is on a list, on what basis, since when and
// on whose word. A membership written as a bare list id takes the list's
// sources (the list names the maker) and the list's since date.
type Membership struct {
	List    string
	Basis   string
	Note    string
	Since   time.Time // the maker is covered from; zero when not known
	AsOf    time.Time // when the fact was last checked (the maker's as_of unless given)
	Sources []string
}

// Brand relations a maker's own brands may have.
// A chip-maker brand (HiSilicon of Huawei) is recorded for ownership but is
// no alias: a SoC maker's name in a camera's self-report names the chip.
var brandRelations = []string{"subsidiary", "sub-brand", "former-subsidiary", "product-line", "brand", "former-name", "unverified", "chip-maker"}

// Brand is one of a maker's own labels: a subsidiary, a sub-brand, a former
// subsidiary. Since and Until are YYYY, YYYY-MM or YYYY-MM-DD, empty when
// not known.
type Brand struct {
	Name     string
	Relation string // one of brandRelations
	Note     string
	Since    string
	Until    string
	Aliases  []string // other names devices state for the brand (LookupName)
	Sources  []string
}

// Relabel is an OEM brand reported to have sold devices made on a maker's
// platform. It is a candidate for a second look, never a verdict: see
// Catalog.RelabelNote.
type Relabel struct {
	Brand     string
	Platforms []string // maker ids, most cited first
	Note      string
	Aliases   []string // other names devices state for the brand (LookupName)
	Sources   []string
}

// Company is an owner of makers that makes no cameras itself (CETC, Canon).
type Company struct {
	ID      string
	Name    string // legal name
	Short   string // display name
	Country string // ISO 3166-1 alpha-2
	Parent  string // owner or maker id; empty at the top of a chain
	Note    string
	AsOf    time.Time
	Sources []string
}

// MakerEntry is the full catalog entry of a platform maker.
type MakerEntry struct {
	ID             string
	Name           string // legal name
	Short          string // display name ("Hikvision")
	Country        string // ISO 3166-1 alpha-2
	Parent         string // owner or maker id, empty when none is known
	UltimateParent string // top of the parent chain; empty when Parent is
	Note           string
	AsOf           time.Time // when the facts of the entry were last checked
	Lists          []Membership
	Brands         []Brand
	Aliases        []string // names devices state for the maker besides Name and Short (LookupName)
	Sources        []string
}

// PolicyDef is a named set of lists that `--policy` selects.
type PolicyDef struct {
	ID          string
	Description string
	Lists       []string
}

// Catalog is the parsed catalog.yaml. It is immutable after parsing and safe
// for concurrent use.
type Catalog struct {
	name        string
	version     string
	date        time.Time
	relabelNote string
	owners      []Company
	ownerIdx    map[string]int
	relabels    []Relabel
	sources     map[string]Source
	lists       []List
	listIdx     map[string]int
	makers      []MakerEntry
	makerIdx    map[string]int
	policies    map[string]PolicyDef
	generic     []string              // placeholder names that name nobody
	leftOut     []LeftOut             // makers considered and not catalogued
	names       map[string]nameTarget // NormalizeName(alias) -> what it names
	maxWords    int                   // words in the longest normalised alias
}

// LoadCatalog parses the embedded catalog.yaml.
func LoadCatalog() (*Catalog, error) {
	data, err := embedded.ReadFile("catalog.yaml")
	if err != nil {
		return nil, err
	}
	return ParseCatalog("catalog.yaml", data)
}

// LoadCatalogFile parses a catalog file that replaces the embedded one.
func LoadCatalogFile(path string) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return ParseCatalog(path, data)
}

var (
	idRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	countryRe = regexp.MustCompile(`^[A-Z]{2}$`)
	// partialDateRe accepts the precision the sources give: a year, a month
	// or a day.
	partialDateRe = regexp.MustCompile(`^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$`)
)

// ParseCatalog parses a catalog; errors name name, line and token, and all
// problems found are returned together.
func ParseCatalog(name string, data []byte) (*Catalog, error) {
	d, err := yamldoc.Parse(name, data)
	if err != nil {
		return nil, err
	}
	top, err := d.Mapping(d.Root, "catalog", "catalog", "sources", "lists", "policies", "owners", "makers", "relabels", "generic_names", "left_out")
	if err != nil {
		return nil, err
	}
	c := &Catalog{
		name:     name,
		sources:  map[string]Source{},
		listIdx:  map[string]int{},
		ownerIdx: map[string]int{},
		makerIdx: map[string]int{},
		policies: map[string]PolicyDef{},
	}
	p := catalogParser{d: d, c: c, parentNode: map[string]*yaml.Node{}}
	p.header(top)
	p.sources(top.Get("sources"))
	p.listsSection(top.Get("lists"))
	if len(p.errs) > 0 {
		// Later sections refer to sources and lists; don't bury the cause.
		return nil, errors.Join(p.errs...)
	}
	p.ownersSection(top.Get("owners"))
	p.makersSection(top.Get("makers"))
	p.policiesSection(top.Get("policies"))
	p.relabelsSection(top.Get("relabels"))
	p.genericSection(top.Get("generic_names"))
	p.leftOutSection(top.Get("left_out"))
	if len(p.errs) == 0 {
		p.parents()
	}
	if len(p.errs) == 0 {
		p.indexNames()
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return c, nil
}

type catalogParser struct {
	d          *yamldoc.Doc
	c          *Catalog
	errs       []error
	parentNode map[string]*yaml.Node // company or maker id -> its parent's node
	names      []nameReg             // names and aliases, indexed once all sections are read
}

func (p *catalogParser) fail(err error) bool {
	if err != nil {
		p.errs = append(p.errs, err)
		return true
	}
	return false
}

func (p *catalogParser) str(m *yamldoc.Map, key, what string, required bool) string {
	n := m.Get(key)
	if n == nil {
		if required {
			p.fail(p.d.Errorf(m.Node, "missing %q in %s", key, what))
		}
		return ""
	}
	s, err := p.d.Str(n, what+" "+key)
	if p.fail(err) {
		return ""
	}
	if required && s == "" {
		p.fail(p.d.Errorf(n, "empty %q in %s", key, what))
	}
	return s
}

// date reads a YYYY-MM-DD value.
func (p *catalogParser) date(m *yamldoc.Map, key, what string, required bool) time.Time {
	s := p.str(m, key, what, required)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		p.fail(p.d.Errorf(m.Get(key), "bad date %q in %s (want YYYY-MM-DD)", s, what))
	}
	return t
}

// partialDate reads a YYYY, YYYY-MM or YYYY-MM-DD value.
func (p *catalogParser) partialDate(m *yamldoc.Map, key, what string) string {
	s := p.str(m, key, what, false)
	if s != "" && !partialDateRe.MatchString(s) {
		p.fail(p.d.Errorf(m.Get(key), "bad date %q in %s (want YYYY, YYYY-MM or YYYY-MM-DD)", s, what))
	}
	return s
}

// sourceKeys reads the sources of a fact. A fact without a source is
// refused when required: that is the catalog's one promise.
func (p *catalogParser) sourceKeys(m *yamldoc.Map, what string, required bool) []string {
	n := m.Get("sources")
	if n == nil {
		if required {
			p.fail(p.d.Errorf(m.Node, "%s has no sources (every fact needs one)", what))
		}
		return nil
	}
	keys, nodes, err := p.d.StrList(n, what+" sources")
	if p.fail(err) {
		return nil
	}
	if required && len(keys) == 0 {
		p.fail(p.d.Errorf(n, "%s has no sources (every fact needs one)", what))
	}
	for i, k := range keys {
		if _, ok := p.c.sources[k]; !ok {
			p.fail(p.d.Errorf(nodes[i], "unknown source %q in %s", k, what))
		}
	}
	return keys
}

func (p *catalogParser) header(top *yamldoc.Map) {
	n := top.Get("catalog")
	if n == nil {
		return // a minimal catalog (tests, user overrides) may omit it
	}
	m, err := p.d.Mapping(n, "catalog header", "version", "date", "relabel_note")
	if p.fail(err) {
		return
	}
	p.c.version = p.str(m, "version", "catalog header", true)
	p.c.date = p.date(m, "date", "catalog header", true)
	p.c.relabelNote = p.str(m, "relabel_note", "catalog header", false)
}

func (p *catalogParser) sources(n *yaml.Node) {
	if n == nil {
		return
	}
	m, err := p.d.Mapping(n, "sources")
	if p.fail(err) {
		return
	}
	for _, f := range m.Fields {
		what := fmt.Sprintf("source %q", f.Key)
		sm, err := p.d.Mapping(f.Value, what, "title", "url", "date")
		if p.fail(err) {
			continue
		}
		p.c.sources[f.Key] = Source{
			Key: f.Key, Title: p.str(sm, "title", what, true), URL: p.str(sm, "url", what, false),
			Date: p.partialDate(sm, "date", what),
		}
	}
}

func (p *catalogParser) listsSection(n *yaml.Node) {
	if n == nil {
		p.fail(p.d.Errorf(p.d.Root, "missing \"lists\" in catalog"))
		return
	}
	items, err := p.d.Seq(n, "lists")
	if p.fail(err) {
		return
	}
	for _, it := range items {
		m, err := p.d.Mapping(it, "list", "id", "name", "jurisdiction", "since", "as_of", "kind", "description", "sources")
		if p.fail(err) {
			continue
		}
		l := List{ID: p.str(m, "id", "list", true)}
		what := fmt.Sprintf("list %q", l.ID)
		if l.ID != "" && !idRe.MatchString(l.ID) {
			p.fail(p.d.Errorf(m.Get("id"), "bad list id %q (want lower-case letters, digits and -)", l.ID))
		}
		if _, dup := p.c.listIdx[l.ID]; dup {
			p.fail(p.d.Errorf(m.Get("id"), "duplicate list %q", l.ID))
		}
		l.Name = p.str(m, "name", what, true)
		l.Jurisdiction = p.str(m, "jurisdiction", what, true)
		l.Description = p.str(m, "description", what, false)
		l.Since = p.date(m, "since", what, true)
		l.AsOf = p.date(m, "as_of", what, false)
		l.Kind = p.str(m, "kind", what, true)
		if l.Kind != "" && l.Kind != ListNames && l.Kind != ListProperty {
			p.fail(p.d.Errorf(m.Get("kind"), "unknown kind %q in %s (want names or property)", l.Kind, what))
		}
		l.Sources = p.sourceKeys(m, what, true)
		p.c.listIdx[l.ID] = len(p.c.lists)
		p.c.lists = append(p.c.lists, l)
	}
}

// company reads the fields owners and makers share and registers the id.
func (p *catalogParser) company(m *yamldoc.Map, kind string) Company {
	co := Company{ID: p.str(m, "id", kind, true)}
	what := fmt.Sprintf("%s %q", kind, co.ID)
	if co.ID != "" && !idRe.MatchString(co.ID) {
		p.fail(p.d.Errorf(m.Get("id"), "bad %s id %q (want lower-case letters, digits and -)", kind, co.ID))
	}
	_, dupMaker := p.c.makerIdx[co.ID]
	_, dupOwner := p.c.ownerIdx[co.ID]
	if dupMaker || dupOwner {
		p.fail(p.d.Errorf(m.Get("id"), "duplicate %s %q", kind, co.ID))
	}
	co.Name = p.str(m, "name", what, true)
	co.Short = p.str(m, "short", what, true)
	co.Country = p.str(m, "country", what, true)
	if co.Country != "" && !countryRe.MatchString(co.Country) {
		p.fail(p.d.Errorf(m.Get("country"), "bad country %q in %s (want ISO 3166 alpha-2, e.g. CN)", co.Country, what))
	}
	co.Parent = p.str(m, "parent", what, false)
	if co.Parent != "" {
		p.parentNode[co.ID] = m.Get("parent")
	}
	co.Note = p.str(m, "note", what, false)
	co.AsOf = p.date(m, "as_of", what, true)
	co.Sources = p.sourceKeys(m, what, true)
	return co
}

func (p *catalogParser) ownersSection(n *yaml.Node) {
	if n == nil {
		return
	}
	items, err := p.d.Seq(n, "owners")
	if p.fail(err) {
		return
	}
	for _, it := range items {
		m, err := p.d.Mapping(it, "owner", "id", "name", "short", "country", "parent", "note", "as_of", "sources")
		if p.fail(err) {
			continue
		}
		co := p.company(m, "owner")
		p.c.ownerIdx[co.ID] = len(p.c.owners)
		p.c.owners = append(p.c.owners, co)
	}
}

func (p *catalogParser) makersSection(n *yaml.Node) {
	if n == nil {
		p.fail(p.d.Errorf(p.d.Root, "missing \"makers\" in catalog"))
		return
	}
	items, err := p.d.Seq(n, "makers")
	if p.fail(err) {
		return
	}
	for _, it := range items {
		m, err := p.d.Mapping(it, "maker", "id", "name", "short", "country", "parent", "note", "as_of", "lists", "brands", "aliases", "sources")
		if p.fail(err) {
			continue
		}
		co := p.company(m, "maker")
		e := MakerEntry{ID: co.ID, Name: co.Name, Short: co.Short, Country: co.Country, Parent: co.Parent, Note: co.Note, AsOf: co.AsOf, Sources: co.Sources}
		what := fmt.Sprintf("maker %q", e.ID)
		own := nameTarget{maker: e.ID, brand: e.Short, relabel: -1, what: what}
		p.addName(e.Name, m.Get("name"), own)
		p.addName(e.Short, m.Get("short"), own)
		e.Aliases = p.aliases(m, what, own)
		e.Lists = p.memberships(m.Get("lists"), what, e.AsOf)
		e.Brands = p.brands(m.Get("brands"), what, e.ID)
		p.c.makerIdx[e.ID] = len(p.c.makers)
		p.c.makers = append(p.c.makers, e)
	}
}

func (p *catalogParser) memberships(n *yaml.Node, what string, asOf time.Time) []Membership {
	if n == nil {
		return nil
	}
	items, err := p.d.Seq(n, what+" lists")
	if p.fail(err) {
		return nil
	}
	var out []Membership
	for _, it := range items {
		ms := Membership{Basis: BasisNamed, AsOf: asOf}
		idNode := it
		ew := what + " list entry"
		var m *yamldoc.Map
		if it.Kind == yaml.MappingNode {
			m, err = p.d.Mapping(it, ew, "id", "basis", "since", "as_of", "sources", "note")
			if p.fail(err) {
				continue
			}
			ms.List = p.str(m, "id", ew, true)
			idNode = m.Get("id")
			ms.Basis = p.str(m, "basis", ew, true)
			ms.Note = p.str(m, "note", ew, false)
			ms.Since = p.date(m, "since", ew, false)
			if t := p.date(m, "as_of", ew, false); !t.IsZero() {
				ms.AsOf = t
			}
			switch ms.Basis {
			case BasisNamed, BasisProperty, BasisJudgement, "":
			default:
				p.fail(p.d.Errorf(m.Get("basis"), "unknown basis %q in %s (want named, property or judgement)", ms.Basis, what))
			}
		} else {
			s, err := p.d.Str(it, what+" lists")
			if p.fail(err) {
				continue
			}
			ms.List = s
		}
		i, ok := p.c.listIdx[ms.List]
		if !ok {
			p.fail(p.d.Errorf(idNode, "unknown list %q in %s", ms.List, what))
			continue
		}
		l := p.c.lists[i]
		if l.Kind == ListProperty && ms.Basis == BasisNamed {
			p.fail(p.d.Errorf(idNode, "list %q names no companies; %s needs basis property or judgement", ms.List, what))
		}
		if m != nil {
			// A reading of a property or a judgement needs its own
			// evidence; a naming list's own sources name the maker.
			ms.Sources = p.sourceKeys(m, fmt.Sprintf("%s on list %q", what, ms.List), ms.Basis != BasisNamed)
		}
		if len(ms.Sources) == 0 {
			ms.Sources = slices.Clone(l.Sources)
		}
		if ms.Since.IsZero() && ms.Basis == BasisNamed {
			ms.Since = l.Since
		}
		if slices.ContainsFunc(out, func(x Membership) bool { return x.List == ms.List }) {
			p.fail(p.d.Errorf(idNode, "list %q repeated in %s", ms.List, what))
			continue
		}
		out = append(out, ms)
	}
	return out
}

func (p *catalogParser) brands(n *yaml.Node, what, makerID string) []Brand {
	if n == nil {
		return nil
	}
	items, err := p.d.Seq(n, what+" brands")
	if p.fail(err) {
		return nil
	}
	var out []Brand
	for _, it := range items {
		m, err := p.d.Mapping(it, what+" brand", "name", "relation", "note", "since", "until", "aliases", "sources")
		if p.fail(err) {
			continue
		}
		b := Brand{Name: p.str(m, "name", what+" brand", true)}
		bw := fmt.Sprintf("brand %q of %s", b.Name, what)
		b.Relation = p.str(m, "relation", bw, true)
		if b.Relation == "relabel" {
			p.fail(p.d.Errorf(m.Get("relation"), "%s: relabels go in the relabels section, with the platforms they relabel", bw))
		} else if b.Relation != "" && !slices.Contains(brandRelations, b.Relation) {
			p.fail(p.d.Errorf(m.Get("relation"), "unknown relation %q of %s (want %s)", b.Relation, bw, strings.Join(brandRelations, ", ")))
		}
		b.Note = p.str(m, "note", bw, false)
		b.Since = p.partialDate(m, "since", bw)
		b.Until = p.partialDate(m, "until", bw)
		if b.Since != "" && b.Until != "" && b.Until < b.Since {
			p.fail(p.d.Errorf(m.Get("until"), "%s: until %s is before since %s", bw, b.Until, b.Since))
		}
		b.Sources = p.sourceKeys(m, bw, true)
		t := nameTarget{maker: makerID, brand: b.Name, relabel: -1, what: bw}
		if b.Relation == "chip-maker" {
			if m.Get("aliases") != nil {
				p.fail(p.d.Errorf(m.Get("aliases"), "%s: a chip maker's name names the chip, not the camera; it takes no aliases", bw))
			}
		} else {
			p.addName(b.Name, m.Get("name"), t)
			b.Aliases = p.aliases(m, bw, t)
		}
		out = append(out, b)
	}
	return out
}

func (p *catalogParser) relabelsSection(n *yaml.Node) {
	if n == nil {
		return
	}
	items, err := p.d.Seq(n, "relabels")
	if p.fail(err) {
		return
	}
	for _, it := range items {
		m, err := p.d.Mapping(it, "relabel", "brand", "platforms", "note", "aliases", "sources")
		if p.fail(err) {
			continue
		}
		r := Relabel{Brand: p.str(m, "brand", "relabel", true)}
		what := fmt.Sprintf("relabel %q", r.Brand)
		if slices.ContainsFunc(p.c.relabels, func(x Relabel) bool { return strings.EqualFold(x.Brand, r.Brand) }) {
			p.fail(p.d.Errorf(m.Get("brand"), "duplicate %s", what))
		}
		pn, err := m.Require("platforms")
		if p.fail(err) {
			continue
		}
		plats, nodes, err := p.d.StrList(pn, what+" platforms")
		if p.fail(err) {
			continue
		}
		if len(plats) == 0 {
			p.fail(p.d.Errorf(pn, "%s names no platform maker", what))
		}
		for i, pl := range plats {
			if !p.c.HasMaker(pl) {
				p.fail(p.d.Errorf(nodes[i], "unknown maker %q in %s", pl, what))
			}
		}
		r.Platforms = plats
		r.Note = p.str(m, "note", what, false)
		r.Sources = p.sourceKeys(m, what, true)
		t := nameTarget{relabel: len(p.c.relabels), what: what}
		p.addName(r.Brand, m.Get("brand"), t)
		r.Aliases = p.aliases(m, what, t)
		p.c.relabels = append(p.c.relabels, r)
	}
}

// parents checks that every parent exists and that no chain loops, and
// sets each maker's ultimate parent.
func (p *catalogParser) parents() {
	parentOf := func(id string) string {
		if i, ok := p.c.makerIdx[id]; ok {
			return p.c.makers[i].Parent
		}
		if i, ok := p.c.ownerIdx[id]; ok {
			return p.c.owners[i].Parent
		}
		return ""
	}
	known := func(id string) bool { _, o := p.c.ownerIdx[id]; return o || p.c.HasMaker(id) }
	ids := make([]string, 0, len(p.parentNode))
	for id := range p.parentNode {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	bad := false
	for _, id := range ids {
		if par := parentOf(id); !known(par) {
			p.fail(p.d.Errorf(p.parentNode[id], "unknown parent %q of %q (want an owner or maker id)", par, id))
			bad = true
		}
	}
	if bad {
		return
	}
	reported := map[string]bool{}
	for _, id := range ids {
		chain := []string{id}
		for cur := parentOf(id); cur != ""; cur = parentOf(cur) {
			if i := slices.Index(chain, cur); i >= 0 {
				loop := append(chain[i:], cur)
				key := slices.Min(loop[:len(loop)-1])
				if !reported[key] {
					reported[key] = true
					p.fail(p.d.Errorf(p.parentNode[cur], "cycle of parents: %s", strings.Join(loop, " -> ")))
				}
				break
			}
			chain = append(chain, cur)
		}
	}
	if len(p.errs) > 0 {
		return
	}
	for i := range p.c.makers {
		e := &p.c.makers[i]
		for cur := e.Parent; cur != ""; cur = parentOf(cur) {
			e.UltimateParent = cur
		}
	}
}

func (p *catalogParser) policiesSection(n *yaml.Node) {
	if n == nil {
		return
	}
	items, err := p.d.Seq(n, "policies")
	if p.fail(err) {
		return
	}
	for _, it := range items {
		m, err := p.d.Mapping(it, "policy", "id", "description", "lists")
		if p.fail(err) {
			continue
		}
		pd := PolicyDef{ID: p.str(m, "id", "policy", true)}
		what := fmt.Sprintf("policy %q", pd.ID)
		if _, dup := p.c.policies[pd.ID]; dup {
			p.fail(p.d.Errorf(m.Get("id"), "duplicate policy %q", pd.ID))
		}
		pd.Description = p.str(m, "description", what, false)
		ln, err := m.Require("lists")
		if p.fail(err) {
			continue
		}
		lists, nodes, err := p.d.StrList(ln, what+" lists")
		if p.fail(err) {
			continue
		}
		if len(lists) == 0 {
			p.fail(p.d.Errorf(ln, "%s covers no lists", what))
		}
		for i, l := range lists {
			if _, ok := p.c.listIdx[l]; !ok {
				p.fail(p.d.Errorf(nodes[i], "unknown list %q in %s", l, what))
			}
		}
		if _, ok := p.c.listIdx[pd.ID]; ok && !slices.Equal(lists, []string{pd.ID}) {
			p.fail(p.d.Errorf(m.Get("id"), "%s shares its name with a list but covers other lists", what))
		}
		pd.Lists = lists
		p.c.policies[pd.ID] = pd
	}
}

// Name is the file the catalog was parsed from.
func (c *Catalog) Name() string { return c.name }

// Version is the catalog's version ("" when the file has no header).
func (c *Catalog) Version() string { return c.version }

// Date is the catalog's date (zero when the file has no header).
func (c *Catalog) Date() time.Time { return c.date }

// VersionString names the catalog in a run record: "catalog.yaml
// 2026.11.26 (2026-11-26)".
func (c *Catalog) VersionString() string {
	s := c.name
	if c.version != "" {
		s += " " + c.version
	}
	if !c.date.IsZero() {
		s += " (" + c.date.Format(time.DateOnly) + ")"
	}
	return s
}

// RelabelNote is the catalog's caveat on relabel brands.
func (c *Catalog) RelabelNote() string { return c.relabelNote }

// Relabels returns the OEM relabel entries in file order.
func (c *Catalog) Relabels() []Relabel { return slices.Clone(c.relabels) }

// Company returns an owner or maker by id as a Company.
func (c *Catalog) Company(id string) (Company, bool) {
	if i, ok := c.ownerIdx[id]; ok {
		return c.owners[i], true
	}
	if e, ok := c.Entry(id); ok {
		return Company{ID: e.ID, Name: e.Name, Short: e.Short, Country: e.Country, Parent: e.Parent, Note: e.Note, AsOf: e.AsOf, Sources: e.Sources}, true
	}
	return Company{}, false
}

// Owners returns the owners (non-maker parents) in file order.
func (c *Catalog) Owners() []Company { return slices.Clone(c.owners) }

// ShortName is the display name of an owner or maker id, or id itself.
func (c *Catalog) ShortName(id string) string {
	if co, ok := c.Company(id); ok {
		return co.Short
	}
	return id
}

// Maker returns the device-record view of a maker: Name is the display
// (short) name, Parent and UltimateParent display names.
func (c *Catalog) Maker(id string) (device.Maker, bool) {
	e, ok := c.Entry(id)
	if !ok {
		return device.Maker{}, false
	}
	lists := make([]string, 0, len(e.Lists))
	for _, m := range e.Lists {
		lists = append(lists, m.List)
	}
	m := device.Maker{ID: e.ID, Name: e.Short, Country: e.Country, Lists: lists}
	if e.Parent != "" {
		m.Parent = c.ShortName(e.Parent)
	}
	if e.UltimateParent != "" && e.UltimateParent != e.Parent {
		m.UltimateParent = c.ShortName(e.UltimateParent)
	}
	return m, true
}

// Entry returns the full catalog entry of a maker.
func (c *Catalog) Entry(id string) (MakerEntry, bool) {
	i, ok := c.makerIdx[id]
	if !ok {
		return MakerEntry{}, false
	}
	return c.makers[i], true
}

// HasMaker reports whether id is a maker of the catalog.
func (c *Catalog) HasMaker(id string) bool { _, ok := c.makerIdx[id]; return ok }

// Makers returns all makers in file order.
func (c *Catalog) Makers() []MakerEntry { return slices.Clone(c.makers) }

// HasList reports whether id is a list of the catalog.
func (c *Catalog) HasList(id string) bool { _, ok := c.listIdx[id]; return ok }

// List returns one list.
func (c *Catalog) List(id string) (List, bool) {
	i, ok := c.listIdx[id]
	if !ok {
		return List{}, false
	}
	return c.lists[i], true
}

// Lists returns all lists in file order.
func (c *Catalog) Lists() []List { return slices.Clone(c.lists) }

// Source returns a source by key.
func (c *Catalog) Source(key string) (Source, bool) { s, ok := c.sources[key]; return s, ok }

// Policy returns the lists a policy covers. A list id is also a policy that
// covers just that list.
func (c *Catalog) Policy(name string) ([]string, bool) {
	if p, ok := c.policies[name]; ok {
		return slices.Clone(p.Lists), true
	}
	if c.HasList(name) {
		return []string{name}, true
	}
	return nil, false
}

// Policies returns the ids usable as policies (defined policies and lists), sorted.
func (c *Catalog) Policies() []string {
	var out []string
	for id := range c.policies {
		out = append(out, id)
	}
	for _, l := range c.lists {
		if _, ok := c.policies[l.ID]; !ok {
			out = append(out, l.ID)
		}
	}
	slices.Sort(out)
	return out
}

// ResolvePolicy parses a --policy value: one policy or list id, or several
// separated by commas ("uk-nil,us-ndaa889"). It returns the names in the
// order given (duplicates dropped) and the union of their lists.
func (c *Catalog) ResolvePolicy(spec string) (names, lists []string, err error) {
	for _, n := range strings.Split(spec, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, nil, fmt.Errorf("empty policy name in %q", spec)
		}
		ls, ok := c.Policy(n)
		if !ok {
			return nil, nil, fmt.Errorf("unknown policy %q (want one of %s, or several joined by commas)", n, strings.Join(c.Policies(), ", "))
		}
		if slices.Contains(names, n) {
			continue
		}
		names = append(names, n)
		for _, l := range ls {
			if !slices.Contains(lists, l) {
				lists = append(lists, l)
			}
		}
	}
	return names, lists, nil
}

// CoveringLists returns the maker's memberships in the given lists, in the
// maker's order.
func (c *Catalog) CoveringLists(lists []string, makerID string) []Membership {
	e, ok := c.Entry(makerID)
	if !ok {
		return nil
	}
	var out []Membership
	for _, m := range e.Lists {
		if slices.Contains(lists, m.List) {
			out = append(out, m)
		}
	}
	return out
}

// Covering returns the maker's memberships in the lists of a policy (or of
// several, comma-separated), in the maker's order; empty when the policy
// does not cover the maker.
func (c *Catalog) Covering(policy, makerID string) []Membership {
	_, lists, err := c.ResolvePolicy(policy)
	if err != nil {
		return nil
	}
	return c.CoveringLists(lists, makerID)
}

// Covered reports whether the policy covers the maker.
func (c *Catalog) Covered(policy, makerID string) bool {
	return len(c.Covering(policy, makerID)) > 0
}

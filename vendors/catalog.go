package vendors

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
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
	Sources      []string
}

// Membership bases.
const (
	BasisNamed     = "named"     // the list names the maker
	BasisProperty  = "property"  // the list's property plainly applies to the maker
	BasisJudgement = "judgement" // camsweep's policy judgement, not a legal determination
)

// Membership says that a maker is on a list and on what basis.
type Membership struct {
	List  string
	Basis string
	Note  string
}

// Brand is a label a maker's devices are sold under.
type Brand struct {
	Name     string
	Relation string // subsidiary, sub-brand, relabel, former-subsidiary, unverified…
	Note     string
	Sources  []string
}

// MakerEntry is the full catalog entry of a platform maker.
type MakerEntry struct {
	ID      string
	Name    string // legal name
	Short   string // display name ("Hikvision")
	Country string // ISO 3166-1 alpha-2
	Parent  string
	Note    string
	Lists   []Membership
	Brands  []Brand
	Sources []string
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
	name     string
	sources  map[string]Source
	lists    []List
	listIdx  map[string]int
	makers   []MakerEntry
	makerIdx map[string]int
	policies map[string]PolicyDef
}

// LoadCatalog parses the embedded catalog.yaml.
func LoadCatalog() (*Catalog, error) {
	data, err := embedded.ReadFile("catalog.yaml")
	if err != nil {
		return nil, err
	}
	return ParseCatalog("catalog.yaml", data)
}

var (
	idRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	countryRe = regexp.MustCompile(`^[A-Z]{2}$`)
)

// ParseCatalog parses a catalog; errors name name, line and token, and all
// problems found are returned together.
func ParseCatalog(name string, data []byte) (*Catalog, error) {
	d, err := yamldoc.Parse(name, data)
	if err != nil {
		return nil, err
	}
	top, err := d.Mapping(d.Root, "catalog", "sources", "lists", "policies", "makers")
	if err != nil {
		return nil, err
	}
	c := &Catalog{
		name:     name,
		sources:  map[string]Source{},
		listIdx:  map[string]int{},
		makerIdx: map[string]int{},
		policies: map[string]PolicyDef{},
	}
	p := catalogParser{d: d, c: c}
	p.sources(top.Get("sources"))
	p.listsSection(top.Get("lists"))
	if len(p.errs) > 0 {
		// Later sections refer to sources and lists; don't bury the cause.
		return nil, errors.Join(p.errs...)
	}
	p.makersSection(top.Get("makers"))
	p.policiesSection(top.Get("policies"))
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return c, nil
}

type catalogParser struct {
	d    *yamldoc.Doc
	c    *Catalog
	errs []error
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

func (p *catalogParser) sourceKeys(m *yamldoc.Map, what string) []string {
	n := m.Get("sources")
	if n == nil {
		return nil
	}
	keys, nodes, err := p.d.StrList(n, what+" sources")
	if p.fail(err) {
		return nil
	}
	for i, k := range keys {
		if _, ok := p.c.sources[k]; !ok {
			p.fail(p.d.Errorf(nodes[i], "unknown source %q in %s", k, what))
		}
	}
	return keys
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
		sm, err := p.d.Mapping(f.Value, what, "title", "url")
		if p.fail(err) {
			continue
		}
		p.c.sources[f.Key] = Source{Key: f.Key, Title: p.str(sm, "title", what, true), URL: p.str(sm, "url", what, false)}
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
		m, err := p.d.Mapping(it, "list", "id", "name", "jurisdiction", "since", "kind", "description", "sources")
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
		if s := p.str(m, "since", what, true); s != "" {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				p.fail(p.d.Errorf(m.Get("since"), "bad date %q in %s (want YYYY-MM-DD)", s, what))
			}
			l.Since = t
		}
		l.Kind = p.str(m, "kind", what, true)
		if l.Kind != "" && l.Kind != ListNames && l.Kind != ListProperty {
			p.fail(p.d.Errorf(m.Get("kind"), "unknown kind %q in %s (want names or property)", l.Kind, what))
		}
		l.Sources = p.sourceKeys(m, what)
		p.c.listIdx[l.ID] = len(p.c.lists)
		p.c.lists = append(p.c.lists, l)
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
		m, err := p.d.Mapping(it, "maker", "id", "name", "short", "country", "parent", "note", "lists", "brands", "sources")
		if p.fail(err) {
			continue
		}
		e := MakerEntry{ID: p.str(m, "id", "maker", true)}
		what := fmt.Sprintf("maker %q", e.ID)
		if e.ID != "" && !idRe.MatchString(e.ID) {
			p.fail(p.d.Errorf(m.Get("id"), "bad maker id %q (want lower-case letters, digits and -)", e.ID))
		}
		if _, dup := p.c.makerIdx[e.ID]; dup {
			p.fail(p.d.Errorf(m.Get("id"), "duplicate maker %q", e.ID))
		}
		e.Name = p.str(m, "name", what, true)
		e.Short = p.str(m, "short", what, true)
		e.Country = p.str(m, "country", what, true)
		if e.Country != "" && !countryRe.MatchString(e.Country) {
			p.fail(p.d.Errorf(m.Get("country"), "bad country %q in %s (want ISO 3166 alpha-2, e.g. CN)", e.Country, what))
		}
		e.Parent = p.str(m, "parent", what, false)
		e.Note = p.str(m, "note", what, false)
		e.Lists = p.memberships(m.Get("lists"), what)
		e.Brands = p.brands(m.Get("brands"), what)
		e.Sources = p.sourceKeys(m, what)
		p.c.makerIdx[e.ID] = len(p.c.makers)
		p.c.makers = append(p.c.makers, e)
	}
}

func (p *catalogParser) memberships(n *yaml.Node, what string) []Membership {
	if n == nil {
		return nil
	}
	items, err := p.d.Seq(n, what+" lists")
	if p.fail(err) {
		return nil
	}
	var out []Membership
	for _, it := range items {
		ms := Membership{Basis: BasisNamed}
		idNode := it
		if it.Kind == yaml.MappingNode {
			m, err := p.d.Mapping(it, what+" list entry", "id", "basis", "note")
			if p.fail(err) {
				continue
			}
			ms.List = p.str(m, "id", what+" list entry", true)
			idNode = m.Get("id")
			ms.Basis = p.str(m, "basis", what+" list entry", true)
			ms.Note = p.str(m, "note", what+" list entry", false)
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
		if p.c.lists[i].Kind == ListProperty && ms.Basis == BasisNamed {
			p.fail(p.d.Errorf(idNode, "list %q names no companies; %s needs basis property or judgement", ms.List, what))
		}
		if slices.ContainsFunc(out, func(x Membership) bool { return x.List == ms.List }) {
			p.fail(p.d.Errorf(idNode, "list %q repeated in %s", ms.List, what))
			continue
		}
		out = append(out, ms)
	}
	return out
}

func (p *catalogParser) brands(n *yaml.Node, what string) []Brand {
	if n == nil {
		return nil
	}
	items, err := p.d.Seq(n, what+" brands")
	if p.fail(err) {
		return nil
	}
	var out []Brand
	for _, it := range items {
		m, err := p.d.Mapping(it, what+" brand", "name", "relation", "note", "sources")
		if p.fail(err) {
			continue
		}
		b := Brand{Name: p.str(m, "name", what+" brand", true)}
		bw := fmt.Sprintf("brand %q of %s", b.Name, what)
		b.Relation = p.str(m, "relation", bw, true)
		b.Note = p.str(m, "note", bw, false)
		b.Sources = p.sourceKeys(m, bw)
		out = append(out, b)
	}
	return out
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

// Maker returns the device-record view of a maker: Name is the display
// (short) name.
func (c *Catalog) Maker(id string) (device.Maker, bool) {
	e, ok := c.Entry(id)
	if !ok {
		return device.Maker{}, false
	}
	lists := make([]string, 0, len(e.Lists))
	for _, m := range e.Lists {
		lists = append(lists, m.List)
	}
	return device.Maker{ID: e.ID, Name: e.Short, Country: e.Country, Parent: e.Parent, Lists: lists}, true
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

// Covering returns the maker's memberships in the lists of a policy, in the
// maker's order; empty when the policy does not cover the maker.
func (c *Catalog) Covering(policy, makerID string) []Membership {
	lists, ok := c.Policy(policy)
	if !ok {
		return nil
	}
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

// Covered reports whether the policy covers the maker.
func (c *Catalog) Covered(policy, makerID string) bool {
	return len(c.Covering(policy, makerID)) > 0
}

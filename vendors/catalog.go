package vendors

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors/yamldoc"
)

// Source is one provenance entry of the catalog, keyed like docs/vendors.md.
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

// The catalog file as written. It is decoded strictly (KnownFields), so the
// schema is these types: an unknown key or a value of the wrong shape is a
// decoder error at its line. What types cannot say (required keys, ids,
// dates, references between sections) is checked afterwards, and the line
// of the offending node is looked up only to report an error.
type rawCatalog struct {
	Header   *rawHeader           `yaml:"catalog"`
	Sources  map[string]rawSource `yaml:"sources"`
	Lists    []rawList            `yaml:"lists"`
	Policies []rawPolicy          `yaml:"policies"`
	Owners   []rawCompany         `yaml:"owners"`
	Makers   []rawMaker           `yaml:"makers"`
	Relabels []rawRelabel         `yaml:"relabels"`
	// Read node by node in names.go.
	GenericNames yaml.Node `yaml:"generic_names"`
	LeftOut      yaml.Node `yaml:"left_out"`
}

type rawHeader struct {
	Version     string `yaml:"version"`
	Date        string `yaml:"date"`
	RelabelNote string `yaml:"relabel_note"`
}

type rawSource struct {
	Title string `yaml:"title"`
	URL   string `yaml:"url"`
	Date  string `yaml:"date"`
}

type rawList struct {
	ID           string   `yaml:"id"`
	Name         string   `yaml:"name"`
	Jurisdiction string   `yaml:"jurisdiction"`
	Since        string   `yaml:"since"`
	AsOf         string   `yaml:"as_of"`
	Kind         string   `yaml:"kind"`
	Description  string   `yaml:"description"`
	Sources      []string `yaml:"sources"`
}

// rawCompany is an owner, and the part of a maker owners share.
type rawCompany struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name"`
	Short   string   `yaml:"short"`
	Country string   `yaml:"country"`
	Parent  string   `yaml:"parent"`
	Note    string   `yaml:"note"`
	AsOf    string   `yaml:"as_of"`
	Sources []string `yaml:"sources"`
}

type rawMaker struct {
	rawCompany `yaml:",inline"`
	Lists      []rawMembership `yaml:"lists"`
	Brands     []rawBrand      `yaml:"brands"`
	Aliases    yaml.Node       `yaml:"aliases"` // read and indexed by names.go
}

// rawMembership is a list id alone ("- uk-nil": the list names the maker)
// or a mapping with the basis and its own sources.
type rawMembership struct {
	rawMembershipEntry
	bare bool // written as the list id alone
}

type rawMembershipEntry struct {
	ID      string   `yaml:"id"`
	Basis   string   `yaml:"basis"`
	Since   string   `yaml:"since"`
	AsOf    string   `yaml:"as_of"`
	Sources []string `yaml:"sources"`
	Note    string   `yaml:"note"`
}

// UnmarshalYAML takes either form. It is the decoder-callback form on
// purpose: the callback decodes with the caller's decoder, so KnownFields
// still refuses an unknown key inside the mapping form (a *yaml.Node
// Decode would start a lax decoder).
func (m *rawMembership) UnmarshalYAML(unmarshal func(any) error) error {
	var id string
	if unmarshal(&id) == nil {
		m.ID, m.bare = id, true
		return nil
	}
	return unmarshal(&m.rawMembershipEntry)
}

type rawBrand struct {
	Name     string    `yaml:"name"`
	Relation string    `yaml:"relation"`
	Note     string    `yaml:"note"`
	Since    string    `yaml:"since"`
	Until    string    `yaml:"until"`
	Aliases  yaml.Node `yaml:"aliases"` // read and indexed by names.go
	Sources  []string  `yaml:"sources"`
}

type rawRelabel struct {
	Brand     string    `yaml:"brand"`
	Platforms []string  `yaml:"platforms"`
	Note      string    `yaml:"note"`
	Aliases   yaml.Node `yaml:"aliases"` // read and indexed by names.go
	Sources   []string  `yaml:"sources"`
}

type rawPolicy struct {
	ID          string   `yaml:"id"`
	Description string   `yaml:"description"`
	Lists       []string `yaml:"lists"`
}

// rawWhat names each raw type in errors: "unknown key "shrt" in maker".
var rawWhat = map[string]string{
	"rawCatalog": "catalog", "rawHeader": "catalog header", "rawSource": "source",
	"rawList": "list", "rawCompany": "owner", "rawMaker": "maker",
	"rawMembershipEntry": "list entry", "rawBrand": "brand", "rawRelabel": "relabel", "rawPolicy": "policy",
}

// rawKeys lists the keys a raw type takes, for the unknown-key error.
func rawKeys(typ string) string {
	var t reflect.Type
	for _, v := range []any{rawCatalog{}, rawHeader{}, rawSource{}, rawList{}, rawCompany{}, rawMaker{}, rawMembershipEntry{}, rawBrand{}, rawRelabel{}, rawPolicy{}} {
		if reflect.TypeOf(v).Name() == typ {
			t = reflect.TypeOf(v)
		}
	}
	if t == nil {
		return ""
	}
	var keys []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for f := range t.Fields() {
			tag := f.Tag.Get("yaml")
			if tag == ",inline" {
				walk(f.Type)
			} else if name, _, _ := strings.Cut(tag, ","); name != "" {
				keys = append(keys, name)
			}
		}
	}
	walk(t)
	return strings.Join(keys, ", ")
}

var (
	decodeLineRe   = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownFieldRe = regexp.MustCompile(`^field (\S+) not found in type \S*\.(\w+)$`)
	cannotDecodeRe = regexp.MustCompile(`^cannot unmarshal (!!\w+)(?: ` + "`" + `[^` + "`" + `]*` + "`" + `)? into (\S+)$`)
)

// decodeErrors turns the decoder's errors into file:line errors in the
// catalog's words; a value of the wrong shape is named by its key.
func decodeErrors(d *yamldoc.Doc, err error) error {
	name := d.Name
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return &yamldoc.Error{File: name, Line: 1, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var errs []error
	for _, msg := range te.Errors {
		line := 1
		if m := decodeLineRe.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		if m := unknownFieldRe.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("unknown key %q in %s (want %s)", m[1], rawWhat[m[2]], rawKeys(m[2]))
		} else if m := cannotDecodeRe.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("want %s, got %s", shapeOf(m[2]), tagName(m[1]))
			if key := keyAtLine(d.Root, line, 0); key != "" {
				msg = key + ": " + msg
			}
		}
		errs = append(errs, &yamldoc.Error{File: name, Line: line, Msg: msg})
	}
	return errors.Join(errs...)
}

// keyAtLine is the key whose value starts at line, for naming a value the
// decoder refused; "" when none does. Depth bounds a file of aliases.
func keyAtLine(n *yaml.Node, line, depth int) string {
	if n == nil || depth > 32 {
		return ""
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if v := n.Content[i+1]; v.Line == line && v.Kind != yaml.AliasNode {
				return n.Content[i].Value
			}
		}
	}
	for _, c := range n.Content {
		if c.Kind == yaml.AliasNode || c.Line > line {
			continue
		}
		if k := keyAtLine(c, line, depth+1); k != "" {
			return k
		}
	}
	return ""
}

// shapeOf says what a Go type of the raw schema wants.
func shapeOf(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping"
	}
	if w, ok := rawWhat[strings.TrimPrefix(goType[strings.LastIndexByte(goType, '.')+1:], "*")]; ok {
		return "a mapping (" + w + ")"
	}
	return goType
}

func tagName(tag string) string {
	switch tag {
	case "!!map":
		return "a mapping"
	case "!!seq":
		return "a list"
	case "!!null":
		return "an empty value"
	}
	return "a scalar (" + strings.TrimPrefix(tag, "!!") + ")"
}

// ParseCatalog parses a catalog; errors name name, line and token, and all
// problems found are returned together.
func ParseCatalog(name string, data []byte) (*Catalog, error) {
	// yamldoc gives the syntax errors and the empty file their lines, and
	// keeps the node tree the error lines are looked up in.
	d, err := yamldoc.Parse(name, data)
	if err != nil {
		return nil, err
	}
	if d.Root.Kind != yaml.MappingNode {
		return nil, d.Errorf(d.Root, "catalog: want a mapping, got %s", tagName(d.Root.Tag))
	}
	var raw rawCatalog
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, decodeErrors(d, err)
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
	p.header(raw.Header)
	p.sources(raw.Sources)
	p.listsSection(raw.Lists)
	if len(p.errs) > 0 {
		// Later sections refer to sources and lists; don't bury the cause.
		return nil, errors.Join(p.errs...)
	}
	p.ownersSection(raw.Owners)
	p.makersSection(raw.Makers)
	p.policiesSection(raw.Policies)
	p.relabelsSection(raw.Relabels)
	p.genericSection(p.node(path{"generic_names"}))
	p.leftOutSection(p.node(path{"left_out"}))
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

// path leads from the top of the file to a node: mapping keys (string)
// and list indexes (int).
type path []any

// at is the path one step further down (a new slice: paths are shared).
func (pa path) at(step ...any) path { return slices.Concat(pa, step) }

// node is the node at pa, nil when a step is missing.
func (p *catalogParser) node(pa path) *yaml.Node {
	n := p.d.Root
	for _, step := range pa {
		n = resolveAlias(n)
		var next *yaml.Node
		switch k := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return resolveAlias(n)
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// errAt records an error at the node of pa or, when that is missing, at its
// nearest ancestor.
func (p *catalogParser) errAt(pa path, format string, a ...any) {
	for k := len(pa); k >= 0; k-- {
		if n := p.node(pa[:k]); n != nil {
			p.fail(p.d.Errorf(n, format, a...))
			return
		}
	}
}

// nodeMap lets names.go read the aliases of the mapping at a path.
type nodeMap struct {
	p  *catalogParser
	pa path
}

func (m nodeMap) Get(key string) *yaml.Node { return m.p.node(m.pa.at(key)) }

func (p *catalogParser) fail(err error) bool {
	if err != nil {
		p.errs = append(p.errs, err)
		return true
	}
	return false
}

// str reads a string of a node-walked mapping (names.go's left_out).
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

// sourceKeys reads the sources of a node-walked mapping (names.go's
// left_out); see check for the rule.
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

// need refuses a required value that is missing (an error at the mapping
// at pa) or empty (at the value).
func (p *catalogParser) need(pa path, key, v, what string) string {
	if v != "" {
		return v
	}
	if p.node(pa.at(key)) == nil {
		p.errAt(pa, "missing %q in %s", key, what)
	} else {
		p.errAt(pa.at(key), "empty %q in %s", key, what)
	}
	return ""
}

// date reads a YYYY-MM-DD value.
func (p *catalogParser) date(pa path, key, v, what string, required bool) time.Time {
	if required {
		v = p.need(pa, key, v, what)
	}
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		p.errAt(pa.at(key), "bad date %q in %s (want YYYY-MM-DD)", v, what)
	}
	return t
}

// partialDate reads a YYYY, YYYY-MM or YYYY-MM-DD value.
func (p *catalogParser) partialDate(pa path, key, v, what string) string {
	if v != "" && !partialDateRe.MatchString(v) {
		p.errAt(pa.at(key), "bad date %q in %s (want YYYY, YYYY-MM or YYYY-MM-DD)", v, what)
	}
	return v
}

// sourcesOf checks the sources of the fact at pa. A fact without a source
// is refused when required: that is the catalog's one promise.
func (p *catalogParser) sourcesOf(pa path, keys []string, what string, required bool) []string {
	if required && len(keys) == 0 {
		p.errAt(pa.at("sources"), "%s has no sources (every fact needs one)", what)
	}
	for i, k := range keys {
		if _, ok := p.c.sources[k]; !ok {
			p.errAt(pa.at("sources", i), "unknown source %q in %s", k, what)
		}
	}
	return keys
}

// checkID refuses an id that is not lower-case letters, digits and -.
func (p *catalogParser) checkID(pa path, kind, id string) {
	if id != "" && !idRe.MatchString(id) {
		p.errAt(pa.at("id"), "bad %s id %q (want lower-case letters, digits and -)", kind, id)
	}
}

func (p *catalogParser) header(h *rawHeader) {
	if h == nil {
		return // a minimal catalog (tests, user overrides) may omit it
	}
	pa := path{"catalog"}
	p.c.version = p.need(pa, "version", h.Version, "catalog header")
	p.c.date = p.date(pa, "date", h.Date, "catalog header", true)
	p.c.relabelNote = h.RelabelNote
}

func (p *catalogParser) sources(srcs map[string]rawSource) {
	// In file order, so that the errors come in the order of the file.
	var keys []string
	if n := p.node(path{"sources"}); n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			keys = append(keys, n.Content[i].Value)
		}
	}
	// Keys the node walk did not name (a YAML merge key) follow, sorted.
	var rest []string
	for key := range srcs {
		if !slices.Contains(keys, key) {
			rest = append(rest, key)
		}
	}
	slices.Sort(rest)
	for _, key := range append(keys, rest...) {
		s, ok := srcs[key]
		if !ok {
			continue
		}
		pa, what := path{"sources", key}, fmt.Sprintf("source %q", key)
		p.c.sources[key] = Source{
			Key: key, Title: p.need(pa, "title", s.Title, what), URL: s.URL,
			Date: p.partialDate(pa, "date", s.Date, what),
		}
	}
}

func (p *catalogParser) listsSection(lists []rawList) {
	if p.node(path{"lists"}) == nil {
		p.errAt(nil, "missing \"lists\" in catalog")
		return
	}
	for i, r := range lists {
		pa := path{"lists", i}
		l := List{ID: p.need(pa, "id", r.ID, "list")}
		what := fmt.Sprintf("list %q", l.ID)
		if l.ID != "" && !idRe.MatchString(l.ID) {
			p.errAt(pa.at("id"), "bad list id %q (want lower-case letters, digits and -)", l.ID)
		}
		if _, dup := p.c.listIdx[l.ID]; dup {
			p.errAt(pa.at("id"), "duplicate list %q", l.ID)
		}
		l.Name = p.need(pa, "name", r.Name, what)
		l.Jurisdiction = p.need(pa, "jurisdiction", r.Jurisdiction, what)
		l.Description = r.Description
		l.Since = p.date(pa, "since", r.Since, what, true)
		l.AsOf = p.date(pa, "as_of", r.AsOf, what, false)
		l.Kind = p.need(pa, "kind", r.Kind, what)
		if l.Kind != "" && l.Kind != ListNames && l.Kind != ListProperty {
			p.errAt(pa.at("kind"), "unknown kind %q in %s (want names or property)", l.Kind, what)
		}
		l.Sources = p.sourcesOf(pa, r.Sources, what, true)
		p.c.listIdx[l.ID] = len(p.c.lists)
		p.c.lists = append(p.c.lists, l)
	}
}

// company reads the fields owners and makers share and registers the id.
func (p *catalogParser) company(pa path, r rawCompany, kind string) Company {
	co := Company{ID: p.need(pa, "id", r.ID, kind)}
	what := fmt.Sprintf("%s %q", kind, co.ID)
	p.checkID(pa, kind, co.ID)
	_, dupMaker := p.c.makerIdx[co.ID]
	_, dupOwner := p.c.ownerIdx[co.ID]
	if dupMaker || dupOwner {
		p.errAt(pa.at("id"), "duplicate %s %q", kind, co.ID)
	}
	co.Name = p.need(pa, "name", r.Name, what)
	co.Short = p.need(pa, "short", r.Short, what)
	co.Country = p.need(pa, "country", r.Country, what)
	if co.Country != "" && !countryRe.MatchString(co.Country) {
		p.errAt(pa.at("country"), "bad country %q in %s (want ISO 3166 alpha-2, e.g. CN)", co.Country, what)
	}
	co.Parent = r.Parent
	if co.Parent != "" {
		p.parentNode[co.ID] = p.node(pa.at("parent"))
	}
	co.Note = r.Note
	co.AsOf = p.date(pa, "as_of", r.AsOf, what, true)
	co.Sources = p.sourcesOf(pa, r.Sources, what, true)
	return co
}

func (p *catalogParser) ownersSection(owners []rawCompany) {
	for i, r := range owners {
		co := p.company(path{"owners", i}, r, "owner")
		p.c.ownerIdx[co.ID] = len(p.c.owners)
		p.c.owners = append(p.c.owners, co)
	}
}

func (p *catalogParser) makersSection(makers []rawMaker) {
	if p.node(path{"makers"}) == nil {
		p.errAt(nil, "missing \"makers\" in catalog")
		return
	}
	for i, r := range makers {
		pa := path{"makers", i}
		co := p.company(pa, r.rawCompany, "maker")
		e := MakerEntry{ID: co.ID, Name: co.Name, Short: co.Short, Country: co.Country, Parent: co.Parent, Note: co.Note, AsOf: co.AsOf, Sources: co.Sources}
		what := fmt.Sprintf("maker %q", e.ID)
		own := nameTarget{maker: e.ID, brand: e.Short, relabel: -1, what: what}
		p.addName(e.Name, p.node(pa.at("name")), own)
		p.addName(e.Short, p.node(pa.at("short")), own)
		e.Aliases = p.aliases(nodeMap{p, pa}, what, own)
		e.Lists = p.memberships(pa.at("lists"), r.Lists, what, e.AsOf)
		e.Brands = p.brands(pa.at("brands"), r.Brands, what, e.ID)
		p.c.makerIdx[e.ID] = len(p.c.makers)
		p.c.makers = append(p.c.makers, e)
	}
}

func (p *catalogParser) memberships(lpa path, items []rawMembership, what string, asOf time.Time) []Membership {
	var out []Membership
	for i, r := range items {
		pa := lpa.at(i)
		ms := Membership{List: r.ID, Basis: BasisNamed, AsOf: asOf}
		idPath := pa
		if !r.bare {
			ew := what + " list entry"
			idPath = pa.at("id")
			ms.List = p.need(pa, "id", r.ID, ew)
			ms.Basis = p.need(pa, "basis", r.Basis, ew)
			ms.Note = r.Note
			ms.Since = p.date(pa, "since", r.Since, ew, false)
			if t := p.date(pa, "as_of", r.AsOf, ew, false); !t.IsZero() {
				ms.AsOf = t
			}
			switch ms.Basis {
			case BasisNamed, BasisProperty, BasisJudgement, "":
			default:
				p.errAt(pa.at("basis"), "unknown basis %q in %s (want named, property or judgement)", ms.Basis, what)
			}
		}
		li, ok := p.c.listIdx[ms.List]
		if !ok {
			p.errAt(idPath, "unknown list %q in %s", ms.List, what)
			continue
		}
		l := p.c.lists[li]
		if l.Kind == ListProperty && ms.Basis == BasisNamed {
			p.errAt(idPath, "list %q names no companies; %s needs basis property or judgement", ms.List, what)
		}
		if !r.bare {
			// A reading of a property or a judgement needs its own
			// evidence; a naming list's own sources name the maker.
			ms.Sources = p.sourcesOf(pa, r.Sources, fmt.Sprintf("%s on list %q", what, ms.List), ms.Basis != BasisNamed)
		}
		if len(ms.Sources) == 0 {
			ms.Sources = slices.Clone(l.Sources)
		}
		if ms.Since.IsZero() && ms.Basis == BasisNamed {
			ms.Since = l.Since
		}
		if slices.ContainsFunc(out, func(x Membership) bool { return x.List == ms.List }) {
			p.errAt(idPath, "list %q repeated in %s", ms.List, what)
			continue
		}
		out = append(out, ms)
	}
	return out
}

func (p *catalogParser) brands(bpa path, items []rawBrand, what, makerID string) []Brand {
	var out []Brand
	for i, r := range items {
		pa := bpa.at(i)
		b := Brand{Name: p.need(pa, "name", r.Name, what+" brand")}
		bw := fmt.Sprintf("brand %q of %s", b.Name, what)
		b.Relation = p.need(pa, "relation", r.Relation, bw)
		if b.Relation == "relabel" {
			p.errAt(pa.at("relation"), "%s: relabels go in the relabels section, with the platforms they relabel", bw)
		} else if b.Relation != "" && !slices.Contains(brandRelations, b.Relation) {
			p.errAt(pa.at("relation"), "unknown relation %q of %s (want %s)", b.Relation, bw, strings.Join(brandRelations, ", "))
		}
		b.Note = r.Note
		b.Since = p.partialDate(pa, "since", r.Since, bw)
		b.Until = p.partialDate(pa, "until", r.Until, bw)
		if b.Since != "" && b.Until != "" && b.Until < b.Since {
			p.errAt(pa.at("until"), "%s: until %s is before since %s", bw, b.Until, b.Since)
		}
		b.Sources = p.sourcesOf(pa, r.Sources, bw, true)
		t := nameTarget{maker: makerID, brand: b.Name, relabel: -1, what: bw}
		if b.Relation == "chip-maker" {
			if r.Aliases.Kind != 0 {
				p.errAt(pa.at("aliases"), "%s: a chip maker's name names the chip, not the camera; it takes no aliases", bw)
			}
		} else {
			p.addName(b.Name, p.node(pa.at("name")), t)
			b.Aliases = p.aliases(nodeMap{p, pa}, bw, t)
		}
		out = append(out, b)
	}
	return out
}

func (p *catalogParser) relabelsSection(items []rawRelabel) {
	for i, raw := range items {
		pa := path{"relabels", i}
		r := Relabel{Brand: p.need(pa, "brand", raw.Brand, "relabel")}
		what := fmt.Sprintf("relabel %q", r.Brand)
		if slices.ContainsFunc(p.c.relabels, func(x Relabel) bool { return strings.EqualFold(x.Brand, r.Brand) }) {
			p.errAt(pa.at("brand"), "duplicate %s", what)
		}
		if p.node(pa.at("platforms")) == nil {
			p.errAt(pa, "missing %q in %s", "platforms", "relabel")
			continue
		}
		if len(raw.Platforms) == 0 {
			p.errAt(pa.at("platforms"), "%s names no platform maker", what)
		}
		for j, pl := range raw.Platforms {
			if !p.c.HasMaker(pl) {
				p.errAt(pa.at("platforms", j), "unknown maker %q in %s", pl, what)
			}
		}
		r.Platforms = raw.Platforms
		r.Note = raw.Note
		r.Sources = p.sourcesOf(pa, raw.Sources, what, true)
		t := nameTarget{relabel: len(p.c.relabels), what: what}
		p.addName(r.Brand, p.node(pa.at("brand")), t)
		r.Aliases = p.aliases(nodeMap{p, pa}, what, t)
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

func (p *catalogParser) policiesSection(items []rawPolicy) {
	for i, r := range items {
		pa := path{"policies", i}
		pd := PolicyDef{ID: p.need(pa, "id", r.ID, "policy")}
		what := fmt.Sprintf("policy %q", pd.ID)
		if _, dup := p.c.policies[pd.ID]; dup {
			p.errAt(pa.at("id"), "duplicate policy %q", pd.ID)
		}
		pd.Description = r.Description
		if p.node(pa.at("lists")) == nil {
			p.errAt(pa, "missing %q in %s", "lists", "policy")
			continue
		}
		if len(r.Lists) == 0 {
			p.errAt(pa.at("lists"), "%s covers no lists", what)
		}
		for j, l := range r.Lists {
			if _, ok := p.c.listIdx[l]; !ok {
				p.errAt(pa.at("lists", j), "unknown list %q in %s", l, what)
			}
		}
		if _, ok := p.c.listIdx[pd.ID]; ok && !slices.Equal(r.Lists, []string{pd.ID}) {
			p.errAt(pa.at("id"), "%s shares its name with a list but covers other lists", what)
		}
		pd.Lists = r.Lists
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

package vendors

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// NameMatch is what a self-reported maker or brand string names.
type NameMatch struct {
	Maker     string   // catalog maker id; "" for a relabel brand or a generic name
	Brand     string   // the brand as the catalog spells it: the maker's short name when the alias is the maker's own, the brand's name for a brand or relabel
	Relabel   bool     // Brand is an OEM relabel brand (relabels section): Maker stays "", Platforms lists the candidate makers
	Platforms []string // relabel candidates (maker ids)
	Generic   bool     // a placeholder that names nobody ("General", "IPC")
	Alias     string   // the catalog string that matched, as written in the catalog
}

// LeftOut is a maker the catalog considered and did not catalogue (or did
// not judge covered), with the reason, so a reader sees what the catalog
// lacks on purpose.
type LeftOut struct {
	Name    string
	Country string // ISO 3166-1 alpha-2; may be empty
	Reason  string
	Sources []string
}

// maxNameLen bounds the part of a stated name that is read. Real
// manufacturer strings are a few dozen bytes; a device that states a
// megabyte names nobody, and reading it all would only cost time.
const maxNameLen = 256

// legalSuffixes are trailing words of company names that do not tell two
// makers apart ("Axis Communications AB" is "Axis Communications"). Words
// such as "technology" or "electronics" are kept: they are part of names
// ("Guide Infrared" vs "Guide Technology") and stripping them merges makers.
var legalSuffixes = map[string]bool{
	"co": true, "ltd": true, "inc": true, "corp": true, "corporation": true,
	"llc": true, "ab": true, "ag": true, "gmbh": true, "sa": true, "bv": true,
	"nv": true, "limited": true, "plc": true, "pty": true, "pvt": true,
	"private": true, "kg": true, "spa": true, "srl": true, "sas": true,
	"kft": true, "oy": true, "company": true, "incorporated": true, "ltda": true,
	"lda": true, "kk": true,
}

// NormalizeName is the form aliases are compared in: lower case, every run
// of characters that are neither letters nor digits one space, trimmed, and
// trailing legal suffixes ("Co., Ltd.", "Inc", "AB") removed while a word
// other than a suffix remains. "Zhejiang Dahua Technology Co.,Ltd." and
// "ZHEJIANG DAHUA TECHNOLOGY" both become "zhejiang dahua technology".
func NormalizeName(s string) string {
	return strings.Join(stripSuffixes(nameWords(s)), " ")
}

// nameWords splits s into its lower-cased runs of letters and digits.
func nameWords(s string) []string {
	var words []string
	for _, t := range nameTokens(s) {
		words = append(words, t.word)
	}
	return words
}

type nameToken struct {
	word     string // lower case
	end      int    // byte offset in the input just past the token
	complete bool   // the token ends before maxNameLen cut the input
}

// nameTokens returns the letter-and-digit runs of s (at most maxNameLen
// bytes of it) with where each ends, so a prefix match can hand back the
// rest of the original string.
func nameTokens(s string) []nameToken {
	limit := len(s)
	cut := false
	if limit > maxNameLen {
		limit, cut = maxNameLen, true
	}
	var out []nameToken
	var b strings.Builder
	for i := 0; i < limit; {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		} else if b.Len() > 0 {
			out = append(out, nameToken{word: b.String(), end: i, complete: true})
			b.Reset()
		}
		i += n
	}
	if b.Len() > 0 {
		// A token cut off by the limit is not a whole word.
		out = append(out, nameToken{word: b.String(), end: limit, complete: !cut})
	}
	return out
}

func stripSuffixes(words []string) []string {
	for len(words) > 1 && legalSuffixes[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	return words
}

// nameTarget is what one normalised alias resolves to, and where the catalog
// says so.
type nameTarget struct {
	maker   string // maker id; "" for relabels and generic names
	brand   string
	relabel int // index into Catalog.relabels, or -1
	generic bool
	alias   string   // as written, the first of the catalog's spellings
	spells  []string // every spelling of the catalog with this normalised form
	line    int
	what    string // "maker "hikvision"", "brand "EZVIZ" of maker "hikvision"", for errors
}

func (t nameTarget) same(u nameTarget) bool {
	return t.maker == u.maker && t.brand == u.brand && t.relabel == u.relabel && t.generic == u.generic
}

// nameReg is one alias waiting to be indexed: names are indexed after all
// sections are read, because a relabel may share a name with a maker's brand
// and the rule for that needs both.
type nameReg struct {
	s      string
	node   *yaml.Node
	target nameTarget
}

// addName queues s (from node) for the index.
func (p *catalogParser) addName(s string, node *yaml.Node, t nameTarget) {
	if strings.TrimSpace(s) == "" {
		return
	}
	t.alias = s
	if node != nil {
		t.line = node.Line
	}
	p.names = append(p.names, nameReg{s: s, node: node, target: t})
}

// aliases reads an optional `aliases:` list of m and queues each entry.
func (p *catalogParser) aliases(m interface{ Get(string) *yaml.Node }, what string, t nameTarget) []string {
	n := m.Get("aliases")
	if n == nil {
		return nil
	}
	list, nodes, err := p.d.StrList(n, what+" aliases")
	if p.fail(err) {
		return nil
	}
	for i, s := range list {
		if NormalizeName(s) == "" {
			p.fail(p.d.Errorf(nodes[i], "alias %q of %s has no letters or digits", s, what))
			continue
		}
		p.addName(s, nodes[i], t)
	}
	return list
}

// indexNames builds the alias index. Two names that normalise alike must
// resolve to the same thing, with one exception: a relabel brand may share
// a name with a maker's own brand or name when the relabel lists that maker
// among its platforms (Lorex was Dahua's subsidiary and is a relabel of
// Dahua and others); the relabel then wins, because a stated brand alone
// cannot say which platform a unit is built on (relabel_note). Any other
// clash is an error at the later line, naming the earlier one.
func (p *catalogParser) indexNames() {
	c := p.c
	c.names = map[string]nameTarget{}
	for _, r := range p.names {
		key := NormalizeName(r.s)
		if key == "" {
			continue
		}
		if words := strings.Count(key, " ") + 1; words > c.maxWords {
			c.maxWords = words
		}
		old, ok := c.names[key]
		if !ok || old.same(r.target) {
			if !ok {
				old = r.target
			}
			if !slices.Contains(old.spells, r.s) {
				old.spells = append(old.spells, r.s)
			}
			c.names[key] = old
			continue
		}
		nw := r.target
		switch {
		case nw.relabel >= 0 && old.relabel < 0 && old.maker != "" && slices.Contains(c.relabels[nw.relabel].Platforms, old.maker):
			nw.spells = []string{r.s}
			c.names[key] = nw
			continue
		case old.relabel >= 0 && nw.relabel < 0 && nw.maker != "" && slices.Contains(c.relabels[old.relabel].Platforms, nw.maker):
			continue
		}
		msg := fmt.Sprintf("name %q of %s is also %q of %s (line %d); normalised both are %q", r.s, nw.what, old.alias, old.what, old.line, key)
		if nw.relabel >= 0 || old.relabel >= 0 {
			msg += "; a relabel may share a maker's name only when it lists that maker as a platform"
		}
		p.fail(p.d.Errorf(r.node, "%s", msg))
	}
}

// match builds the answer for stated, which resolved to t. Alias is the
// catalog's spelling closest to what the device said: the same bytes, else
// the same letters in another case, else the first spelling.
func (c *Catalog) match(t nameTarget, stated string) NameMatch {
	alias := t.alias
	stated = strings.TrimSpace(stated)
	if i := slices.Index(t.spells, stated); i >= 0 {
		alias = t.spells[i]
	} else if i := slices.IndexFunc(t.spells, func(s string) bool { return strings.EqualFold(s, stated) }); i >= 0 {
		alias = t.spells[i]
	}
	m := NameMatch{Maker: t.maker, Brand: t.brand, Generic: t.generic, Alias: alias}
	if t.relabel >= 0 {
		r := c.relabels[t.relabel]
		m.Relabel = true
		m.Brand = r.Brand
		m.Platforms = slices.Clone(r.Platforms)
	}
	return m
}

// LookupName resolves a whole stated name ("HIKVISION", "Zhejiang Dahua Technology Co., Ltd."). ok is false when nothing in the catalog (and no generic name) matches.
func (c *Catalog) LookupName(s string) (m NameMatch, ok bool) {
	if len(s) > maxNameLen {
		// A name longer than any real one is not a name.
		return NameMatch{}, false
	}
	key := NormalizeName(s)
	if key == "" {
		return NameMatch{}, false
	}
	t, ok := c.names[key]
	if !ok {
		return NameMatch{}, false
	}
	return c.match(t, s), true
}

// LookupPrefix resolves the longest alias that starts s at a word boundary ("HIKVISION DS-2CD2385G1-I" -> hikvision, rest "DS-2CD2385G1-I"); generic names do not match as prefixes.
func (c *Catalog) LookupPrefix(s string) (m NameMatch, rest string, ok bool) {
	toks := nameTokens(s)
	n := min(len(toks), c.maxWords+countSuffixes(toks))
	for k := n; k >= 1; k-- {
		if !toks[k-1].complete {
			continue
		}
		words := make([]string, k)
		for i := range k {
			words[i] = toks[i].word
		}
		t, found := c.names[strings.Join(stripSuffixes(words), " ")]
		if !found || t.generic {
			continue
		}
		rest = strings.TrimLeft(s[toks[k-1].end:], " \t\r\n-_:;,/|.")
		return c.match(t, s[:toks[k-1].end]), rest, true
	}
	return NameMatch{}, "", false
}

// countSuffixes bounds how many legal-suffix words a prefix may carry beyond
// the longest alias ("Axis Communications AB P1375" is three words of
// which one is a suffix).
func countSuffixes(toks []nameToken) int {
	n := 0
	for _, t := range toks {
		if legalSuffixes[t.word] {
			n++
		}
	}
	return n
}

// GenericNames returns the catalog's placeholder names, as written.
func (c *Catalog) GenericNames() []string { return slices.Clone(c.generic) }

// LeftOut returns the makers considered and not catalogued, in file order.
func (c *Catalog) LeftOut() []LeftOut { return slices.Clone(c.leftOut) }

// Aliases returns every name that resolves to the maker: its name, short
// name and aliases, then each brand's name and aliases (chip makers
// excepted). Relabel brands are not included.
func (c *Catalog) Aliases(makerID string) []string {
	e, ok := c.Entry(makerID)
	if !ok {
		return nil
	}
	out := []string{e.Name, e.Short}
	out = append(out, e.Aliases...)
	for _, b := range e.Brands {
		if b.Relation == "chip-maker" {
			continue // names the chip, not the camera
		}
		out = append(out, b.Name)
		out = append(out, b.Aliases...)
	}
	return out
}

func (p *catalogParser) genericSection(n *yaml.Node) {
	if n == nil {
		return
	}
	list, nodes, err := p.d.StrList(n, "generic_names")
	if p.fail(err) {
		return
	}
	for i, s := range list {
		if NormalizeName(s) == "" {
			p.fail(p.d.Errorf(nodes[i], "generic name %q has no letters or digits", s))
			continue
		}
		p.c.generic = append(p.c.generic, s)
		p.addName(s, nodes[i], nameTarget{generic: true, relabel: -1, what: "generic_names"})
	}
}

func (p *catalogParser) leftOutSection(n *yaml.Node) {
	if n == nil {
		return
	}
	items, err := p.d.Seq(n, "left_out")
	if p.fail(err) {
		return
	}
	for _, it := range items {
		m, err := p.d.Mapping(it, "left_out entry", "name", "country", "reason", "sources")
		if p.fail(err) {
			continue
		}
		lo := LeftOut{Name: p.str(m, "name", "left_out entry", true)}
		what := fmt.Sprintf("left_out %q", lo.Name)
		lo.Country = p.str(m, "country", what, false)
		if lo.Country != "" && !countryRe.MatchString(lo.Country) {
			p.fail(p.d.Errorf(m.Get("country"), "bad country %q in %s (want ISO 3166 alpha-2, e.g. CN)", lo.Country, what))
		}
		lo.Reason = p.str(m, "reason", what, true)
		lo.Sources = p.sourceKeys(m, what, true)
		if p.c.HasMaker(lo.Name) || p.c.makerNamed(lo.Name) {
			p.fail(p.d.Errorf(m.Get("name"), "%s is also a maker of the catalog", what))
		}
		p.c.leftOut = append(p.c.leftOut, lo)
	}
}

// makerNamed reports whether a maker's short or legal name equals s after
// normalisation (used to keep left_out and makers apart).
func (c *Catalog) makerNamed(s string) bool {
	k := NormalizeName(s)
	for _, e := range c.makers {
		if NormalizeName(e.Short) == k || NormalizeName(e.Name) == k {
			return true
		}
	}
	return false
}

package vendors

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestLoadCatalog(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"uk-nil", "us-ndaa889", "fcc-covered"} {
		if !c.HasList(l) {
			t.Errorf("list %s missing", l)
		}
	}
	tests := []struct {
		id, name, country, parent string
		lists                     []string
	}{
		{"hikvision", "Hikvision", "CN", "CETC 52nd Institute", []string{"uk-nil", "us-ndaa889", "fcc-covered"}},
		{"dahua", "Dahua", "CN", "", []string{"uk-nil", "us-ndaa889", "fcc-covered"}},
		{"axis", "Axis", "SE", "Canon", nil},
		{"hanwha", "Hanwha", "KR", "Hanwha Group", nil},
		{"xiongmai", "Xiongmai", "CN", "", []string{"uk-nil"}},
		{"uniview", "Uniview", "CN", "", []string{"uk-nil"}},
		{"tiandy", "Tiandy", "CN", "", []string{"uk-nil"}},
		{"tvt", "TVT", "CN", "", []string{"uk-nil"}},
		{"milesight", "Milesight", "CN", "", []string{"uk-nil"}},
		{"huawei", "Huawei", "CN", "", []string{"uk-nil", "us-ndaa889", "fcc-covered"}},
		{"zte", "ZTE", "CN", "", []string{"uk-nil", "us-ndaa889", "fcc-covered"}},
		{"hytera", "Hytera", "CN", "", []string{"uk-nil", "us-ndaa889", "fcc-covered"}},
		{"i-pro", "i-PRO", "JP", "", nil},
		{"vivotek", "Vivotek", "TW", "Delta Electronics", nil},
		{"tp-link", "TP-Link", "CN", "", []string{"uk-nil"}},
		{"guide-sensmart", "Guide Sensmart", "CN", "Guide Infrared", []string{"uk-nil"}},
	}
	for _, tt := range tests {
		m, ok := c.Maker(tt.id)
		if !ok {
			t.Errorf("maker %s missing", tt.id)
			continue
		}
		if m.Name != tt.name || m.Country != tt.country || m.Parent != tt.parent || !slices.Equal(m.Lists, tt.lists) && len(m.Lists)+len(tt.lists) > 0 {
			t.Errorf("maker %s = %+v", tt.id, m)
		}
	}
	if ms := c.Covering("uk-nil", "xiongmai"); len(ms) != 1 || ms[0].Basis != BasisJudgement {
		t.Errorf("xiongmai uk-nil membership %+v, want a judgement", ms)
	}
	if !c.Covered("uk-nil", "hikvision") || !c.Covered("us", "dahua") || c.Covered("us", "xiongmai") || c.Covered("uk-nil", "axis") {
		t.Error("Covered wrong")
	}
	if _, ok := c.Policy("nope"); ok {
		t.Error("unknown policy accepted")
	}
	if _, ok := c.Maker("nope"); ok {
		t.Error("unknown maker found")
	}
}

const catalogOK = `sources:
  L7: {title: t}
lists:
  - id: uk-nil
    name: n
    jurisdiction: GB
    since: 2022-11-24
    kind: property
    sources: [L7]
makers:
  - id: hikvision
    name: Hangzhou Hikvision
    short: Hikvision
    country: CN
    as_of: 2026-11-26
    sources: [L7]
    lists:
      - {id: uk-nil, basis: property, sources: [L7]}
`

func TestParseCatalog_errors(t *testing.T) {
	tests := []struct{ name, old, new, want string }{
		{"unknown list", "{id: uk-nil, basis: property", "{id: uk-nl, basis: property", `catalog.yaml:18: unknown list "uk-nl" in maker "hikvision"`},
		{"unknown list scalar", "      - {id: uk-nil, basis: property, sources: [L7]}", "      - uk-nl", `catalog.yaml:18: unknown list "uk-nl" in maker "hikvision"`},
		{"named on property list", "      - {id: uk-nil, basis: property, sources: [L7]}", "      - uk-nil", `catalog.yaml:18: list "uk-nil" names no companies`},
		{"judgement without source", "{id: uk-nil, basis: property, sources: [L7]}", "{id: uk-nil, basis: judgement}", `catalog.yaml:18: maker "hikvision" on list "uk-nil" has no sources (every fact needs one)`},
		{"maker without source", "    sources: [L7]\n    lists:", "    lists:", `catalog.yaml:11: maker "hikvision" has no sources`},
		{"maker with empty sources", "    sources: [L7]\n    lists:", "    sources: []\n    lists:", `catalog.yaml:16: maker "hikvision" has no sources`},
		{"maker without date", "    as_of: 2026-11-26\n", "", `catalog.yaml:11: missing "as_of" in maker "hikvision"`},
		{"list without source", "    sources: [L7]\nmakers:", "makers:", `catalog.yaml:4: list "uk-nil" has no sources`},
		{"brand without source", "", "    brands:\n      - {name: EZVIZ, relation: subsidiary}\n", `catalog.yaml:20: brand "EZVIZ" of maker "hikvision" has no sources`},
		{"brand bad relation", "", "    brands:\n      - {name: LTS, relation: relabel, sources: [L7]}\n", `catalog.yaml:20: brand "LTS" of maker "hikvision": relabels go in the relabels section`},
		{"brand bad date", "", "    brands:\n      - {name: Lorex, relation: former-subsidiary, since: 2018, until: 23/2023, sources: [L7]}\n", `catalog.yaml:20: bad date "23/2023"`},
		{"brand until before since", "", "    brands:\n      - {name: Lorex, relation: former-subsidiary, since: 2018, until: 2017, sources: [L7]}\n", `until 2017 is before since 2018`},
		{"unknown parent", "    country: CN\n", "    country: CN\n    parent: cetc\n", `catalog.yaml:15: unknown parent "cetc" of "hikvision"`},
		{"parent cycle", "makers:\n", "owners:\n  - {id: a, name: a, short: a, country: CN, parent: b, as_of: 2026-01-01, sources: [L7]}\n  - {id: b, name: b, short: b, country: CN, parent: a, as_of: 2026-01-01, sources: [L7]}\nmakers:\n", `catalog.yaml:11: cycle of parents: a -> b -> a`},
		{"self parent", "    country: CN\n", "    country: CN\n    parent: hikvision\n", `catalog.yaml:15: cycle of parents: hikvision -> hikvision`},
		{"relabel unknown maker", "", "relabels:\n  - {brand: LTS, platforms: [hikvison], sources: [L7]}\n", `catalog.yaml:20: unknown maker "hikvison" in relabel "LTS"`},
		{"relabel without source", "", "relabels:\n  - {brand: LTS, platforms: [hikvision]}\n", `catalog.yaml:20: relabel "LTS" has no sources`},
		{"unknown key", "    short: Hikvision\n", "    short: Hikvision\n    shrt: x\n", `catalog.yaml:14: unknown key "shrt" in maker`},
		{"unknown source", "sources: [L7]", "sources: [L8]", `catalog.yaml:9: unknown source "L8" in list "uk-nil"`},
		{"bad date", "since: 2022-11-24", "since: 24/11/2022", `catalog.yaml:7: bad date "24/11/2022"`},
		{"bad country", "country: CN", "country: China", `catalog.yaml:14: bad country "China"`},
		{"missing short", "    short: Hikvision\n", "", `catalog.yaml:11: missing "short" in maker "hikvision"`},
		{"duplicate maker", "", "  - {id: hikvision, name: x, short: x, country: CN, as_of: 2026-01-01, sources: [L7]}\n", `catalog.yaml:19: duplicate maker "hikvision"`},
		{"bad basis", "basis: property", "basis: rumour", `catalog.yaml:18: unknown basis "rumour"`},
		{"policy unknown list", "", "policies:\n  - {id: p, lists: [uk-nl]}\n", `catalog.yaml:20: unknown list "uk-nl" in policy "p"`},
		{"empty", catalogOK, "", `catalog.yaml:1: empty file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := catalogOK
			if tt.old == "" {
				src += tt.new
			} else {
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			_, err := ParseCatalog("catalog.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v\nwant it to contain %q\nsource:\n%s", err, tt.want, src)
			}
		})
	}
	if _, err := ParseCatalog("catalog.yaml", []byte(catalogOK)); err != nil {
		t.Fatalf("valid catalog: %v", err)
	}
}

func TestParseFields(t *testing.T) {
	fs, err := LoadFields()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"http.server", "rtsp.realm", "http.header_names", "mac.vendor"} {
		if !fs.Has(k) {
			t.Errorf("%s missing", k)
		}
	}
	if fs.Has("key") || fs.Has("http.servr") {
		t.Error("header or typo accepted")
	}
	p, err := ParseFields("F.md", []byte("| key | x |\n|---|---|\n| `onvif.scope.*` | y |\n| `a.b` | z |\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Has("onvif.scope.name") || p.Has("onvif.scope.") || !p.Has("a.b") || p.Has("onvif.scopes") {
		t.Errorf("prefix keys wrong: %v", p.Keys())
	}
	if _, err := ParseFields("F.md", []byte("no table\n")); err == nil {
		t.Error("no keys accepted")
	}
}

func TestRulesFS(t *testing.T) {
	for _, f := range []string{"hikvision.yaml", "dahua.yaml", "others.yaml", "generic.yaml"} {
		if _, err := RulesFS.Open(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestCatalog_facts checks the promises of issue 7 §3 on the embedded
// catalog: every fact has a source and a date, the subsidiaries and the
// Lorex sale are there with dates, relabels name their platform, and the
// lists hold who they should.
func TestCatalog_facts(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if c.Version() == "" || c.Date().IsZero() || !strings.Contains(c.VersionString(), c.Version()) {
		t.Errorf("catalog version %q date %v", c.Version(), c.Date())
	}
	if !strings.Contains(c.RelabelNote(), "not proof") {
		t.Errorf("relabel note %q", c.RelabelNote())
	}
	for _, l := range c.Lists() {
		if len(l.Sources) == 0 || l.Since.IsZero() || l.AsOf.IsZero() {
			t.Errorf("list %s: sources %v since %v as_of %v", l.ID, l.Sources, l.Since, l.AsOf)
		}
	}
	for _, e := range c.Makers() {
		if len(e.Sources) == 0 || e.AsOf.IsZero() {
			t.Errorf("maker %s: sources %v as_of %v", e.ID, e.Sources, e.AsOf)
		}
		for _, m := range e.Lists {
			if len(m.Sources) == 0 || m.AsOf.IsZero() {
				t.Errorf("maker %s on %s: sources %v as_of %v", e.ID, m.List, m.Sources, m.AsOf)
			}
		}
		for _, b := range e.Brands {
			if len(b.Sources) == 0 {
				t.Errorf("brand %s of %s: no sources", b.Name, e.ID)
			}
		}
	}
	for _, co := range c.Owners() {
		if len(co.Sources) == 0 || co.AsOf.IsZero() {
			t.Errorf("owner %s: sources %v as_of %v", co.ID, co.Sources, co.AsOf)
		}
	}

	brand := func(maker, name string) Brand {
		e, _ := c.Entry(maker)
		for _, b := range e.Brands {
			if b.Name == name {
				return b
			}
		}
		t.Errorf("brand %s of %s missing", name, maker)
		return Brand{}
	}
	for _, b := range []string{"EZVIZ", "Hikrobot", "HiLook", "Prama"} {
		brand("hikvision", b)
	}
	brand("dahua", "Imou")
	brand("dahua", "Huacheng")
	if l := brand("dahua", "Lorex"); l.Relation != "former-subsidiary" || l.Since != "2018" || l.Until != "2023" {
		t.Errorf("Lorex %+v, want former-subsidiary 2018-2023", l)
	}

	hik, _ := c.Entry("hikvision")
	if hik.Parent != "cetc-52" || hik.UltimateParent != "cetc" {
		t.Errorf("hikvision parent %q ultimate %q", hik.Parent, hik.UltimateParent)
	}
	if m, _ := c.Maker("hikvision"); m.UltimateParent != "CETC" {
		t.Errorf("record maker %+v", m)
	}
	if m, _ := c.Maker("axis"); m.Parent != "Canon" || m.UltimateParent != "" {
		t.Errorf("record maker %+v", m)
	}

	relabels := map[string][]string{}
	for _, r := range c.Relabels() {
		relabels[r.Brand] = r.Platforms
		if len(r.Sources) == 0 {
			t.Errorf("relabel %s: no sources", r.Brand)
		}
	}
	if !slices.Equal(relabels["LTS"], []string{"hikvision"}) || !slices.Equal(relabels["Amcrest"], []string{"dahua"}) || len(relabels["Swann"]) != 2 {
		t.Errorf("relabels %v", relabels)
	}

	var ukCN, ndaa []string
	for _, e := range c.Makers() {
		if c.Covered("uk-nil", e.ID) {
			ukCN = append(ukCN, e.ID)
			if e.Country != "CN" {
				t.Errorf("%s on uk-nil but country %s", e.ID, e.Country)
			}
			for _, m := range c.Covering("uk-nil", e.ID) {
				if m.Basis != BasisProperty && m.Basis != BasisJudgement {
					t.Errorf("%s on uk-nil with basis %s", e.ID, m.Basis)
				}
			}
		}
		if c.Covered("us-ndaa889", e.ID) {
			ndaa = append(ndaa, e.ID)
		}
	}
	for _, want := range []string{"hikvision", "dahua", "uniview", "tiandy", "xiongmai", "tvt", "milesight", "huawei"} {
		if !slices.Contains(ukCN, want) {
			t.Errorf("uk-nil lacks %s: %v", want, ukCN)
		}
	}
	slices.Sort(ndaa)
	if !slices.Equal(ndaa, []string{"dahua", "hikvision", "huawei", "hytera", "zte"}) {
		t.Errorf("us-ndaa889 = %v", ndaa)
	}
}

func TestCatalog_ResolvePolicy(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	names, lists, err := c.ResolvePolicy("uk-nil, us,uk-nil")
	if err != nil || !slices.Equal(names, []string{"uk-nil", "us"}) || !slices.Equal(lists, []string{"uk-nil", "us-ndaa889", "fcc-covered"}) {
		t.Errorf("ResolvePolicy = %v %v %v", names, lists, err)
	}
	for _, bad := range []string{"", "uk-nil,", "uk-nil,nope"} {
		if _, _, err := c.ResolvePolicy(bad); err == nil {
			t.Errorf("ResolvePolicy(%q) accepted", bad)
		}
	}
	if !c.Covered("us-ndaa889,uk-nil", "uniview") || c.Covered("us-ndaa889", "uniview") {
		t.Error("combined policy coverage wrong")
	}
}

func TestWriteCatalog(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteCatalog(&b, c); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{c.VersionString(), "not proof", "former-subsidiary  2018   2023", "NAMES DEVICES STATE", "GENERIC NAMES", "LEFT OUT", "Zmodo", "LTS", "CETC 52nd Institute  CETC", "L7 ", "OWNERS"} {
		if !strings.Contains(out, want) {
			t.Errorf("catalog output lacks %q", want)
		}
	}
	b.Reset()
	if err := WriteList(&b, c, "uk-nil"); err != nil {
		t.Fatal(err)
	}
	out = b.String()
	for _, want := range []string{"names no companies", "Uniview", "judgement", "Milesight", "TVT", "N7   IEEE"} {
		if !strings.Contains(out, want) {
			t.Errorf("uk-nil output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Axis") || strings.Contains(out, "Vivotek") || strings.Contains(out, "D-Link") {
		t.Errorf("uk-nil output names a maker not on it:\n%s", out)
	}
	if err := WriteList(&b, c, "nope"); err == nil {
		t.Error("unknown list accepted")
	}
}

// TestCatalog_world checks the promises of issue 13 on the embedded
// catalog: its size, the makers a reader expects to find, a uk-nil
// judgement with its basis for every PRC-based maker and none for the rest,
// an explicit lists entry on every maker, and every name resolving back to
// the entry that states it.
func TestCatalog_world(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	makers := c.Makers()
	brands := 0
	for _, e := range makers {
		brands += len(e.Brands)
	}
	if len(makers) < 70 || len(makers)+brands+len(c.Relabels()) < 80 {
		t.Errorf("%d makers, %d brands, %d relabels; want >= 70 makers and >= 80 in all", len(makers), brands, len(c.Relabels()))
	}
	for _, id := range []string{
		"axis", "bosch", "hanwha", "i-pro", "sony", "canon", "avigilon", "pelco", "teledyne-flir", "mobotix", "vivotek",
		"geovision", "acti", "idis", "illustra", "verkada", "cisco-meraki", "ubiquiti", "tp-link", "reolink", "d-link",
		"grandstream", "arlo", "ring", "wyze", "anker", "lilin", "digital-watchdog", "speco", "march-networks", "genetec",
		"rhombus", "eagle-eye", "provision-isr", "dallmeier", "uniview", "milesight", "tiandy", "tvt", "raysharp",
		"kedacom", "sunell", "jovision", "foscam", "vstarcam", "hanbang", "dali", "guide-sensmart", "anjvision",
		"xiongmai", "huawei", "zte", "hytera", "tenda", "xiaomi", "imilab", "yi-technology", "tuya", "infinova",
		"wansview", "sricam", "escam", "jooan", "hiseeu", "zosi", "hikvision", "dahua", "arecont",
	} {
		if !c.HasMaker(id) {
			t.Errorf("maker %s missing", id)
		}
	}

	// Every maker states its lists, even when empty: "considered, on none".
	var raw struct {
		Makers []map[string]any `yaml:"makers"`
	}
	data, _ := embedded.ReadFile("catalog.yaml")
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, m := range raw.Makers {
		if _, ok := m["lists"]; !ok {
			t.Errorf("maker %v has no lists entry", m["id"])
		}
	}

	for _, e := range makers {
		uk := c.CoveringLists([]string{"uk-nil"}, e.ID)
		switch {
		case e.Country == "CN" && len(uk) == 0:
			t.Errorf("PRC-based maker %s is not on uk-nil", e.ID)
		case e.Country == "CN" && (uk[0].Basis == BasisNamed || uk[0].Note == "" || len(uk[0].Sources) == 0):
			t.Errorf("maker %s on uk-nil without a stated basis: %+v", e.ID, uk[0])
		case e.Country != "CN" && len(uk) > 0:
			t.Errorf("maker %s (%s) is on uk-nil", e.ID, e.Country)
		}
		// Each name resolves to its own entry, or to a relabel that lists
		// the maker (ABUS, Lorex).
		for _, a := range c.Aliases(e.ID) {
			m, ok := c.LookupName(a)
			switch {
			case !ok:
				t.Errorf("name %q of %s does not resolve", a, e.ID)
			case m.Relabel && !slices.Contains(m.Platforms, e.ID):
				t.Errorf("name %q of %s resolves to relabel %+v", a, e.ID, m)
			case !m.Relabel && m.Maker != e.ID:
				t.Errorf("name %q of %s resolves to %+v", a, e.ID, m)
			}
		}
	}
	for _, r := range c.Relabels() {
		for _, a := range append([]string{r.Brand}, r.Aliases...) {
			if m, ok := c.LookupName(a); !ok || !m.Relabel || m.Brand != r.Brand {
				t.Errorf("relabel name %q = %+v %v", a, m, ok)
			}
		}
	}
	for _, g := range c.GenericNames() {
		if m, ok := c.LookupName(g); !ok || !m.Generic || m.Maker != "" {
			t.Errorf("generic %q = %+v %v", g, m, ok)
		}
	}
	if len(c.LeftOut()) < 10 {
		t.Errorf("left_out has %d entries", len(c.LeftOut()))
	}
	for _, l := range c.LeftOut() {
		if l.Reason == "" || len(l.Sources) == 0 {
			t.Errorf("left_out %+v", l)
		}
	}
	// HiSilicon is Huawei's, but a camera stating it names its chip.
	if m, ok := c.LookupName("HiSilicon"); !ok || !m.Generic {
		t.Errorf("HiSilicon = %+v %v, want generic", m, ok)
	}
}

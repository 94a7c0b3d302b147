package vendors

import (
	"slices"
	"strings"
	"testing"
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
		{"hikvision", "Hikvision", "CN", "CETC", []string{"uk-nil", "us-ndaa889", "fcc-covered"}},
		{"dahua", "Dahua", "CN", "", []string{"uk-nil", "us-ndaa889", "fcc-covered"}},
		{"axis", "Axis", "SE", "Canon", nil},
		{"hanwha", "Hanwha", "KR", "Hanwha Group", nil},
		{"xiongmai", "Xiongmai", "CN", "", []string{"uk-nil"}},
		{"uniview", "Uniview", "CN", "", []string{"uk-nil"}},
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
    lists:
      - {id: uk-nil, basis: property}
`

func TestParseCatalog_errors(t *testing.T) {
	tests := []struct{ name, old, new, want string }{
		{"unknown list", "{id: uk-nil, basis: property}", "{id: uk-nl, basis: property}", `catalog.yaml:16: unknown list "uk-nl" in maker "hikvision"`},
		{"unknown list scalar", "      - {id: uk-nil, basis: property}", "      - uk-nl", `catalog.yaml:16: unknown list "uk-nl" in maker "hikvision"`},
		{"named on property list", "      - {id: uk-nil, basis: property}", "      - uk-nil", `catalog.yaml:16: list "uk-nil" names no companies`},
		{"unknown key", "    short: Hikvision\n", "    short: Hikvision\n    shrt: x\n", `catalog.yaml:14: unknown key "shrt" in maker`},
		{"unknown source", "sources: [L7]", "sources: [L8]", `catalog.yaml:9: unknown source "L8" in list "uk-nil"`},
		{"bad date", "since: 2022-11-24", "since: 24/11/2022", `catalog.yaml:7: bad date "24/11/2022"`},
		{"bad country", "country: CN", "country: China", `catalog.yaml:14: bad country "China"`},
		{"missing short", "    short: Hikvision\n", "", `catalog.yaml:11: missing "short" in maker "hikvision"`},
		{"duplicate maker", "", "  - {id: hikvision, name: x, short: x, country: CN}\n", `catalog.yaml:17: duplicate maker "hikvision"`},
		{"bad basis", "basis: property", "basis: rumour", `catalog.yaml:16: unknown basis "rumour"`},
		{"policy unknown list", "", "policies:\n  - {id: p, lists: [uk-nl]}\n", `catalog.yaml:18: unknown list "uk-nl" in policy "p"`},
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

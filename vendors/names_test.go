package vendors

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HIKVISION", "hikvision"},
		{"Hangzhou Hikvision Digital Technology Co.,Ltd.", "hangzhou hikvision digital technology"},
		{"  Zhejiang Dahua Technology Co., Ltd. ", "zhejiang dahua technology"},
		{"Axis Communications AB", "axis communications"},
		{"ABUS Security-Center GmbH & Co. KG", "abus security center"},
		{"TP-LINK", "tp link"},
		{"Co., Ltd.", "co"}, // a suffix alone is kept: one word must remain
		{"i-PRO Co., Ltd.", "i pro"},
		{"---", ""},
		{"", ""},
		{"Sony Corporation", "sony"},
		{"Technology", "technology"}, // not a legal suffix: it tells makers apart
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLookupName(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in    string
		ok    bool
		want  NameMatch
		alias bool // check Alias too
	}{
		// exact, as devices state them
		{"HIKVISION", true, NameMatch{Maker: "hikvision", Brand: "Hikvision", Alias: "HIKVISION"}, true},
		{"Hangzhou Hikvision Digital Technology Co.,Ltd.", true, NameMatch{Maker: "hikvision", Brand: "Hikvision"}, false},
		// case and punctuation variants, legal suffix dropped or changed
		{"hikvision", true, NameMatch{Maker: "hikvision", Brand: "Hikvision"}, false},
		{"Zhejiang Dahua Technology Co., Ltd.", true, NameMatch{Maker: "dahua", Brand: "Dahua"}, false},
		{"ZHEJIANG DAHUA TECHNOLOGY CO LTD", true, NameMatch{Maker: "dahua", Brand: "Dahua"}, false},
		{"zhejiang-dahua-technology", true, NameMatch{Maker: "dahua", Brand: "Dahua"}, false},
		{"Dahua", true, NameMatch{Maker: "dahua", Brand: "Dahua"}, false},
		{"AXIS", true, NameMatch{Maker: "axis", Brand: "Axis"}, false},
		{"Axis Communications AB", true, NameMatch{Maker: "axis", Brand: "Axis"}, false},
		{"Axis Communications", true, NameMatch{Maker: "axis", Brand: "Axis"}, false},
		{"BOSCH", true, NameMatch{Maker: "bosch", Brand: "Bosch"}, false},
		{"Bosch Security Systems", true, NameMatch{Maker: "bosch", Brand: "Bosch"}, false},
		{"Samsung Techwin Co., Ltd.", true, NameMatch{Maker: "hanwha", Brand: "Samsung Techwin"}, false},
		{"Hanwha Vision", true, NameMatch{Maker: "hanwha", Brand: "Hanwha"}, false},
		{"Panasonic", true, NameMatch{Maker: "i-pro", Brand: "i-PRO"}, false},
		{"i-PRO Co., Ltd.", true, NameMatch{Maker: "i-pro", Brand: "i-PRO"}, false},
		// a maker's own brand: the maker, and the brand as the catalog spells it
		{"EZVIZ", true, NameMatch{Maker: "hikvision", Brand: "EZVIZ", Alias: "EZVIZ"}, true},
		{"ezviz", true, NameMatch{Maker: "hikvision", Brand: "EZVIZ"}, false},
		{"Hangzhou Ezviz Software Co.,Ltd.", true, NameMatch{Maker: "hikvision", Brand: "EZVIZ"}, false},
		{"Imou", true, NameMatch{Maker: "dahua", Brand: "Imou"}, false},
		{"Wisenet", true, NameMatch{Maker: "hanwha", Brand: "Wisenet"}, false},
		{"Tapo", true, NameMatch{Maker: "tp-link", Brand: "Tapo"}, false},
		// relabels: candidates, never a maker
		{"Amcrest", true, NameMatch{Relabel: true, Brand: "Amcrest", Platforms: []string{"dahua"}, Alias: "Amcrest"}, true},
		{"AMCREST TECHNOLOGIES", true, NameMatch{Relabel: true, Brand: "Amcrest", Platforms: []string{"dahua"}}, false},
		{"LTS", true, NameMatch{Relabel: true, Brand: "LTS", Platforms: []string{"hikvision"}}, false},
		// Lorex is both Dahua's former subsidiary and a relabel: the relabel wins
		{"Lorex", true, NameMatch{Relabel: true, Brand: "Lorex", Platforms: []string{"dahua", "hikvision"}}, false},
		// generic placeholders name nobody
		{"General", true, NameMatch{Generic: true, Alias: "General"}, true},
		{"IPC", true, NameMatch{Generic: true}, false},
		{"ip camera", true, NameMatch{Generic: true}, false},
		{"Manufacturer", true, NameMatch{Generic: true}, false},
		{"NVT", true, NameMatch{Generic: true}, false},
		// names real devices of the corpus state (testdata/real/onvif.yaml)
		{"Milesight Technology Co.,Ltd.", true, NameMatch{Maker: "milesight", Brand: "Milesight"}, false},
		{"D-Link Corporation", true, NameMatch{Maker: "d-link", Brand: "D-Link"}, false},
		{"Bosch", true, NameMatch{Maker: "bosch", Brand: "Bosch"}, false},
		{"SUNBA", true, NameMatch{Relabel: true, Brand: "Sunba", Platforms: []string{"xiongmai", "uniview"}}, false},
		{"ONVIF_IPNC", true, NameMatch{Generic: true}, false},
		{"NONE", true, NameMatch{Generic: true}, false},
		{"H264", true, NameMatch{Generic: true}, false},
		// the PRC makers issue 13 found missed, and others
		{"VStarcam", true, NameMatch{Maker: "vstarcam", Brand: "VStarcam"}, false},
		{"Anjvision", true, NameMatch{Maker: "anjvision", Brand: "Anjvision"}, false},
		{"Reolink", true, NameMatch{Maker: "reolink", Brand: "Reolink"}, false},
		{"Zhuhai Raysharp Technology Co.,Ltd", true, NameMatch{Maker: "raysharp", Brand: "Raysharp"}, false},
		{"eufy Security", true, NameMatch{Maker: "anker", Brand: "eufy"}, false},
		{"乐橙", true, NameMatch{Maker: "dahua", Brand: "Lechange"}, false},
		{"EVERCAM LTD", true, NameMatch{Relabel: true, Brand: "Evercam", Platforms: []string{"milesight"}}, false},
		// ABUS is a maker and a relabel listing it: the relabel wins
		{"ABUS", true, NameMatch{Relabel: true, Brand: "ABUS", Platforms: []string{"hikvision", "abus"}}, false},
		// a SoC maker names the chip, not the camera
		{"HiSilicon", true, NameMatch{Generic: true}, false},
		{"Samsung", false, NameMatch{}, false},
		// unknown, empty, placeholder punctuation, absurdly long
		{"Acme Cameras Inc", false, NameMatch{}, false},
		{"", false, NameMatch{}, false},
		{"   ", false, NameMatch{}, false},
		{"--", false, NameMatch{}, false},
		{"HIKVISION " + strings.Repeat("x", 300), false, NameMatch{}, false},
		// a name with more words than the alias is not the alias
		{"Hikvision Robotics", false, NameMatch{}, false},
		{"Ezviz Dahua", false, NameMatch{}, false},
	}
	for _, tt := range tests {
		m, ok := c.LookupName(tt.in)
		if ok != tt.ok {
			t.Errorf("LookupName(%q) ok = %v, want %v (%+v)", tt.in, ok, tt.ok, m)
			continue
		}
		if !tt.alias {
			m.Alias = ""
		}
		if m.Maker != tt.want.Maker || m.Brand != tt.want.Brand || m.Relabel != tt.want.Relabel || m.Generic != tt.want.Generic || !slices.Equal(m.Platforms, tt.want.Platforms) || m.Alias != tt.want.Alias {
			t.Errorf("LookupName(%q) = %+v, want %+v", tt.in, m, tt.want)
		}
	}
}

func TestLookupPrefix(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in          string
		ok          bool
		maker       string
		brand, rest string
		relabel     bool
	}{
		{"HIKVISION DS-2CD2385G1-I", true, "hikvision", "Hikvision", "DS-2CD2385G1-I", false},
		{"Dahua IPC-HFW2431S", true, "dahua", "Dahua", "IPC-HFW2431S", false},
		{"AXIS P1375", true, "axis", "Axis", "P1375", false},
		{"Axis Communications AB P1375-E", true, "axis", "Axis", "P1375-E", false},
		{"EZVIZ C6N", true, "hikvision", "EZVIZ", "C6N", false},
		{"Amcrest IP2M-841", true, "", "Amcrest", "IP2M-841", true},
		{"Zhejiang Dahua Technology Co., Ltd. NVR4104", true, "dahua", "Dahua", "NVR4104", false},
		// the longest alias wins: "Hanwha Vision" over a shorter one
		{"Hanwha Vision XNO-6080R", true, "hanwha", "Hanwha", "XNO-6080R", false},
		{"Bosch", true, "bosch", "Bosch", "", false},
		{"Tapo C200", true, "tp-link", "Tapo", "C200", false},
		{"Milesight Technology Co.,Ltd. MS-C8165-PE", true, "milesight", "Milesight", "MS-C8165-PE", false},
		// descriptive words that are not makers
		{"360 Panoramic Camera", false, "", "", "", false},
		{"UVC Camera", false, "", "", "", false},
		// word boundary: "HIKVISIONDS" is not "HIKVISION"
		{"HIKVISIONDS-2CD", false, "", "", "", false},
		// generic names never match as prefixes
		{"IPC-HFW1230S", false, "", "", "", false},
		{"General IPC", false, "", "", "", false},
		{"", false, "", "", "", false},
		{"Acme 1000", false, "", "", "", false},
	}
	for _, tt := range tests {
		m, rest, ok := c.LookupPrefix(tt.in)
		if ok != tt.ok || m.Maker != tt.maker || m.Brand != tt.brand || rest != tt.rest || m.Relabel != tt.relabel {
			t.Errorf("LookupPrefix(%q) = %+v, %q, %v; want maker %q brand %q rest %q relabel %v ok %v", tt.in, m, rest, ok, tt.maker, tt.brand, tt.rest, tt.relabel, tt.ok)
		}
	}
	// A stated name longer than any real one still resolves its prefix,
	// without reading the whole string.
	if m, _, ok := c.LookupPrefix("HIKVISION " + strings.Repeat("A", 1<<20)); !ok || m.Maker != "hikvision" {
		t.Errorf("long input: %+v %v", m, ok)
	}
}

// TestParseCatalog_aliasErrors: an alias two makers claim is refused with
// file:line, and so is a relabel sharing a maker's name without listing it.
func TestParseCatalog_aliasErrors(t *testing.T) {
	const base = catalogOK + `    aliases: [HIKVISION, "Hangzhou Hikvision Digital Technology Co.,Ltd."]
    brands:
      - {name: EZVIZ, relation: subsidiary, aliases: ["Hangzhou Ezviz Software"], sources: [L7]}
  - id: dahua
    name: Zhejiang Dahua Technology Co., Ltd.
    short: Dahua
    country: CN
    as_of: 2026-11-26
    sources: [L7]
`
	tests := []struct{ name, add, want string }{
		{"alias of two makers", "    aliases: [\"Hikvision Co., Ltd.\"]\n", `catalog.yaml:28: name "Hikvision Co., Ltd." of maker "dahua" is also "Hikvision" of maker "hikvision" (line 13)`},
		{"brand of another maker", "    aliases: [ezviz]\n", `catalog.yaml:28: name "ezviz" of maker "dahua" is also "EZVIZ" of brand "EZVIZ" of maker "hikvision" (line 21)`},
		{"generic claimed by a maker", "    aliases: [General]\ngeneric_names: [general]\n", `catalog.yaml:29: name "general" of generic_names is also "General" of maker "dahua"`},
		{"relabel not of that maker", "relabels:\n  - {brand: EZVIZ, platforms: [dahua], sources: [L7]}\n", `catalog.yaml:29: name "EZVIZ" of relabel "EZVIZ" is also "EZVIZ" of brand "EZVIZ" of maker "hikvision" (line 21); normalised both are "ezviz"; a relabel may share a maker's name only when it lists that maker as a platform`},
		{"empty alias", "    aliases: [\"--\"]\n", `catalog.yaml:28: alias "--" of maker "dahua" has no letters or digits`},
		{"alias not a list", "    aliases: Dahua\n", `catalog.yaml:28: maker "dahua" aliases: want a list`},
		{"left_out is a maker", "left_out:\n  - {name: Dahua, reason: r, sources: [L7]}\n", `catalog.yaml:29: left_out "Dahua" is also a maker of the catalog`},
		{"left_out without reason", "left_out:\n  - {name: Acme, sources: [L7]}\n", `catalog.yaml:29: missing "reason" in left_out "Acme"`},
		{"left_out unknown key", "left_out:\n  - {name: Acme, reason: r, why: x, sources: [L7]}\n", `catalog.yaml:29: unknown key "why" in left_out entry`},
		{"left_out without source", "left_out:\n  - {name: Acme, reason: r}\n", `catalog.yaml:29: left_out "Acme" has no sources`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := base + tt.add
			_, err := ParseCatalog("catalog.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v\nwant it to contain %q\nsource:\n%s", err, tt.want, src)
			}
		})
	}

	// Accepted: a relabel that lists the maker whose brand it shares, the
	// same alias twice for one maker, and a left_out entry.
	ok := base + "    aliases: [DAHUA, Dahua]\nrelabels:\n  - {brand: EZVIZ, platforms: [hikvision, dahua], sources: [L7]}\nleft_out:\n  - {name: Acme, country: US, reason: r, sources: [L7]}\ngeneric_names: [General, IPC]\n"
	c, err := ParseCatalog("catalog.yaml", []byte(ok))
	if err != nil {
		t.Fatalf("valid catalog: %v\n%s", err, ok)
	}
	if m, found := c.LookupName("ezviz"); !found || !m.Relabel || m.Maker != "" || !slices.Equal(m.Platforms, []string{"hikvision", "dahua"}) {
		t.Errorf("shared relabel = %+v %v, want the relabel", m, found)
	}
	if m, found := c.LookupName("Hangzhou Ezviz Software Co., Ltd."); !found || m.Maker != "hikvision" || m.Brand != "EZVIZ" {
		t.Errorf("brand alias = %+v %v", m, found)
	}
	if lo := c.LeftOut(); len(lo) != 1 || lo[0].Name != "Acme" || lo[0].Country != "US" {
		t.Errorf("left out %+v", lo)
	}
	if g := c.GenericNames(); !slices.Equal(g, []string{"General", "IPC"}) {
		t.Errorf("generic %v", g)
	}
}

func FuzzLookupName(f *testing.F) {
	c, err := LoadCatalog()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"HIKVISION", "Zhejiang Dahua Technology Co., Ltd.", "General", "AXIS P1375", "", "\xff\xfe", "海康威视 DS-2CD"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := c.LookupName(s)
		if ok && m.Maker != "" && !c.HasMaker(m.Maker) {
			t.Errorf("LookupName(%q) names unknown maker %q", s, m.Maker)
		}
		m, rest, ok := c.LookupPrefix(s)
		if ok && (m.Generic || !strings.HasSuffix(s, rest)) {
			t.Errorf("LookupPrefix(%q) = %+v rest %q", s, m, rest)
		}
	})
}

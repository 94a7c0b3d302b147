package fingerprint

import (
	"strings"
	"testing"

	"github.com/camsweep/camsweep/vendors"
)

func mustCatalog(t testing.TB) *vendors.Catalog {
	t.Helper()
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatalf("LoadCatalog: %v", err)
	}
	return cat
}

func mustFields(t testing.TB) vendors.FieldSet {
	t.Helper()
	f, err := vendors.LoadFields()
	if err != nil {
		t.Fatalf("LoadFields: %v", err)
	}
	return f
}

func embeddedRules(t testing.TB) []Rule {
	t.Helper()
	rules, err := LoadRules(vendors.RulesFS, mustFields(t), mustCatalog(t))
	if err != nil {
		t.Fatalf("LoadRules: %v", err)
	}
	return rules
}

// TestEmbeddedRules_examples runs every example of every embedded rule.
func TestEmbeddedRules_examples(t *testing.T) {
	rules := embeddedRules(t)
	if len(rules) < 30 {
		t.Errorf("only %d embedded rules", len(rules))
	}
	for i := range rules {
		r := &rules[i]
		t.Run(r.ID, func(t *testing.T) {
			for _, err := range r.CheckExamples() {
				t.Error(err)
			}
			if r.Source == "" {
				t.Errorf("%s: no source", r.pos())
			}
			var pos, neg int
			for _, ex := range r.Examples {
				if len(ex.Expect) == 0 {
					neg++
				} else {
					pos++
				}
			}
			if pos == 0 || neg == 0 {
				t.Errorf("%s: want at least one matching and one negative example, have %d and %d", r.pos(), pos, neg)
			}
		})
	}
}

// TestEmbeddedRules_coverage checks that the signatures the brief and
// docs/protocols/http.md §5, docs/protocols/rtsp.md §6 name are present.
func TestEmbeddedRules_coverage(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range embeddedRules(t) {
		ids[r.ID] = true
	}
	for _, want := range []string{
		"hikvision.http.server.app-webs", "hikvision.http.server.dnvrs-webs", "hikvision.http.redirect.login-asp",
		"hikvision.http.realm.hex24", "hikvision.rtsp.realm.ip-camera", "hikvision.rtsp.realm.hikvision",
		"dahua.http.header-names.uppercase", "dahua.http.realm.login-to", "dahua.rtsp.server.dahua",
		"dahua.http.title.web-service", "dahua.http.realm.device-cgi",
		"axis.http.title.axis", "axis.rtsp.public.sorted", "hanwha.rtsp.realm.ipolis",
		"xiongmai.http.server.uc-httpd", "xiongmai.http.title.netsurveillance",
		"other.http.server.microsoft-httpapi", "other.http.title.nginx-default",
	} {
		if !ids[want] {
			t.Errorf("rule %s missing", want)
		}
	}
}

const validRule = `rules:
  - id: test.http.server.x
    description: test
    field: http.server
    match: '^X$'
    conclude: {vendor: hikvision, device_type: camera}
    weight: 0.5
    source: test
    examples:
      - fields: {http.server: X}
        expect: {vendor: hikvision, device_type: camera}
`

func TestParseRules_valid(t *testing.T) {
	rules, err := ParseRules("t.yaml", []byte(validRule), mustFields(t), mustCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 || rules[0].Line != 2 || rules[0].File != "t.yaml" {
		t.Fatalf("got %+v", rules)
	}
	if err := CheckExamples(rules); err != nil {
		t.Fatal(err)
	}
}

func TestParseRules_errors(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"no examples", "    examples:\n      - fields: {http.server: X}\n        expect: {vendor: hikvision, device_type: camera}\n", "",
			`t.yaml:2: rule "test.http.server.x" has no examples`},
		{"empty examples", "    examples:\n      - fields: {http.server: X}\n        expect: {vendor: hikvision, device_type: camera}\n", "    examples: []\n",
			`t.yaml:9: rule "test.http.server.x" has no examples`},
		{"unknown field", "field: http.server", "field: http.servr",
			`t.yaml:4: unknown field "http.servr" in rule "test.http.server.x" (not in FIELDS.md)`},
		{"unknown example field", "fields: {http.server: X}", "fields: {http.server: X, nosuch.model: Y}",
			`t.yaml:10: unknown field "nosuch.model"`},
		{"unknown when field", "    weight: 0.5\n", "    weight: 0.5\n    when: {http.bogus: x}\n",
			`t.yaml:8: unknown field "http.bogus" in rule "test.http.server.x" when`},
		{"unknown vendor", "conclude: {vendor: hikvision,", "conclude: {vendor: hikvison,",
			`t.yaml:6: unknown vendor "hikvison" in rule "test.http.server.x" conclude`},
		{"bad device type", "conclude: {vendor: hikvision, device_type: camera}", "conclude: {vendor: hikvision, device_type: webcam}",
			`t.yaml:6: rule "test.http.server.x" conclude: unknown device type "webcam"`},
		{"bad regex", "match: '^X$'", "match: '^X($'",
			`t.yaml:5: bad regex "^X($" in rule "test.http.server.x"`},
		{"bad capture", "match: '^X$'", "match: '^(?P<colour>X)$'",
			`t.yaml:5: capture "colour" in rule "test.http.server.x" is not a conclusion key`},
		{"weight zero", "weight: 0.5", "weight: 0",
			`t.yaml:7: weight 0 out of range`},
		{"weight big", "weight: 0.5", "weight: 1.5",
			`t.yaml:7: weight 1.5 out of range`},
		{"unknown key", "    source: test\n", "    source: test\n    sauce: x\n",
			`t.yaml:9: unknown key "sauce" in rule`},
		{"unknown conclusion key", "conclude: {vendor: hikvision,", "conclude: {maker: hikvision,",
			`t.yaml:6: unknown key "maker" in rule "test.http.server.x" conclude`},
		{"missing source", "    source: test\n", "",
			`t.yaml:2: missing "source" in rule "test.http.server.x"`},
		{"duplicate id", "", strings.TrimPrefix(validRule, "rules:\n"),
			`t.yaml:12: duplicate rule id "test.http.server.x" (first at t.yaml:2)`},
		{"empty file", validRule, "# nothing\n", `t.yaml:1: empty file`},
		{"yaml syntax", "    weight: 0.5\n", "    weight: [0.5\n", `t.yaml:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := validRule
			if tt.old == "" {
				src += tt.new
			} else {
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			_, err := ParseRules("t.yaml", []byte(src), mustFields(t), mustCatalog(t))
			if err == nil {
				t.Fatalf("no error; source:\n%s", src)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCheckExamples_failures(t *testing.T) {
	src := strings.Replace(validRule, "expect: {vendor: hikvision, device_type: camera}", "expect: {vendor: dahua, device_type: camera}", 1)
	src += `      - fields: {http.server: X}
        expect: {}
      - fields: {http.server: Y}
        expect: {vendor: hikvision, device_type: camera}
`
	rules, err := ParseRules("t.yaml", []byte(src), mustFields(t), mustCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	err = CheckExamples(rules)
	for _, want := range []string{
		`t.yaml:10: rule "test.http.server.x" concluded map[device_type:camera vendor:hikvision], want map[device_type:camera vendor:dahua]`,
		`t.yaml:12: rule "test.http.server.x" matched a negative example`,
		`t.yaml:14: rule "test.http.server.x" did not match its example`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nwant it to contain %q", err, want)
		}
	}
}

func TestNew_extraRuleDirCollision(t *testing.T) {
	dir := t.TempDir()
	dup := strings.Replace(validRule, "test.http.server.x", "hikvision.http.server.app-webs", 1)
	if err := writeFile(dir+"/local.yaml", dup); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{Catalog: mustCatalog(t), ExtraRuleDirs: []string{dir}})
	if err == nil || !strings.Contains(err.Error(), `local.yaml:2: duplicate rule id "hikvision.http.server.app-webs" (first at hikvision.yaml:`) {
		t.Fatalf("got %v", err)
	}
}

func TestNew_extraRuleDir(t *testing.T) {
	dir := t.TempDir()
	if err := writeFile(dir+"/local.yaml", validRule); err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Catalog: mustCatalog(t), ExtraRuleDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.Rules()); n != len(embeddedRules(t))+1 {
		t.Fatalf("%d rules", n)
	}
}

package rulecheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func rule(id string) string {
	return "rules:\n  - id: " + id + "\n    description: test\n    field: http.server\n    match: '^X$'\n" +
		"    conclude: {vendor: hikvision, device_type: camera}\n    weight: 0.5\n    source: test\n" +
		"    examples:\n      - fields: {http.server: X}\n        expect: {vendor: hikvision, device_type: camera}\n"
}

// TestCheck: a good rule counts; the built-in rule files pass as they are;
// a rule id reused across files, a built-in id and a missing path are
// each reported with where they are.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.yaml", rule("local.http.server.x"))
	res, err := Check([]string{a})
	if err != nil || res.Rules != 1 || len(res.Problems) != 0 {
		t.Fatalf("good file: %+v, %v", res, err)
	}
	res, err = Check([]string{filepath.Join("..", "..", "vendors", "rules")})
	if err != nil || res.Rules == 0 || len(res.Problems) != 0 {
		t.Fatalf("built-in rules: %+v, %v", res, err)
	}
	b := write("b.yaml", rule("local.http.server.x"))
	c := write("c.yaml", rule("hikvision.http.server.app-webs"))
	res, err = Check([]string{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(res.Problems)
	for _, want := range []string{
		b + `:2: duplicate rule id "local.http.server.x" (first at ` + a + ":2)",
		c + `:2: duplicate rule id "hikvision.http.server.app-webs" (first at built-in hikvision.yaml:`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %s lack %q", got, want)
		}
	}
	if _, err := Check([]string{filepath.Join(dir, "nope.yaml")}); err == nil {
		t.Error("a missing path is no error")
	}
}

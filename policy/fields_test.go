package policy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fieldsRow is one row of vendors/FIELDS.md: | `key` | `scanner/pkg` | ... |
var fieldsRow = regexp.MustCompile("(?m)^\\| `([a-z0-9_.]+)` \\| `([a-z0-9_/]+)` \\|")

// TestAddressKeys_inStepWithEmitters: policy reads the other addresses a
// device announces through the fields each protocol package declares
// (AddressFields, gathered by scanner/protocols). Every key must be a
// FIELDS.md row that names its emitting package. That the package really
// emits the field is scanner/protocols' fixture test (each Decode shows
// every address field on real replies); the spelling check below only
// guards a key declared by a package other than the one it names.
func TestAddressKeys_inStepWithEmitters(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "vendors", "FIELDS.md"))
	if err != nil {
		t.Fatal(err)
	}
	emitter := map[string]string{}
	for _, m := range fieldsRow.FindAllStringSubmatch(string(doc), -1) {
		emitter[m[1]] = m[2]
	}
	if len(emitter) < 50 {
		t.Fatalf("vendors/FIELDS.md: only %d field rows read; has the table's layout changed?", len(emitter))
	}
	for _, key := range addressKeys {
		pkg, ok := emitter[key]
		if !ok {
			t.Errorf("policy reads %q, which vendors/FIELDS.md does not list", key)
			continue
		}
		proto, name, _ := strings.Cut(key, ".")
		if pkg != "scanner/"+proto {
			t.Errorf("%q: FIELDS.md names %s as its emitter, want scanner/%s", key, pkg, proto)
			continue
		}
		files, err := filepath.Glob(filepath.Join("..", pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Errorf("%q: no Go files in %s (%v)", key, pkg, err)
			continue
		}
		found := false
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(src), `"`+key+`"`) || strings.Contains(string(src), `"`+name+`"`) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%q: no non-test source of %s spells %q or %q", key, pkg, key, name)
		}
	}
}

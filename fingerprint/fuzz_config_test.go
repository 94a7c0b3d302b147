package fingerprint

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/vendors"
)

// FuzzParseStatements: a statements file, however broken, loads or is
// refused with file:line; it never panics.
func FuzzParseStatements(f *testing.F) {
	f.Add(vendors.StatementsYAML)
	f.Add([]byte("statements:\n  - {field: onvif.model, states: model, weight: 0.5, source: s}\n"))
	f.Add([]byte("max_len: {model: 0}\nstatements: []\n"))
	f.Add([]byte("statements:\n  - {field: onvif.model, states: model, weight: .nan, source: s, when: {onvif.model: '('}}\n"))
	f.Add([]byte("&a [*a]"))
	fields, err := vendors.LoadFields()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseStatements("s.yaml", data, fields)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "s.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for _, s := range st.List {
			if !(s.Weight > 0 && s.Weight <= 1) {
				t.Fatalf("accepted weight %v", s.Weight)
			}
		}
	})
}

// FuzzParseRules: a rule file, however broken, loads or is refused; it
// never panics.
func FuzzParseRules(f *testing.F) {
	for _, name := range []string{"hikvision.yaml", "onvif.yaml", "generic.yaml"} {
		data, err := fs.ReadFile(vendors.RulesFS, name)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("rules:\n  - id: a.b\n    description: d\n    field: http.server\n    match: '(?P<model>x'\n    conclude: {vendor: nobody}\n    weight: 2\n    source: s\n    examples: []\n"))
	f.Add([]byte("rules: [{id: x}]"))
	cat, err := vendors.LoadCatalog()
	if err != nil {
		f.Fatal(err)
	}
	fields, err := vendors.LoadFields()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := ParseRules("r.yaml", data, fields, cat)
		if err != nil {
			return
		}
		for _, r := range rules {
			if r.Match == nil || !(r.Weight > 0 && r.Weight <= 1) {
				t.Fatalf("accepted a rule without a pattern or with weight %v: %+v", r.Weight, r)
			}
		}
	})
}

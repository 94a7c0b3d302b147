package vendors

import (
	"strings"
	"testing"
)

// FuzzParseCatalog: a catalog file, however broken, loads or is refused
// with file:line; it never panics, and what loads resolves its own names.
func FuzzParseCatalog(f *testing.F) {
	if data, err := embedded.ReadFile("catalog.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("catalog: {version: x, date: 2026-01-01}\nsources: {}\nlists: []\nmakers: []\n"))
	f.Add([]byte("makers:\n  - {id: a, name: A, aliases: [X]}\n  - {id: b, name: B, aliases: [x]}\n"))
	f.Add([]byte("&a [*a, *a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCatalog("c.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "c.yaml") && !strings.Contains(err.Error(), "c.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for _, m := range c.Makers() {
			if got, ok := c.LookupName(m.Name); ok && got.Maker == "" && !got.Relabel && !got.Generic {
				t.Fatalf("maker %q resolves to nothing: %+v", m.Name, got)
			}
		}
	})
}

package mdns

import (
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for name := range fixtures {
		f.Add(readFixture(f, name))
	}
	q, _ := Query(DefaultServices)
	f.Add(q)
	f.Add([]byte{0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 10, 0, 2, 0xc0, 12})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		if len(m.Instances) > maxInstances || len(m.Hosts) > maxHosts || len(m.Types) > maxTypes {
			t.Fatalf("bounds: %d instances, %d hosts, %d types", len(m.Instances), len(m.Hosts), len(m.Types))
		}
		for _, ev := range m.Evidence(from) {
			if len(ev.Fields) > 8+maxTXT {
				t.Fatalf("%d fields", len(ev.Fields))
			}
			for k := range ev.Fields {
				if !utf8.ValidString(k) {
					t.Fatalf("field key %q", k)
				}
			}
		}
	})
}

package targets

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	"198.18.1.7", "198.18.1.0/24", "198.18.1.7/24", "0.0.0.0/0", "198.18.1.10-40",
	"198.18.1.10-198.18.2.5", "198.18.1-3.0-255", "198.18.*.1", "*.*.*.*", "10.0-255.0-255.1",
	"198.18.1.300", "198.18.01.7", "198.18.1.0/33", "198.18.1.40-10", "198.18.2.5-198.18.1.10",
	"2001:db8::1", "cam.example.com", "", "junk!", "198.18.1.5-2.5", "198.18.1.0-9/24",
	"0-255.0-255.0-255.1", "198.18.1.x", "1.2.3.4/", "1.2.3.-", "\xff\xfe",
}

func FuzzParseToken(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.TrimSpace(s) // as Build does
		tg, err := parseToken(s)
		if err != nil {
			// Through Build, every error names the token and where it came from.
			_, berr := Build([]Token{{Text: s, Where: "arg"}}, nil)
			var te *TokenError
			if berr == nil || !errors.As(berr, &te) {
				t.Fatalf("parseToken(%q) failed (%v) but Build did not", s, err)
			}
			if !strings.HasPrefix(berr.Error(), "arg: bad target "+strconv.Quote(s)+": ") {
				t.Fatalf("error does not name the token: %v", berr)
			}
			return
		}
		if len(tg.ivs) == 0 || len(tg.ivs) > maxTokenIntervals {
			t.Fatalf("parseToken(%q): %d intervals", s, len(tg.ivs))
		}
		for i, v := range tg.ivs {
			if v.hi < v.lo || i > 0 && tg.ivs[i-1].hi >= v.lo {
				t.Fatalf("parseToken(%q): intervals not sorted and disjoint: %s", s, ivString(tg.ivs))
			}
		}
		set, err := Build([]Token{{Text: s}}, nil)
		if err != nil {
			t.Fatalf("parseToken(%q) succeeded but Build failed: %v", s, err)
		}
		// Every address asked for is either in the set or accounted for.
		var skipped uint64
		for _, sk := range set.Skipped() {
			if sk.Kind != SkipTarget {
				skipped += sk.Count
			}
		}
		if set.Count()+skipped != total(tg.ivs) {
			t.Fatalf("%q: Count %d + skipped %d != %d asked for", s, set.Count(), skipped, total(tg.ivs))
		}
		if set.Count() > 0 {
			it, _ := set.Iter(IterOptions{Shuffle: true, Seed: uint64(len(s))})
			a, ok := it.Next()
			if !ok || !set.Contains(a) {
				t.Fatalf("%q: first shuffled address %v (ok=%v) not in set", s, a, ok)
			}
		}
	})
}

func FuzzReadList(f *testing.F) {
	f.Add("198.18.1.0/24\n198.18.2.7, 198.18.2.9 # NVRs\n\n# comment\n")
	f.Add("\uFEFF198.18.1.1\r\n198.18.1.2-5,198.18.3-4.*\t10.0.0.0/8")
	f.Add("198.18.1.300\ncam.example.com 2001:db8::1\n,,,\n#")
	f.Add(strings.Join(fuzzSeeds, "\n"))
	f.Fuzz(func(t *testing.T, in string) {
		toks, err := ReadList(strings.NewReader(in), "f.txt")
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.txt:") && !strings.HasPrefix(line, "f.txt: ") {
					t.Fatalf("error line does not say where: %q", line)
				}
			}
			if toks != nil {
				t.Fatal("tokens returned with an error")
			}
			return
		}
		for _, tok := range toks {
			if !strings.HasPrefix(tok.Where, "f.txt:") || tok.Text == "" || strings.ContainsAny(tok.Text, ",# \t\n") {
				t.Fatalf("bad token %+v", tok)
			}
			if _, err := parseToken(tok.Text); err != nil {
				t.Fatalf("ReadList returned %+v, which does not parse: %v", tok, err)
			}
		}
		if _, err := Build(toks, nil); err != nil {
			t.Fatalf("Build of ReadList's tokens: %v", err)
		}
	})
}

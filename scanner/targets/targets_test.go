package targets

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func ivString(ivs []interval) string {
	var b strings.Builder
	for i, v := range ivs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(u32(v.lo).String())
		if v.hi != v.lo {
			b.WriteString("-" + u32(v.hi).String())
		}
	}
	return b.String()
}

func u32(x uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
}

func TestParseToken_shapes(t *testing.T) {
	tests := []struct {
		tok  string
		kind kind
		bits int
		want string
	}{
		{"198.18.1.7", kindAddr, 0, "198.18.1.7"},
		{"0.0.0.0", kindAddr, 0, "0.0.0.0"},
		{"255.255.255.255", kindAddr, 0, "255.255.255.255"},
		{"198.18.1.0/24", kindCIDR, 24, "198.18.1.0-198.18.1.255"},
		{"198.18.1.7/32", kindCIDR, 32, "198.18.1.7"},
		{"198.18.1.6/31", kindCIDR, 31, "198.18.1.6-198.18.1.7"},
		{"10.0.0.0/8", kindCIDR, 8, "10.0.0.0-10.255.255.255"},
		{"0.0.0.0/0", kindCIDR, 0, "0.0.0.0-255.255.255.255"},
		{"198.18.1.10-40", kindRange, 0, "198.18.1.10-198.18.1.40"},
		{"198.18.1.10-10", kindRange, 0, "198.18.1.10"},
		{"198.18.1.10-198.18.2.5", kindRange, 0, "198.18.1.10-198.18.2.5"},
		{"198.18.1.10-198.18.1.10", kindRange, 0, "198.18.1.10"},
		{"198.18.1-3.0-255", kindRange, 0, "198.18.1.0-198.18.3.255"},
		{"198.18.1-3.5", kindRange, 0, "198.18.1.5 198.18.2.5 198.18.3.5"},
		{"198.18.1-2.5-6", kindRange, 0, "198.18.1.5-198.18.1.6 198.18.2.5-198.18.2.6"},
		{"198.18.*.1", kindRange, 0, ""}, // 256 intervals; checked by count below
		{"198.18.1.*", kindRange, 0, "198.18.1.0-198.18.1.255"},
		{"*.*.*.*", kindRange, 0, "0.0.0.0-255.255.255.255"},
		{"10.0-255.0-255.1", kindRange, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.tok, func(t *testing.T) {
			got, err := parseToken(tt.tok)
			if err != nil {
				t.Fatalf("parseToken(%q): %v", tt.tok, err)
			}
			if got.kind != tt.kind || got.bits != tt.bits {
				t.Errorf("kind, bits = %v, %d; want %v, %d", got.kind, got.bits, tt.kind, tt.bits)
			}
			if tt.want != "" && ivString(got.ivs) != tt.want {
				t.Errorf("intervals = %s; want %s", ivString(got.ivs), tt.want)
			}
			checkSorted(t, got.ivs)
		})
	}
	if got, _ := parseToken("198.18.*.1"); len(got.ivs) != 256 {
		t.Errorf("198.18.*.1: %d intervals, want 256", len(got.ivs))
	}
	if got, _ := parseToken("10.0-255.0-255.1"); len(got.ivs) != 65536 || total(got.ivs) != 65536 {
		t.Errorf("10.0-255.0-255.1: %d intervals, %d addresses; want 65536 each", len(got.ivs), total(got.ivs))
	}
}

func checkSorted(t *testing.T, ivs []interval) {
	t.Helper()
	for i, v := range ivs {
		if v.hi < v.lo || i > 0 && ivs[i-1].hi >= v.lo {
			t.Fatalf("intervals not sorted and disjoint: %s", ivString(ivs))
		}
	}
}

func TestBuild_tokenErrors(t *testing.T) {
	tests := []struct {
		tok  string
		want string // the message after `argument 1: bad target "<tok>": `
		is   error
	}{
		{"198.18.1.300", "octet 300 out of range", nil},
		{"198.18.1.1000", "octet 1000 out of range", nil},
		{"198.18.1.99999999999999999999", "octet 99999999999999999999 out of range", nil},
		{"198.18.01.7", "octet 01 has a leading zero (octal or decimal?)", nil},
		{"198.18.1", "not an IPv4 address, CIDR or range", nil},
		{"198.18.1.7.9", "not an IPv4 address, CIDR or range", nil},
		{"198.18..7", "empty octet", nil},
		{"198.18.1.x", `octet "x" is not a number`, nil},
		{"198.18.1.+7", `octet "+7" is not a number`, nil},
		{"198.18.1.0/33", "prefix length 33 out of range (0-32)", nil},
		{"198.18.1.0/100", "prefix length 100 out of range (0-32)", nil},
		{"198.18.1.0/", `prefix length "" is not a number`, nil},
		{"198.18.1.0/-1", `prefix length "-1" is not a number`, nil},
		{"198.18.1.0/24/8", `prefix length "24/8" is not a number`, nil},
		{"198.18.1.256/24", "octet 256 out of range", nil},
		{"198.18.1.0-9/24", "a CIDR needs a single base address, not a range", nil},
		{"198.18.1.40-10", "octet range 40-10 is reversed", nil},
		{"198.18.2.5-198.18.1.10", "range end 198.18.1.10 is before its start 198.18.2.5", nil},
		{"198.18.1.5-198.18.1.300", "range end: octet 300 out of range", nil},
		{"198.18.1.5-2.5", `range end: "2.5" is not an IPv4 address`, nil},
		{"198.18.1.5-", "empty octet", nil},
		{"198.18.1.1-2-3", `octet "2-3" is not a number`, nil},
		{"0-255.0-255.0-255.1", "expands to more than 65536 separate ranges", nil},
		// A host with its mask is refused, as the zones file refuses it,
		// rather than silently widened to the whole network.
		{"198.18.0.5/24", "host bits set: write the network 198.18.0.0/24, or the single address 198.18.0.5", nil},
		{"198.18.1.7/31", "host bits set: write the network 198.18.1.6/31, or the single address 198.18.1.7", nil},
		{"1.2.3.4/0", "host bits set: write the network 0.0.0.0/0, or the single address 1.2.3.4", nil},
		{"", "empty target", nil},
		{"junk!", "not an IPv4 address, CIDR or range", nil},
		{"2001:db8::1", "IPv6 targets are not supported yet", ErrIPv6},
		{"2001:db8::/32", "IPv6 targets are not supported yet", ErrIPv6},
		{"::ffff:198.18.1.7", "IPv6 targets are not supported yet", ErrIPv6},
		{"cam1.example.com", "hostnames are not supported yet: give an address, CIDR or range", ErrHostname},
		{"localhost", "hostnames are not supported yet: give an address, CIDR or range", ErrHostname},
	}
	for _, tt := range tests {
		t.Run(tt.tok, func(t *testing.T) {
			_, err := Build([]Token{{Text: tt.tok, Where: "argument 1"}}, nil)
			if err == nil {
				t.Fatalf("Build(%q): no error", tt.tok)
			}
			want := fmt.Sprintf("argument 1: bad target %q: %s", tt.tok, tt.want)
			if err.Error() != want {
				t.Errorf("error\n got: %s\nwant: %s", err, want)
			}
			var te *TokenError
			if !errors.As(err, &te) || te.Token != tt.tok || te.Where != "argument 1" {
				t.Errorf("not a *TokenError naming the token: %#v", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v) = false", tt.is)
			}
		})
	}
}

func TestBuild_excludeErrorsNamed(t *testing.T) {
	_, err := Build([]Token{{Text: "198.18.1.0/24"}}, []Token{{Text: "198.18.1.300", Where: "--exclude"}, {Text: "x:y", Where: "ex.txt:3"}})
	want := "--exclude: bad target \"198.18.1.300\": octet 300 out of range\n" +
		"ex.txt:3: bad target \"x:y\": IPv6 targets are not supported yet"
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got: %v\nwant: %s", err, want)
	}
}

func TestReadList(t *testing.T) {
	in := "\uFEFF# office cameras\r\n" +
		"198.18.1.0/24\r\n" +
		"\n" +
		"   \t\n" +
		"198.18.2.7, 198.18.2.9 ,198.18.3.1-5 # the NVRs\n" +
		"198.18.4.0/30\t198.18.5.1,,\n" +
		"#198.18.9.9\n" +
		"198.18.6.1#no space before the comment\n" +
		"198.18.7.1" // no final newline
	toks, err := ReadList(strings.NewReader(in), "targets.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []Token{
		{"198.18.1.0/24", "targets.txt:2"},
		{"198.18.2.7", "targets.txt:5"},
		{"198.18.2.9", "targets.txt:5"},
		{"198.18.3.1-5", "targets.txt:5"},
		{"198.18.4.0/30", "targets.txt:6"},
		{"198.18.5.1", "targets.txt:6"},
		{"198.18.6.1", "targets.txt:8"},
		{"198.18.7.1", "targets.txt:9"},
	}
	if !slices.Equal(toks, want) {
		t.Errorf("ReadList =\n%v\nwant\n%v", toks, want)
	}
}

func TestReadList_empty(t *testing.T) {
	toks, err := ReadList(strings.NewReader("# nothing\n\n"), "stdin")
	if err != nil || len(toks) != 0 {
		t.Fatalf("ReadList = %v, %v; want no tokens, no error", toks, err)
	}
}

func TestReadList_errors(t *testing.T) {
	in := "198.18.1.0/24\n" +
		"198.18.1.7 198.18.1.300 # typo\n" +
		"\n" +
		"cam.example.com\n"
	_, err := ReadList(strings.NewReader(in), "targets.txt")
	want := "targets.txt:2: bad target \"198.18.1.300\": octet 300 out of range\n" +
		"targets.txt:4: bad target \"cam.example.com\": hostnames are not supported yet: give an address, CIDR or range"
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got: %v\nwant: %s", err, want)
	}
	if !errors.Is(err, ErrHostname) {
		t.Error("errors.Is(err, ErrHostname) = false")
	}
}

func TestReadList_tooManyErrors(t *testing.T) {
	in := strings.Repeat("bad!\n", 50)
	_, err := ReadList(strings.NewReader(in), "x.txt")
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxListErrors+1 || lines[len(lines)-1] != "x.txt: too many bad targets, stopped reading" {
		t.Errorf("error has %d lines, last %q", len(lines), lines[len(lines)-1])
	}
}

func TestReadList_longLine(t *testing.T) {
	in := "198.18.1.1\n" + strings.Repeat(" ", maxLineLen+1) + "\n"
	_, err := ReadList(strings.NewReader(in), "big.txt")
	if err == nil || !strings.HasPrefix(err.Error(), "big.txt:2: line longer than") {
		t.Fatalf("error = %v; want big.txt:2: line longer than …", err)
	}
}

func toks(ss ...string) []Token {
	out := make([]Token, len(ss))
	for i, s := range ss {
		out[i] = Token{Text: s, Where: "argument " + strconv.Itoa(i+1)}
	}
	return out
}

func mustBuild(t testing.TB, include, exclude []string) *Set {
	t.Helper()
	s, err := Build(toks(include...), toks(exclude...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBuild_mergeAndExclude(t *testing.T) {
	tests := []struct {
		name       string
		incl, excl []string
		want       string
	}{
		{"overlap", []string{"198.18.1.10-20", "198.18.1.15-30"}, nil, "198.18.1.10-198.18.1.30"},
		{"adjacent", []string{"198.18.1.10-20", "198.18.1.21-30"}, nil, "198.18.1.10-198.18.1.30"},
		{"unsorted", []string{"198.18.3.1", "198.18.1.1", "198.18.2.1"}, nil, "198.18.1.1 198.18.2.1 198.18.3.1"},
		{"duplicate", []string{"198.18.1.1", "198.18.1.1"}, nil, "198.18.1.1"},
		{"contained", []string{"198.18.1.10-198.18.2.5", "198.18.1.200"}, nil, "198.18.1.10-198.18.2.5"},
		{"white space", []string{"  198.18.1.1\t"}, nil, "198.18.1.1"},
		{"exclude middle", []string{"198.18.1.10-20"}, []string{"198.18.1.15"}, "198.18.1.10-198.18.1.14 198.18.1.16-198.18.1.20"},
		{"exclude edges", []string{"198.18.1.10-20"}, []string{"198.18.1.5-10", "198.18.1.20-198.18.2.0"}, "198.18.1.11-198.18.1.19"},
		{"exclude spanning", []string{"198.18.1.1-3", "198.18.1.7-9"}, []string{"198.18.1.2-8"}, "198.18.1.1 198.18.1.9"},
		{"exclude all", []string{"198.18.1.1-3"}, []string{"198.18.0.0/16"}, ""},
		{"exclude outside", []string{"198.18.1.1-3"}, []string{"198.19.0.0/16"}, "198.18.1.1-198.18.1.3"},
		{"exclude overlapping excludes", []string{"198.18.1.1-20"}, []string{"198.18.1.2-10", "198.18.1.5-12", "198.18.1.3"}, "198.18.1.1 198.18.1.13-198.18.1.20"},
		{"exclude octet range", []string{"198.18.1-3.1-3"}, []string{"198.18.2.*"}, "198.18.1.1-198.18.1.3 198.18.3.1-198.18.3.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustBuild(t, tt.incl, tt.excl)
			if got := ivString(s.ivs); got != tt.want {
				t.Errorf("set = %q; want %q", got, tt.want)
			}
			if s.Count() != total(s.ivs) {
				t.Errorf("Count = %d; intervals hold %d", s.Count(), total(s.ivs))
			}
		})
	}
}

func TestBuild_neverProbe(t *testing.T) {
	s := mustBuild(t, []string{"0.0.0.0/0"}, nil)
	const want = 1<<32 - 1<<24 - 1<<24 - 1<<28 - 1<<28
	if s.Count() != want {
		t.Errorf("Count(0.0.0.0/0) = %d; want %d", s.Count(), want)
	}
	for _, a := range []string{"0.0.0.0", "0.255.255.255", "127.0.0.1", "224.0.0.251", "239.255.255.250", "240.0.0.1", "255.255.255.255"} {
		if s.Contains(netip.MustParseAddr(a)) {
			t.Errorf("Contains(%s) = true", a)
		}
	}
	for _, a := range []string{"1.0.0.0", "126.255.255.255", "128.0.0.0", "223.255.255.255", "198.18.1.7"} {
		if !s.Contains(netip.MustParseAddr(a)) {
			t.Errorf("Contains(%s) = false", a)
		}
	}
	want2 := []Skip{
		{Kind: SkipReserved, Token: "0.0.0.0/8", Reason: "this network", Count: 1 << 24},
		{Kind: SkipReserved, Token: "127.0.0.0/8", Reason: "loopback", Count: 1 << 24},
		{Kind: SkipReserved, Token: "224.0.0.0/4", Reason: "multicast", Count: 1 << 28},
		{Kind: SkipReserved, Token: "240.0.0.0/4", Reason: "reserved and limited broadcast", Count: 1 << 28},
	}
	if got := s.Skipped(); !slices.Equal(got, want2) {
		t.Errorf("Skipped =\n%+v\nwant\n%+v", got, want2)
	}
}

func TestBuild_netBcast(t *testing.T) {
	tests := []struct {
		incl    []string
		count   uint64
		skipped uint64
	}{
		{[]string{"198.18.1.0/24"}, 254, 2},
		{[]string{"198.18.1.4/30"}, 2, 2},
		{[]string{"198.18.1.4/31"}, 2, 0},
		{[]string{"198.18.1.4/32"}, 1, 0},
		{[]string{"198.18.1.0-255"}, 256, 0}, // only CIDRs describe a segment
		{[]string{"198.18.0.0/23", "198.18.0.0/24", "198.18.1.0/24"}, 508, 4},
		{[]string{"10.0.0.0/8"}, 1<<24 - 2, 2},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.incl, ","), func(t *testing.T) {
			s := mustBuild(t, tt.incl, nil)
			if s.Count() != tt.count {
				t.Errorf("Count = %d; want %d", s.Count(), tt.count)
			}
			var got uint64
			for _, sk := range s.Skipped() {
				if sk.Kind == SkipNetBcast {
					got += sk.Count
					if sk.String() != fmt.Sprintf("skipped %d reserved addresses (network/broadcast)", tt.skipped) {
						t.Errorf("String = %q", sk.String())
					}
				}
			}
			if got != tt.skipped {
				t.Errorf("network/broadcast skipped %d; want %d", got, tt.skipped)
			}
		})
	}
}

func TestBuild_explicitTargetSkipped(t *testing.T) {
	incl := []Token{
		{Text: "198.18.1.0/24", Where: "targets.txt:1"},
		{Text: "127.0.0.1", Where: "argument 1"},
		{Text: "198.18.1.255", Where: "argument 2"},
		{Text: "198.18.9.5", Where: "argument 3"},
		{Text: "198.18.9.10-20", Where: "argument 4"},
		{Text: "198.18.9.30", Where: "argument 5"}, // kept
		{Text: "224.0.0.251", Where: "argument 6"},
	}
	excl := []Token{
		{Text: "198.18.9.100-200", Where: "--exclude"},
		{Text: "198.18.9.0-8", Where: "ex.txt:2"},
		{Text: "198.18.9.9-25", Where: "ex.txt:3"},
	}
	s, err := Build(incl, excl)
	if err != nil {
		t.Fatal(err)
	}
	want := []Skip{
		{Kind: SkipReserved, Token: "127.0.0.0/8", Reason: "loopback", Count: 1},
		{Kind: SkipReserved, Token: "224.0.0.0/4", Reason: "multicast", Count: 1},
		{Kind: SkipNetBcast, Reason: "network/broadcast", Count: 2},
		{Kind: SkipExcluded, Reason: "excluded", Count: 12},
		{Kind: SkipTarget, Token: "127.0.0.1", Where: "argument 1", Reason: "loopback (127.0.0.0/8)", Count: 1},
		{Kind: SkipTarget, Token: "198.18.1.255", Where: "argument 2", Reason: "network/broadcast address of 198.18.1.0/24 (targets.txt:1)", Count: 1},
		{Kind: SkipTarget, Token: "198.18.9.5", Where: "argument 3", Reason: "excluded by 198.18.9.0-8 (ex.txt:2)", Count: 1},
		{Kind: SkipTarget, Token: "198.18.9.10-20", Where: "argument 4", Reason: "excluded by 198.18.9.9-25 (ex.txt:3)", Count: 11},
		{Kind: SkipTarget, Token: "224.0.0.251", Where: "argument 6", Reason: "multicast (224.0.0.0/4)", Count: 1},
	}
	got := s.Skipped()
	if !slices.Equal(got, want) {
		t.Errorf("Skipped =\n%+v\nwant\n%+v", got, want)
	}
	if s.Count() != 254+1 {
		t.Errorf("Count = %d; want 255", s.Count())
	}
	if g, w := got[4].String(), "target 127.0.0.1 (argument 1) will not be probed: loopback (127.0.0.0/8)"; g != w {
		t.Errorf("String = %q; want %q", g, w)
	}
	if g, w := got[0].String(), "skipped 1 reserved address (loopback 127.0.0.0/8)"; g != w {
		t.Errorf("String = %q; want %q", g, w)
	}
	if g, w := got[3].String(), "skipped 12 addresses (excluded)"; g != w {
		t.Errorf("String = %q; want %q", g, w)
	}
}

func TestSet_empty(t *testing.T) {
	s := mustBuild(t, nil, nil)
	if s.Count() != 0 || s.Contains(netip.MustParseAddr("198.18.1.1")) {
		t.Fatal("empty set not empty")
	}
	for _, opts := range []IterOptions{{}, {Shuffle: true, Seed: 3}, {Shard: 2, Shards: 3, Shuffle: true}} {
		it, err := s.Iter(opts)
		if err != nil {
			t.Fatal(err)
		}
		if a, ok := it.Next(); ok {
			t.Errorf("Next on empty set = %v", a)
		}
	}
}

func TestSet_Contains(t *testing.T) {
	s := mustBuild(t, []string{"198.18.1.0/24", "198.18.3.7"}, []string{"198.18.1.100"})
	for a, want := range map[string]bool{
		"198.18.1.0": false, "198.18.1.1": true, "198.18.1.99": true, "198.18.1.100": false,
		"198.18.1.254": true, "198.18.1.255": false, "198.18.2.1": false, "198.18.3.7": true,
		"198.18.3.8": false, "::ffff:198.18.3.7": true, "2001:db8::1": false, "0.0.0.0": false,
	} {
		if got := s.Contains(netip.MustParseAddr(a)); got != want {
			t.Errorf("Contains(%s) = %v; want %v", a, got, want)
		}
	}
	if (&Set{cum: []uint64{0}}).Contains(netip.Addr{}) {
		t.Error("Contains(zero Addr) = true")
	}
}

func collect(t testing.TB, s *Set, opts IterOptions) []netip.Addr {
	t.Helper()
	it, err := s.Iter(opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []netip.Addr
	for a, ok := it.Next(); ok; a, ok = it.Next() {
		out = append(out, a)
	}
	if it.Remaining() != 0 || uint64(len(out)) != it.Len() {
		t.Fatalf("Len = %d, Remaining = %d after %d addresses", it.Len(), it.Remaining(), len(out))
	}
	return out
}

// all lists a set's addresses from its intervals, independently of Iter.
func all(s *Set) []netip.Addr {
	var out []netip.Addr
	for _, v := range s.ivs {
		for x := uint64(v.lo); x <= uint64(v.hi); x++ {
			out = append(out, u32(uint32(x)))
		}
	}
	return out
}

var iterSets = [][]string{
	{"198.18.1.7"},
	{"198.18.1.6/31"},
	{"198.18.1.1-3"},
	{"198.18.1.0/24"},
	{"198.18.1.0/24", "198.18.3.7", "198.18.5.10-198.18.6.20", "198.18.9-11.1-3"},
	{"198.18.0.0/20"},
	{"198.18.0.0/16"}, // 65534: not a power of two, domain exactly 2^16
	{"198.18.0.0-198.18.1.4"},
}

func TestIter_ascending(t *testing.T) {
	for _, incl := range iterSets {
		s := mustBuild(t, incl, nil)
		got := collect(t, s, IterOptions{})
		if want := all(s); !slices.Equal(got, want) {
			t.Errorf("%v: ascending order differs: got %d addresses, want %d", incl, len(got), len(want))
		}
		if uint64(len(got)) != s.Count() {
			t.Errorf("%v: %d addresses; Count = %d", incl, len(got), s.Count())
		}
	}
}

func TestIter_shuffleIsPermutation(t *testing.T) {
	for _, incl := range iterSets {
		s := mustBuild(t, incl, nil)
		want := all(s)
		for _, seed := range []uint64{0, 1, 42, 1 << 63} {
			got := collect(t, s, IterOptions{Shuffle: true, Seed: seed})
			again := collect(t, s, IterOptions{Shuffle: true, Seed: seed})
			if !slices.Equal(got, again) {
				t.Errorf("%v seed %d: two runs differ", incl, seed)
			}
			sorted := slices.Clone(got)
			slices.SortFunc(sorted, netip.Addr.Compare)
			if !slices.Equal(sorted, want) {
				t.Errorf("%v seed %d: not a permutation of the set", incl, seed)
			}
		}
	}
}

func TestIter_shuffleSpreads(t *testing.T) {
	s := mustBuild(t, []string{"198.18.0.0/16"}, nil)
	a := collect(t, s, IterOptions{Shuffle: true, Seed: 7})
	b := collect(t, s, IterOptions{Shuffle: true, Seed: 8})
	if slices.Equal(a, b) {
		t.Fatal("seeds 7 and 8 give the same order")
	}
	// Back-to-back addresses in the same /24 should be about as rare as
	// chance makes them (1 in 256).
	same := 0
	for i := 1; i < len(a); i++ {
		if a[i].As4()[2] == a[i-1].As4()[2] {
			same++
		}
	}
	if limit := len(a) / 64; same > limit {
		t.Errorf("%d of %d consecutive pairs share a /24; want at most %d", same, len(a), limit)
	}
}

func TestFeistel_permutation(t *testing.T) {
	for n := uint64(1); n <= 300; n++ {
		for _, seed := range []uint64{0, 99} {
			f := newFeistel(n, seed)
			seen := make([]bool, n)
			for x := range n {
				y := f.permute(x)
				if y >= n || seen[y] {
					t.Fatalf("n=%d seed=%d: permute(%d) = %d, out of range or repeated", n, seed, x, y)
				}
				seen[y] = true
			}
		}
	}
}

func TestIter_shards(t *testing.T) {
	for _, incl := range iterSets {
		s := mustBuild(t, incl, nil)
		want := all(s)
		for _, shuffle := range []bool{false, true} {
			for _, n := range []int{1, 2, 3, 4, 7, 300} {
				var union []netip.Addr
				for k := 1; k <= n; k++ {
					part := collect(t, s, IterOptions{Shuffle: shuffle, Seed: 5, Shard: k, Shards: n})
					if lo, hi := s.Count()/uint64(n), (s.Count()+uint64(n)-1)/uint64(n); uint64(len(part)) < lo || uint64(len(part)) > hi {
						t.Errorf("%v shard %d/%d: %d addresses; want %d..%d", incl, k, n, len(part), lo, hi)
					}
					union = append(union, part...)
				}
				slices.SortFunc(union, netip.Addr.Compare)
				if !slices.Equal(union, want) {
					t.Errorf("%v shuffle=%v %d shards: union is not the set exactly once (%d addresses, want %d)", incl, shuffle, n, len(union), len(want))
				}
			}
		}
	}
}

func TestIter_badOptions(t *testing.T) {
	s := mustBuild(t, []string{"198.18.1.0/24"}, nil)
	for _, o := range []IterOptions{{Shard: 1}, {Shards: -1}, {Shard: 0, Shards: 2}, {Shard: 3, Shards: 2}, {Shard: -1, Shards: 2}} {
		if _, err := s.Iter(o); err == nil {
			t.Errorf("Iter(%+v): no error", o)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, tt := range []struct {
		in   string
		k, n int
		err  string
	}{
		{"1/1", 1, 1, ""},
		{"2/4", 2, 4, ""},
		{"4/4", 4, 4, ""},
		{"0/4", 0, 0, `shard "0/4": need 1 <= K <= N`},
		{"5/4", 0, 0, `shard "5/4": need 1 <= K <= N`},
		{"1/0", 0, 0, `shard "1/0": need 1 <= K <= N`},
		{"2", 0, 0, `shard "2": want K/N, e.g. 2/4`},
		{"", 0, 0, `shard "": want K/N, e.g. 2/4`},
		{"-1/4", 0, 0, `shard "-1/4": want K/N, e.g. 2/4`},
		{"+1/4", 0, 0, `shard "+1/4": want K/N, e.g. 2/4`},
		{"1/4/5", 0, 0, `shard "1/4/5": want K/N, e.g. 2/4`},
		{"1/99999999999999999999", 0, 0, `shard "1/99999999999999999999": strconv.Atoi: parsing "99999999999999999999": value out of range`},
	} {
		k, n, err := ParseShard(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseShard(%q) error = %v; want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || k != tt.k || n != tt.n {
			t.Errorf("ParseShard(%q) = %d, %d, %v; want %d, %d", tt.in, k, n, err, tt.k, tt.n)
		}
	}
}

func TestIter_slash8NoAllocs(t *testing.T) {
	s := mustBuild(t, []string{"10.0.0.0/8"}, nil)
	if s.Count() != 1<<24-2 {
		t.Fatalf("Count(/8) = %d", s.Count())
	}
	for _, opts := range []IterOptions{{}, {Shuffle: true, Seed: 1}, {Shuffle: true, Seed: 1, Shard: 3, Shards: 4}} {
		it, err := s.Iter(opts)
		if err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(10000, func() {
			if _, ok := it.Next(); !ok {
				t.Fatal("iterator ran out")
			}
		})
		if allocs != 0 {
			t.Errorf("%+v: %v allocations per Next; want 0", opts, allocs)
		}
	}
}

func BenchmarkIter_slash8(b *testing.B) {
	s := mustBuild(b, []string{"10.0.0.0/8"}, nil)
	for _, bc := range []struct {
		name string
		opts IterOptions
	}{{"ascending", IterOptions{}}, {"shuffled", IterOptions{Shuffle: true, Seed: 1}}} {
		b.Run(bc.name, func(b *testing.B) {
			it, _ := s.Iter(bc.opts)
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := it.Next(); !ok {
					it, _ = s.Iter(bc.opts)
				}
			}
		})
	}
}

func BenchmarkIter_manyIntervals(b *testing.B) {
	s := mustBuild(b, []string{"10.0-255.0-255.1"}, nil) // 65536 one-address intervals
	it, _ := s.Iter(IterOptions{Shuffle: true, Seed: 1})
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := it.Next(); !ok {
			it, _ = s.Iter(IterOptions{Shuffle: true, Seed: 1})
		}
	}
}

// Regression for the fuzz input testdata/fuzz/FuzzParseToken/49379cc871a923cf:
// the parser is strict about white space and Build trims it, so a padded
// argument is accepted where a padded token inside a list cannot occur.
func TestBuild_surroundingWhiteSpace(t *testing.T) {
	if _, err := parseToken(" 0.0.0.0"); err == nil {
		t.Error(`parseToken(" 0.0.0.0"): no error`)
	}
	s, err := Build([]Token{{Text: " 198.18.1.7\n"}}, []Token{{Text: "\t198.18.1.8 "}})
	if err != nil || s.Count() != 1 {
		t.Fatalf("Build = %v, %v", s, err)
	}
}

// TestBuild_totalIntervalBound: the bound on separate ranges holds for the
// whole list, not per token: many tokens each under the per-token bound are
// refused with an error naming the total and where it was passed.
func TestBuild_totalIntervalBound(t *testing.T) {
	var incl []Token
	for i := range 3 {
		// 128*256 = 32768 intervals each: under the per-token bound.
		incl = append(incl, Token{Text: fmt.Sprintf("%d.0-127.0-255.1", 11+i), Where: fmt.Sprintf("t.txt:%d", i+1)})
	}
	_, err := Build(incl, nil)
	var tm *TooManyError
	if !errors.As(err, &tm) {
		t.Fatalf("Build of 3x32768 ranges: %v, want a *TooManyError", err)
	}
	want := "t.txt:3: targets expand to more than 65536 separate ranges in total (98304 by this line): merge them into CIDRs or ranges"
	if err.Error() != want {
		t.Errorf("error\n got: %s\nwant: %s", err, want)
	}
	if _, err := Build(incl[:2], nil); err != nil {
		t.Errorf("exactly 65536 ranges refused: %v", err)
	}
	if _, err := Build([]Token{{Text: "198.18.0.0/16"}}, incl); !errors.As(err, &tm) || tm.What != "excludes" {
		t.Errorf("excludes over the bound: %v", err)
	}
}

// TestReadList_totalIntervalBound: a list stops being read once its tokens
// pass the bound, so a huge list never sits in memory.
func TestReadList_totalIntervalBound(t *testing.T) {
	var b strings.Builder
	for i := range MaxIntervals + 1 {
		fmt.Fprintf(&b, "10.%d.%d.%d\n", i>>14, i>>6&0xff, (i&0x3f)*2+1)
	}
	toks, err := ReadList(strings.NewReader(b.String()), "big.txt")
	if err == nil || toks != nil {
		t.Fatalf("ReadList of %d separate addresses: %d tokens, err %v", MaxIntervals+1, len(toks), err)
	}
	if want := fmt.Sprintf("big.txt:%d: targets expand to more than 65536", MaxIntervals+1); !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
}

// TestBuild_excludedWholeTargetReason: a CIDR removed whole by an exclude
// is blamed on the exclude, not on its network/broadcast addresses, which
// were only two of its addresses.
func TestBuild_excludedWholeTargetReason(t *testing.T) {
	s, err := Build([]Token{{Text: "198.18.0.0/24", Where: "argument 1"}}, []Token{{Text: "198.18.0.0/24", Where: "--exclude"}})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, sk := range s.Skipped() {
		if sk.Kind == SkipTarget {
			got = sk.String()
		}
	}
	want := "target 198.18.0.0/24 (argument 1) will not be probed: network/broadcast address of 198.18.0.0/24 (argument 1): 2 addresses; excluded by 198.18.0.0/24 (--exclude): 254 addresses"
	if got != want {
		t.Errorf("skip\n got: %s\nwant: %s", got, want)
	}
	if s.Count() != 0 {
		t.Errorf("Count %d", s.Count())
	}
	// Only an exclude: the reason is the exclude alone.
	s, _ = Build([]Token{{Text: "198.18.0.10-20"}}, []Token{{Text: "198.18.0.0/24", Where: "--exclude"}})
	if sk := s.Skipped(); len(sk) != 2 || sk[1].Reason != "excluded by 198.18.0.0/24 (--exclude)" {
		t.Errorf("skipped %+v", sk)
	}
}

package docs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the repository root as seen from this package's directory,
// where go test runs.
const repoRoot = ".."

// citationsFile maps each section of the old notes to its file; the same
// tables drive scripts/recite.
const citationsFile = "protocols/CITATIONS.md"

// benchResults is where bench writes its results (bench/main.go -out and
// its defaults, lab tests' reports): a name there is an output a run
// writes, not a document cited, whether or not a run has been committed.
const benchResults = "bench/results/"

// isOutput reports whether tok, found on line, names a bench output: a path
// under bench/results, or a bare name on a line that names that directory
// ("bench/results/ROUTED.md or OFFICE.md").
func isOutput(tok string, line []byte) bool {
	return strings.HasPrefix(tok, benchResults) || !strings.Contains(tok, "/") && bytes.Contains(line, []byte(benchResults))
}

// table is the content of CITATIONS.md.
type table struct {
	sections  map[string]string // "1.3" -> "wsd-onvif.md"
	order     []string
	overrides []override
}

type override struct {
	line          int
	section, path string
	contains      string
	file          string
}

// loadTable reads CITATIONS.md the way scripts/recite does: rows "| §N | … |"
// under the headings "## Sections" and "## Overrides".
func loadTable(name string) (*table, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	tb := &table{sections: map[string]string{}}
	part := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		row := sc.Text()
		if h, ok := strings.CutPrefix(row, "## "); ok {
			part = h
			continue
		}
		if !strings.HasPrefix(row, "| §") {
			continue
		}
		cells := strings.Split(row, "|")
		if len(cells) < 6 {
			return nil, fmt.Errorf("%s:%d: want 4 cells: %s", name, n, row)
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		sec, ok := strings.CutPrefix(cells[1], "§")
		if !ok || !sectionNumber.MatchString(sec) {
			return nil, fmt.Errorf("%s:%d: bad section %q", name, n, cells[1])
		}
		switch part {
		case "Sections":
			if _, dup := tb.sections[sec]; dup {
				return nil, fmt.Errorf("%s:%d: section §%s listed twice", name, n, sec)
			}
			tb.sections[sec] = cells[2]
			tb.order = append(tb.order, sec)
		case "Overrides":
			tb.overrides = append(tb.overrides, override{line: n, section: sec, path: cells[2], contains: cells[3], file: cells[4]})
		}
	}
	if len(tb.sections) == 0 {
		return nil, fmt.Errorf("%s: no rows under ## Sections", name)
	}
	return tb, sc.Err()
}

var sectionNumber = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

// headings returns the text of every Markdown heading of a file ("§5.1
// Hikvision and its relabels", "Style 5: every blocking call…").
func headings(name string) ([]string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var hs []string
	inFence := false
	for line := range strings.SplitSeq(string(data), "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		t := strings.TrimLeft(line, "#")
		if len(t) == len(line) || !strings.HasPrefix(t, " ") {
			continue
		}
		hs = append(hs, strings.TrimSpace(t))
	}
	return hs, nil
}

// hasSection reports whether a heading starts with §sec as a whole number.
func hasSection(hs []string, sec string) bool {
	for _, h := range hs {
		if h == "§"+sec || strings.HasPrefix(h, "§"+sec+" ") {
			return true
		}
	}
	return false
}

// hasNamed reports whether the text after a "§" (as cited in free text,
// "The lab out of Linux…") starts with a heading's name, the heading's text
// up to a colon ("Style 5").
func hasNamed(hs []string, rest string) bool {
	for _, h := range hs {
		name, _, _ := strings.Cut(h, ":")
		if name == "" || !strings.HasPrefix(rest, name) {
			continue
		}
		if tail := rest[len(name):]; tail == "" || !isWordByte(tail[0]) {
			return true
		}
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// TestCitationsTable: every file the table names exists in docs/protocols
// and holds the section as a heading; every override's path exists.
func TestCitationsTable(t *testing.T) {
	tb, err := loadTable(citationsFile)
	if err != nil {
		t.Fatal(err)
	}
	check := func(where, sec, file string) {
		hs, err := headings(filepath.Join("protocols", file))
		if err != nil {
			t.Errorf("%s: §%s -> %s: %v", where, sec, file, err)
			return
		}
		if !hasSection(hs, sec) {
			t.Errorf("%s: §%s -> %s: no heading \"§%s …\" in docs/protocols/%s", where, sec, file, sec, file)
		}
	}
	for _, sec := range tb.order {
		check(citationsFile, sec, tb.sections[sec])
	}
	files := repoFiles(t, repoRoot)
	for _, o := range tb.overrides {
		where := fmt.Sprintf("%s:%d", citationsFile, o.line)
		check(where, o.section, o.file)
		if _, ok := tb.sections[o.section]; !ok {
			t.Errorf("%s: override of §%s, which has no row under Sections", where, o.section)
		}
		if !slices.ContainsFunc(files, func(f string) bool { return strings.HasPrefix(f, o.path) }) {
			t.Errorf("%s: no file of the repository starts with %q", where, o.path)
		}
	}
	// The index lists every file of docs/protocols, and every file it lists exists.
	entries, err := os.ReadDir("protocols")
	if err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile("protocols/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if strings.HasSuffix(n, ".md") && n != "README.md" && n != "CITATIONS.md" && !bytes.Contains(index, []byte("("+n+")")) {
			t.Errorf("docs/protocols/README.md: %s is not in the index", n)
		}
	}
}

// TestEveryCitedSectionMapped: every numbered citation of the old protocol
// notes still in the repository has a row, so scripts/recite leaves none
// behind.
func TestEveryCitedSectionMapped(t *testing.T) {
	tb, err := loadTable(citationsFile)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`PROTOCOLS\.md\s*(?://|#)?\s*§([0-9]+(?:\.[0-9]+)*)`)
	for _, f := range repoFiles(t, repoRoot) {
		if strings.HasPrefix(f, "docs/") {
			continue
		}
		data := readFile(t, repoRoot, f)
		for _, m := range re.FindAllSubmatchIndex(data, -1) {
			sec := string(data[m[2]:m[3]])
			if _, ok := tb.sections[sec]; !ok {
				t.Errorf("%s:%d: cites the old notes' §%s, which %s does not map", f, lineOf(data, m[0]), sec, citationsFile)
			}
		}
	}
}

// TestCitedDocumentsExist is the check of issue 15: no file of the
// repository cites a document that is not in the repository. It fails while
// citations of the old external notes remain; scripts/recite rewrites them.
func TestCitedDocumentsExist(t *testing.T) {
	for _, p := range missingDocuments(t, repoRoot) {
		t.Error(p)
	}
}

// TestCitedSectionsResolve: every citation of a section of docs/ names a
// heading of that file.
func TestCitedSectionsResolve(t *testing.T) {
	for _, p := range unresolvedSections(t, repoRoot) {
		t.Error(p)
	}
}

// TestRecite runs scripts/recite on a copy of the repository's text files and
// checks that afterwards no document is missing, every section resolves, and
// a second run changes nothing.
func TestRecite(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the repository and runs a script")
	}
	for _, tool := range []string{"bash", "sed", "find", "grep", "cmp", "sort", "mktemp"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("scripts/recite needs %s: %v", tool, err)
		}
	}
	dir := t.TempDir()
	for _, f := range repoFiles(t, repoRoot) {
		copyFile(t, filepath.Join(repoRoot, f), filepath.Join(dir, f))
	}
	copyFile(t, filepath.Join(repoRoot, "scripts/recite"), filepath.Join(dir, "scripts/recite"))

	run := func() string {
		cmd := exec.Command("bash", "scripts/recite")
		cmd.Dir = dir
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("scripts/recite: %v\n%s", err, errb.String())
		}
		return out.String()
	}
	first := run()
	t.Logf("scripts/recite changed %d files", strings.Count(first, "\n"))
	for _, p := range missingDocuments(t, dir) {
		t.Errorf("after scripts/recite: %s", p)
	}
	for _, p := range unresolvedSections(t, dir) {
		t.Errorf("after scripts/recite: %s", p)
	}
	before := snapshot(t, dir)
	if second := run(); second != "" {
		t.Errorf("a second run changed files again:\n%s", second)
	}
	if after := snapshot(t, dir); !maps2Equal(before, after) {
		t.Error("a second run changed file contents")
	}
	// The script leaves docs/ and testdata/real alone.
	for _, f := range repoFiles(t, repoRoot) {
		if strings.HasPrefix(f, "docs/") || strings.HasPrefix(f, "testdata/real/") {
			if !bytes.Equal(readFile(t, repoRoot, f), readFile(t, dir, f)) {
				t.Errorf("scripts/recite changed %s, which it must leave alone", f)
			}
		}
	}
}

// docToken finds names of documents: an upper-case base name (README.md,
// FIELDS.md, bench/results/LATEST.md) or any path under docs/.
var docToken = regexp.MustCompile(`(?:(?:\.\./|[A-Za-z0-9_.-]+/)*[A-Z][A-Z0-9_]+\.md|\bdocs/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md)\b`)

// mdLink finds relative Markdown links to documents.
var mdLink = regexp.MustCompile(`\]\(([A-Za-z0-9_./-]+\.md)(?:#[^)]*)?\)`)

// missingDocuments lists, as file:line messages, the documents cited in
// root's files that do not exist in root. testdata/real is left out: its
// notes record where a reply was found, as gathered. CITATIONS.md names the
// old documents on purpose.
func missingDocuments(t *testing.T, root string) []string {
	t.Helper()
	files := repoFiles(t, root)
	base := map[string]bool{}
	exists := map[string]bool{}
	for _, f := range files {
		exists[f] = true
		base[path.Base(f)] = true
	}
	// Documents other than *.go, *.yaml and *.md (SOURCE files, results)
	// count too when a path names them.
	has := func(p string) bool {
		if exists[p] {
			return true
		}
		_, err := os.Stat(filepath.Join(root, filepath.FromSlash(p)))
		return err == nil
	}
	var out []string
	for _, f := range files {
		if strings.HasPrefix(f, "testdata/real/") || f == "docs/"+citationsFile {
			continue
		}
		data := readFile(t, root, f)
		dir := path.Dir(f)
		for _, m := range docToken.FindAllIndex(data, -1) {
			tok := string(data[m[0]:m[1]])
			if isOutput(tok, lineAt(data, m[0])) {
				continue
			}
			ok := false
			if strings.Contains(tok, "/") {
				ok = has(path.Clean(tok)) || has(path.Join(dir, tok))
			} else {
				ok = base[tok]
			}
			if !ok {
				out = append(out, fmt.Sprintf("%s:%d: cites %s, which is not in the repository", f, lineOf(data, m[0]), tok))
			}
		}
		if strings.HasSuffix(f, ".md") {
			for _, m := range mdLink.FindAllSubmatchIndex(data, -1) {
				tok := string(data[m[2]:m[3]])
				if !has(path.Join(dir, tok)) {
					out = append(out, fmt.Sprintf("%s:%d: links %s, which is not in the repository", f, lineOf(data, m[0]), tok))
				}
			}
		}
	}
	return out
}

var (
	// A numbered citation of a docs/ file, the section maybe on the next
	// comment line.
	numbered = regexp.MustCompile(`\bdocs/((?:protocols/)?[a-z0-9-]+\.md)(?:[ \t]*\n[ \t]*(?://|#)?[ \t]*| )§([0-9]+(?:\.[0-9]+)*|[A-Z][0-9]+)`)
	// Further sections listed after a citation: ", §5.2", "/§6.3", "–5.2".
	chained = regexp.MustCompile(`^(?:–[0-9]+(?:\.[0-9]+)*)?(?:, |/| and |; |–)§([0-9]+(?:\.[0-9]+)*|[A-Z][0-9]+)`)
	// A named citation of ARCHITECTURE.md.
	named = regexp.MustCompile(`\bdocs/ARCHITECTURE\.md(?:[ \t]*\n[ \t]*(?://|#)?[ \t]*| )§`)
	// Inside docs/: "`http.md` §5.2", "`../vendors.md` §3.4".
	relative = regexp.MustCompile("`([a-z0-9./-]+\\.md)` §([0-9]+(?:\\.[0-9]+)*)")
)

// unresolvedSections lists the citations of a docs/ section that is not a
// heading of the file named.
func unresolvedSections(t *testing.T, root string) []string {
	t.Helper()
	cache := map[string][]string{}
	heads := func(p string) ([]string, bool) {
		if hs, ok := cache[p]; ok {
			return hs, hs != nil
		}
		hs, err := headings(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			hs = nil
		} else if hs == nil {
			hs = []string{}
		}
		cache[p] = hs
		return hs, hs != nil
	}
	var out []string
	for _, f := range repoFiles(t, root) {
		if f == "docs/"+citationsFile {
			continue
		}
		data := readFile(t, root, f)
		for _, m := range numbered.FindAllSubmatchIndex(data, -1) {
			doc := "docs/" + string(data[m[2]:m[3]])
			secs := []string{string(data[m[4]:m[5]])}
			for rest := data[m[1]:]; ; {
				c := chained.FindSubmatchIndex(rest)
				if c == nil {
					break
				}
				secs = append(secs, string(rest[c[2]:c[3]]))
				rest = rest[c[1]:]
			}
			hs, ok := heads(doc)
			if !ok {
				continue // a missing document is missingDocuments' report
			}
			for _, s := range secs {
				if !hasSection(hs, s) {
					out = append(out, fmt.Sprintf("%s:%d: cites %s §%s, which has no such heading", f, lineOf(data, m[0]), doc, s))
				}
			}
		}
		for _, m := range named.FindAllIndex(data, -1) {
			hs, ok := heads("docs/ARCHITECTURE.md")
			if !ok {
				continue
			}
			rest := data[m[1]:]
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				rest = rest[:i]
			}
			if !hasNamed(hs, string(rest)) {
				out = append(out, fmt.Sprintf("%s:%d: cites the section %q of ARCHITECTURE.md, which starts with no heading's name", f, lineOf(data, m[0]), rest))
			}
		}
		if strings.HasPrefix(f, "docs/") && strings.HasSuffix(f, ".md") {
			for _, m := range relative.FindAllSubmatchIndex(data, -1) {
				doc := string(data[m[2]:m[3]])
				if !strings.HasPrefix(doc, "docs/") {
					doc = path.Join(path.Dir(f), doc)
				}
				sec := string(data[m[4]:m[5]])
				hs, ok := heads(doc)
				if !ok {
					out = append(out, fmt.Sprintf("%s:%d: names %s, which is not in the repository", f, lineOf(data, m[0]), doc))
					continue
				}
				if !hasSection(hs, sec) {
					out = append(out, fmt.Sprintf("%s:%d: cites %s §%s, which has no such heading", f, lineOf(data, m[0]), doc, sec))
				}
			}
		}
	}
	return out
}

// repoFiles lists root's *.go, *.yaml and *.md files, slash-separated and
// relative to root, without .git, bin and node_modules.
func repoFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" || rel == "bin" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := path.Ext(rel); ext == ".go" || ext == ".yaml" || ext == ".md" {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func readFile(t *testing.T, root, f string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, f := range repoFiles(t, root) {
		m[f] = string(readFile(t, root, f))
	}
	return m
}

func maps2Equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// lineAt returns the line of data that holds offset off.
func lineAt(data []byte, off int) []byte {
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	end := bytes.IndexByte(data[off:], '\n')
	if end < 0 {
		return data[start:]
	}
	return data[start : off+end]
}

func lineOf(data []byte, off int) int {
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// TestHelpers pins the matching rules the checks rely on.
func TestHelpers(t *testing.T) {
	hs := []string{"§1 ONVIF WS-Discovery", "§1.3 ProbeMatches", "Style 5: bounded", "The device record", "Findings"}
	for _, c := range []struct {
		sec  string
		want bool
	}{{"1", true}, {"1.3", true}, {"1.1", false}, {"13", false}} {
		if got := hasSection(hs, c.sec); got != c.want {
			t.Errorf("hasSection(%q) = %v, want %v", c.sec, got, c.want)
		}
	}
	for _, c := range []struct {
		rest string
		want bool
	}{{"Style 5).", true}, {"Style 50", false}, {"The device record.", true}, {"Findings:", true}, {"Findingsx", false}, {"Exit codes", false}} {
		if got := hasNamed(hs, c.rest); got != c.want {
			t.Errorf("hasNamed(%q) = %v, want %v", c.rest, got, c.want)
		}
	}
	old := "PROTOCOLS" + ".md" // spelt apart: this file is checked too
	if got := docToken.FindAllString("see "+old+" §1, F.md, mdns.txt.md, vendors/FIELDS.md and docs/protocols/http.md.", -1); !slices.Equal(got, []string{old, "vendors/FIELDS.md", "docs/protocols/http.md"}) {
		t.Errorf("docToken found %q", got)
	}
	if _, err := loadTable(filepath.Join(t.TempDir(), "none.md")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("loadTable of a missing file: %v", err)
	}
}

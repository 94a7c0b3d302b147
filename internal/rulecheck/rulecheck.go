// Package rulecheck checks fingerprint rule files the way camsweep's own
// tests check the built-in ones ("camsweep rules test"): known evidence
// keys, valid patterns, catalog vendors, every example passing, and rule
// ids that neither repeat nor reuse a built-in rule's (scan --rules
// refuses those too).
package rulecheck

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/vendors"
)

// Result is what a check found: the rules loaded and every problem, each
// naming file:line where it has one.
type Result struct {
	Rules    int
	Problems []error
}

// checker carries the state of one check across the paths given.
type checker struct {
	cat     *vendors.Catalog
	fields  vendors.FieldSet
	firstAt map[string]string // rule id -> where it was first defined
	res     Result
}

// Check checks each path, a rule file or a folder of *.yaml rule files. A
// path that cannot be read at all is the error; every problem inside the
// files is in the Result.
func Check(paths []string) (*Result, error) {
	cat, err := vendors.LoadCatalog()
	if err != nil {
		return nil, err
	}
	fields, err := vendors.LoadFields()
	if err != nil {
		return nil, err
	}
	// The built-in rules are the first to claim their ids: scan --rules
	// refuses a rule that reuses one, so this does too.
	builtin, err := fingerprint.New(fingerprint.Config{Catalog: cat, Fields: fields})
	if err != nil {
		return nil, err
	}
	c := &checker{cat: cat, fields: fields, firstAt: map[string]string{}}
	for _, r := range builtin.Rules() {
		c.firstAt[r.ID] = fmt.Sprintf("built-in %s:%d", r.File, r.Line)
	}
	for _, p := range paths {
		if err := c.path(p); err != nil {
			return nil, err
		}
	}
	if len(c.res.Problems) == 0 && c.res.Rules == 0 {
		c.res.Problems = append(c.res.Problems, errors.New("no rules found"))
	}
	return &c.res, nil
}

// path checks one argument: a file, or the *.yaml files of a folder.
func (c *checker) path(p string) error {
	files := []string{p}
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() {
		files, _ = filepath.Glob(filepath.Join(p, "*.yaml"))
		if len(files) == 0 {
			// scan --rules loads only *.yaml: a folder of .yml files would
			// load nothing there.
			c.bad(fmt.Errorf("%s: no *.yaml rule file (scan --rules reads only *.yaml)", p))
			return nil
		}
	}
	inArg, badBefore := 0, len(c.res.Problems)
	for _, f := range files {
		inArg += c.file(f)
	}
	if st.IsDir() && inArg == 0 && len(c.res.Problems) == badBefore {
		c.bad(fmt.Errorf("%s: the *.yaml files hold no rules", p))
	}
	return nil
}

// file checks one rule file and returns how many rules it holds.
func (c *checker) file(f string) int {
	data, err := fingerprint.ReadRuleFile(f)
	if err != nil {
		c.bad(err)
		return 0
	}
	rules, err := fingerprint.ParseRules(f, data, c.fields, c.cat)
	if err != nil {
		c.bad(err)
		return 0
	}
	if err := fingerprint.CheckExamples(rules); err != nil {
		c.bad(err)
	}
	// The built-in files themselves (camsweep rules test vendors/rules) are
	// checked against each other only.
	emb, _ := fs.ReadFile(vendors.RulesFS, filepath.Base(f))
	isBuiltin := emb != nil && bytes.Equal(emb, data)
	for _, r := range rules {
		here := fmt.Sprintf("%s:%d", r.File, r.Line)
		if first, dup := c.firstAt[r.ID]; dup && !(isBuiltin && strings.HasPrefix(first, "built-in ")) {
			c.bad(fmt.Errorf("%s: duplicate rule id %q (first at %s)", here, r.ID, first))
			continue
		}
		c.firstAt[r.ID] = here
	}
	c.res.Rules += len(rules)
	return len(rules)
}

func (c *checker) bad(err error) { c.res.Problems = append(c.res.Problems, err) }

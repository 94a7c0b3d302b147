package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/vendors"
)

// newRulesCmd is "camsweep rules test|list": users check their own rule
// files exactly as the project's tests check the built-in ones.
func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Check and list fingerprint rules",
	}
	test := &cobra.Command{
		Use:   "test FILE|DIR...",
		Short: "Validate rule files and run every example they carry",
		Long: `Validate fingerprint rule files (YAML, the format of vendors/rules/README.md) the way
camsweep's own tests validate the built-in rules: known evidence keys only, valid
patterns and captures, vendor ids present in the catalog, at least one example per rule,
and every example giving what it expects. Prints one line per problem (file:line) and
exits 2 if there is any. Load checked rules into a scan with: camsweep scan --rules DIR`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := vendors.LoadCatalog()
			if err != nil {
				return err
			}
			fields, err := vendors.LoadFields()
			if err != nil {
				return err
			}
			// The built-in rules are the first to claim their ids: scan
			// --rules refuses a rule that reuses one, so this does too.
			builtin, err := fingerprint.New(fingerprint.Config{Catalog: cat, Fields: fields})
			if err != nil {
				return err
			}
			firstAt := map[string]string{}
			for _, r := range builtin.Rules() {
				firstAt[r.ID] = fmt.Sprintf("built-in %s:%d", r.File, r.Line)
			}
			total := 0
			var bad []error
			for _, a := range args {
				files := []string{a}
				st, err := os.Stat(a)
				if err != nil {
					return usageErr("%v", err)
				}
				if st.IsDir() {
					files, _ = filepath.Glob(filepath.Join(a, "*.yaml"))
					if len(files) == 0 {
						// scan --rules loads only *.yaml: a folder of .yml
						// files would load nothing there.
						bad = append(bad, fmt.Errorf("%s: no *.yaml rule file (scan --rules reads only *.yaml)", a))
						continue
					}
				}
				inArg, badBefore := 0, len(bad)
				for _, f := range files {
					data, err := fingerprint.ReadRuleFile(f)
					if err != nil {
						bad = append(bad, err)
						continue
					}
					rules, err := fingerprint.ParseRules(f, data, fields, cat)
					if err != nil {
						bad = append(bad, err)
						continue
					}
					if err := fingerprint.CheckExamples(rules); err != nil {
						bad = append(bad, err)
					}
					// The built-in files themselves (camsweep rules test
					// vendors/rules) are checked against each other only.
					emb, _ := fs.ReadFile(vendors.RulesFS, filepath.Base(f))
					isBuiltin := emb != nil && bytes.Equal(emb, data)
					for _, r := range rules {
						here := fmt.Sprintf("%s:%d", r.File, r.Line)
						if first, dup := firstAt[r.ID]; dup && !(isBuiltin && strings.HasPrefix(first, "built-in ")) {
							bad = append(bad, fmt.Errorf("%s: duplicate rule id %q (first at %s)", here, r.ID, first))
							continue
						}
						firstAt[r.ID] = here
					}
					total += len(rules)
					inArg += len(rules)
				}
				if st.IsDir() && inArg == 0 && len(bad) == badBefore {
					bad = append(bad, fmt.Errorf("%s: the *.yaml files hold no rules", a))
				}
			}
			if len(bad) == 0 && total == 0 {
				bad = append(bad, errors.New("no rules found"))
			}
			if len(bad) > 0 {
				for _, e := range bad {
					fmt.Fprintln(cmd.ErrOrStderr(), e)
				}
				return &codeError{code: exitUsage, err: errors.New("rule files have problems")}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: %d rules, every example passes\n", total)
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the built-in rules: id, evidence field, conclusions, weight",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := vendors.LoadCatalog()
			if err != nil {
				return err
			}
			eng, err := fingerprint.New(fingerprint.Config{Catalog: cat})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tFIELD\tCONCLUDES\tWEIGHT")
			for _, r := range eng.Rules() {
				fmt.Fprintf(tw, "%s\t%s\t%v\t%.2f\n", r.ID, r.Field, r.Conclude, r.Weight)
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(test, list)
	return cmd
}

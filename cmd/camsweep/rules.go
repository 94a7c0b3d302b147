package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/internal/rulecheck"
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
			res, err := rulecheck.Check(args)
			if err != nil {
				return usageErr("%v", err)
			}
			if len(res.Problems) > 0 {
				for _, e := range res.Problems {
					fmt.Fprintln(cmd.ErrOrStderr(), e)
				}
				return usageErr("rule files have problems")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: %d rules, every example passes\n", res.Rules)
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

package main

import (
	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/sweep"
	"github.com/camsweep/camsweep/vendors"
)

func newVendorsCmd() *cobra.Command {
	var list, catalog string
	cmd := &cobra.Command{
		Use:   "vendors",
		Short: "Show the vendor catalog the verdicts rest on: makers, owners, brands, lists, sources and dates",
		Long: `Show the vendor catalog that camsweep's verdicts rest on, so an auditor can check them:
the legal and policy lists, each maker with its legal name, country, parent and ultimate
parent, the lists that cover it with the basis (named by the list, a reading of the list's
property, or camsweep's policy judgement), the sources and the date each fact was checked,
the makers' own brands and subsidiaries with dates, and the OEM relabel brands with the
platform they are reported to relabel (a brand alone is never proof of the maker).

--list ID prints one list and the makers on it.`,
		Example: `  camsweep vendors
  camsweep vendors --list uk-nil
  camsweep vendors --catalog my-catalog.yaml --list us-ndaa889`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := sweep.LoadCatalog(catalog)
			if err != nil {
				return err
			}
			if list != "" {
				if err := vendors.WriteList(cmd.OutOrStdout(), cat, list); err != nil {
					return usageErr("--list: %v", err)
				}
				return nil
			}
			return vendors.WriteCatalog(cmd.OutOrStdout(), cat)
		},
	}
	cmd.Flags().StringVar(&list, "list", "", "print only this list (uk-nil, us-ndaa889, fcc-covered) and the makers on it")
	cmd.Flags().StringVar(&catalog, "catalog", "", "read the catalog from `FILE` instead of the built-in one")
	return cmd
}

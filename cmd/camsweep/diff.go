package main

import (
	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/report"
)

func newDiffCmd() *cobra.Command {
	var hf historyFlags
	var format string
	cmd := &cobra.Command{
		Use:   "diff [RUN_A] [RUN_B]",
		Short: "Show what changed between two recorded sweeps",
		Long: `Compare two runs of the sweep history and print the transitions: new, changed (with
the fields that changed: ip, zone, firmware, vendor, ...), missing, returned (absent from
RUN_A but seen before it), flag-raised and flag-cleared.

A run is named by its id or a unique prefix of it, "last", or "last~N" (also "~N") for
N runs before the last; with --sweep or --site, among that sweep's or site's runs. Without arguments: the last run against the one before it; with one: that run
against the last.`,
		Example: `  camsweep diff
  camsweep diff last~3 last --format ecs
  camsweep diff 019ac0f4 019ac1aa`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			refA, refB := "last~1", "last"
			switch len(args) {
			case 1:
				refA = args[0]
			case 2:
				refA, refB = args[0], args[1]
			}
			st, err := openHistoryRO(cmd, hf)
			if err != nil {
				return err
			}
			defer st.Close()
			a, err := st.ResolveRunIn(cmd.Context(), refA, hf.filter())
			if err != nil {
				return usageErr("%v", err)
			}
			b, err := st.ResolveRunIn(cmd.Context(), refB, hf.filter())
			if err != nil {
				return usageErr("%v", err)
			}
			if a.Seq > b.Seq {
				a, b = b, a
			}
			if a.Seq == b.Seq {
				return usageErr("diff: %s and %s are the same run", refA, refB)
			}
			changes, err := st.Diff(cmd.Context(), a, b)
			if err != nil {
				return err
			}
			w, err := changeWriter(format, cmd)
			if err != nil {
				return err
			}
			for i := range changes {
				if err := w.WriteChange(&changes[i]); err != nil {
					return err
				}
			}
			return w.Close()
		},
	}
	hf.register(cmd, "history database `PATH` or postgres:// connection string (default: see camsweep history --help)")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json, ecs, ocsf, csv or cef")
	return cmd
}

// changeWriter returns a writer that can write changes in the format.
func changeWriter(format string, cmd *cobra.Command) (report.ChangeWriter, error) {
	w, err := report.NewWithOptions(format, cmd.OutOrStdout(), report.Options{Version: version})
	if err != nil {
		return nil, usageErr("--format: %v", err)
	}
	cw, ok := w.(report.ChangeWriter)
	if !ok {
		return nil, usageErr("--format %s cannot write changes (use table, json, ecs, ocsf, csv or cef)", format)
	}
	return cw, nil
}

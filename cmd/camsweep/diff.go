package main

import (
	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/store"
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
N runs before the last; with --site, among that site's runs. With --sweep NAME the
arguments name instances of the sweep instead (one night of "nightly": the runs of all its
scanners), compared on the union of each one's runs: a device that moved between sites is
changed, and a device is missing only when the shard or site that saw it completed a run in
the later instance. Without arguments: the last run against the one before it; with one: that run
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
			if hf.sweep != "" {
				changes, err := sweepDiff(cmd, st, hf, refA, refB)
				if err != nil {
					return err
				}
				return writeChanges(cmd, format, changes)
			}
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
			return writeChanges(cmd, format, changes)
		},
	}
	hf.register(cmd, "history database `PATH` or postgres:// connection string (default: see camsweep history --help)")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json, ecs, ocsf, csv or cef")
	return cmd
}

// sweepDiff resolves two instances of the --sweep (the refs name
// instances: "last", "last~N", an opening run's id) and compares their
// unions; with --site, only that site's runs.
func sweepDiff(cmd *cobra.Command, st *store.Store, hf historyFlags, refA, refB string) ([]store.Change, error) {
	a, err := st.ResolveSweep(cmd.Context(), hf.sweep, refA)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	b, err := st.ResolveSweep(cmd.Context(), hf.sweep, refB)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if a.ID == b.ID {
		return nil, usageErr("diff: %s and %s are the same sweep", refA, refB)
	}
	if hf.site != "" {
		a, b = a.OfSite(hf.site), b.OfSite(hf.site)
	}
	if len(a.Runs) == 0 || len(b.Runs) == 0 {
		return nil, usageErr("diff: sweep %s holds no finished run from site %q in one of them", hf.sweep, hf.site)
	}
	if a.Runs[0].Seq > b.Runs[0].Seq {
		a, b = b, a
	}
	return st.DiffSweeps(cmd.Context(), a, b)
}

func writeChanges(cmd *cobra.Command, format string, changes []store.Change) error {
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

package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/store"
	"github.com/camsweep/camsweep/sweep"
)

func newHistoryCmd() *cobra.Command {
	var state string
	var limit int
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List the sweeps recorded in the history database",
		Long: `List the runs recorded in the sweep history, newest first: run id, start, duration,
devices seen, flagged devices and exit status. The history is written by scan (see
--state); the default database is $STATE_DIRECTORY/history.db under systemd, else
$XDG_STATE_HOME/camsweep/history.db, else ~/.local/state/camsweep/history.db.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openHistoryRO(cmd, state)
			if err != nil {
				return err
			}
			defer st.Close()
			runs, err := st.Runs(cmd.Context(), limit)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tSTARTED\tDURATION\tDEVICES\tFLAGGED\tSTATUS")
			for _, r := range runs {
				dur, flagged, status := "-", "-", "running or crashed"
				if r.Record != nil {
					dur = (time.Duration(r.Record.DurationMS) * time.Millisecond).String()
					flagged = fmt.Sprint(r.Record.Flagged)
					status = fmt.Sprint(r.ExitStatus)
					if r.Interrupted {
						status += " (interrupted)"
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Started.Local().Format(time.DateTime), dur, r.Devices, flagged, status)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&state, "state", "", "history database `PATH` (default: see above)")
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "show at most this many runs (0: all)")
	return cmd
}

// openHistoryRO opens the history read-only (history, diff); a failure is
// an error of the run (exit 1), not of the command line.
func openHistoryRO(cmd *cobra.Command, flag string) (*store.Store, error) {
	path, err := sweep.StatePath(flag)
	if err != nil {
		return nil, exitcode.Runtime(err)
	}
	st, err := store.OpenReadOnly(cmd.Context(), path)
	if err != nil {
		return nil, exitcode.Runtime(err)
	}
	return st, nil
}

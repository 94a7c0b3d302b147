package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/store"
	"github.com/camsweep/camsweep/sweep"
)

func newHistoryCmd() *cobra.Command {
	var hf historyFlags
	var limit int
	var format string
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List the sweeps recorded in the history database",
		Long: `List the runs recorded in the sweep history, newest first: run id, start, duration,
devices seen, flagged devices and exit status. The history is written by scan (see
--state); the default database is $STATE_DIRECTORY/history.db under systemd, else
$XDG_STATE_HOME/camsweep/history.db, else ~/.local/state/camsweep/history.db.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openHistoryRO(cmd, hf)
			if err != nil {
				return err
			}
			defer st.Close()
			runs, err := st.RunsWhere(cmd.Context(), limit, hf.filter())
			if err != nil {
				return err
			}
			switch format {
			case "json":
				enc := json.NewEncoder(cmd.OutOrStdout())
				for _, r := range runs {
					if err := enc.Encode(r.Summary()); err != nil {
						return err
					}
				}
				return nil
			case "table":
			default:
				return usageErr("--format %q: history writes table or json", format)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tSTARTED\tDURATION\tDEVICES\tFLAGGED\tSTATUS\tSWEEP\tSITE\tSHARD")
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
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Started.Local().Format(time.DateTime), dur, r.Devices, flagged, status,
					dash(r.Sweep), dash(r.Site), dash(r.Shard))
			}
			return tw.Flush()
		},
	}
	hf.register(cmd, "history database `PATH` or postgres:// connection string (default: see above)")
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "show at most this many runs (0: all)")
	cmd.Flags().StringVar(&format, "format", "table", "table, or json (one camsweep.history/v1 object per run)")
	return cmd
}

// historyFlags are the flags history and diff share: which history, and
// which of its runs (issue 19).
type historyFlags struct{ state, stateFile, sweep, site string }

func (h *historyFlags) register(cmd *cobra.Command, stateHelp string) {
	cmd.Flags().StringVar(&h.state, "state", "", stateHelp)
	cmd.Flags().StringVar(&h.stateFile, "state-file", "", "read the postgres:// connection string (with its password) from `FILE` (mode 0600); also $CAMSWEEP_STATE_DSN")
	cmd.Flags().StringVar(&h.sweep, "sweep", "", "only the runs of the sweep `NAME`")
	cmd.Flags().StringVar(&h.site, "site", "", "only the runs from the site `NAME`")
}

func (h *historyFlags) filter() store.Filter { return store.Filter{Sweep: h.sweep, Site: h.site} }

// openHistoryRO opens the history read-only (history, diff); a failure is
// an error of the run (exit 1), not of the command line.
func openHistoryRO(cmd *cobra.Command, h historyFlags) (*store.Store, error) {
	path, err := sweep.ResolveState(h.state, h.stateFile)
	if err != nil {
		return nil, err
	}
	st, err := store.OpenStateReadOnly(cmd.Context(), path)
	if err != nil {
		return nil, exitcode.Runtime(err)
	}
	return st, nil
}

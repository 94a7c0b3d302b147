package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/report"
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
			if !slices.Contains(report.HistoryFormats, format) {
				return usageErr("--format %q: history writes %s", format, strings.Join(report.HistoryFormats, ", "))
			}
			return report.WriteHistory(cmd.OutOrStdout(), format, runs)
		},
	}
	hf.register(cmd, "history database `PATH` or postgres:// connection string (default: see above)")
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "show at most this many runs (0: all)")
	cmd.Flags().StringVar(&format, "format", "table", "table, report (Markdown), json or csv (one camsweep.history/v1 object or row per run), or ecs, ocsf or cef (each finished run's run event, to back-fill a SIEM)")
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

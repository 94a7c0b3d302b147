package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/camsweep/camsweep/internal/termsafe"
	"github.com/camsweep/camsweep/store"
)

// HistoryFormats are the formats WriteHistory accepts: every output format.
var HistoryFormats = Formats

// WriteHistory writes the runs of a sweep history (`camsweep history`), newest
// first as given, in one of the output formats:
//
//   - table and report: one line (one Markdown table row) per run;
//   - json: one camsweep.history/v1 object per run;
//   - csv: one row per run, the same columns as json;
//   - ecs, ocsf and cef: each finished run's camsweep.run/v1 record as that
//     format's run event, the same event a scan sends at its end, so a SIEM
//     can be back-filled from the history of every scanner. A run still going
//     or cut short by a crash has no run record and writes nothing there.
func WriteHistory(w io.Writer, format string, runs []store.Run) error {
	switch format {
	case "table":
		return historyTable(w, runs)
	case "json":
		enc := json.NewEncoder(w)
		for _, r := range runs {
			if err := enc.Encode(r.Summary()); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		return historyCSV(w, runs)
	case "report":
		return historyMarkdown(w, runs)
	}
	rw, err := New(format, w)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.Record == nil {
			continue
		}
		if err := rw.WriteRun(r.Record); err != nil {
			return err
		}
	}
	return rw.Close()
}

// historyColumns are the columns of the CSV and Markdown forms, those of a
// camsweep.history/v1 object.
var historyColumns = []string{"run_id", "started", "finished", "exit_status", "interrupted", "devices", "flagged", "sweep", "sweep_id", "site", "shard"}

func historyRow(r store.Run) []string {
	s := r.Summary()
	opt := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	fin := ""
	if s.Finished != nil {
		fin = s.Finished.UTC().Format(time.RFC3339)
	}
	return []string{s.RunID, s.Started.UTC().Format(time.RFC3339), fin, opt(s.ExitStatus), strconv.FormatBool(s.Interrupted),
		strconv.Itoa(s.Devices), opt(s.Flagged), s.Sweep, s.SweepID, s.Site, s.Shard}
}

func historyCSV(w io.Writer, runs []store.Run) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(historyColumns); err != nil {
		return err
	}
	for _, r := range runs {
		row := historyRow(r)
		for i := range row {
			row[i] = printable(row[i], "")
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func historyMarkdown(w io.Writer, runs []store.Run) error {
	if _, err := fmt.Fprintf(w, "# Sweep history\n\n%d runs, newest first.\n\n|", len(runs)); err != nil {
		return err
	}
	for _, c := range historyColumns {
		fmt.Fprintf(w, " %s |", c)
	}
	fmt.Fprint(w, "\n|")
	for range historyColumns {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	for _, r := range runs {
		fmt.Fprint(w, "|")
		for _, v := range historyRow(r) {
			fmt.Fprintf(w, " %s |", termsafe.Markdown(dash(v)))
		}
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
	}
	return nil
}

func historyTable(w io.Writer, runs []store.Run) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", termsafe.Text(r.ID), r.Started.Local().Format(time.DateTime), dur, r.Devices, flagged, status,
			termsafe.Text(dash(r.Sweep)), termsafe.Text(dash(r.Site)), termsafe.Text(dash(r.Shard)))
	}
	return tw.Flush()
}

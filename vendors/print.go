package vendors

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteCatalog prints the whole catalog for an auditor: the lists, the
// makers with their owners and list memberships (basis, sources, dates), the
// makers' own brands, the OEM relabels and the sources the facts rest on.
func WriteCatalog(w io.Writer, c *Catalog) error {
	ew := &errWriter{w: w}
	ew.printf("camsweep vendor catalog %s\n", c.VersionString())
	ew.printf("%s\n\n", c.Summary())

	ew.printf("LISTS\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tJURISDICTION\tKIND\tSINCE\tAS-OF\tSOURCES\tNAME")
	for _, l := range c.Lists() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.Jurisdiction, l.Kind, day(l.Since), day(l.AsOf), strings.Join(l.Sources, " "), l.Name)
	}
	tw.Flush()

	ew.printf("\nMAKERS\n")
	writeMakers(ew, c, c.Makers(), "")

	ew.printf("\nBRANDS AND SUBSIDIARIES (the makers' own)\n")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BRAND\tMAKER\tRELATION\tSINCE\tUNTIL\tSOURCES\tNOTE")
	for _, e := range c.Makers() {
		for _, b := range e.Brands {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.Name, e.Short, b.Relation, dash(b.Since), dash(b.Until), strings.Join(b.Sources, " "), b.Note)
		}
	}
	tw.Flush()

	ew.printf("\nOEM RELABELS (candidates, not verdicts)\n")
	if n := c.RelabelNote(); n != "" {
		ew.printf("%s\n", n)
	}
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BRAND\tPLATFORM\tSOURCES\tNOTE")
	for _, r := range c.Relabels() {
		plats := make([]string, len(r.Platforms))
		for i, p := range r.Platforms {
			plats[i] = c.ShortName(p)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Brand, strings.Join(plats, " or "), strings.Join(r.Sources, " "), r.Note)
	}
	tw.Flush()

	ew.printf("\nNAMES DEVICES STATE (aliases; compared lower-case, punctuation and legal suffixes ignored)\n")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MAKER\tBRAND\tALIASES")
	for _, e := range c.Makers() {
		if len(e.Aliases) > 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Short, "-", quoteList(e.Aliases))
		}
		for _, b := range e.Brands {
			if len(b.Aliases) > 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Short, b.Name, quoteList(b.Aliases))
			}
		}
	}
	for _, r := range c.Relabels() {
		if len(r.Aliases) > 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", "(relabel)", r.Brand, quoteList(r.Aliases))
		}
	}
	tw.Flush()
	if g := c.GenericNames(); len(g) > 0 {
		ew.printf("\nGENERIC NAMES (placeholders that name nobody)\n%s\n", quoteList(g))
	}

	if lo := c.LeftOut(); len(lo) > 0 {
		ew.printf("\nLEFT OUT (considered and not catalogued as makers, on purpose)\n")
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tCOUNTRY\tSOURCES\tREASON")
		for _, l := range lo {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Name, dash(l.Country), strings.Join(l.Sources, " "), l.Reason)
		}
		tw.Flush()
	}

	ew.printf("\nOWNERS\n")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OWNER\tCOUNTRY\tPARENT\tAS-OF\tSOURCES\tLEGAL NAME")
	for _, o := range c.Owners() {
		parent := "-"
		if o.Parent != "" {
			parent = c.ShortName(o.Parent)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.Short, o.Country, parent, day(o.AsOf), strings.Join(o.Sources, " "), o.Name)
	}
	tw.Flush()

	writeSources(ew, c, nil)
	return ew.err
}

// WriteList prints one list: what it is, and each maker on it with the
// basis, sources and dates of its membership.
func WriteList(w io.Writer, c *Catalog, id string) error {
	l, ok := c.List(id)
	if !ok {
		ids := make([]string, 0)
		for _, l := range c.Lists() {
			ids = append(ids, l.ID)
		}
		return fmt.Errorf("unknown list %q (want one of %s)", id, strings.Join(ids, ", "))
	}
	ew := &errWriter{w: w}
	ew.printf("%s: %s\n", l.ID, l.Name)
	ew.printf("jurisdiction %s, in force since %s, kind %s, checked %s, sources %s\n", l.Jurisdiction, day(l.Since), l.Kind, day(l.AsOf), strings.Join(l.Sources, " "))
	if l.Description != "" {
		ew.printf("%s\n", l.Description)
	}
	if l.Kind == ListProperty {
		ew.printf("This list names no companies: each entry below is camsweep's reading of its property (basis property),\nor a policy judgement that is not a legal determination (basis judgement).\n")
	}
	ew.printf("catalog %s\n\n", c.VersionString())
	var members []MakerEntry
	for _, e := range c.Makers() {
		if len(c.CoveringLists([]string{id}, e.ID)) > 0 {
			members = append(members, e)
		}
	}
	writeMakers(ew, c, members, id)
	writeSources(ew, c, members)
	return ew.err
}

// writeMakers prints one row per maker and list membership (only the
// membership in only when set).
func writeMakers(w io.Writer, c *Catalog, makers []MakerEntry, only string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MAKER\tCOUNTRY\tPARENT\tULTIMATE PARENT\tLIST\tBASIS\tSINCE\tSOURCES\tAS-OF\tLEGAL NAME")
	for _, e := range makers {
		parent, ultimate := "-", "-"
		if e.Parent != "" {
			parent = c.ShortName(e.Parent)
			ultimate = c.ShortName(e.UltimateParent)
		}
		ms := e.Lists
		if only != "" {
			ms = c.CoveringLists([]string{only}, e.ID)
		}
		if len(ms) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t-\t-\t-\t%s\t%s\t%s\n", e.Short, e.Country, parent, ultimate, strings.Join(e.Sources, " "), day(e.AsOf), e.Name)
			continue
		}
		for i, m := range ms {
			if i == 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t", e.Short, e.Country, parent, ultimate)
			} else {
				fmt.Fprint(tw, "\t\t\t\t")
			}
			name := ""
			if i == 0 {
				name = e.Name
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.List, m.Basis, day(m.Since), strings.Join(m.Sources, " "), day(m.AsOf), name)
		}
	}
	tw.Flush()
}

// writeSources prints the sources the rows cite (all when makers is nil).
func writeSources(w *errWriter, c *Catalog, makers []MakerEntry) {
	var keys []string
	add := func(ks []string) {
		for _, k := range ks {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	if makers == nil {
		for k := range c.sources {
			keys = append(keys, k)
		}
	} else {
		for _, e := range makers {
			add(e.Sources)
			for _, m := range e.Lists {
				add(m.Sources)
			}
		}
	}
	slices.SortFunc(keys, sourceOrder)
	w.printf("\nSOURCES\n")
	for _, k := range keys {
		s, _ := c.Source(k)
		line := fmt.Sprintf("  %-4s %s", k, s.Title)
		if s.Date != "" {
			line += " (" + s.Date + ")"
		}
		if s.URL != "" {
			line += " " + s.URL
		}
		w.printf("%s\n", line)
	}
}

// quoteList joins names with ", ", quoting those that hold a comma so the
// list stays readable ("Zhejiang Dahua Technology Co.,Ltd.").
func quoteList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		if strings.ContainsAny(n, ",\"") {
			n = strconv.Quote(n)
		}
		out[i] = n
	}
	return strings.Join(out, ", ")
}

// Summary counts the catalog for the first line of `camsweep vendors`:
// makers (and how many of them a list covers), brands, relabels, left out.
func (c *Catalog) Summary() string {
	brands := 0
	for _, e := range c.makers {
		brands += len(e.Brands)
	}
	var lists []string
	for _, l := range c.lists {
		n := 0
		for _, e := range c.makers {
			if len(c.CoveringLists([]string{l.ID}, e.ID)) > 0 {
				n++
			}
		}
		lists = append(lists, fmt.Sprintf("%d on %s", n, l.ID))
	}
	return fmt.Sprintf("%d makers (%s), %d of their brands, %d OEM relabel brands, %d generic names, %d left out",
		len(c.makers), strings.Join(lists, ", "), brands, len(c.relabels), len(c.generic), len(c.leftOut))
}

// sourceOrder orders source keys by letter group then number (L2 before L10).
func sourceOrder(a, b string) int {
	split := func(k string) (string, int) {
		i := strings.IndexAny(k, "0123456789")
		if i < 0 {
			return k, 0
		}
		n, _ := strconv.Atoi(k[i:])
		return k[:i], n
	}
	as, an := split(a)
	bs, bn := split(b)
	return cmp.Or(strings.Compare(as, bs), cmp.Compare(an, bn), strings.Compare(a, b))
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateOnly)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, a ...any) { fmt.Fprintf(e, format, a...) }

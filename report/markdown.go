package report

import (
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/termsafe"
	"github.com/camsweep/camsweep/vendors"
)

// Markdown is the compliance report (--format report): the devices a covered
// maker made, grouped by zone, each with what a US contractor reports within
// one business day under FAR 52.204-25(d)(2) (brand; model number; item
// description) and what the UK statement of 24 Nov 2022 asks (is it
// connected to a core network?), with the list and its source, the evidence
// and when it was first seen, by the sweep history when one is kept. It
// keeps the records of covered devices and of other findings until the run
// ends; hosts without findings are only counted.
type Markdown struct {
	w     io.Writer
	cat   *vendors.Catalog
	o     Options
	start time.Time // of the run, once WriteRun has it
	recs  []*device.Record
	other []*device.Record
}

// NewMarkdown returns the report writer. o.Catalog (may be nil) supplies
// the legal names, list names, bases and sources; without it the report
// names the lists by id only. o.FirstSeen (may be nil) says when the sweep
// history first saw a device; without it "first seen" is this run.
func NewMarkdown(w io.Writer, o Options) *Markdown { return &Markdown{w: w, cat: o.Catalog, o: o} }

// coveredFinding is the record's covered-maker finding, if any.
func coveredFinding(r *device.Record) (device.Finding, bool) {
	for _, f := range r.Findings {
		switch f.ID {
		case device.FindingCoveredOnPrimary, device.FindingCoveredMultihomed, device.FindingCoveredIsolated:
			return f, true
		}
	}
	return device.Finding{}, false
}

// WriteRecord keeps the records the report shows.
func (m *Markdown) WriteRecord(r *device.Record) error {
	if _, ok := coveredFinding(r); ok {
		m.recs = append(m.recs, r)
	} else if len(r.Findings) > 0 {
		m.other = append(m.other, r)
	}
	return nil
}

// zoneGroup is the covered devices of one zone.
type zoneGroup struct {
	zone device.Zone
	recs []*device.Record
	top  device.Severity
}

// WriteRun writes the whole report.
func (m *Markdown) WriteRun(rr *device.RunRecord) error {
	ew := &mdWriter{w: m.w}
	ew.printf("# camsweep compliance report\n\n")
	state := "finished"
	if rr.Interrupted {
		state = "**interrupted: partial results**"
	}
	ew.printf("| | |\n|---|---|\n")
	ew.printf("| Run | `%s`, %s |\n", code(rr.RunID), state)
	ew.printf("| Scanned | %s to %s (%s) |\n", rr.Start.UTC().Format(time.RFC3339), rr.End.UTC().Format(time.RFC3339), time.Duration(rr.DurationMS)*time.Millisecond)
	ew.printf("| Targets | %s |\n", cell(strings.Join(rr.Targets, ", ")))
	ew.printf("| Policy | %s |\n", cell(m.policyText(rr.Policy)))
	ew.printf("| Catalog | %s |\n", cell(dash(rr.Catalog)))
	ew.printf("| Zones | %s |\n", cell(rr.Zones))
	m.start = rr.Start
	ew.printf("| First seen | %s |\n", m.firstSeenSource())
	ew.printf("| Result | %d hosts up, %d cameras, %d flagged (high or critical), %d covered devices in this report |\n\n",
		rr.HostsUp, rr.Cameras, rr.Flagged, len(m.recs))

	groups := m.groups()
	if len(groups) == 0 {
		ew.printf("No device of a maker covered by the policy was found.\n\n")
	}
	for _, g := range groups {
		core := "no"
		switch {
		case g.zone.Kind == device.ZonePrimary:
			core = "**yes**: primary zone"
		case slices.ContainsFunc(g.recs, func(r *device.Record) bool { return r.HasFinding(device.FindingCoveredMultihomed) }):
			core = "**yes, through a second interface** of a device listed below"
		}
		sens := ""
		if g.zone.Sensitive {
			sens = ", marked sensitive"
		}
		ew.printf("## Zone %s (%s%s): %d covered device(s)\n\n", cell(g.zone.Name), cell(g.zone.Kind), sens, len(g.recs))
		ew.printf("Connected to a core network: %s.\n\n", core)
		for _, r := range g.recs {
			m.device(ew, r)
		}
	}

	if len(m.other) > 0 {
		ew.printf("## Other findings\n\n")
		ew.printf("| IP | Zone | Severity | Finding | Summary |\n|---|---|---|---|---|\n")
		for _, r := range sortRecords(m.other) {
			for _, f := range r.Findings {
				ew.printf("| %s | %s | %s | `%s` | %s |\n", cell(r.IP), cell(r.Zone.Name), f.Severity, code(f.ID), cell(f.Summary))
			}
		}
		ew.printf("\n")
	}

	if m.cat != nil {
		m.sources(ew)
	}
	ew.printf("---\nFAR 52.204-25(d)(2): the contract number, order number(s), supplier name, unique entity identifier, CAGE code and mitigation actions are for the contractor to add; camsweep supplies brand, model number, item description and the evidence. Relabel brands are never taken as proof of the maker: each maker above was concluded from the device's own replies.\n")
	return ew.err
}

func (m *Markdown) policyText(policy string) string {
	if m.cat == nil {
		return policy
	}
	var parts []string
	for _, n := range strings.Split(policy, ",") {
		if _, lists, err := m.cat.ResolvePolicy(n); err == nil {
			parts = append(parts, fmt.Sprintf("%s (lists: %s)", n, strings.Join(lists, ", ")))
		} else {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, "; ")
}

// groups orders zones by their worst finding, then name; devices by worst
// finding, then address.
func (m *Markdown) groups() []zoneGroup {
	var gs []zoneGroup
	for _, r := range sortRecords(m.recs) {
		i := slices.IndexFunc(gs, func(g zoneGroup) bool { return g.zone == r.Zone })
		if i < 0 {
			gs = append(gs, zoneGroup{zone: r.Zone})
			i = len(gs) - 1
		}
		gs[i].recs = append(gs[i].recs, r)
		gs[i].top = max(gs[i].top, r.MaxSeverity())
	}
	slices.SortStableFunc(gs, func(a, b zoneGroup) int {
		return cmp.Or(cmp.Compare(b.top, a.top), strings.Compare(a.zone.Name, b.zone.Name))
	})
	return gs
}

func sortRecords(rs []*device.Record) []*device.Record {
	out := slices.Clone(rs)
	slices.SortStableFunc(out, func(a, b *device.Record) int {
		if c := cmp.Compare(b.MaxSeverity(), a.MaxSeverity()); c != 0 {
			return c
		}
		x, errx := netip.ParseAddr(a.IP)
		y, erry := netip.ParseAddr(b.IP)
		if errx != nil || erry != nil {
			return strings.Compare(a.IP, b.IP)
		}
		return x.Compare(y)
	})
	return out
}

func (m *Markdown) device(ew *mdWriter, r *device.Record) {
	f, _ := coveredFinding(r)
	maker := "unknown"
	if r.Vendor != nil {
		maker = *r.Vendor
	}
	title := []string{cell(dash(r.Brand)), cell(string(r.DeviceType))}
	if r.Model != "" {
		title = append(title, cell(r.Model))
	}
	ew.printf("### %s: %s (%s)\n\n", cell(r.IP), strings.Join(title, " "), f.Severity)
	ew.printf("| Field | Value |\n|---|---|\n")
	ew.printf("| Brand (label on the device) | %s |\n", cell(dash(r.Brand)))
	ew.printf("| Model number | %s |\n", cell(dash(r.Model)))
	desc := string(r.DeviceType)
	if r.Camera {
		desc = "video surveillance " + desc
	}
	ew.printf("| Item description | %s |\n", cell(desc))
	ew.printf("| Platform maker | %s |\n", cell(m.makerText(r, maker)))
	ew.printf("| Covered by | %s |\n", m.coveredText(r))
	ew.printf("| Identification confidence | %.2f |\n", r.Confidence)
	ew.printf("| Serial number | %s |\n", cell(dash(r.Serial)))
	ew.printf("| Firmware | %s |\n", cell(dash(r.Firmware)))
	scope := ""
	if r.OutOfScope {
		scope = " (not a target of this scan: it answered a multicast discovery)"
	}
	ew.printf("| Address | %s, MAC %s%s |\n", cell(dash(r.IP)), cell(dash(r.MAC)), scope)
	if sp := r.Switch; sp != nil {
		alias := ""
		if sp.PortAlias != "" {
			alias = ", labelled " + sp.PortAlias
		}
		ew.printf("| Switch port (to shut or move) | %s%s |\n", cell(switchPortText(sp)), cell(alias))
	}
	core := "no (isolated zone)"
	switch {
	case r.Zone.Kind == device.ZonePrimary:
		core = "**yes**"
	case r.HasFinding(device.FindingCoveredMultihomed):
		core = "**yes**, through another interface, XAddr or gateway (see findings)"
	case r.Zone.Kind != device.ZoneIsolated:
		core = "not by its zone (" + r.Zone.Kind + ")"
	}
	ew.printf("| Zone | %s (%s) |\n", cell(r.Zone.Name), cell(r.Zone.Kind))
	ew.printf("| Connected to a core network (UK WMS 24 Nov 2022) | %s |\n", core)
	first, note := m.firstSeen(r)
	ew.printf("| First seen | %s%s |\n", first.UTC().Format(time.RFC3339), note)
	ew.printf("| Seen in this run | %s |\n\n", r.Time.UTC().Format(time.RFC3339))

	ew.printf("Findings:\n\n")
	for _, f := range r.Findings {
		ew.printf("- **%s** `%s` (policy %s): %s\n", f.Severity, code(f.ID), cell(f.Policy), cell(f.Summary))
	}
	ew.printf("\nEvidence:\n\n")
	used := 0
	for _, ev := range r.Evidence {
		if len(ev.Rules) == 0 {
			continue // only evidence a rule used: the rest is in the JSON record
		}
		keys := make([]string, 0, len(ev.Fields))
		for k := range ev.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fields := make([]string, 0, len(keys))
		for _, k := range keys {
			fields = append(fields, fmt.Sprintf("`%s`=`%s`", code(k), code(clip(ev.Fields[k], 200))))
		}
		port := ""
		if ev.Port != 0 {
			port = fmt.Sprintf(" port %d", ev.Port)
		}
		rules := make([]string, len(ev.Rules))
		for i, rl := range ev.Rules {
			rules[i] = "`" + code(rl) + "`"
		}
		ew.printf("- %s%s, rules %s: %s\n", termsafe.Text(string(ev.Source)), port, strings.Join(rules, ", "), strings.Join(fields, " "))
		used++
	}
	if used == 0 {
		ew.printf("- none that a rule used is in the record; see the JSON record\n")
	}
	if len(r.Conflicts) > 0 {
		ew.printf("- contradicting conclusions (lost): ")
		var cs []string
		for _, c := range r.Conflicts {
			cs = append(cs, fmt.Sprintf("%s=`%s` by `%s`", termsafe.Text(c.Key), code(c.Value), code(c.Rule)))
		}
		ew.printf("%s\n", strings.Join(cs, "; "))
	}
	ew.printf("\n")
}

// firstSeenSource says where the devices' "first seen" comes from.
func (m *Markdown) firstSeenSource() string {
	if m.o.FirstSeen == nil {
		return "this run: no sweep history is kept (--no-state)"
	}
	since := m.o.HistorySince
	if since.IsZero() || since.After(m.start) {
		since = m.start
	}
	return fmt.Sprintf("by the sweep history %s, which holds the runs since %s; this run for a device new to it",
		cell(m.o.History), since.UTC().Format(time.RFC3339))
}

// firstSeen is when the sweep history first saw r, or r's own time with a
// note when that is this run: the history does not know r, knows it only
// from this run (the history records a run before the report is written),
// or is not kept.
func (m *Markdown) firstSeen(r *device.Record) (time.Time, string) {
	if m.o.FirstSeen == nil {
		return r.Time, " (this run)"
	}
	if t, ok := m.o.FirstSeen(r); ok && t.Before(m.start) {
		return t, ""
	}
	return r.Time, " (this run: new to the sweep history)"
}

func (m *Markdown) makerText(r *device.Record, maker string) string {
	if r.Maker == nil {
		return maker
	}
	s := r.Maker.Name
	if m.cat != nil {
		if e, ok := m.cat.Entry(r.Maker.ID); ok {
			s = fmt.Sprintf("%s (%s)", e.Short, e.Name)
		}
	}
	s += ", " + r.Maker.Country
	if r.Maker.Parent != "" {
		s += "; parent " + r.Maker.Parent
	}
	if r.Maker.UltimateParent != "" {
		s += "; ultimate parent " + r.Maker.UltimateParent
	}
	if r.Brand != "" && !strings.EqualFold(r.Brand, r.Maker.Name) {
		s += fmt.Sprintf("; sold as %s, made on the %s platform", r.Brand, r.Maker.Name)
	}
	return s
}

// coveredText names each list that covers the maker under the run's
// policy, with its basis, since when and on whose word.
func (m *Markdown) coveredText(r *device.Record) string {
	f, _ := coveredFinding(r)
	if r.Maker == nil {
		return cell(f.Policy)
	}
	if m.cat == nil {
		return cell(strings.Join(r.Maker.Lists, ", "))
	}
	_, lists, err := m.cat.ResolvePolicy(f.Policy)
	if err != nil {
		return cell(strings.Join(r.Maker.Lists, ", "))
	}
	var parts []string
	for _, ms := range m.cat.CoveringLists(lists, r.Maker.ID) {
		l, _ := m.cat.List(ms.List)
		s := fmt.Sprintf("%s (%s, in force since %s): basis %s", ms.List, l.Name, l.Since.Format(time.DateOnly), ms.Basis)
		if ms.Basis == vendors.BasisJudgement {
			s += ", a policy judgement, not a legal determination"
		}
		s += fmt.Sprintf("; sources %s; checked %s", strings.Join(ms.Sources, " "), ms.AsOf.Format(time.DateOnly))
		parts = append(parts, cell(s))
	}
	return strings.Join(parts, "<br>")
}

// sources lists the catalog sources the report's devices cite.
func (m *Markdown) sources(ew *mdWriter) {
	var keys []string
	for _, r := range m.recs {
		if r.Maker == nil {
			continue
		}
		f, _ := coveredFinding(r)
		_, lists, err := m.cat.ResolvePolicy(f.Policy)
		if err != nil {
			continue
		}
		for _, ms := range m.cat.CoveringLists(lists, r.Maker.ID) {
			l, _ := m.cat.List(ms.List)
			for _, k := range append(slices.Clone(ms.Sources), l.Sources...) {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	if len(keys) == 0 {
		return
	}
	slices.Sort(keys)
	ew.printf("## Sources\n\n")
	for _, k := range keys {
		s, _ := m.cat.Source(k)
		line := fmt.Sprintf("- **%s** %s", k, cell(s.Title))
		if s.Date != "" {
			line += " (" + s.Date + ")"
		}
		if s.URL != "" {
			line += " <" + s.URL + ">"
		}
		ew.printf("%s\n", line)
	}
	ew.printf("\n")
}

// Close does nothing: the report is written by WriteRun.
func (m *Markdown) Close() error { return nil }

// cell makes untrusted text safe in a Markdown table cell or line: one
// line, a device's control and invisible characters shown as escapes, no
// table breaks, no markup, no raw HTML or character references (see
// termsafe.Markdown). A device controls its model name and banners, and
// the report is as often read with cat as rendered.
func cell(s string) string { return termsafe.Markdown(s) }

// code makes s safe inside a one-backtick code span, where Markdown and
// HTML are not interpreted: no backticks, one line, escapes as termsafe.Text
// writes them. Code spans hold only camsweep's own values inside tables,
// where a "|" would still split cells.
func code(s string) string { return termsafe.CodeSpan(s) }

type mdWriter struct {
	w   io.Writer
	err error
}

func (e *mdWriter) printf(format string, a ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, a...)
}

package report

import (
	"fmt"
	"strings"

	"github.com/camsweep/camsweep/store"
)

// ChangeWriter is a Writer that can also write the transitions between
// runs (scan --changes / --emit changes, camsweep diff).
type ChangeWriter interface {
	Writer
	WriteChange(c *store.Change) error
}

var (
	_ ChangeWriter = (*JSON)(nil)
	_ ChangeWriter = (*ECS)(nil)
	_ ChangeWriter = (*CEF)(nil)
	_ ChangeWriter = (*Table)(nil)
)

// WriteChange writes a camsweep.change/v1 line.
func (j *JSON) WriteChange(c *store.Change) error { return j.write(c) }

// ecsChange maps a transition onto ECS: a device transition is an asset
// event (type start for new/returned, change for changed, end for missing),
// a flag transition an alert.
func ecsChange(k store.ChangeKind) (kind string, typ []string, action string) {
	switch k {
	case store.ChangeNew:
		return "asset", []string{"start"}, "device-new"
	case store.ChangeReturned:
		return "asset", []string{"start"}, "device-returned"
	case store.ChangeChanged:
		return "asset", []string{"change"}, "device-changed"
	case store.ChangeMissing:
		return "asset", []string{"end"}, "device-missing"
	case store.ChangeFlagRaised:
		return "alert", []string{"info"}, "policy-violation"
	case store.ChangeFlagCleared:
		return "alert", []string{"info"}, "policy-resolved"
	}
	return "event", []string{"info"}, string(k)
}

type ecsChangeNS struct {
	Schema string        `json:"schema_version"`
	Key    string        `json:"key"`
	Change *store.Change `json:"change"`
}

// WriteChange writes one ECS document per transition.
func (e *ECS) WriteChange(c *store.Change) error {
	r := c.Record
	doc := e.base(r.Time)
	kind, typ, action := ecsChange(c.Kind)
	cat := []string{"host"}
	if kind == "alert" {
		cat = []string{"host", "network"}
	}
	doc.Event = ecsEvent{ID: eventID(c.RunID, c.Key, "change", string(c.Kind)), Kind: kind, Category: cat, Type: typ,
		Action: action, Module: productName, Dataset: productName + ".change"}
	if kind == "alert" {
		sev := Score(r.MaxSeverity())
		doc.Event.Severity = &sev
	}
	doc.Message = changeSummary(c)
	e.device(r, &doc, c.Key)
	doc.Camsweep = ecsNamespace{Schema: store.SchemaChange, Key: c.Key}
	return e.j.write(struct {
		ecsDoc
		Camsweep ecsChangeNS `json:"Camsweep"`
	}{doc, ecsChangeNS{Schema: store.SchemaChange, Key: c.Key, Change: c}})
}

// WriteChange writes one CEF line per transition; the class is
// device-new, device-changed, … or policy-violation / policy-resolved.
func (c *CEF) WriteChange(ch *store.Change) error {
	r := ch.Record
	_, _, action := ecsChange(ch.Kind)
	e := c.deviceExt(r, ch.Key)
	e.add("act", action)
	e.label("flexString1", "changedFields", strings.Join(ch.Fields, ","))
	e.add("msg", changeSummary(ch))
	sev := 0
	if ch.Kind == store.ChangeFlagRaised || ch.Kind == store.ChangeNew && r.Flagged {
		sev = Score(r.MaxSeverity())
	}
	return c.line("", action, changeSummary(ch), sev, e)
}

// WriteChange prints one line per transition, at once (changes are few).
func (t *Table) WriteChange(c *store.Change) error {
	_, err := fmt.Fprintf(t.w, "%-13s %-28s %s\n", strings.ToUpper(string(c.Kind)), c.Key, printable(changeSummary(c), ""))
	return err
}

func changeSummary(c *store.Change) string {
	r := c.Record
	s := fmt.Sprintf("%s %s at %s (zone %s)", c.Kind, summaryWhat(r.Vendor, string(r.DeviceType)), r.IP, r.Zone.Name)
	if len(c.Fields) > 0 {
		s += ": " + strings.Join(c.Fields, ", ") + " changed"
	}
	if c.Kind == store.ChangeMissing {
		s += fmt.Sprintf(" after %d run(s) without it", c.Misses)
	}
	if c.Kind == store.ChangeFlagRaised {
		if f, ok := topFinding(r); ok {
			s += ": " + f.Summary
		}
	}
	return s
}

func summaryWhat(vendor *string, typ string) string {
	if vendor != nil && *vendor != "" {
		return *vendor + " " + typ
	}
	return typ
}

package report

import (
	"fmt"
	"strings"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/termsafe"
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
	_ ChangeWriter = (*OCSF)(nil)
	_ ChangeWriter = (*CSV)(nil)
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

// WriteChange writes one OCSF event per transition, in the two classes the
// records already use, so a SIEM finds a device's transitions where it
// finds the device (definitions quoted from the ocsf/ocsf-schema files
// named, as stored from main, 1.9.0-dev; the ids used are 1.8.0's too):
//
//   - new, returned, changed and missing are Device Inventory Info (5001),
//     activity 2 Collect, as records are: the class "reports device inventory
//     data that is either logged or proactively collected ... running a
//     network sweep" (events/discovery/inventory_info.json) and its only
//     activities are Log and Collect (events/discovery/discovery.json), so
//     the class cannot tell the transitions apart itself. The transition is
//     metadata.event_code, "the Event ID, Code, or Name that the product uses
//     to primarily identify the event" (objects/metadata.json): device-new,
//     device-returned, device-changed, device-missing, the names ECS
//     event.action and the CEF class carry. Not status_id: the base event's
//     status is "the result of an activity" (Success/Failure), not an
//     object's state (OCSF FAQ "status and state"). device.first_seen_time is
//     set for new; for missing, device.last_seen_time is when it was last
//     seen, since the record is the one last seen. The changed fields and the
//     previous record travel with the whole camsweep.change/v1 line in
//     "unmapped", as the record does for records: 5001 has no attribute for
//     either. Rejected: Device Config State Change (5019), which reports
//     "state changes that impact the security of the device" through
//     security_level/security_states and a state_id of Enabled/Disabled
//     (events/discovery/device_config_state_change.json), none of which an
//     address, zone or firmware change fills; Entity Management (3004),
//     "activity by a managed client, a micro service, or a user at a
//     management console ... a create, read, update, and delete operation on
//     a managed entity" (events/iam/entity_management.json): a missing camera
//     was not deleted by anyone, and camsweep only observes.
//   - flag-raised and flag-cleared are Compliance Finding (2003), the class of
//     the records' findings, with the Finding lifecycle: activity_id 1 Create
//     "when a finding is first generated" and 3 Close "when a finding is
//     resolved or dismissed"; status_id 1 New "yet to be reviewed" and 4
//     Resolved "remediated and is now considered resolved"
//     (events/findings/finding.json). finding_info.uid is the one the
//     records' Compliance Findings carry for the same device and finding, so
//     a SIEM closes the finding the inventory has been reporting. A Close is
//     severity 1 Informational ("No action required"); its
//     compliance.status_id is 1 Pass unless this run still reports the
//     finding below the flagging severity.
func (o *OCSF) WriteChange(c *store.Change) error {
	r := c.Record
	ms, dt := ocsfTime(r.Time)
	_, _, action := ecsChange(c.Kind)
	var ev ocsfEvent
	switch c.Kind {
	case store.ChangeFlagRaised, store.ChangeFlagCleared:
		ev = o.flagChange(c)
	default:
		ev = ocsfInventory()
		ev.Device = ocsfDeviceOf(r, c.Key)
		if c.Kind == store.ChangeNew {
			ev.Device.FirstSeen = ms
		}
	}
	ev.Time, ev.TimeDT, ev.Message = ms, dt, changeSummary(c)
	ev.Metadata = o.meta(eventID(c.RunID, c.Key, "change", string(c.Kind)), c.RunID)
	ev.Metadata.EventCode = action
	ev.Observables = ocsfObservables(r)
	ev.Unmapped = map[string]any{"camsweep": c}
	return o.j.write(ev)
}

// flagChange is the Compliance Finding of a flag transition.
func (o *OCSF) flagChange(c *store.Change) ocsfEvent {
	f := flagFinding(c)
	var ev ocsfEvent
	if c.Kind == store.ChangeFlagRaised {
		ev = ocsfFinding(ocsfActivityCreate, "Create")
		ev.StatusID, ev.Status = ocsfFindingNew, "New"
		ev.SeverityID, ev.Severity = ocsfSeverity(f.Severity)
		ev.Compliance = ocsfComplianceOf(&f)
	} else {
		ev = ocsfFinding(ocsfActivityClose, "Close")
		ev.StatusID, ev.Status = ocsfFindingResolved, "Resolved"
		ev.SeverityID, ev.Severity = ocsfSeverityInfo, "Informational"
		ev.Compliance = &ocsfCompliance{Control: f.ID, Standards: []string{f.Policy}, Status: "Pass", StatusID: ocsfCompliancePass}
		for i := range c.Record.Findings {
			if now := &c.Record.Findings[i]; now.ID == f.ID {
				ev.Compliance = ocsfComplianceOf(now)
			}
		}
	}
	ev.Device = ocsfDeviceOf(c.Record, c.Key)
	ev.FindingInfo = &ocsfFindingInfo{UID: ocsfFindingUID(c.Key, f.ID), Title: f.Summary, Types: []string{f.ID}}
	return ev
}

// flagFinding is the finding a flag transition is about: the top finding of
// the record that is flagged, this one when raised, the previous one when
// cleared. The policy gives a device at most one finding, so it is the one
// that flagged it. A change without it (written by hand, or by an older
// camsweep without its previous record) gets a finding named after the
// flag, so the event still has the finding_info.uid OCSF requires.
func flagFinding(c *store.Change) device.Finding {
	r := c.Record
	if c.Kind == store.ChangeFlagCleared && c.Previous != nil {
		r = c.Previous
	}
	if f, ok := topFinding(r); ok {
		return f
	}
	return device.Finding{ID: "flagged", Summary: changeSummary(c)}
}

// WriteChange writes the change's row: the device row of its record (as
// last seen, for missing) under its history key, then the transition and
// the fields it changed. The first change writes CSVChangeHeader; a stream
// that already holds device rows refuses with ErrCSVMixed.
func (c *CSV) WriteChange(ch *store.Change) error {
	if err := c.writeHeader(csvChanges); err != nil {
		return err
	}
	return c.row(append(csvDevice(ch.Record, ch.Key), string(ch.Kind), strings.Join(ch.Fields, " ")))
}

// WriteChange prints one line per transition, at once (changes are few).
// The key holds a device's serial or EPR when it has no MAC, and the
// summary its vendor and finding text: both go through termsafe.Text.
func (t *Table) WriteChange(c *store.Change) error {
	_, err := fmt.Fprintf(t.w, "%-13s %-28s %s\n", strings.ToUpper(string(c.Kind)), termsafe.Text(c.Key), termsafe.Text(changeSummary(c)))
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

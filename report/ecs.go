package report

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/store"
)

// ECSVersion is the Elastic Common Schema release the mapping follows.
const ECSVersion = "9.4.0"

// ECS writes Elastic Common Schema documents as JSON lines (docs/formats.md
// §A9): per device one event.kind "asset" document, per finding one
// event.kind "alert" document, and per run one "event" with
// event.action "scan-completed". ECS has homes for addresses, maker, model
// and serial; everything else the record holds is kept whole under the one
// custom namespace "Camsweep" (capitalised, as ECS advises for custom
// fields, so it never collides with a future ECS field).
type ECS struct {
	j   *JSON
	opt Options
}

// NewECS returns an ECS writer.
func NewECS(w io.Writer, o Options) *ECS { return &ECS{j: NewJSON(w), opt: o} }

type ecsDoc struct {
	Timestamp string       `json:"@timestamp"`
	ECS       ecsVersion   `json:"ecs"`
	Event     ecsEvent     `json:"event"`
	Message   string       `json:"message"`
	Observer  ecsObserver  `json:"observer"`
	Host      *ecsHost     `json:"host,omitempty"`
	Device    *ecsDevice   `json:"device,omitempty"`
	Network   *ecsNetwork  `json:"network,omitempty"`
	Rule      *ecsRule     `json:"rule,omitempty"`
	Related   *ecsRelated  `json:"related,omitempty"`
	Camsweep  ecsNamespace `json:"Camsweep"`
}

type ecsVersion struct {
	Version string `json:"version"`
}

type ecsEvent struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Category  []string `json:"category,omitempty"`
	Type      []string `json:"type,omitempty"`
	Action    string   `json:"action"`
	Module    string   `json:"module"`
	Dataset   string   `json:"dataset"`
	Severity  *int     `json:"severity,omitempty"`
	RiskScore *float64 `json:"risk_score,omitempty"`
	Start     string   `json:"start,omitempty"`
	End       string   `json:"end,omitempty"`
	Duration  *int64   `json:"duration,omitempty"`
	Outcome   string   `json:"outcome,omitempty"`
}

type ecsObserver struct {
	Type     string `json:"type"`
	Vendor   string `json:"vendor"`
	Product  string `json:"product"`
	Version  string `json:"version,omitempty"`
	Hostname string `json:"hostname,omitempty"`
}

type ecsHost struct {
	ID   string   `json:"id"`
	IP   []string `json:"ip"`
	MAC  []string `json:"mac,omitempty"`
	Type string   `json:"type"`
}

type ecsDevice struct {
	Manufacturer string        `json:"manufacturer,omitempty"`
	Model        *ecsModelName `json:"model,omitempty"`
	// device.serial_number is an ECS 9.4.0 field (beta, level core;
	// elastic/ecs schemas/device.yml), though the stale
	// generated/ecs_flat.js of the npm package (8.12.0-dev) lacks it;
	// TestECS_fieldList reads the package's published list.
	SerialNumber string `json:"serial_number,omitempty"`
}

type ecsModelName struct {
	Name string `json:"name"`
}

type ecsNetwork struct {
	Name string   `json:"name,omitempty"`
	Type string   `json:"type"`
	VLAN *ecsVLAN `json:"vlan,omitempty"`
}

// ecsVLAN is network.vlan: the VLAN a switch learned the device's MAC in.
type ecsVLAN struct {
	ID string `json:"id"`
}

type ecsRule struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Ruleset     string `json:"ruleset"`
	Description string `json:"description"`
}

type ecsRelated struct {
	IP []string `json:"ip"`
}

// ecsNamespace is the custom field set: the native records, unchanged, so
// nothing the JSON format carries is lost in ECS.
type ecsNamespace struct {
	Schema  string            `json:"schema_version"`
	Key     string            `json:"key,omitempty"`
	Device  *device.Record    `json:"device,omitempty"`
	Finding *device.Finding   `json:"finding,omitempty"`
	Run     *device.RunRecord `json:"run,omitempty"`
}

func (e *ECS) base(ts time.Time) ecsDoc {
	return ecsDoc{
		Timestamp: ecsTime(ts),
		ECS:       ecsVersion{ECSVersion},
		Observer:  ecsObserver{Type: "scanner", Vendor: vendorName, Product: productName, Version: e.opt.Version, Hostname: e.opt.Hostname},
	}
}

func ecsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// ecsMAC is the RFC 7042 form ECS asks for: upper case, hyphens.
func ecsMAC(mac string) []string {
	if mac == "" {
		return nil
	}
	return []string{strings.ToUpper(strings.ReplaceAll(mac, ":", "-"))}
}

func networkType(ip string) string {
	if strings.Contains(ip, ":") {
		return "ipv6"
	}
	return "ipv4"
}

// hostType is the own vocabulary of host.type (ECS has no fixed list).
func hostType(t device.DeviceType) string {
	switch t {
	case device.TypeCamera:
		return "ip-camera"
	case device.TypeOther, device.TypeUnknown, "":
		return "unknown-iot"
	}
	return string(t)
}

func (e *ECS) device(r *device.Record, doc *ecsDoc, key string) {
	// A device only a switch knows may have no IP; host.ip is of ECS type
	// ip, where an empty string fails the document's indexing.
	var ips []string
	if r.IP != "" {
		ips = []string{r.IP}
	}
	doc.Host = &ecsHost{ID: key, IP: ips, MAC: ecsMAC(r.MAC), Type: hostType(r.DeviceType)}
	d := &ecsDevice{Manufacturer: vendorOf(r), SerialNumber: r.Serial}
	if r.Model != "" {
		d.Model = &ecsModelName{Name: r.Model}
	}
	if *d != (ecsDevice{}) {
		doc.Device = d
	}
	doc.Network = &ecsNetwork{Name: r.Zone.Name, Type: networkType(r.IP)}
	if r.Switch != nil && r.Switch.VLAN != 0 {
		doc.Network.VLAN = &ecsVLAN{ID: strconv.Itoa(r.Switch.VLAN)}
	}
	if ips != nil {
		doc.Related = &ecsRelated{IP: ips}
	}
}

// WriteRecord writes the asset document and one alert per finding.
func (e *ECS) WriteRecord(r *device.Record) error {
	key := store.Key(r)
	doc := e.base(r.Time)
	doc.Event = ecsEvent{
		ID: eventID(r.RunID, key, "device"), Kind: "asset", Category: []string{"host"}, Type: []string{"info"},
		Action: "device-seen", Module: productName, Dataset: productName + ".device",
	}
	if len(r.Findings) > 0 {
		sev := Score(r.MaxSeverity())
		doc.Event.Severity = &sev
	}
	doc.Message = summary(r)
	e.device(r, &doc, key)
	doc.Camsweep = ecsNamespace{Schema: r.Schema, Key: key, Device: r}
	if err := e.j.write(doc); err != nil {
		return err
	}
	for i := range r.Findings {
		if err := e.finding(r, &r.Findings[i], key); err != nil {
			return err
		}
	}
	return nil
}

func (e *ECS) finding(r *device.Record, f *device.Finding, key string) error {
	doc := e.base(r.Time)
	sev := Score(f.Severity)
	risk := float64(sev * 10)
	doc.Event = ecsEvent{
		ID: eventID(r.RunID, key, "finding", f.ID), Kind: "alert", Category: []string{"host", "network"}, Type: []string{"info"},
		Action: "policy-violation", Module: productName, Dataset: productName + ".finding", Severity: &sev, RiskScore: &risk,
	}
	doc.Message = f.Summary
	e.device(r, &doc, key)
	doc.Device = nil
	doc.Rule = &ecsRule{ID: f.ID, Name: f.ID, Ruleset: f.Policy, Description: f.Summary}
	doc.Camsweep = ecsNamespace{Schema: r.Schema, Key: key, Finding: f}
	return e.j.write(doc)
}

// WriteRun writes the scan-completed event.
func (e *ECS) WriteRun(rr *device.RunRecord) error {
	doc := e.base(rr.End)
	dur := rr.DurationMS * int64(time.Millisecond)
	outcome := "success"
	if rr.ExitStatus != 0 && rr.ExitStatus != 3 {
		outcome = "failure"
	}
	doc.Event = ecsEvent{
		ID: eventID(rr.RunID, "run"), Kind: "event", Category: []string{"network"}, Type: []string{"info"},
		Action: "scan-completed", Module: productName, Dataset: productName + ".run",
		Start: ecsTime(rr.Start), End: ecsTime(rr.End), Duration: &dur, Outcome: outcome,
	}
	if rr.Interrupted {
		doc.Event.Action = "scan-interrupted"
	}
	doc.Message = runSummary(rr)
	doc.Observer.Version = rr.Version
	doc.Camsweep = ecsNamespace{Schema: rr.Schema, Run: rr}
	return e.j.write(doc)
}

// Close flushes.
func (e *ECS) Close() error { return e.j.Close() }

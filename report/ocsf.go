package report

import (
	"io"
	"strconv"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/store"
)

// OCSFVersion is the OCSF schema release the mapping follows.
const OCSFVersion = "1.8.0"

// OCSF class and activity ids used here (docs/formats.md §A2).
const (
	ocsfInventoryInfo     = 5001 // Discovery: Device Inventory Info
	ocsfComplianceFinding = 2003 // Findings: Compliance Finding
	ocsfScanActivity      = 6007 // Application Activity: Scan Activity
	ocsfActivityCollect   = 2
	ocsfActivityCreate    = 1
	ocsfActivityClose     = 3
	ocsfScanCompleted     = 2
	ocsfScanCancelled     = 3
	ocsfDeviceIOT         = 7
	ocsfDeviceOther       = 99
	ocsfObservableIP      = 2
	ocsfObservableMAC     = 3
	ocsfComplianceFail    = 3
	ocsfCompliancePass    = 1
	ocsfSeverityInfo      = 1
	ocsfStatusSuccess     = 1
	ocsfStatusFailure     = 2
	ocsfFindingNew        = 1 // finding status_id
	ocsfFindingResolved   = 4 // finding status_id
	ocsfScanTypeOther     = 99
)

// OCSF writes OCSF events as JSON lines: per device one Device Inventory
// Info (5001, activity Collect), per finding one Compliance Finding (2003,
// activity Create) and per run one Scan Activity (6007). The record itself
// travels whole in "unmapped", OCSF's place for producer fields. Changes
// between runs map onto the same two classes (WriteChange).
type OCSF struct {
	j   *JSON
	opt Options
}

// NewOCSF returns an OCSF writer.
func NewOCSF(w io.Writer, o Options) *OCSF { return &OCSF{j: NewJSON(w), opt: o} }

type ocsfEvent struct {
	ActivityID   int              `json:"activity_id"`
	ActivityName string           `json:"activity_name"`
	CategoryUID  int              `json:"category_uid"`
	CategoryName string           `json:"category_name"`
	ClassUID     int              `json:"class_uid"`
	ClassName    string           `json:"class_name"`
	TypeUID      int              `json:"type_uid"`
	SeverityID   int              `json:"severity_id"`
	Severity     string           `json:"severity"`
	Time         int64            `json:"time"`
	TimeDT       string           `json:"time_dt"`
	Message      string           `json:"message"`
	StatusID     int              `json:"status_id,omitempty"`
	Status       string           `json:"status,omitempty"`
	Metadata     ocsfMetadata     `json:"metadata"`
	Device       *ocsfDevice      `json:"device,omitempty"`
	FindingInfo  *ocsfFindingInfo `json:"finding_info,omitempty"`
	Compliance   *ocsfCompliance  `json:"compliance,omitempty"`
	Scan         *ocsfScan        `json:"scan,omitempty"`
	Observables  []ocsfObservable `json:"observables,omitempty"`
	Unmapped     map[string]any   `json:"unmapped,omitempty"`
}

type ocsfMetadata struct {
	UID            string      `json:"uid"`
	CorrelationUID string      `json:"correlation_uid"`
	EventCode      string      `json:"event_code,omitempty"`
	Version        string      `json:"version"`
	Product        ocsfProduct `json:"product"`
}

type ocsfProduct struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name"`
	Version    string `json:"version,omitempty"`
}

type ocsfDevice struct {
	TypeID     int         `json:"type_id"`
	Type       string      `json:"type"`
	UID        string      `json:"uid"`
	IP         string      `json:"ip,omitempty"` // none for a device only a switch knows
	MAC        string      `json:"mac,omitempty"`
	VLAN       string      `json:"vlan_uid,omitempty"`
	VendorName string      `json:"vendor_name,omitempty"`
	Model      string      `json:"model,omitempty"`
	HWInfo     *ocsfHWInfo `json:"hw_info,omitempty"`
	Zone       string      `json:"zone,omitempty"`
	FirstSeen  int64       `json:"first_seen_time,omitempty"`
	LastSeen   int64       `json:"last_seen_time"`
}

type ocsfHWInfo struct {
	SerialNumber string `json:"serial_number"`
}

type ocsfFindingInfo struct {
	UID   string   `json:"uid"`
	Title string   `json:"title"`
	Types []string `json:"types"`
}

type ocsfCompliance struct {
	Control   string   `json:"control"`
	Standards []string `json:"standards"`
	Status    string   `json:"status"`
	StatusID  int      `json:"status_id"`
}

type ocsfScan struct {
	UID    string `json:"uid"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	TypeID int    `json:"type_id"`
}

type ocsfObservable struct {
	Name   string `json:"name"`
	TypeID int    `json:"type_id"`
	Value  string `json:"value"`
}

// ocsfSeverity maps onto severity_id: 1 Informational … 5 Critical.
func ocsfSeverity(s device.Severity) (int, string) {
	switch s {
	case device.SeverityLow:
		return 2, "Low"
	case device.SeverityMedium:
		return 3, "Medium"
	case device.SeverityHigh:
		return 4, "High"
	case device.SeverityCritical:
		return 5, "Critical"
	}
	return ocsfSeverityInfo, "Informational"
}

func (o *OCSF) meta(uid, runID string) ocsfMetadata {
	return ocsfMetadata{UID: uid, CorrelationUID: runID, Version: OCSFVersion,
		Product: ocsfProduct{Name: productName, VendorName: vendorName, Version: o.opt.Version}}
}

func ocsfDeviceOf(r *device.Record, key string) *ocsfDevice {
	d := &ocsfDevice{TypeID: ocsfDeviceOther, Type: "Other", UID: key, IP: r.IP, MAC: r.MAC,
		VendorName: vendorOf(r), Model: r.Model, Zone: r.Zone.Name, LastSeen: r.Time.UnixMilli()}
	if r.DeviceType.IsVideo() {
		d.TypeID, d.Type = ocsfDeviceIOT, "IOT"
	} else if r.DeviceType == device.TypeUnknown {
		d.TypeID, d.Type = 0, "Unknown"
	}
	if r.Serial != "" {
		d.HWInfo = &ocsfHWInfo{SerialNumber: r.Serial}
	}
	if r.Switch != nil && r.Switch.VLAN != 0 {
		d.VLAN = strconv.Itoa(r.Switch.VLAN)
	}
	return d
}

func ocsfObservables(r *device.Record) []ocsfObservable {
	var obs []ocsfObservable
	if r.IP != "" {
		obs = append(obs, ocsfObservable{Name: "device.ip", TypeID: ocsfObservableIP, Value: r.IP})
	}
	if r.MAC != "" {
		obs = append(obs, ocsfObservable{Name: "device.mac", TypeID: ocsfObservableMAC, Value: r.MAC})
	}
	return obs
}

func ocsfTime(t time.Time) (int64, string) {
	return t.UnixMilli(), t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// ocsfInventory is the skeleton of a Device Inventory Info event.
func ocsfInventory() ocsfEvent {
	return ocsfEvent{
		ActivityID: ocsfActivityCollect, ActivityName: "Collect",
		CategoryUID: 5, CategoryName: "Discovery", ClassUID: ocsfInventoryInfo, ClassName: "Device Inventory Info",
		TypeUID: ocsfInventoryInfo*100 + ocsfActivityCollect, SeverityID: ocsfSeverityInfo, Severity: "Informational",
	}
}

// ocsfFinding is the skeleton of a Compliance Finding event of the given
// finding activity (1 Create, 2 Update, 3 Close).
func ocsfFinding(activity int, name string) ocsfEvent {
	return ocsfEvent{
		ActivityID: activity, ActivityName: name,
		CategoryUID: 2, CategoryName: "Findings", ClassUID: ocsfComplianceFinding, ClassName: "Compliance Finding",
		TypeUID: ocsfComplianceFinding*100 + activity,
	}
}

// ocsfComplianceOf is the compliance check a finding reports: the control
// (the finding id) fails, except covered-vendor-isolated, where the device
// is where the policy wants it and the control passes.
func ocsfComplianceOf(f *device.Finding) *ocsfCompliance {
	comp := &ocsfCompliance{Control: f.ID, Standards: []string{f.Policy}, Status: "Fail", StatusID: ocsfComplianceFail}
	if f.ID == device.FindingCoveredIsolated {
		comp.Status, comp.StatusID = "Pass", ocsfCompliancePass
	}
	return comp
}

// ocsfFindingUID names a finding of a device across runs, so every event
// about it (the Create of each inventory, a flag's Create and Close)
// carries the same finding_info.uid.
func ocsfFindingUID(key, findingID string) string { return eventID(key, findingID) }

// WriteRecord writes the inventory event and one compliance finding per
// finding.
func (o *OCSF) WriteRecord(r *device.Record) error {
	key := store.Key(r)
	ms, dt := ocsfTime(r.Time)
	ev := ocsfInventory()
	ev.Time, ev.TimeDT, ev.Message = ms, dt, summary(r)
	ev.Metadata = o.meta(eventID(r.RunID, key, "device"), r.RunID)
	ev.Device, ev.Observables = ocsfDeviceOf(r, key), ocsfObservables(r)
	ev.Unmapped = map[string]any{"camsweep": r}
	if err := o.j.write(ev); err != nil {
		return err
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		fe := ocsfFinding(ocsfActivityCreate, "Create")
		fe.SeverityID, fe.Severity = ocsfSeverity(f.Severity)
		fe.Time, fe.TimeDT, fe.Message = ms, dt, f.Summary
		fe.Metadata = o.meta(eventID(r.RunID, key, "finding", f.ID), r.RunID)
		fe.Device = ocsfDeviceOf(r, key)
		fe.FindingInfo = &ocsfFindingInfo{UID: ocsfFindingUID(key, f.ID), Title: f.Summary, Types: []string{f.ID}}
		fe.Compliance, fe.Observables = ocsfComplianceOf(f), ocsfObservables(r)
		fe.Unmapped = map[string]any{"camsweep": map[string]any{"key": key, "run_id": r.RunID, "finding": f}}
		if err := o.j.write(fe); err != nil {
			return err
		}
	}
	return nil
}

// WriteRun writes the Scan Activity event that closes the run.
func (o *OCSF) WriteRun(rr *device.RunRecord) error {
	ms, dt := ocsfTime(rr.End)
	act, name := ocsfScanCompleted, "Completed"
	if rr.Interrupted {
		act, name = ocsfScanCancelled, "Cancelled"
	}
	status := ocsfStatusSuccess
	if rr.ExitStatus != 0 && rr.ExitStatus != 3 {
		status = ocsfStatusFailure
	}
	meta := o.meta(eventID(rr.RunID, "run"), rr.RunID)
	if meta.Product.Version == "" {
		meta.Product.Version = rr.Version
	}
	return o.j.write(ocsfEvent{
		ActivityID: act, ActivityName: name,
		CategoryUID: 6, CategoryName: "Application Activity", ClassUID: ocsfScanActivity, ClassName: "Scan Activity",
		TypeUID: ocsfScanActivity*100 + act, SeverityID: ocsfSeverityInfo, Severity: "Informational",
		Time: ms, TimeDT: dt, Message: runSummary(rr), StatusID: status, Metadata: meta,
		Scan:     &ocsfScan{UID: rr.RunID, Name: productName, Type: "Other", TypeID: ocsfScanTypeOther},
		Unmapped: map[string]any{"camsweep": rr},
	})
}

// Close flushes.
func (o *OCSF) Close() error { return o.j.Close() }

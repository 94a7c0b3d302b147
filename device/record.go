package device

import (
	"slices"
	"time"
)

// Schema names of the JSON lines.
const (
	SchemaDevice = "camsweep.device/v1"
	SchemaRun    = "camsweep.run/v1"
)

// RecordEvidence is one piece of evidence as the record shows it: what was
// seen and which rules used it.
type RecordEvidence struct {
	Source Source            `json:"source"`
	Port   uint16            `json:"port,omitempty"`
	Fields map[string]string `json:"fields"`
	Rules  []string          `json:"rules"`
}

// Record is the camsweep.device/v1 line: one per host. Every writer maps this
// one struct; there is no second model.
type Record struct {
	Schema     string     `json:"schema"`
	Time       time.Time  `json:"time"`
	RunID      string     `json:"run_id"`
	IP         string     `json:"ip"`
	MAC        string     `json:"mac"`
	MACVendor  string     `json:"mac_vendor"`
	Ports      []uint16   `json:"ports"`
	Camera     bool       `json:"camera"`
	DeviceType DeviceType `json:"device_type"`
	Vendor     *string    `json:"vendor"`
	Brand      string     `json:"brand"`
	Model      string     `json:"model"`
	Firmware   string     `json:"firmware"`
	Serial     string     `json:"serial"`
	// StatedMaker is the maker the device names for itself (see
	// Identity.StatedMaker); MakerUncatalogued marks one the catalog lacks.
	StatedMaker       string           `json:"stated_maker,omitempty"`
	MakerUncatalogued bool             `json:"maker_uncatalogued,omitempty"`
	Confidence        float64          `json:"confidence"`
	Maker             *Maker           `json:"maker"`
	Zone              Zone             `json:"zone"`
	Findings          []Finding        `json:"findings"`
	Flagged           bool             `json:"flagged"`
	Evidence          []RecordEvidence `json:"evidence"`
	Conflicts         []Conclusion     `json:"conflicts,omitempty"`
	Partial           bool             `json:"partial,omitempty"`
	OutOfScope        bool             `json:"out_of_scope,omitempty"`
	Errors            []string         `json:"errors,omitempty"`
	// Outcomes type the probe failures of Errors (method, status,
	// message): a stable field for machines beside the human one.
	Outcomes []Outcome `json:"outcomes,omitempty"`

	// Truncated counts what the host's budgets dropped (absent when
	// nothing was); AddressConflicts are the contradicting claims about
	// its address (ARP, SSDP LOCATION).
	Truncated        *Truncated        `json:"truncated,omitempty"`
	AddressConflicts []AddressConflict `json:"address_conflicts,omitempty"`

	// Switch is the switch port and VLAN the device hangs on, from the
	// switches of --switches; nil when none knows its MAC on an edge port.
	Switch *SwitchPort `json:"switch,omitempty"`
}

// MaxSeverity is the highest severity among the record's findings, 0 if none.
func (r *Record) MaxSeverity() Severity {
	var m Severity
	for _, f := range r.Findings {
		m = max(m, f.Severity)
	}
	return m
}

// HasFinding reports whether a finding with the id is present.
func (r *Record) HasFinding(id string) bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.ID == id })
}

// RunRecord is the camsweep.run/v1 line that ends every run, also an
// interrupted one.
type RunRecord struct {
	Schema     string    `json:"schema"`
	RunID      string    `json:"run_id"`
	Version    string    `json:"version"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	DurationMS int64     `json:"duration_ms"`
	Targets    []string  `json:"targets"` // the first 100, as given
	// TargetsTotal and ExcludesTotal count the targets and excludes given;
	// Targets and Excludes hold only the first 100 of them.
	TargetsTotal  int      `json:"targets_total,omitempty"`
	Excludes      []string `json:"excludes,omitempty"`
	ExcludesTotal int      `json:"excludes_total,omitempty"`
	Addresses     uint64   `json:"addresses"` // in scope after excludes
	Probed        uint64   `json:"probed"`    // addresses whose probes were started
	HostsUp       int      `json:"hosts_up"`
	Cameras       int      `json:"cameras"`
	// UncataloguedMakers counts the hosts per stated maker name that the
	// catalog does not know: what the catalog lacks, for its maintainers.
	UncataloguedMakers map[string]int `json:"uncatalogued_makers,omitempty"`
	Flagged            int            `json:"flagged"`
	Findings           map[string]int `json:"findings"` // count per severity name
	Methods            []string       `json:"methods"`
	Privilege          string         `json:"privilege"` // "raw" or "unprivileged"
	// PrivilegeNote says what the privilege meant for discovery, for
	// humans; Privilege stays the bare word machines compare.
	PrivilegeNote string `json:"privilege_note,omitempty"`
	Policy        string `json:"policy"`
	// Catalog names the vendor catalog the verdicts rest on: file,
	// version and date ("catalog.yaml 2026.11.26 (2026-11-26)").
	Catalog string  `json:"catalog,omitempty"`
	Zones   string  `json:"zones"` // the zones file, or a note that none was given
	Rate    float64 `json:"rate"`
	// PhasesMS is the wall time of each discovery sweep (arp, wsd, sadp…)
	// and of the per-host probing ("hosts"), in milliseconds; sweeps other
	// than ARP run at the same time.
	PhasesMS    map[string]int64 `json:"phases_ms,omitempty"`
	ExitStatus  int              `json:"exit_status"`
	Interrupted bool             `json:"interrupted"`
	Errors      []string         `json:"errors,omitempty"`
	// Passive is what "camsweep pcap" and "camsweep listen" read and what
	// their caps refused; nil for a scan.
	Passive *PassiveStats `json:"passive,omitempty"`
	// Discovery is what the scan's engine judged before any record: the
	// liveness stage's reach, the ARP claims it set aside and the
	// replies it refused; nil for a passive run.
	Discovery *DiscoveryStats `json:"discovery,omitempty"`
}

// DiscoveryStats are the engine's counts that explain why an address has
// no record (docs/formats.md): the run record is where an engineer looks
// when a host they expected is missing.
type DiscoveryStats struct {
	// LivenessChecked are the addresses the liveness stage probed (those
	// ARP could not vouch for), LivenessAnswered those that answered.
	LivenessChecked  uint64 `json:"liveness_checked"`
	LivenessAnswered uint64 `json:"liveness_answered"`
	// ARPDemoted are addresses whose ARP answers were conflicts (several
	// MACs, a MAC spraying many addresses), not hosts.
	ARPDemoted int `json:"arp_demoted"`
	// UnprovenSources are addresses on an ARP-swept prefix that sent
	// discovery replies without answering ARP: forged sources.
	UnprovenSources int `json:"unproven_sources"`
	// StraysRefused are out-of-scope responders past the bound on them.
	StraysRefused uint64 `json:"strays_refused"`
}

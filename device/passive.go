package device

// SourcePassive is evidence taken from traffic camsweep only listened to
// (a capture file or a live interface); the field passive.proto names the
// protocol that carried it.
const SourcePassive Source = "passive"

// PassiveStats is what a passive run read and what its caps refused, in
// the run record of "camsweep pcap" and "camsweep listen".
type PassiveStats struct {
	// Files are the capture files read, in order; Interface the live one.
	Files     []string `json:"files,omitempty"`
	Interface string   `json:"interface,omitempty"`
	Packets   uint64   `json:"packets"`
	Bytes     uint64   `json:"bytes"`
	// Observations counts the frames that said something about a device.
	Observations uint64 `json:"observations"`
	// HostsDropped counts devices not kept because MaxHosts were already
	// held; EvidenceDropped counts evidence items refused by a host's cap.
	HostsDropped    uint64 `json:"hosts_dropped,omitempty"`
	EvidenceDropped uint64 `json:"evidence_dropped,omitempty"`
	// MaxHosts and MaxEvidence are the caps in force.
	MaxHosts    int `json:"max_hosts"`
	MaxEvidence int `json:"max_evidence_per_host"`
	// Routers counts MACs seen with more addresses than one device holds
	// (a router's MAC carries every routed source): not bound to any.
	Routers int `json:"routers,omitempty"`
	// UnboundMACs counts DHCP clients whose MAC never showed an address:
	// a record needs one, so their evidence is not written.
	UnboundMACs int `json:"unbound_macs,omitempty"`
}

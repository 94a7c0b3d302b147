package device

// Truncated counts what a host's budgets (scanner.Budget) refused: a
// hostile or broken device may answer with a flood, and the record must say
// that something was dropped and how much, never lose it silently.
type Truncated struct {
	// EvidenceItems is how many evidence items were dropped, for any of
	// the budgets; EvidenceBytes is what they carried (keys plus values).
	EvidenceItems int `json:"evidence_items,omitempty"`
	EvidenceBytes int `json:"evidence_bytes,omitempty"`
	// MACs is how many MACs beyond the per-address budget claimed the
	// address (their evidence is among the dropped items).
	MACs int `json:"macs,omitempty"`
	// BySource is EvidenceItems by the source that produced them, so a
	// reader sees which protocol flooded.
	BySource map[Source]int `json:"by_source,omitempty"`
}

// Any reports whether anything was dropped.
func (t *Truncated) Any() bool { return t != nil && (t.EvidenceItems > 0 || t.MACs > 0) }

// Kinds of AddressConflict.
const (
	// ConflictARPMACs: several MACs answered ARP for the host's address.
	ConflictARPMACs = "arp-macs"
	// ConflictARPSpray: a MAC that answered ARP for the host's address also
	// claimed more addresses of the segment than one device plausibly has
	// (scanner.MaxClaimsPerMAC), and is not the segment's gateway.
	ConflictARPSpray = "arp-spray"
	// ConflictLocation: the host's SSDP LOCATION names another in-scope
	// address; that address's description was not taken as the host's.
	ConflictLocation = "ssdp-location"
)

// AddressConflict is a claim about an address that some other party
// contradicts: what ARP spoofing and identity hijacking look like from the
// scanner. It is recorded on the host, never turned into another host.
type AddressConflict struct {
	Kind string `json:"kind"`
	// MACs are the MACs involved, in the order first heard (at most the
	// per-address budget of them).
	MACs []string `json:"macs,omitempty"`
	// Addrs are other addresses involved: the ones a spraying MAC also
	// claimed (the first few, ascending), the address a LOCATION names.
	Addrs []string `json:"addrs,omitempty"`
	// Claimed is how many addresses of the segment the MAC claimed in all
	// (arp-spray only).
	Claimed int `json:"claimed,omitempty"`
}

// FindingARPConflict: several MACs claim the host's address, or its MAC
// claims many addresses: ARP spoofing or a misconfiguration, either worth
// a security team's look.
const FindingARPConflict = "arp-conflict"

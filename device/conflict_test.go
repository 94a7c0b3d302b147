package device

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRecord_truncatedAndConflictsJSON: the record names what was dropped
// and the conflicts under the keys documented in the README, and says
// nothing of either when there is nothing to say.
func TestRecord_truncatedAndConflictsJSON(t *testing.T) {
	r := Record{Truncated: &Truncated{EvidenceItems: 3, EvidenceBytes: 120, MACs: 2, BySource: map[Source]int{SourceMDNS: 3}},
		AddressConflicts: []AddressConflict{{Kind: ConflictARPSpray, MACs: []string{"02:00:00:00:00:01"}, Addrs: []string{"198.18.0.9"}, Claimed: 20}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"truncated":{"evidence_items":3,"evidence_bytes":120,"macs":2,"by_source":{"mdns":3}}`,
		`"address_conflicts":[{"kind":"arp-spray","macs":["02:00:00:00:00:01"],"addrs":["198.18.0.9"],"claimed":20}]`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("record JSON lacks %s:\n%s", want, b)
		}
	}
	b, _ = json.Marshal(Record{})
	if strings.Contains(string(b), "truncated") || strings.Contains(string(b), "address_conflicts") {
		t.Errorf("empty record mentions them: %s", b)
	}
	var nilT *Truncated
	if nilT.Any() || (&Truncated{}).Any() || !(&Truncated{MACs: 1}).Any() {
		t.Error("Truncated.Any")
	}
}

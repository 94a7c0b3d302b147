package sweep

import "github.com/camsweep/camsweep/scanner/arp"

// Privilege modes of the run record: the words the README documents for
// its privilege field, which machines compare; privilegeNote says what
// each means for the run, for humans.
const (
	privilegeRaw          = "raw"
	privilegeUnprivileged = "unprivileged"
)

// privilegeNote is the run record's privilege_note: what the mode meant
// for discovery ("" for a mode without one, as passive's).
func privilegeNote(mode string) string {
	switch mode {
	case privilegeRaw:
		return "CAP_NET_RAW: ARP sweep of directly connected subnets"
	case privilegeUnprivileged:
		return "no CAP_NET_RAW: tcp connect; MACs from the kernel neighbour table"
	}
	return ""
}

func privilegeMode() string {
	if arp.CanRaw() {
		return privilegeRaw
	}
	return privilegeUnprivileged
}

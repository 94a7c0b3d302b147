package sweep

import (
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/arp"
)

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

// arpSweeper is the ARP sweep of the directly connected subnets (or -i's);
// without CAP_NET_RAW it says so once and is left out: the neighbour table
// still gives the MACs of on-link hosts the TCP probes touched.
func arpSweeper(o wireOpts) (scanner.Sweeper, error) {
	if !o.Raw {
		o.Log.Warn().Msg("no CAP_NET_RAW: skipping the ARP sweep; MACs come from the kernel neighbour table (run as root or grant cap_net_raw for layer 2 discovery)")
		return nil, nil
	}
	return arp.New(arp.Config{
		Iface:   o.Iface,
		Retries: o.ARPRetries,
		Wait:    o.ARPWait,
		Log:     o.Log.With().Str("sweeper", "arp").Logger(),
	})
}

package scanner

import (
	"maps"
	"slices"

	"github.com/camsweep/camsweep/device"
)

// Budget bounds what one host may cost a run in memory and in the size of
// its record, whatever it answers: a hostile device replying to every
// discovery probe with thousands of distinct datagrams produced one record
// of 46 MB (issue 14). It is one mechanism for every source: the sweepers'
// evidence (held by address until the host's turn) and the probers' both
// pass through the host's ledger, which keeps the first evidence that fits
// and counts the rest in Host.Truncated. The sweepers' evidence may fill
// only half of Items and Bytes, so that a flood on the discovery ports
// under a host's address (its own, or a spoofed one) leaves room for
// what the host's probes find. Zero fields take the defaults.
type Budget struct {
	// Items is the most evidence items one host keeps.
	Items int
	// Bytes is the most bytes of evidence one host keeps: the sum of the
	// lengths of every field's key and value.
	Bytes int
	// PerSource is the most items one source (mdns, wsd…) adds to one
	// host, so a flood on one protocol leaves room for the others.
	PerSource int
	// MACs is the most distinct MACs one address keeps evidence of; a
	// further MAC claiming the address is counted, not kept.
	MACs int
}

// Default budgets. A real camera yields a few dozen evidence items of a
// few KiB in all (an ONVIF device: about ten; an HTTP server on three
// ports with its follow-ups: about thirty), an mDNS responder one item per
// service instance, a WS-Discovery responder one or two; one address
// answers ARP with one MAC, two when a failover pair or a conflict shares
// it. The defaults are ten times those and bound a host's evidence to a
// quarter of a MiB, so that no record comes near the 1 MiB a log pipeline
// accepts in one line.
const (
	DefaultBudgetItems     = 256
	DefaultBudgetBytes     = 256 << 10
	DefaultBudgetPerSource = 64
	DefaultBudgetMACs      = 4
)

func (b Budget) withDefaults() Budget {
	if b.Items <= 0 {
		b.Items = DefaultBudgetItems
	}
	if b.Bytes <= 0 {
		b.Bytes = DefaultBudgetBytes
	}
	if b.PerSource <= 0 {
		b.PerSource = DefaultBudgetPerSource
	}
	if b.MACs <= 0 {
		b.MACs = DefaultBudgetMACs
	}
	return b
}

// maxRefusedMACs bounds the set that tells a refused MAC seen again from a
// new one; past it every refused item with a MAC counts as a new MAC, so
// Truncated.MACs is then a bound from above.
const maxRefusedMACs = 64

// ledger is one host's account against the Budget.
type ledger struct {
	items, bytes int
	perSource    map[device.Source]int
	macs         []string // distinct MACs kept, first heard first
	refused      []string // distinct MACs refused (at most maxRefusedMACs)
	trunc        device.Truncated
}

// evidenceSize is what an item weighs against Budget.Bytes.
func evidenceSize(ev *device.Evidence) int {
	n := 0
	for k, v := range ev.Fields {
		n += len(k) + len(v)
	}
	return n
}

// admit reports whether ev fits the host's budget and books it if so; a
// refused item is counted in the ledger's Truncated.
func (l *ledger) admit(b *Budget, ev *device.Evidence) bool {
	size := evidenceSize(ev)
	newMAC := ev.MAC != "" && !slices.Contains(l.macs, ev.MAC)
	switch {
	case newMAC && len(l.macs) >= b.MACs:
		if !slices.Contains(l.refused, ev.MAC) {
			l.trunc.MACs++
			if len(l.refused) < maxRefusedMACs {
				l.refused = append(l.refused, ev.MAC)
			}
		}
	case l.perSource[ev.Source] >= b.PerSource, l.items >= b.Items, l.bytes+size > b.Bytes:
	default:
		if newMAC {
			l.macs = append(l.macs, ev.MAC)
		}
		if l.perSource == nil {
			l.perSource = map[device.Source]int{}
		}
		l.perSource[ev.Source]++
		l.items++
		l.bytes += size
		return true
	}
	l.trunc.EvidenceItems++
	l.trunc.EvidenceBytes += size
	if l.trunc.BySource == nil {
		l.trunc.BySource = map[device.Source]int{}
	}
	l.trunc.BySource[ev.Source]++
	return false
}

// truncated is the ledger's count for Host.Truncated, nil when nothing
// was dropped.
func (l *ledger) truncated() *device.Truncated {
	if !l.trunc.Any() {
		return nil
	}
	t := l.trunc
	return &t
}

// carry returns a ledger for the sweep evidence that arrives after a host's
// probes began (pipelined phases): it counts what the sweeps filed before,
// so the sweeps' share of the budget (found.budget) holds across both, and
// starts with nothing truncated, so that merging its Truncated into the
// host's ledger counts each refusal once.
func (l *ledger) carry() ledger {
	return ledger{items: l.items, bytes: l.bytes, perSource: maps.Clone(l.perSource),
		macs: slices.Clone(l.macs), refused: slices.Clone(l.refused)}
}

// addTrunc adds what another ledger refused to this one's Truncated.
func (l *ledger) addTrunc(t device.Truncated) {
	l.trunc.EvidenceItems += t.EvidenceItems
	l.trunc.EvidenceBytes += t.EvidenceBytes
	l.trunc.MACs += t.MACs
	for s, n := range t.BySource {
		if l.trunc.BySource == nil {
			l.trunc.BySource = map[device.Source]int{}
		}
		l.trunc.BySource[s] += n
	}
}

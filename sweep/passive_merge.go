package sweep

import (
	"context"
	"net/netip"
	"slices"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/passive"
)

// PassiveEvidence is what capture files (scan --pcap) showed, by address,
// for merging into a scan's records: a device seen both ways gets one
// record with both kinds of evidence; a device only the capture showed
// gets a record of its own (out of scope when the targets do not hold
// it). Used by one goroutine, Run's.
type PassiveEvidence struct {
	hosts map[netip.Addr]device.Host
	stats device.PassiveStats
}

// ReadPcaps reads capture files for scan --pcap. A file that cannot be
// read to its end is a usage error: it is named before anything is sent.
func ReadPcaps(ctx context.Context, files []string) (*PassiveEvidence, error) {
	col := passive.NewCollector(passive.Config{})
	for _, f := range files {
		if err := passive.ReadFile(ctx, f, col); err != nil {
			return nil, exitcode.Usagef("--pcap: %v", err)
		}
	}
	p := &PassiveEvidence{hosts: map[netip.Addr]device.Host{}, stats: col.Stats()}
	p.stats.Files = files
	for _, h := range col.Hosts() {
		p.hosts[h.Addr] = h
	}
	return p, nil
}

// merge adds the capture's evidence of h's address to h and forgets it.
// The scan's MAC wins; the capture's is taken when the scan had none (a
// routed host the capture saw on its own segment), with its registry
// entry, which the engine could not add.
func (p *PassiveEvidence) merge(h *device.Host, oui func(string) map[string]string) {
	if p == nil {
		return
	}
	ph, ok := p.hosts[h.Addr]
	if !ok {
		return
	}
	delete(p.hosts, h.Addr)
	if h.MAC == "" && ph.MAC != "" {
		h.MAC = ph.MAC
		if oui != nil {
			if f := oui(ph.MAC); len(f) > 0 {
				h.Evidence = append(h.Evidence, device.Evidence{Source: device.SourceOUI, Addr: h.Addr, MAC: h.MAC, Fields: f})
			}
		}
	}
	h.Evidence = append(h.Evidence, ph.Evidence...)
	if ph.Truncated != nil {
		if h.Truncated == nil {
			h.Truncated = &device.Truncated{}
		}
		h.Truncated.EvidenceItems += ph.Truncated.EvidenceItems
		if h.Truncated.BySource == nil {
			h.Truncated.BySource = map[device.Source]int{}
		}
		h.Truncated.BySource[device.SourcePassive] += ph.Truncated.EvidenceItems
	}
}

// unmerged builds the records of the devices only the capture showed, in
// address order; outside inScope they are marked out of scope.
func (p *PassiveEvidence) unmerged(ider Identifier, pol Evaluator, runID string, oui func(string) map[string]string, inScope func(netip.Addr) bool) []*device.Record {
	if p == nil {
		return nil
	}
	addrs := make([]netip.Addr, 0, len(p.hosts))
	for a := range p.hosts {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	var out []*device.Record
	for _, a := range addrs {
		h := p.hosts[a]
		if h.MAC != "" && oui != nil {
			if f := oui(h.MAC); len(f) > 0 {
				h.Evidence = append(h.Evidence, device.Evidence{Source: device.SourceOUI, Addr: a, MAC: h.MAC, Fields: f})
			}
		}
		h.OutOfScope = inScope != nil && !inScope(a)
		out = append(out, Build(&h, ider, pol, runID))
	}
	clear(p.hosts)
	return out
}

// Stats returns what the files held, for the run record; nil without
// --pcap.
func (p *PassiveEvidence) Stats() *device.PassiveStats {
	if p == nil {
		return nil
	}
	st := p.stats
	return &st
}

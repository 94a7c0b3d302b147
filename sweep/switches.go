package sweep

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/scanner/snmp"
)

// maxSwitchesParallel bounds the switches read at once: each walk is
// paced on its own, and a jump host reading fifty switches should not
// hold fifty sockets' worth of tables in flight.
const maxSwitchesParallel = 4

// LoadSwitches reads and checks the --switches file before anything is
// sent: a bad file is a usage error (exit 2) naming file:line, never a
// secret. A file others can read is warned about, as the credentials file.
func LoadSwitches(path string, log zerolog.Logger) (snmp.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return snmp.Config{}, exitcode.Usagef("--switches: %v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 {
		log.Warn().Str("file", path).Str("mode", fmt.Sprintf("%#o", fi.Mode().Perm())).
			Msg("switches file is readable by group or others; chmod 600 it")
	}
	// One byte past the bound lets ParseSwitches refuse a larger file
	// rather than parse a cut one.
	data, err := io.ReadAll(io.LimitReader(f, snmp.MaxSwitchesFile+1))
	if err != nil {
		return snmp.Config{}, exitcode.Usagef("--switches: %s: %v", path, err)
	}
	cfg, err := snmp.ParseSwitches(path, data, nil)
	if err != nil {
		return snmp.Config{}, exitcode.Usagef("--switches: %v", err)
	}
	return cfg, nil
}

// SwitchReport is one switch's collection as the run reports it.
type SwitchReport struct {
	Switch   string
	Address  string
	Requests int
	Rows     int
	Duration time.Duration
	Edge     int    // MACs placed on its edge ports
	Behind   int    // rows seen only on uplinks
	Err      string // why nothing came back; empty when something did
	Warnings []string
}

// SwitchTable is every switch's placements merged, looked up by MAC and by
// the IP the ARP tables give; it remembers which placements a scanned
// record took, so the rest can become records of their own.
type SwitchTable struct {
	Placements []snmp.Placement
	Reports    []SwitchReport
	byMAC      map[string]int
	byIP       map[netip.Addr]int
	used       []bool
}

// CollectSwitches reads every switch of cfg, at most maxSwitchesParallel
// at once. A switch that fails (no answer, wrong credentials) is one
// report with its error and one log line; the others go on.
func CollectSwitches(ctx context.Context, cfg snmp.Config, o snmp.Options, log zerolog.Logger) *SwitchTable {
	results := make([]*snmp.Result, len(cfg.Switches))
	reports := make([]SwitchReport, len(cfg.Switches))
	sem := make(chan struct{}, maxSwitchesParallel)
	var wg sync.WaitGroup
	for i, sw := range cfg.Switches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r, st, err := snmp.Collect(ctx, sw, o)
			rep := SwitchReport{Switch: sw.Name, Address: sw.Address, Requests: st.Requests, Rows: st.Rows, Duration: st.Duration}
			if err != nil {
				rep.Err = err.Error()
			} else {
				results[i] = r
				rep.Switch, rep.Edge, rep.Behind, rep.Warnings = r.Switch, len(r.Edge), r.Behind, r.Errors
			}
			reports[i] = rep
		}()
	}
	wg.Wait()
	var ok []*snmp.Result
	for i, r := range results {
		rep := reports[i]
		if r == nil {
			log.Error().Str("switch", rep.Address).Int("line", cfg.Switches[i].Line).Msg(rep.Err)
			continue
		}
		ok = append(ok, r)
		ev := log.Info()
		if len(rep.Warnings) > 0 {
			ev = log.Warn().Strs("problems", rep.Warnings)
		}
		ev.Str("switch", rep.Switch).Str("address", rep.Address).Int("requests", rep.Requests).Int("rows", rep.Rows).
			Int("edge_macs", rep.Edge).Int("behind_uplinks", rep.Behind).Dur("took", rep.Duration).Msg("switch read")
	}
	return NewSwitchTable(snmp.Merge(ok), reports)
}

// NewSwitchTable indexes merged placements.
func NewSwitchTable(pl []snmp.Placement, reports []SwitchReport) *SwitchTable {
	t := &SwitchTable{Placements: pl, Reports: reports, byMAC: map[string]int{}, byIP: map[netip.Addr]int{}, used: make([]bool, len(pl))}
	for i, p := range pl {
		t.byMAC[p.MAC.String()] = i
		if p.IP.IsValid() {
			if _, dup := t.byIP[p.IP]; !dup {
				t.byIP[p.IP] = i
			}
		}
	}
	return t
}

// Errors are the switches that gave nothing, one line each.
func (t *SwitchTable) Errors() []string {
	if t == nil {
		return nil
	}
	var out []string
	for _, r := range t.Reports {
		if r.Err != "" {
			out = append(out, r.Err)
		}
	}
	return out
}

// Problems are Errors and the columns of the other switches that failed
// (a GETBULK loop, the row or time bound), one line each, for the run
// record: what was read of those switches is used, and the reader should
// know it is partial.
func (t *SwitchTable) Problems() []string {
	if t == nil {
		return nil
	}
	var out []string
	for _, r := range t.Reports {
		if r.Err != "" {
			out = append(out, r.Err)
		}
		for _, w := range r.Warnings {
			out = append(out, "switch "+r.Address+": "+w)
		}
	}
	return out
}

func portOf(p snmp.Placement) *device.SwitchPort {
	return &device.SwitchPort{Name: p.Switch, Address: p.SwitchAddr, Port: p.Port.Name, PortAlias: p.Port.Alias, VLAN: p.VLAN}
}

// lookup finds the placement of a MAC, else of an address (the IP an ARP
// table gives for a placed MAC); -1 when there is none.
func (t *SwitchTable) lookup(mac, ip string) int {
	if i, ok := t.byMAC[mac]; ok && mac != "" {
		return i
	}
	if a, err := netip.ParseAddr(ip); err == nil {
		if i, ok := t.byIP[a]; ok {
			return i
		}
	}
	return -1
}

// attach adds what the switch knows of a scanned host to its evidence
// before it is identified and zoned: the port, the VLAN (which places a
// host no CIDR holds, and is named when a CIDR's zone disagrees) and the
// system name and description the device sent in LLDP, if it speaks it.
func (t *SwitchTable) attach(h *device.Host) {
	if t == nil {
		return
	}
	addr := ""
	if h.Addr.IsValid() {
		addr = h.Addr.String()
	}
	if i := t.lookup(h.MAC, addr); i >= 0 {
		h.Evidence = append(h.Evidence, snmpEvidence(t.Placements[i], h.Addr, h.LastSeen))
	}
}

// annotate gives a scanned record its switch port: by its MAC, else (a
// routed host, whose MAC the scan cannot see) by the IP a switch's or
// router's ARP table gives for a MAC placed on an edge port.
func (t *SwitchTable) annotate(rec *device.Record) {
	if t == nil {
		return
	}
	i := t.lookup(rec.MAC, rec.IP)
	if i < 0 {
		return
	}
	t.used[i] = true
	rec.Switch = portOf(t.Placements[i])
	nameThePort(rec)
}

// nameThePort ends every finding's summary with the port to shut: the
// instruction users answer is "disconnect", and the switch port is where.
func nameThePort(rec *device.Record) {
	sp := rec.Switch
	if sp == nil {
		return
	}
	where := "switch " + sp.Name + " port " + sp.Port
	if sp.VLAN != 0 {
		where += " (VLAN " + strconv.Itoa(sp.VLAN) + ")"
	}
	for i := range rec.Findings {
		rec.Findings[i].Summary += "; it hangs on " + where + ": shut or move that port"
	}
}

// unreached builds the records of placed MACs no scanned record took: a
// device behind an ACL, on a VLAN the jump host cannot reach, or at a site
// without one. Its evidence is the switch's (source snmp) and the OUI
// registry's; its zone comes from the VLAN (or the ARP table's IP). Only
// MACs the identification gives a maker or a video type become records —
// the PCs and phones of an access switch are not this tool's subject —
// and what the OUI alone says stays "possible" (the policy's rule for weak
// evidence).
func (t *SwitchTable) unreached(ider Identifier, pol Evaluator, runID string, oui func(string) map[string]string, now time.Time) []*device.Record {
	if t == nil {
		return nil
	}
	var out []*device.Record
	for i, p := range t.Placements {
		if t.used[i] {
			continue
		}
		h := unreachedHost(p, oui, now)
		rec := Build(h, ider, pol, runID)
		if rec.Vendor == nil && !rec.Camera {
			continue
		}
		if !p.IP.IsValid() {
			rec.IP = ""
		}
		rec.Switch = portOf(p)
		nameThePort(rec)
		out = append(out, rec)
	}
	return out
}

// unreachedHost is the evidence a switch holds about one MAC.
func unreachedHost(p snmp.Placement, oui func(string) map[string]string, now time.Time) *device.Host {
	mac := p.MAC.String()
	h := &device.Host{Addr: p.IP, MAC: mac, FirstSeen: now, LastSeen: now}
	h.Evidence = append(h.Evidence, snmpEvidence(p, p.IP, now))
	if oui != nil {
		if of := oui(mac); of != nil {
			h.Evidence = append(h.Evidence, device.Evidence{Source: device.SourceOUI, Addr: p.IP, MAC: mac, Fields: of, Time: now})
		}
	}
	return h
}

// snmpEvidence is one placement as evidence (source snmp; vendors/FIELDS.md).
func snmpEvidence(p snmp.Placement, addr netip.Addr, now time.Time) device.Evidence {
	f := map[string]string{"snmp.switch": p.Switch, "snmp.port": p.Port.Name}
	if p.Port.Alias != "" {
		f["snmp.port_alias"] = p.Port.Alias
	}
	if p.VLAN != 0 {
		f["snmp.vlan"] = strconv.Itoa(p.VLAN)
	}
	if n := p.LLDP; n != nil {
		if n.SysName != "" {
			f["snmp.lldp.sys_name"] = n.SysName
		}
		if n.SysDesc != "" {
			f["snmp.lldp.sys_desc"] = n.SysDesc
		}
	}
	return device.Evidence{Source: device.SourceSNMP, Addr: addr, MAC: p.MAC.String(), Fields: f, Time: now}
}

// SwitchRow is one line of "camsweep switches": a MAC on an access port.
type SwitchRow struct {
	Switch    string `json:"switch"`
	Address   string `json:"address"`
	Port      string `json:"port"`
	PortAlias string `json:"port_alias,omitempty"`
	VLAN      int    `json:"vlan,omitempty"`
	MAC       string `json:"mac"`
	IP        string `json:"ip,omitempty"`
	MACVendor string `json:"mac_vendor,omitempty"`
	// LLDP is the system name the device gave in LLDP, when it speaks it.
	LLDP string `json:"lldp,omitempty"`
}

// Rows lists the placements for a change ticket, in switch, port, VLAN
// and MAC order; oui (may be nil) names each MAC's registrant.
func (t *SwitchTable) Rows(oui func(string) map[string]string) []SwitchRow {
	if t == nil {
		return nil
	}
	rows := make([]SwitchRow, 0, len(t.Placements))
	for _, p := range t.Placements {
		r := SwitchRow{Switch: p.Switch, Address: p.SwitchAddr, Port: p.Port.Name, PortAlias: p.Port.Alias, VLAN: p.VLAN, MAC: p.MAC.String()}
		if p.IP.IsValid() {
			r.IP = p.IP.String()
		}
		if oui != nil {
			r.MACVendor = oui(r.MAC)["mac.vendor"]
		}
		if p.LLDP != nil {
			r.LLDP = p.LLDP.SysName
		}
		rows = append(rows, r)
	}
	return rows
}

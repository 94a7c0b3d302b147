package snmp

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
)

// DefaultUplinkMACs is the number of MACs above which a port is an uplink
// even without an LLDP neighbour saying so. An access port with a camera
// carries one MAC; a phone with a PC behind it two or three; a small
// unmanaged desk switch or a hypervisor a handful. More than 12 is a port
// toward the rest of the network, and a MAC seen there is not placed there.
const DefaultUplinkMACs = 12

// Port is one bridge port as the placement saw it.
type Port struct {
	BridgePort int
	IfIndex    int
	Name       string // ifName, else "port N"
	Alias      string // ifAlias
	OperUp     bool
	MACs       int // distinct MACs learned on it
	Uplink     bool
	Why        string // why an uplink: "lldp neighbour <name>" or "N MACs"
	Neighbours []*Neighbour
}

// Placement is one MAC on one switch's port.
type Placement struct {
	MAC        MAC
	Switch     string // name
	SwitchAddr string // host:port
	Port       *Port
	VLAN       int        // 0 when the switch gave none (BRIDGE-MIB only)
	IP         netip.Addr // from any switch's or router's ARP table
	// LLDP is the neighbour on the port whose chassis id is this MAC: a
	// device that speaks LLDP(-MED) and names itself.
	LLDP *Neighbour
}

// Result is one switch's collection, decoded and classified.
type Result struct {
	Switch     string
	SwitchAddr string
	Ports      []*Port     // by bridge port
	Edge       []Placement // MACs on edge ports
	Behind     int         // learned rows seen only on uplinks
	ARP        map[MAC]netip.Addr
	Tables     *Tables
	SysName    string
	// Errors are the column walks that failed; what they read is kept.
	Errors []string
}

// Classify turns one switch's tables into ports and edge placements.
// uplinkMACs ≤ 0 means DefaultUplinkMACs. Rows on bridge port 0 are the
// switch's own. Rows with a status count only when learned(3): self(4) and
// mgmt(5) are the switch's own, other(1)/invalid(2) no forwarding facts;
// rows without one count (Collect does not walk the status columns, which
// would double a large table's requests, and some agents omit them).
func Classify(name, addr string, t *Tables, uplinkMACs int) *Result {
	if uplinkMACs <= 0 {
		uplinkMACs = DefaultUplinkMACs
	}
	r := &Result{Switch: name, SwitchAddr: addr, ARP: t.arp, Tables: t}
	// Q-BRIDGE rows carry the VLAN; BRIDGE-MIB rows are then redundant.
	hasQ := false
	for _, row := range t.fdb {
		if row.q && row.port > 0 {
			hasQ = true
			break
		}
	}
	ports := map[int]*Port{}
	macsOn := map[int]map[MAC]bool{}
	port := func(bp int) *Port {
		p := ports[bp]
		if p == nil {
			p = &Port{BridgePort: bp, IfIndex: t.portIf[bp]}
			if p.IfIndex == 0 {
				// No dot1dBasePortIfIndex row: many small agents number
				// bridge ports as their interfaces.
				p.IfIndex = bp
			}
			p.Name = t.ifName[p.IfIndex]
			if p.Name == "" {
				p.Name = "port " + strconv.Itoa(bp)
			}
			p.Alias = t.ifAlias[p.IfIndex]
			p.OperUp = t.ifOper[p.IfIndex] == 1
			ports[bp] = p
			macsOn[bp] = map[MAC]bool{}
		}
		return p
	}
	type cand struct {
		mac  MAC
		bp   int
		vlan int
	}
	var cands []cand
	for k, row := range t.fdb {
		if row.port <= 0 || row.q != hasQ || row.status != 0 && row.status != 3 {
			continue
		}
		port(row.port)
		macsOn[row.port][k.mac] = true
		v := 0
		if row.q {
			v = int(k.fdb)
			if vl, ok := t.vlanOfFdb[k.fdb]; ok {
				v = int(vl)
			}
			if !vlanOK(uint32(v)) {
				v = 0
			}
		}
		cands = append(cands, cand{k.mac, row.port, v})
	}
	// LLDP neighbours by the bridge port they were heard on. lldpRemLocalPortNum
	// is the agent's own port number: most agents use the bridge port, some
	// the ifIndex, so a number that is no bridge port is read as an ifIndex.
	ifToBP := map[int]int{}
	for bp, ifx := range t.portIf {
		ifToBP[ifx] = bp
	}
	for _, n := range t.lldp {
		bp := n.LocalPort
		if _, ok := t.portIf[bp]; !ok {
			if b, ok := ifToBP[bp]; ok {
				bp = b
			}
		}
		p := port(bp)
		p.Neighbours = append(p.Neighbours, n)
	}
	for bp, p := range ports {
		p.MACs = len(macsOn[bp])
		slices.SortFunc(p.Neighbours, func(a, b *Neighbour) int {
			return cmp.Or(cmp.Compare(a.SysName, b.SysName), cmp.Compare(a.PortID, b.PortID))
		})
		for _, n := range p.Neighbours {
			if n.IsSwitch() {
				p.Uplink, p.Why = true, "lldp neighbour "+cmp.Or(n.SysName, n.PortID, "(unnamed)")
				break
			}
		}
		if !p.Uplink && p.MACs > uplinkMACs {
			p.Uplink, p.Why = true, strconv.Itoa(p.MACs)+" MACs"
		}
		r.Ports = append(r.Ports, p)
	}
	slices.SortFunc(r.Ports, func(a, b *Port) int { return cmp.Compare(a.BridgePort, b.BridgePort) })
	for _, c := range cands {
		p := ports[c.bp]
		if p.Uplink {
			r.Behind++
			continue
		}
		pl := Placement{MAC: c.mac, Switch: name, SwitchAddr: addr, Port: p, VLAN: c.vlan}
		for _, n := range p.Neighbours {
			if m, ok := n.ChassisMAC(); ok && m == c.mac {
				pl.LLDP = n
			}
		}
		r.Edge = append(r.Edge, pl)
	}
	slices.SortFunc(r.Edge, func(a, b Placement) int {
		return cmp.Or(cmp.Compare(a.Port.BridgePort, b.Port.BridgePort), cmp.Compare(a.VLAN, b.VLAN), slices.Compare(a.MAC[:], b.MAC[:]))
	})
	return r
}

// Merge places every MAC once over all switches' results: on the edge port
// carrying the fewest MACs (the port it hangs on, when a small switch
// behind an access port also reports it), ties to the earlier switch of the
// file and the lower port. IPs come from every result's ARP table. The
// placements are sorted by switch order, then port, VLAN and MAC.
func Merge(results []*Result) []Placement {
	arp := map[MAC]netip.Addr{}
	for _, r := range results {
		for m, a := range r.ARP {
			if _, ok := arp[m]; !ok {
				arp[m] = a
			}
		}
	}
	best := map[MAC]int{}
	var out []Placement
	for _, r := range results {
		for _, p := range r.Edge {
			if i, ok := best[p.MAC]; ok {
				if out[i].Port.MACs <= p.Port.MACs {
					continue
				}
				out[i] = p
			} else {
				best[p.MAC] = len(out)
				out = append(out, p)
			}
		}
	}
	for i := range out {
		out[i].IP = arp[out[i].MAC]
	}
	return out
}

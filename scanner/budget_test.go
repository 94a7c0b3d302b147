package scanner

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/camsweep/camsweep/device"
)

// emitSweeper emits a fixed list of evidence.
type emitSweeper struct {
	name string
	ev   []device.Evidence
}

func (s emitSweeper) Name() string { return s.name }
func (s emitSweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	for _, ev := range s.ev {
		emit(ev)
	}
	return nil
}

// emitAbsence is an emitSweeper whose silence proves absence on prefix.
type emitAbsence struct {
	emitSweeper
	prefix netip.Prefix
}

func (s emitAbsence) Covered() []netip.Prefix { return []netip.Prefix{s.prefix} }

// aliveTCP answers "open" on port 80 for the listed addresses only, and
// returns extra items of evidence besides.
type aliveTCP struct {
	alive []netip.Addr
	extra int
}

func (a aliveTCP) Name() string { return "tcp" }
func (a aliveTCP) ProbeHost(ctx context.Context, tg Target, pace Pacer) ([]device.Evidence, error) {
	addr := tg.Addr
	if err := pace.Wait(ctx); err != nil {
		return nil, err
	}
	if !slices.Contains(a.alive, addr) {
		return nil, nil
	}
	ev := []device.Evidence{{Source: device.SourceTCP, Port: 80, Fields: map[string]string{"tcp.state": "open"}}}
	for i := range a.extra {
		ev = append(ev, device.Evidence{Source: device.SourceHTTP, Port: 80, Fields: map[string]string{"http.x": fmt.Sprint(i)}})
	}
	return ev, nil
}

func byAddr(hosts []device.Host) map[netip.Addr]device.Host {
	m := map[netip.Addr]device.Host{}
	for _, h := range hosts {
		m[h.Addr] = h
	}
	return m
}

func count(ev []device.Evidence, src device.Source) int {
	n := 0
	for _, e := range ev {
		if e.Source == src {
			n++
		}
	}
	return n
}

// TestEngine_Run_budgetBoundsAFlood: one address answering the discovery
// sweeps with thousands of distinct replies keeps at most PerSource items
// of each source and half of Items from the sweeps, what its probes find
// still has room, and the record counts every dropped item, its bytes and
// its source; a second host's budget is its own.
func TestEngine_Run_budgetBoundsAFlood(t *testing.T) {
	flood := netip.MustParseAddr("198.18.0.3")
	calm := netip.MustParseAddr("198.18.0.5")
	var mdns, wsd, other []device.Evidence
	for i := range 5000 {
		mdns = append(mdns, device.Evidence{Source: device.SourceMDNS, Addr: flood, Fields: map[string]string{"mdns.instance": fmt.Sprintf("cam %04d", i)}})
	}
	for i := range 300 {
		wsd = append(wsd, device.Evidence{Source: device.SourceWSD, Addr: flood, Fields: map[string]string{"wsd.epr": fmt.Sprintf("urn:uuid:%04d", i)}})
	}
	for _, src := range []device.Source{device.SourceSSDP, device.SourceSADP, device.SourceDHIP, device.SourceXMEye} {
		for i := range 100 {
			other = append(other, device.Evidence{Source: src, Addr: flood, Fields: map[string]string{"k": fmt.Sprint(i)}})
		}
	}
	other = append(other, device.Evidence{Source: device.SourceMDNS, Addr: calm, Fields: map[string]string{"mdns.instance": "calm"}})
	_, hosts := scan(t, Config{Targets: addrs(8), Scope: listScope{8},
		// One sweeper, so the order is known: mdns, wsd, then four sources
		// of 100, when mdns and wsd have filled the sweeps' half.
		Sweepers:    []Sweeper{emitSweeper{"all", slices.Concat(mdns, wsd, other)}},
		HostProbers: []HostProber{aliveTCP{alive: []netip.Addr{flood, calm}, extra: 10}}, Rate: 1e6, HostRate: 1e6})
	m := byAddr(hosts)
	h := m[flood]
	if n := len(h.Evidence); n != DefaultBudgetItems/2+11 {
		t.Errorf("flooding host kept %d items, want %d from the sweeps and the 11 its probes found", n, DefaultBudgetItems/2)
	}
	if !slices.Equal(h.Ports, []uint16{80}) || count(h.Evidence, device.SourceHTTP) != 10 {
		t.Errorf("the probes' evidence did not fit: ports %v", h.Ports)
	}
	if n := count(h.Evidence, device.SourceMDNS); n != DefaultBudgetPerSource {
		t.Errorf("kept %d mdns items, want %d", n, DefaultBudgetPerSource)
	}
	tr := h.Truncated
	if tr == nil {
		t.Fatal("no truncated count")
	}
	sent := 5000 + 300 + 400 + 1 + 10
	wantBy := map[device.Source]int{device.SourceMDNS: 5000 - 64, device.SourceWSD: 300 - 64, device.SourceSSDP: 100,
		device.SourceSADP: 100, device.SourceDHIP: 100, device.SourceXMEye: 100}
	if tr.EvidenceItems != sent-len(h.Evidence) || !maps.Equal(tr.BySource, wantBy) {
		t.Errorf("truncated %+v, want %d items dropped", *tr, sent-len(h.Evidence))
	}
	if tr.EvidenceBytes < (5000-DefaultBudgetPerSource)*len("mdns.instancecam 0000") {
		t.Errorf("dropped bytes %d too small", tr.EvidenceBytes)
	}
	if c := m[calm]; c.Truncated != nil || len(c.Evidence) != 12 {
		t.Errorf("calm host: %d items, truncated %+v", len(c.Evidence), c.Truncated)
	}
}

// TestEngine_Run_budgetBytesAndMACs: the bytes budget (its half, for the
// sweeps) stops a few huge items, and an address keeps the evidence of at
// most Budget.MACs MACs.
func TestEngine_Run_budgetBytesAndMACs(t *testing.T) {
	big := netip.MustParseAddr("198.18.0.3")
	var ev []device.Evidence
	for i := range 10 {
		ev = append(ev, device.Evidence{Source: device.SourceSSDP, Addr: big, Fields: map[string]string{"ssdp.server": strings.Repeat("x", 1000) + fmt.Sprint(i)}})
	}
	for i := range 9 {
		mac := fmt.Sprintf("02:00:00:00:00:%02x", i)
		ev = append(ev, device.Evidence{Source: device.SourceWSD, Addr: big, MAC: mac, Fields: map[string]string{"wsd.mac": mac}})
		ev = append(ev, device.Evidence{Source: device.SourceSADP, Addr: big, MAC: mac, Fields: map[string]string{"sadp.mac": mac}})
	}
	_, hosts := scan(t, Config{Targets: addrs(4), Scope: listScope{4}, Sweepers: []Sweeper{emitSweeper{"x", ev}},
		HostProbers: []HostProber{aliveTCP{}}, Rate: 1e6, HostRate: 1e6, Budget: Budget{Bytes: 8000, MACs: 3}})
	h := byAddr(hosts)[big]
	if n := count(h.Evidence, device.SourceSSDP); n != 3 {
		t.Errorf("kept %d items of 1 KB under the sweeps' 4000 bytes of 8000, want 3", n)
	}
	var macs []string
	for _, e := range h.Evidence {
		if e.MAC != "" && !slices.Contains(macs, e.MAC) {
			macs = append(macs, e.MAC)
		}
	}
	if len(macs) != 3 || h.Truncated == nil || h.Truncated.MACs != 6 {
		t.Errorf("MACs kept %v, truncated %+v; want 3 kept and 6 counted", macs, h.Truncated)
	}
	if h.Truncated != nil && h.Truncated.EvidenceItems != 7+12 {
		t.Errorf("dropped %d items, want 7 for bytes and 12 for MACs", h.Truncated.EvidenceItems)
	}
}

func arpEv(a, mac string, gw bool) device.Evidence {
	f := map[string]string{"arp.mac": mac, "arp.method": "request", "arp.interface": "eth0"}
	if gw {
		f["arp.gateway"] = "true"
	}
	return device.Evidence{Source: device.SourceARP, Addr: netip.MustParseAddr(a), MAC: mac, Fields: f}
}

// TestEngine_Run_forgedARP: several MACs on one address are a conflict on
// that host; a MAC answering for many addresses of the segment creates no
// host at them, only a conflict on the one that answers otherwise (its
// own); an address answered by more MACs than the budget makes no host
// either; the kernel's neighbour table, which the forger fills as well,
// does not bring them back; the gateway's proxy ARP is no conflict.
func TestEngine_Run_forgedARP(t *testing.T) {
	const (
		legit  = "44:19:b6:00:00:01"
		second = "44:19:b6:00:00:02"
		forger = "02:ba:d0:00:00:01"
		gw     = "00:00:5e:00:01:01"
	)
	ev := []device.Evidence{
		arpEv("198.18.0.1", legit, false),
		arpEv("198.18.0.2", legit, false), arpEv("198.18.0.2", second, false),
		arpEv("198.18.0.254", gw, true),
	}
	neigh := map[netip.Addr]string{}
	for i := 10; i < 30; i++ {
		a := fmt.Sprintf("198.18.0.%d", i)
		ev = append(ev, arpEv(a, forger, false))
		neigh[netip.MustParseAddr(a)] = forger
	}
	for i := range 6 {
		ev = append(ev, arpEv("198.18.0.40", fmt.Sprintf("02:00:00:00:40:%02x", i), false))
	}
	neigh[netip.MustParseAddr("198.18.0.40")] = "02:00:00:00:40:00"
	for i := 100; i < 120; i++ {
		ev = append(ev, arpEv(fmt.Sprintf("198.18.0.%d", i), gw, false))
	}
	own := netip.MustParseAddr("198.18.0.10") // the forger's own address answers TCP
	e, hosts := scan(t, Config{Targets: addrs(254), Scope: listScope{254},
		Sweepers:    []Sweeper{emitAbsence{emitSweeper{"arp", ev}, netip.MustParsePrefix("198.18.0.0/24")}},
		HostProbers: []HostProber{aliveTCP{alive: []netip.Addr{netip.MustParseAddr("198.18.0.1"), own}}},
		Rate:        1e6, HostRate: 1e6,
		Neighbours: func() (map[netip.Addr]string, error) { return neigh, nil }})
	m := byAddr(hosts)
	var want []string
	want = append(want, "198.18.0.1", "198.18.0.2", "198.18.0.10", "198.18.0.254")
	for i := 100; i < 120; i++ {
		want = append(want, fmt.Sprintf("198.18.0.%d", i))
	}
	var got []string
	for _, h := range hosts {
		got = append(got, h.Addr.String())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("hosts %v, want %v", got, want)
	}
	if c := m[netip.MustParseAddr("198.18.0.1")].AddressConflicts; len(c) != 0 {
		t.Errorf("legit host has conflicts %+v", c)
	}
	two := m[netip.MustParseAddr("198.18.0.2")]
	if len(two.AddressConflicts) != 1 || two.AddressConflicts[0].Kind != device.ConflictARPMACs ||
		!slices.Equal(two.AddressConflicts[0].MACs, []string{legit, second}) || len(two.Evidence) != 2 {
		t.Errorf("two MACs: %+v, evidence %d", two.AddressConflicts, len(two.Evidence))
	}
	f := m[own]
	if len(f.AddressConflicts) != 1 || f.AddressConflicts[0].Kind != device.ConflictARPSpray ||
		f.AddressConflicts[0].Claimed != 20 || f.AddressConflicts[0].MACs[0] != forger || len(f.AddressConflicts[0].Addrs) != maxConflictAddrs {
		t.Errorf("forger's own host: %+v", f.AddressConflicts)
	}
	if f.MAC != forger || count(f.Evidence, device.SourceARP) != 0 {
		t.Errorf("forger's own host: MAC %q, %d ARP evidence", f.MAC, count(f.Evidence, device.SourceARP))
	}
	if s := e.Stats(); s.ARPDemoted != 21 {
		t.Errorf("ARPDemoted %d, want 20 sprayed and 1 with too many MACs", s.ARPDemoted)
	}
	if g := m[netip.MustParseAddr("198.18.0.105")]; len(g.AddressConflicts) != 0 || g.MAC != gw {
		t.Errorf("gateway's proxy ARP: %+v", g)
	}
}

// TestEngine_Run_forgerClaimingTheGateway: a forger that also answers for
// the gateway's address does not borrow the router's exemption.
func TestEngine_Run_forgerClaimingTheGateway(t *testing.T) {
	const forger, gw = "02:ba:d0:00:00:01", "00:00:5e:00:01:01"
	ev := []device.Evidence{arpEv("198.18.0.254", gw, true), arpEv("198.18.0.254", forger, true)}
	for i := 10; i < 30; i++ {
		ev = append(ev, arpEv(fmt.Sprintf("198.18.0.%d", i), forger, false))
	}
	_, hosts := scan(t, Config{Targets: addrs(254), Scope: listScope{254},
		Sweepers:    []Sweeper{emitAbsence{emitSweeper{"arp", ev}, netip.MustParsePrefix("198.18.0.0/24")}},
		HostProbers: []HostProber{aliveTCP{}}, Rate: 1e6, HostRate: 1e6})
	if len(hosts) != 1 || hosts[0].Addr.String() != "198.18.0.254" {
		t.Fatalf("hosts %v, want only the gateway", hosts)
	}
	var kinds []string
	for _, c := range hosts[0].AddressConflicts {
		kinds = append(kinds, c.Kind)
	}
	if !slices.Equal(kinds, []string{device.ConflictARPMACs, device.ConflictARPSpray}) {
		t.Errorf("gateway conflicts %+v", hosts[0].AddressConflicts)
	}
}

// stallProber answers, then waits for a second packet its host's budget
// cannot grant before the host timeout: x/time/rate refuses that wait at
// once, before the context ends.
type stallProber struct{}

func (stallProber) Name() string { return "tcp" }
func (stallProber) ProbeHost(ctx context.Context, _ Target, pace Pacer) ([]device.Evidence, error) {
	if err := pace.Wait(ctx); err != nil {
		return nil, err
	}
	ev := []device.Evidence{{Source: device.SourceTCP, Port: 80, Fields: map[string]string{"tcp.state": "open"}}}
	return ev, pace.Wait(ctx)
}

// TestEngine_Run_limiterRefusalAtHostTimeoutIsPartial: issue 14 item 3.
func TestEngine_Run_limiterRefusalAtHostTimeoutIsPartial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		http := &fakeHTTP{}
		_, hosts := scan(t, Config{Targets: addrs(1), HostProbers: []HostProber{stallProber{}}, PortProbers: []PortProber{http},
			Rate: 1e6, HostRate: 0.5, HostTimeout: time.Second})
		if len(hosts) != 1 || !hosts[0].Partial || len(hosts[0].Errors) != 0 {
			t.Fatalf("hosts %+v, want one partial host without errors", hosts)
		}
		if http.calls.Load() != 0 {
			t.Error("a port prober ran after the host's time was up")
		}
	})
}

// hostPaceSweeper spends three packets of one host's own budget.
type hostPaceSweeper struct{ at netip.Addr }

func (s hostPaceSweeper) Name() string { return "ssdp" }
func (s hostPaceSweeper) Sweep(ctx context.Context, scope Scope, pace Pacer, emit func(device.Evidence)) error {
	hp, ok := pace.(HostPacer)
	if !ok {
		return fmt.Errorf("pacer %T is no HostPacer", pace)
	}
	p := hp.ForHost(s.at)
	for range 3 {
		if err := p.Wait(ctx); err != nil {
			return err
		}
	}
	emit(device.Evidence{Source: device.SourceSSDP, Addr: s.at, Fields: map[string]string{"ssdp.server": "x"}})
	return nil
}

// TestEngine_Run_sweepersSpendTheHostBudget: a sweeper's packets to one
// host through ForHost and the host's own probes share one per-host
// budget: six packets at 1 per second take five seconds, not two.
func TestEngine_Run_sweepersSpendTheHostBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		at := netip.MustParseAddr("198.18.0.1")
		tcp := &fakeTCP{ports: []uint16{1, 2, 3}}
		e, err := New(Config{Targets: addrs(1), Scope: listScope{1}, Sweepers: []Sweeper{hostPaceSweeper{at}},
			HostProbers: []HostProber{tcp}, Rate: 1000, HostRate: 1})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := collect(t, e, context.Background()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 5*time.Second {
			t.Errorf("6 packets to one host at 1 pps took %v, want at least 5s", d)
		}
	})
}

// TestEngine_Run_locationConflict: an SSDP LOCATION naming another
// in-scope host is a conflict on the responder, not on the host named.
func TestEngine_Run_locationConflict(t *testing.T) {
	resp, named := netip.MustParseAddr("198.18.0.3"), netip.MustParseAddr("198.18.0.1")
	ev := []device.Evidence{
		{Source: device.SourceSSDP, Addr: resp, Fields: map[string]string{"ssdp.location": "http://198.18.0.1:80/desc.xml"}},
		{Source: device.SourceSSDP, Addr: resp, Fields: map[string]string{"ssdp.location": "http://198.18.0.1:49152/other.xml"}},
		{Source: device.SourceSSDP, Addr: named, Fields: map[string]string{"ssdp.location": "http://198.18.0.1:80/desc.xml"}},
	}
	_, hosts := scan(t, Config{Targets: addrs(4), Scope: listScope{4}, Sweepers: []Sweeper{emitSweeper{"ssdp", ev}},
		HostProbers: []HostProber{aliveTCP{}}, Rate: 1e6, HostRate: 1e6})
	m := byAddr(hosts)
	if c := m[resp].AddressConflicts; len(c) != 1 || c[0].Kind != device.ConflictLocation || !slices.Equal(c[0].Addrs, []string{"198.18.0.1"}) {
		t.Errorf("responder conflicts %+v", c)
	}
	if c := m[named].AddressConflicts; len(c) != 0 {
		t.Errorf("named host conflicts %+v", c)
	}
}

// TestEngine_Run_forgedSourceSilentToARP: on a prefix the ARP sweep
// covered, a discovery reply "from" an address that did not answer ARP
// has a forged source: no host is made of it (before, it was probed and
// reported), and Stats counts it. An address that answered ARP keeps its
// discovery evidence.
func TestEngine_Run_forgedSourceSilentToARP(t *testing.T) {
	real, forged := netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.3")
	wsd := emitSweeper{"wsd", []device.Evidence{
		{Source: device.SourceWSD, Addr: real, Fields: map[string]string{"wsd.types": "dn:NetworkVideoTransmitter"}},
		{Source: device.SourceWSD, Addr: forged, Fields: map[string]string{"wsd.types": "dn:NetworkVideoTransmitter"}},
	}}
	for _, strays := range []bool{false, true} {
		arp := emitAbsence{emitSweeper{"arp", []device.Evidence{arpEv("198.18.0.2", "44:19:b6:00:00:02", false)}}, netip.MustParsePrefix("198.18.0.0/24")}
		e, hosts := scan(t, Config{Targets: addrs(4), Scope: listScope{4}, Sweepers: []Sweeper{arp, wsd},
			HostProbers: []HostProber{aliveTCP{}}, Rate: 1e6, HostRate: 1e6, ReportStrays: strays})
		m := byAddr(hosts)
		if _, ok := m[forged]; ok || len(hosts) != 1 || count(m[real].Evidence, device.SourceWSD) != 1 {
			t.Errorf("strays=%v: hosts %+v, want only %s with its WS-Discovery evidence", strays, hosts, real)
		}
		if s := e.Stats(); s.Unproven != 1 {
			t.Errorf("strays=%v: Unproven %d, want 1", strays, s.Unproven)
		}
	}
}

// droppingSweeper emits its evidence and says it dropped more of one
// responder before the engine saw it, as wsd and mdns do past their own
// per-responder bound.
type droppingSweeper struct {
	emitSweeper
	dropped map[netip.Addr]int
}

func (d droppingSweeper) Dropped() map[netip.Addr]int { return d.dropped }

// TestEngine_Run_sweeperDropsReachTheRecord: what a sweeper dropped before
// the engine saw it is counted in the host's Truncated, by its source, so
// the record says how much a flood lost (issue 14, "never silently lost").
func TestEngine_Run_sweeperDropsReachTheRecord(t *testing.T) {
	flood := netip.MustParseAddr("198.18.0.3")
	var ev []device.Evidence
	for i := range 3 {
		ev = append(ev, device.Evidence{Source: device.SourceWSD, Addr: flood, Fields: map[string]string{"wsd.epr": fmt.Sprint(i)}})
	}
	s := droppingSweeper{emitSweeper{"wsd", ev}, map[netip.Addr]int{flood: 7063, netip.MustParseAddr("198.18.0.200"): 5}}
	_, hosts := scan(t, Config{Targets: addrs(4), Scope: listScope{4}, Sweepers: []Sweeper{s},
		HostProbers: []HostProber{aliveTCP{alive: []netip.Addr{flood}}}, Rate: 1e6, HostRate: 1e6})
	h := byAddr(hosts)[flood]
	if h.Truncated == nil || h.Truncated.EvidenceItems != 7063 || h.Truncated.BySource[device.SourceWSD] != 7063 {
		t.Errorf("truncated %+v, want the sweeper's 7063 drops under wsd", h.Truncated)
	}
	if len(hosts) != 1 {
		t.Errorf("%d hosts: a drop count alone must not make a host", len(hosts))
	}
}

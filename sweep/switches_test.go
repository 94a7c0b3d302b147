package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/snmp"
)

// ouiID is fakeID that also reads the OUI registry's word, weakly, as
// the built-in OUI rules do.
type ouiID struct{ fakeID }

func (o ouiID) Identify(h *device.Host) device.Identity {
	id := o.fakeID.Identify(h)
	if id.Vendor != "" {
		return id
	}
	for i, ev := range h.Evidence {
		if ev.Source == device.SourceOUI && strings.HasPrefix(ev.Fields["mac.vendor"], "Hangzhou Hikvision") {
			return device.Identity{DeviceType: device.TypeUnknown, Vendor: "hikvision", Confidence: 0.3,
				Conclusions: []device.Conclusion{{Key: "vendor", Value: "hikvision", Rule: "oui.hikvision", Evidence: i, Weight: 0.3}}}
		}
	}
	return id
}

func placement(mac, ip, port string, vlan int) snmp.Placement {
	var m snmp.MAC
	for i, part := range strings.Split(mac, ":") {
		var b byte
		for _, c := range part {
			b = b<<4 | byte(strings.IndexRune("0123456789abcdef", c))
		}
		m[i] = b
	}
	p := snmp.Placement{MAC: m, Switch: "access-1", SwitchAddr: "198.18.30.2:161", Port: &snmp.Port{Name: port, Alias: "desk " + port}, VLAN: vlan}
	if ip != "" {
		p.IP = netip.MustParseAddr(ip)
	}
	return p
}

// TestRun_switches: a scanned host gains its switch port (by the IP the
// switch's ARP table gives, as a routed host has no MAC in the scan), its
// finding names the port to shut; a Hikvision MAC no scan reached becomes
// its own record on its port and VLAN; a PC's MAC does not; a switch that
// gave nothing is one error of the run record.
func TestRun_switches(t *testing.T) {
	eng, err := scanner.New(scanner.Config{
		Targets:     &oneAddr{list: []netip.Addr{netip.MustParseAddr("198.18.10.21"), netip.MustParseAddr("198.18.10.22")}},
		HostProbers: []scanner.HostProber{openHTTP{}}, Rate: 1000, HostRate: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	tbl := NewSwitchTable([]snmp.Placement{
		placement("00:40:8c:00:00:21", "198.18.10.21", "Gi1/0/5", 10),
		placement("bc:ad:28:00:00:09", "", "Gi1/0/7", 99),
		placement("00:11:22:33:44:55", "", "Gi1/0/8", 20),
	}, []SwitchReport{{Address: "198.18.30.3:161", Err: "switch 198.18.30.3:161: " + snmp.ErrAuth.Error()},
		{Address: "198.18.30.2:161", Warnings: []string{"1.3.6.1.2.1.17.7.1.2.2.1.2: " + snmp.ErrLoop.Error()}}})
	oui := func(mac string) map[string]string {
		if strings.HasPrefix(mac, "bc:ad:28") {
			return map[string]string{"mac.vendor": "Hangzhou Hikvision Digital Technology Co.,Ltd."}
		}
		return nil
	}
	var buf bytes.Buffer
	rr, err := Run(context.Background(), Config{Engine: eng, Identify: ouiID{}, Policy: fakePolicy{}, Writer: report.NewJSON(&buf),
		Switches: tbl, OUI: oui})
	if err != nil {
		t.Fatal(err)
	}
	var recs []device.Record
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.Contains(l, `"schema":"`+device.SchemaRun+`"`) {
			continue
		}
		var r device.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.Schema == device.SchemaDevice {
			recs = append(recs, r)
		}
	}
	if len(recs) != 3 || rr.HostsUp != 3 {
		t.Fatalf("%d records, hosts_up %d; want the two scanned and one unreached", len(recs), rr.HostsUp)
	}
	by := map[string]device.Record{}
	for _, r := range recs {
		by[r.IP+"/"+r.MAC] = r
	}
	scanned := by["198.18.10.21/"]
	if sp := scanned.Switch; sp == nil || sp.Port != "Gi1/0/5" || sp.VLAN != 10 || sp.Name != "access-1" || sp.PortAlias != "desk Gi1/0/5" {
		t.Errorf("scanned host's switch %+v", sp)
	}
	if len(scanned.Findings) != 1 || !strings.HasSuffix(scanned.Findings[0].Summary, "it hangs on switch access-1 port Gi1/0/5 (VLAN 10): shut or move that port") {
		t.Errorf("finding %+v", scanned.Findings)
	}
	if ev := scanned.Evidence[len(scanned.Evidence)-1]; ev.Source != device.SourceSNMP || ev.Fields["snmp.port"] != "Gi1/0/5" || ev.Fields["snmp.vlan"] != "10" {
		t.Errorf("scanned host's last evidence %+v, want the switch's", ev)
	}
	if other := by["198.18.10.22/"]; other.Switch != nil {
		t.Errorf("host no switch knows has a switch %+v", other.Switch)
	}
	un, ok := by["/bc:ad:28:00:00:09"]
	if !ok {
		t.Fatalf("no record for the unreached Hikvision MAC: %v", by)
	}
	if un.Switch == nil || un.Switch.Port != "Gi1/0/7" || un.Switch.VLAN != 99 || un.Vendor == nil || *un.Vendor != "Hikvision" || len(un.Evidence) != 2 ||
		un.Evidence[0].Source != device.SourceSNMP || un.Evidence[0].Fields["snmp.vlan"] != "99" || un.Evidence[1].Source != device.SourceOUI {
		t.Errorf("unreached record %+v", un)
	}
	if len(rr.Errors) != 2 || !strings.Contains(rr.Errors[0], "authentication failed") || !strings.HasPrefix(rr.Errors[1], "switch 198.18.30.2:161: 1.3.6.1.2.1.17.7.1.2.2.1.2: agent returned") {
		t.Errorf("run errors %v", rr.Errors)
	}
}

// TestLoadSwitches: a bad file is a usage error naming file:line; secrets
// stay out of the error.
func TestLoadSwitches(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sw.yaml")
	if err := os.WriteFile(p, []byte("switches:\n  - address: 198.18.30.2\ncredentials:\n  - cidrs: [198.18.31.0/24]\n    version: v2c\n    community: Comm-Secret-0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSwitches(p, zerolog.Nop())
	if exitcode.Of(err, 0) != exitcode.Usage || !strings.Contains(err.Error(), p+":2: no credential's cidrs hold switch") || strings.Contains(err.Error(), "Comm-Secret-0") {
		t.Errorf("error %v (status %d)", err, exitcode.Of(err, 0))
	}
	if _, err := LoadSwitches(filepath.Join(t.TempDir(), "none"), zerolog.Nop()); exitcode.Of(err, 0) != exitcode.Usage {
		t.Errorf("missing file: %v", err)
	}
}

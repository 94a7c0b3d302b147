package policy

import (
	"net/netip"
	"testing"

	"github.com/camsweep/camsweep/device"
)

// TestZones_PlaceBySwitchVLAN: a device only a switch knows (no address
// the scan reached) is placed by the VLAN the switch learned its MAC in;
// snmp.vlan counts only on SNMP evidence.
func TestZones_PlaceBySwitchVLAN(t *testing.T) {
	z := mustVLANZones(t)
	h := &device.Host{Evidence: []device.Evidence{
		{Source: device.SourceOUI, Fields: map[string]string{"snmp.vlan": "20"}}, // not SNMP: ignored
		{Source: device.SourceSNMP, Fields: map[string]string{"snmp.switch": "access-1", "snmp.port": "Gi1/0/7", "snmp.vlan": "30"}},
	}}
	if got := z.Place(h); got != (Placement{Zone: device.Zone{Name: "door", Kind: "isolated"}, VLAN: 30, ByVLAN: true}) {
		t.Errorf("no address, switch VLAN 30: %+v", got)
	}
	// An address a CIDR holds still wins, and the VLAN's zone is named.
	h.Addr = netip.MustParseAddr("198.18.10.9")
	if got := z.Place(h); got != (Placement{Zone: device.Zone{Name: "office", Kind: "primary"}, VLAN: 30, VLANZone: "door"}) {
		t.Errorf("office address, switch VLAN 30: %+v", got)
	}
}

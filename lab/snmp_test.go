package lab

import (
	"strings"
	"testing"
)

// TestSwitchRows: the rows a lab switch serves, in net-snmp's override
// syntax: a MAC as six arcs after its VLAN, the port's ifIndex and name,
// the uplink's LLDP neighbour with the bridge capability, the ARP entry.
func TestSwitchRows(t *testing.T) {
	rows, err := SwitchRows(
		[]SwitchPort{{Port: 3, Alias: "lobby", MAC: "44:A6:42:46:67:24", VLAN: 10, IP: "198.18.10.21"}},
		[]SwitchUplink{{Port: 49, Neighbour: "core-1", Chassis: "02:00:00:00:00:49", MACs: []string{"02:00:00:00:01:01"}, VLAN: 1}})
	if err != nil {
		t.Fatal(err)
	}
	conf := SNMPAgent{Listen: "udp:127.0.0.1:161", SysName: "access-1", Community: "c0mm", V3User: "u", V3Auth: "SHA-256",
		V3AuthPass: "auth-pass", V3PrivPass: "priv-pass", Rows: rows}.Config()
	for _, want := range []string{
		"agentAddress udp:127.0.0.1:161\n",
		"rocommunity c0mm\n",
		"createUser u SHA-256 \"auth-pass\" AES \"priv-pass\"\nrouser u priv\n",
		"override .1.3.6.1.2.1.17.7.1.2.2.1.2.10.68.166.66.70.103.36 integer 3\n",
		"override .1.3.6.1.2.1.17.1.4.1.2.3 integer 1003\n",
		"override .1.3.6.1.2.1.31.1.1.1.1.1003 octet_str \"Gi1/0/3\"\n",
		"override .1.3.6.1.2.1.31.1.1.1.18.1003 octet_str \"lobby\"\n",
		"override .1.3.6.1.2.1.4.35.1.4.9999.1.4.198.18.10.21 octet_str 0x44a642466724\n",
		"override .1.3.6.1.2.1.17.7.1.2.2.1.2.1.2.0.0.0.1.1 integer 49\n",
		"override .1.0.8802.1.1.2.1.4.1.1.9.0.49.1 octet_str \"core-1\"\n",
		"override .1.0.8802.1.1.2.1.4.1.1.12.0.49.1 octet_str 0x2000\n",
		"override .1.3.6.1.2.1.17.7.1.4.2.1.3.0.10 integer 10\n",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}
	if _, err := SwitchRows([]SwitchPort{{Port: 1, MAC: "nope"}}, nil); err == nil {
		t.Error("bad MAC accepted")
	}
}

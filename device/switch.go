package device

// SourceSNMP is evidence read from a switch's or router's own tables over
// SNMP (package scanner/snmp): the port and VLAN a MAC was learned on, and
// the LLDP neighbour that port hears.
const SourceSNMP Source = "snmp"

// SwitchPort is where a device hangs: the switch, its access port and the
// VLAN the switch learned the device's MAC in. Uplinks (ports facing other
// switches) are never given: a device seen only through uplinks has none.
type SwitchPort struct {
	Name      string `json:"name"`
	Address   string `json:"address"` // the agent, host:port
	Port      string `json:"port"`    // ifName, else "port N" (bridge port)
	PortAlias string `json:"port_alias,omitempty"`
	VLAN      int    `json:"vlan,omitempty"` // 0: the switch gave none
}

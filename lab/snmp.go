package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SNMPAgent is the configuration of one real SNMP agent, Debian's snmpd
// (net-snmp), serving a lab switch's tables: the protocol stack (v2c
// communities, v3 USM with SHA/SHA-256 and AES) is the agent's own, and the
// table rows are net-snmp "override" directives, each of which registers
// one instance that GET and GETNEXT/GETBULK walk in OID order.
type SNMPAgent struct {
	Listen     string // agentAddress, e.g. "udp:127.0.0.1:161"
	SysName    string
	Community  string // v2c read-only community; empty: no v2c
	V3User     string // empty: no v3 user
	V3Auth     string // "SHA" or "SHA-256"
	V3AuthPass string
	V3PrivPass string // AES
	Rows       []SNMPRow
}

// SNMPRow is one served instance. Type is net-snmp's override type:
// "integer" or "octet_str" (Value "0x…" for binary strings).
type SNMPRow struct {
	OID, Type, Value string
}

// Config is the agent's snmpd.conf. It holds secrets: StartSNMPD writes
// it 0600 and never passes a secret on a command line.
func (a SNMPAgent) Config() string {
	var b strings.Builder
	fmt.Fprintf(&b, "agentAddress %s\n", a.Listen)
	if a.SysName != "" {
		fmt.Fprintf(&b, "sysName %s\n", a.SysName)
	}
	if a.Community != "" {
		fmt.Fprintf(&b, "rocommunity %s\n", a.Community)
	}
	if a.V3User != "" {
		fmt.Fprintf(&b, "createUser %s %s %q AES %q\nrouser %s priv\n", a.V3User, a.V3Auth, a.V3AuthPass, a.V3PrivPass, a.V3User)
	}
	for _, r := range a.Rows {
		fmt.Fprintf(&b, "override %s %s %s\n", r.OID, r.Type, r.Value)
	}
	return b.String()
}

// SwitchPort is one access port of a lab switch and the device on it.
type SwitchPort struct {
	Port  int    // bridge port, 1-48
	Alias string // ifAlias
	MAC   string
	VLAN  int
	IP    string // for the ARP table (ipNetToPhysicalTable); may be empty
}

// SwitchUplink is a port toward another switch: an LLDP neighbour that
// is a bridge, and the MACs learned through it.
type SwitchUplink struct {
	Port      int
	Neighbour string // lldpRemSysName
	Chassis   string // the neighbour's chassis MAC
	MACs      []string
	VLAN      int
}

// SwitchRows are the tables of a switch with these access ports and
// uplinks, as a real switch serves them: Q-BRIDGE-MIB forwarding rows
// (FDB id = VLAN, with dot1qVlanFdbId saying so), bridge ports mapped to
// ifIndexes 1000+port named "Gi1/0/N" (uplinks "Te1/1/N"), ifAlias and
// ifOperStatus, the LLDP remote table for the uplinks (capabilities
// bridge+router supported, bridge enabled), and an ARP table.
func SwitchRows(access []SwitchPort, uplinks []SwitchUplink) ([]SNMPRow, error) {
	var rows []SNMPRow
	add := func(oid, typ, val string) { rows = append(rows, SNMPRow{OID: oid, Type: typ, Value: val}) }
	vlans := map[int]bool{}
	port := func(p int, name, alias string) {
		ifx := strconv.Itoa(1000 + p)
		add(".1.3.6.1.2.1.17.1.4.1.2."+strconv.Itoa(p), "integer", ifx)
		add(".1.3.6.1.2.1.31.1.1.1.1."+ifx, "octet_str", strconv.Quote(name))
		if alias != "" {
			add(".1.3.6.1.2.1.31.1.1.1.18."+ifx, "octet_str", strconv.Quote(alias))
		}
		add(".1.3.6.1.2.1.2.2.1.8."+ifx, "integer", "1")
	}
	fdb := func(mac string, vlan, p int) error {
		arcs, _, err := macArcs(mac)
		if err != nil {
			return err
		}
		add(".1.3.6.1.2.1.17.7.1.2.2.1.2."+strconv.Itoa(vlan)+"."+arcs, "integer", strconv.Itoa(p))
		vlans[vlan] = true
		return nil
	}
	for _, a := range access {
		port(a.Port, "Gi1/0/"+strconv.Itoa(a.Port), a.Alias)
		if err := fdb(a.MAC, a.VLAN, a.Port); err != nil {
			return nil, err
		}
		if a.IP != "" {
			ip, err := netip.ParseAddr(a.IP)
			if err != nil || !ip.Is4() {
				return nil, fmt.Errorf("port %d: IP %q is not IPv4", a.Port, a.IP)
			}
			_, hex, _ := macArcs(a.MAC)
			add(".1.3.6.1.2.1.4.35.1.4.9999.1.4."+ip.String(), "octet_str", hex)
		}
	}
	for _, u := range uplinks {
		port(u.Port, "Te1/1/"+strconv.Itoa(u.Port-48), "uplink to "+u.Neighbour)
		for _, m := range u.MACs {
			if err := fdb(m, u.VLAN, u.Port); err != nil {
				return nil, err
			}
		}
		_, chassis, err := macArcs(u.Chassis)
		if err != nil {
			return nil, err
		}
		idx := ".0." + strconv.Itoa(u.Port) + ".1"
		lldp := ".1.0.8802.1.1.2.1.4.1.1."
		add(lldp+"4"+idx, "integer", "4") // chassis id subtype macAddress(4)
		add(lldp+"5"+idx, "octet_str", chassis)
		add(lldp+"7"+idx, "octet_str", strconv.Quote("Te1/0/"+strconv.Itoa(u.Port-48)))
		add(lldp+"9"+idx, "octet_str", strconv.Quote(u.Neighbour))
		add(lldp+"11"+idx, "octet_str", "0x2800")
		add(lldp+"12"+idx, "octet_str", "0x2000")
	}
	for _, v := range slices.Sorted(func(yield func(int) bool) {
		for v := range vlans {
			if !yield(v) {
				return
			}
		}
	}) {
		add(".1.3.6.1.2.1.17.7.1.4.2.1.3.0."+strconv.Itoa(v), "integer", strconv.Itoa(v))
	}
	return rows, nil
}

// macArcs is a MAC as six OID arcs and as net-snmp's 0x hex string.
func macArcs(mac string) (arcs, hex string, err error) {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return "", "", fmt.Errorf("mac %q: want six colon-separated hex bytes", mac)
	}
	parts := make([]string, 6)
	for i, b := range hw {
		parts[i] = strconv.Itoa(int(b))
	}
	return strings.Join(parts, "."), fmt.Sprintf("0x%x", []byte(hw)), nil
}

// SNMPD is a running snmpd.
type SNMPD struct {
	cmd *exec.Cmd
	dir string
	log string
}

// StartSNMPD runs snmpd in namespace ns with a's configuration, its files
// (configuration 0600, log, pid, persistent USM state) in dir, and returns
// once the agent logged that it runs (it logs its version after binding
// its socket). Only the configuration file's name is on the command line.
func StartSNMPD(ctx context.Context, ns, dir string, a SNMPAgent) (*SNMPD, error) {
	bin, err := exec.LookPath("snmpd")
	if err != nil {
		return nil, fmt.Errorf("snmpd (Debian package snmpd) is not installed: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "persist"), 0o700); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "snmpd.conf")
	if err := os.WriteFile(conf, []byte(a.Config()), 0o600); err != nil {
		return nil, err
	}
	d := &SNMPD{dir: dir, log: filepath.Join(dir, "snmpd.log")}
	// -f: foreground (its PID is ours to end); -C: no configuration but
	// conf (never the machine's /etc/snmp); -Lf: log to a file.
	d.cmd = exec.Command("ip", "netns", "exec", ns, bin, "-f", "-C", "-c", conf, "-Lf", d.log, "-p", filepath.Join(dir, "snmpd.pid"))
	// The USM users' localized keys live in the persistent directory; a
	// directory of the test's keeps two runs and the machine apart.
	d.cmd.Env = append(os.Environ(), "SNMP_PERSISTENT_DIR="+filepath.Join(dir, "persist"), "MIBS=")
	if err := d.cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- d.cmd.Wait() }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, _ := os.ReadFile(d.log); strings.Contains(string(b), "NET-SNMP version") {
			go func() { <-exited }()
			return d, nil
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("snmpd exited: %v: %s", err, tail(d.log))
		case <-ctx.Done():
			_ = d.cmd.Process.Kill()
			return nil, fmt.Errorf("snmpd did not start: %w: %s", ctx.Err(), tail(d.log))
		case <-tick.C:
		}
	}
}

// PID is the agent's process id ("ip netns exec" execs snmpd in place).
func (d *SNMPD) PID() int { return d.cmd.Process.Pid }

// Pause stops the agent (SIGSTOP) with its socket still bound: requests
// then go unanswered, as to a switch whose management plane hangs.
func (d *SNMPD) Pause() error { return d.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume continues a paused agent.
func (d *SNMPD) Resume() error { return d.cmd.Process.Signal(syscall.SIGCONT) }

// Stop ends the agent and waits (bounded) until it has gone.
func (d *SNMPD) Stop() error {
	_ = d.cmd.Process.Signal(syscall.SIGCONT)
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	for range 100 {
		if !alive(d.PID()) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = d.cmd.Process.Kill()
	return nil
}

// Log is the agent's log so far, for a failing test's message.
func (d *SNMPD) Log() string { return tail(d.log) }

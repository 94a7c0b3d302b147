package snmp

import (
	"encoding/hex"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
)

// columnOf finds the walked column an OID belongs to.
func columnOf(oid []uint32) (Column, bool) {
	for c := Column(0); c < numColumns; c++ {
		if len(oid) > len(columnArcs[c]) && hasPrefix(oid, columnArcs[c]) {
			return c, true
		}
	}
	return 0, false
}

// parseWalk reads snmpwalk -On lines ("OID = TYPE: VALUE"; INTEGER, STRING
// or Hex-STRING) into tables, as the collector would have added them.
func parseWalk(t testing.TB, text string) *Tables {
	t.Helper()
	tb := NewTables(0, 0)
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		oidS, rest, ok := strings.Cut(line, " = ")
		typ, val, ok2 := strings.Cut(rest, ": ")
		if !ok || !ok2 {
			t.Fatalf("walk line %d: not OID = TYPE: VALUE", n+1)
		}
		oid, err := ParseOID(oidS)
		if err != nil {
			t.Fatalf("walk line %d: %v", n+1, err)
		}
		vb := VarBind{OID: oid}
		switch typ {
		case "INTEGER":
			i, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				t.Fatalf("walk line %d: %v", n+1, err)
			}
			vb.Kind, vb.Int = KindInt, i
		case "STRING":
			vb.Kind, vb.Bytes = KindOctets, []byte(strings.Trim(val, `"`))
		case "Hex-STRING":
			b, err := hex.DecodeString(strings.ReplaceAll(val, " ", ""))
			if err != nil {
				t.Fatalf("walk line %d: %v", n+1, err)
			}
			vb.Kind, vb.Bytes = KindOctets, b
		default:
			t.Fatalf("walk line %d: type %s", n+1, typ)
		}
		col, ok := columnOf(oid)
		if !ok {
			t.Fatalf("walk line %d: OID in no walked column", n+1)
		}
		if err := tb.Add(col, vb); err != nil {
			t.Fatalf("walk line %d: %v", n+1, err)
		}
	}
	return tb
}

// TestRealDLinkRows: the real D-Link rows place learned MACs on their
// ports with their FDB id as VLAN, and never the self row (port 0).
func TestRealDLinkRows(t *testing.T) {
	data, err := os.ReadFile("testdata/opennms-dlink.walk")
	if err != nil {
		t.Fatal(err)
	}
	tb := parseWalk(t, string(data))
	r := Classify("dlink", "192.0.2.1:161", tb, 0)
	got := map[string]bool{}
	for _, p := range r.Edge {
		got[p.MAC.String()+" "+p.Port.Name+" vlan "+strconv.Itoa(p.VLAN)] = true
	}
	for _, want := range []string{
		"00:04:61:74:46:03 port 24 vlan 437", // no status row: still learned
		"00:19:2f:0f:ce:19 port 24 vlan 423",
		"00:19:2f:0f:ce:19 port 24 vlan 437",
		"64:16:8d:fa:8d:48 port 5 vlan 423",
		"64:16:8d:fa:8d:48 port 2 vlan 554",
		"00:1e:58:a3:2f:cd port 10 vlan 400",
		"00:21:55:32:15:80 port 8 vlan 250",
	} {
		if !got[want] {
			t.Errorf("missing placement %s; got %v", want, got)
		}
	}
	for k := range got {
		if strings.Contains(k, "port 0 ") {
			t.Errorf("self row placed: %s", k)
		}
	}
	if tb.Bad != 0 {
		t.Errorf("Bad = %d, want 0", tb.Bad)
	}
}

const labWalk = `
.1.3.6.1.2.1.17.7.1.2.2.1.2.30.0.64.140.1.2.3 = INTEGER: 1
.1.3.6.1.2.1.17.7.1.2.2.1.2.40.188.173.40.4.5.6 = INTEGER: 2
.1.3.6.1.2.1.17.7.1.4.2.1.3.0.30 = INTEGER: 30
.1.3.6.1.2.1.17.7.1.4.2.1.3.0.40 = INTEGER: 40
.1.3.6.1.2.1.17.1.4.1.2.1 = INTEGER: 1001
.1.3.6.1.2.1.17.1.4.1.2.2 = INTEGER: 1002
.1.3.6.1.2.1.17.1.4.1.2.24 = INTEGER: 1024
.1.3.6.1.2.1.31.1.1.1.1.1001 = STRING: "Gi1/0/1"
.1.3.6.1.2.1.31.1.1.1.1.1002 = STRING: "Gi1/0/2"
.1.3.6.1.2.1.31.1.1.1.1.1024 = STRING: "Gi1/0/24"
.1.3.6.1.2.1.31.1.1.1.18.1001 = STRING: "lobby camera"
.1.3.6.1.2.1.2.2.1.8.1001 = INTEGER: 1
.1.0.8802.1.1.2.1.4.1.1.4.0.24.1 = INTEGER: 4
.1.0.8802.1.1.2.1.4.1.1.5.0.24.1 = Hex-STRING: 00 11 22 33 44 55
.1.0.8802.1.1.2.1.4.1.1.9.0.24.1 = STRING: "core-1"
.1.0.8802.1.1.2.1.4.1.1.12.0.24.1 = Hex-STRING: 28 00
.1.0.8802.1.1.2.1.4.1.1.4.0.2.1 = INTEGER: 4
.1.0.8802.1.1.2.1.4.1.1.5.0.2.1 = Hex-STRING: BC AD 28 04 05 06
.1.0.8802.1.1.2.1.4.1.1.9.0.2.1 = STRING: "DS-2CD2143G2-I"
.1.0.8802.1.1.2.1.4.1.1.12.0.2.1 = Hex-STRING: 01 00
.1.3.6.1.2.1.4.35.1.4.5.1.4.198.18.30.11 = Hex-STRING: 00 40 8C 01 02 03
.1.3.6.1.2.1.4.22.1.2.5.198.18.30.12 = Hex-STRING: BC AD 28 04 05 06
`

// TestClassifyUplinks: a port whose LLDP neighbour is a bridge is an
// uplink and its MACs are not placed there; a port with more MACs than the
// threshold is one too; a camera's own LLDP names it on its access port.
func TestClassifyUplinks(t *testing.T) {
	w := labWalk
	// 13 MACs on bridge port 3: one above DefaultUplinkMACs.
	for i := range DefaultUplinkMACs + 1 {
		w += ".1.3.6.1.2.1.17.7.1.2.2.1.2.30.2.0.0.0.0." + strconv.Itoa(i+1) + " = INTEGER: 3\n"
	}
	// The uplink (LLDP) port also carries a MAC.
	w += ".1.3.6.1.2.1.17.7.1.2.2.1.2.30.2.0.0.0.1.1 = INTEGER: 24\n"
	tb := parseWalk(t, w)
	r := Classify("", "192.0.2.1:161", tb, 0)
	byPort := map[int]*Port{}
	for _, p := range r.Ports {
		byPort[p.BridgePort] = p
	}
	if p := byPort[24]; p == nil || !p.Uplink || p.Why != "lldp neighbour core-1" {
		t.Errorf("port 24 = %+v, want an uplink by LLDP", p)
	}
	if p := byPort[3]; p == nil || !p.Uplink || p.Why != "13 MACs" {
		t.Errorf("port 3 = %+v, want an uplink by MAC count", p)
	}
	if p := byPort[2]; p == nil || p.Uplink {
		t.Errorf("port 2 = %+v, want an edge port (its neighbour is a station)", p)
	}
	if len(r.Edge) != 2 || r.Behind != DefaultUplinkMACs+2 {
		t.Fatalf("edge %d behind %d, want 2 and %d", len(r.Edge), r.Behind, DefaultUplinkMACs+2)
	}
	pl := Merge([]*Result{r})
	if pl[0].MAC.String() != "00:40:8c:01:02:03" || pl[0].Port.Name != "Gi1/0/1" || pl[0].Port.Alias != "lobby camera" || pl[0].VLAN != 30 || !pl[0].Port.OperUp || pl[0].IP != netip.MustParseAddr("198.18.30.11") {
		t.Errorf("first placement %+v port %+v", pl[0], pl[0].Port)
	}
	if pl[1].Port.Name != "Gi1/0/2" || pl[1].VLAN != 40 || pl[1].LLDP == nil || pl[1].LLDP.SysName != "DS-2CD2143G2-I" || pl[1].IP != netip.MustParseAddr("198.18.30.12") {
		t.Errorf("second placement %+v", pl[1])
	}
}

// TestMergePrefersTheAccessPort: a MAC two switches report on edge ports
// is placed on the port with fewer MACs.
func TestMergePrefersTheAccessPort(t *testing.T) {
	a := parseWalk(t, `
.1.3.6.1.2.1.17.4.3.1.2.0.64.140.1.2.3 = INTEGER: 7
.1.3.6.1.2.1.17.4.3.1.2.0.64.140.1.2.4 = INTEGER: 7
`)
	b := parseWalk(t, `.1.3.6.1.2.1.17.4.3.1.2.0.64.140.1.2.3 = INTEGER: 4`)
	pl := Merge([]*Result{Classify("a", "a:161", a, 0), Classify("b", "b:161", b, 0)})
	for _, p := range pl {
		if p.MAC.String() == "00:40:8c:01:02:03" && (p.Switch != "b" || p.Port.Name != "port 4" || p.VLAN != 0) {
			t.Errorf("placed on %s %s vlan %d, want b port 4 and no VLAN", p.Switch, p.Port.Name, p.VLAN)
		}
	}
	if len(pl) != 2 {
		t.Errorf("%d placements, want 2", len(pl))
	}
}

// TestAddRejectsBadRows: wrong types, short and long indexes, out-of-range
// arcs are counted as bad and kept out of the tables.
func TestAddRejectsBadRows(t *testing.T) {
	tb := NewTables(0, 0)
	bad := []struct {
		col Column
		oid string
		vb  VarBind
	}{
		{ColQFdbPort, "1.3.6.1.2.1.17.7.1.2.2.1.2.30.0.64.140.1.2", VarBind{Kind: KindInt, Int: 1}},
		{ColQFdbPort, "1.3.6.1.2.1.17.7.1.2.2.1.2.30.0.64.140.1.2.256", VarBind{Kind: KindInt, Int: 1}},
		{ColQFdbPort, "1.3.6.1.2.1.17.7.1.2.2.1.2.30.0.64.140.1.2.3", VarBind{Kind: KindOctets, Bytes: []byte{1}}},
		{ColIfName, "1.3.6.1.2.1.31.1.1.1.1.0", VarBind{Kind: KindOctets}},
		{ColIfName, "1.3.6.1.2.1.31.1.1.1.1.5", VarBind{Kind: KindInt}},
		{ColIPNetToPhys, "1.3.6.1.2.1.4.35.1.4.5.1.5.1.2.3.4", VarBind{Kind: KindOctets, Bytes: make([]byte, 6)}},
		{ColIPNetToMedia, "1.3.6.1.2.1.4.22.1.2.5.1.2.3.4", VarBind{Kind: KindOctets, Bytes: make([]byte, 5)}},
		{ColLldpSysName, "1.0.8802.1.1.2.1.4.1.1.9.0.0.1", VarBind{Kind: KindOctets}},
		{ColIfName, "1.3.6.1.2.1.31.1.1.1.2.5", VarBind{Kind: KindOctets}}, // another column
		{Column(99), "1.3", VarBind{}},
	}
	for i, b := range bad {
		oid, err := ParseOID(b.oid)
		if err != nil {
			t.Fatal(err)
		}
		b.vb.OID = oid
		if err := tb.Add(b.col, b.vb); err == nil {
			t.Errorf("row %d accepted", i)
		}
	}
	if tb.Bad != len(bad) || len(tb.fdb) != 0 || len(tb.ifName) != 0 || len(tb.arp) != 0 || len(tb.lldp) != 0 {
		t.Errorf("Bad %d, tables %d %d %d %d", tb.Bad, len(tb.fdb), len(tb.ifName), len(tb.arp), len(tb.lldp))
	}
}

// TestBounds: rows past the bound are counted, not kept; text is cut and
// made printable.
func TestBounds(t *testing.T) {
	tb := NewTables(3, 2)
	for i := range 10 {
		oid, _ := ParseOID("1.3.6.1.2.1.17.4.3.1.2.0.0.0.0.0." + strconv.Itoa(i))
		_ = tb.Add(ColFdbPort, VarBind{OID: oid, Kind: KindInt, Int: 1})
		oid, _ = ParseOID("1.3.6.1.2.1.31.1.1.1.18." + strconv.Itoa(i+1))
		_ = tb.Add(ColIfAlias, VarBind{OID: oid, Kind: KindOctets, Bytes: []byte("a\x1b[31m" + strings.Repeat("x", 400))})
	}
	if len(tb.fdb) != 3 || len(tb.ifAlias) != 2 || tb.Dropped != 7+8 {
		t.Errorf("fdb %d alias %d dropped %d", len(tb.fdb), len(tb.ifAlias), tb.Dropped)
	}
	s := tb.ifAlias[1]
	if strings.ContainsRune(s, 0x1b) || len([]rune(s)) > maxText {
		t.Errorf("alias not made safe: %q", s)
	}
}

func TestParseOID(t *testing.T) {
	if _, err := ParseOID(strings.Repeat("1.", 200) + "1"); err == nil {
		t.Error("OID of 201 arcs accepted")
	}
	for _, s := range []string{"", ".", "1..2", "1.x", "1.4294967296"} {
		if _, err := ParseOID(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	a, err := ParseOID(".1.0.8802.4294967295")
	if err != nil || FormatOID(a) != "1.0.8802.4294967295" {
		t.Errorf("%v %v", a, err)
	}
}

// FuzzTables feeds any OID and value to every column, then classifies:
// no panic, bounds kept, every placement on a port that exists.
func FuzzTables(f *testing.F) {
	data, err := os.ReadFile("testdata/opennms-dlink.walk")
	if err != nil {
		f.Fatal(err)
	}
	for _, text := range []string{string(data), labWalk} {
		for _, line := range strings.Split(text, "\n") {
			oid, rest, ok := strings.Cut(strings.TrimSpace(line), " = ")
			if !ok {
				continue
			}
			typ, val, _ := strings.Cut(rest, ": ")
			n, _ := strconv.ParseInt(val, 10, 64)
			b, _ := hex.DecodeString(strings.ReplaceAll(val, " ", ""))
			if typ == "STRING" {
				b = []byte(strings.Trim(val, `"`))
			}
			f.Add(oid, typ == "INTEGER", n, b)
		}
	}
	f.Fuzz(func(t *testing.T, oidS string, isInt bool, n int64, b []byte) {
		oid, err := ParseOID(oidS)
		if err != nil {
			return
		}
		tb := NewTables(4, 4)
		vb := VarBind{OID: oid, Kind: KindOctets, Bytes: b}
		if isInt {
			vb = VarBind{OID: oid, Kind: KindInt, Int: n}
		}
		for c := Column(0); c < numColumns; c++ {
			_ = tb.Add(c, vb)
			// A second row at the next instance exercises the bounds.
			vb2 := vb
			vb2.OID = append(append([]uint32(nil), oid...), 1)
			_ = tb.Add(c, vb2)
		}
		if len(tb.fdb) > 4 || len(tb.ifName) > 4 || len(tb.lldp) > 4 || len(tb.arp) > 4 {
			t.Fatal("bound exceeded")
		}
		r := Classify("x", "x:161", tb, 0)
		for _, p := range Merge([]*Result{r}) {
			if p.Port == nil || p.Port.Uplink || p.VLAN < 0 || p.VLAN > 4094 {
				t.Fatalf("bad placement %+v", p)
			}
		}
	})
}

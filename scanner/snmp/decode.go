package snmp

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Kind is the SNMP type of a value as the decoders need it: integers of any
// width are one kind, octet strings another; anything else (an OID, an
// exception such as noSuchObject) is a wrong type for every column read.
type Kind uint8

// Value kinds.
const (
	KindOther Kind = iota
	KindInt
	KindOctets
)

// VarBind is one returned variable: its OID as arcs and its value. It is
// the decoders' input, independent of the SNMP library.
type VarBind struct {
	OID   []uint32
	Kind  Kind
	Int   int64
	Bytes []byte
}

// maxOIDArcs bounds a parsed OID: RFC 2578 §3.5 allows at most 128.
const maxOIDArcs = 128

// ParseOID reads a dotted OID (".1.3.6…" or "1.3.6…").
func ParseOID(s string) ([]uint32, error) {
	s = strings.TrimPrefix(s, ".")
	if s == "" {
		return nil, errors.New("empty OID")
	}
	parts := strings.Split(s, ".")
	if len(parts) > maxOIDArcs {
		return nil, fmt.Errorf("OID of %d arcs (at most %d)", len(parts), maxOIDArcs)
	}
	out := make([]uint32, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("OID arc %d is not a 32-bit number", i+1)
		}
		out[i] = uint32(n)
	}
	return out, nil
}

// FormatOID writes arcs as a dotted OID without the leading dot.
func FormatOID(arcs []uint32) string {
	var b strings.Builder
	for i, a := range arcs {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.FormatUint(uint64(a), 10))
	}
	return b.String()
}

// Column is one table column the collector walks.
type Column int

// The columns walked, with their MIB objects. Each is walked as its own
// subtree: reading only the columns needed costs fewer requests than the
// whole table, and a missing column (an agent without Q-BRIDGE) is one
// empty walk.
const (
	ColFdbPort          Column = iota // BRIDGE-MIB dot1dTpFdbPort: MAC → bridge port
	ColFdbStatus                      // BRIDGE-MIB dot1dTpFdbStatus: learned(3), self(4)…
	ColQFdbPort                       // Q-BRIDGE-MIB dot1qTpFdbPort: FDB id, MAC → bridge port
	ColQFdbStatus                     // Q-BRIDGE-MIB dot1qTpFdbStatus
	ColVlanFdbID                      // Q-BRIDGE-MIB dot1qVlanFdbId: VLAN → FDB id
	ColBasePortIfIndex                // BRIDGE-MIB dot1dBasePortIfIndex: bridge port → ifIndex
	ColIfName                         // IF-MIB ifName
	ColIfAlias                        // IF-MIB ifAlias
	ColIfOperStatus                   // IF-MIB ifOperStatus
	ColLldpChassisSub                 // LLDP-MIB lldpRemChassisIdSubtype
	ColLldpChassisID                  // LLDP-MIB lldpRemChassisId
	ColLldpPortID                     // LLDP-MIB lldpRemPortId
	ColLldpPortDesc                   // LLDP-MIB lldpRemPortDesc
	ColLldpSysName                    // LLDP-MIB lldpRemSysName
	ColLldpSysDesc                    // LLDP-MIB lldpRemSysDesc
	ColLldpCapSupported               // LLDP-MIB lldpRemSysCapSupported
	ColLldpCapEnabled                 // LLDP-MIB lldpRemSysCapEnabled
	ColIPNetToPhys                    // IP-MIB ipNetToPhysicalPhysAddress (RFC 4293)
	ColIPNetToMedia                   // IP-MIB ipNetToMediaPhysAddress (RFC 1213, deprecated)
	numColumns
)

// columnOIDs are the column OIDs (RFC 4188 BRIDGE-MIB, RFC 4363 Q-BRIDGE-MIB,
// RFC 2863 IF-MIB, IEEE 802.1AB-2005 LLDP-MIB, RFC 4293 IP-MIB).
var columnOIDs = [numColumns]string{
	ColFdbPort:          "1.3.6.1.2.1.17.4.3.1.2",
	ColFdbStatus:        "1.3.6.1.2.1.17.4.3.1.3",
	ColQFdbPort:         "1.3.6.1.2.1.17.7.1.2.2.1.2",
	ColQFdbStatus:       "1.3.6.1.2.1.17.7.1.2.2.1.3",
	ColVlanFdbID:        "1.3.6.1.2.1.17.7.1.4.2.1.3",
	ColBasePortIfIndex:  "1.3.6.1.2.1.17.1.4.1.2",
	ColIfName:           "1.3.6.1.2.1.31.1.1.1.1",
	ColIfAlias:          "1.3.6.1.2.1.31.1.1.1.18",
	ColIfOperStatus:     "1.3.6.1.2.1.2.2.1.8",
	ColLldpChassisSub:   "1.0.8802.1.1.2.1.4.1.1.4",
	ColLldpChassisID:    "1.0.8802.1.1.2.1.4.1.1.5",
	ColLldpPortID:       "1.0.8802.1.1.2.1.4.1.1.7",
	ColLldpPortDesc:     "1.0.8802.1.1.2.1.4.1.1.8",
	ColLldpSysName:      "1.0.8802.1.1.2.1.4.1.1.9",
	ColLldpSysDesc:      "1.0.8802.1.1.2.1.4.1.1.10",
	ColLldpCapSupported: "1.0.8802.1.1.2.1.4.1.1.11",
	ColLldpCapEnabled:   "1.0.8802.1.1.2.1.4.1.1.12",
	ColIPNetToPhys:      "1.3.6.1.2.1.4.35.1.4",
	ColIPNetToMedia:     "1.3.6.1.2.1.4.22.1.2",
}

// columnArcs are columnOIDs parsed once.
var columnArcs = func() (out [numColumns][]uint32) {
	for i, s := range columnOIDs {
		a, err := ParseOID(s)
		if err != nil {
			panic("snmp: bad built-in OID " + s) // a programming error, caught by every test
		}
		out[i] = a
	}
	return out
}()

// OIDSysName is SNMPv2-MIB sysName.0, asked with one GET.
const OIDSysName = "1.3.6.1.2.1.1.5.0"

// String is the column's OID.
func (c Column) String() string {
	if c < 0 || c >= numColumns {
		return "column(" + strconv.Itoa(int(c)) + ")"
	}
	return columnOIDs[c]
}

// MAC is a 48-bit MAC address.
type MAC [6]byte

// String is the lower-case colon form the records use.
func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// Neighbour is one LLDP remote entry, keyed by the local port it was heard on.
type Neighbour struct {
	LocalPort    int
	ChassisSub   int
	ChassisID    []byte
	PortID       string
	PortDesc     string
	SysName      string
	SysDesc      string
	CapSupported []byte
	CapEnabled   []byte
}

// lldpCapBridge and lldpCapRouter are the bridge(2) and router(4) bits of
// LLDP's system capabilities BITS (LLDP-MIB LldpSystemCapabilitiesMap;
// BITS number bit 0 as the first octet's most significant bit).
const (
	lldpCapBridge = 0x20
	lldpCapRouter = 0x08
)

// IsSwitch tells a neighbour that forwards frames (a bridge or a router)
// from an end station: enabled capabilities when the agent gave them, else
// the supported ones.
func (n *Neighbour) IsSwitch() bool {
	caps := n.CapEnabled
	if len(caps) == 0 {
		caps = n.CapSupported
	}
	return len(caps) > 0 && caps[0]&(lldpCapBridge|lldpCapRouter) != 0
}

// ChassisMAC is the neighbour's chassis id when it is a MAC address
// (subtype macAddress(4)).
func (n *Neighbour) ChassisMAC() (MAC, bool) {
	var m MAC
	if n.ChassisSub != 4 || len(n.ChassisID) != 6 {
		return m, false
	}
	copy(m[:], n.ChassisID)
	return m, true
}

type fdbKey struct {
	fdb uint32 // 0 for BRIDGE-MIB rows (no VLAN)
	mac MAC
}

type fdbRow struct {
	port   int
	status int
	q      bool // from Q-BRIDGE-MIB
}

type lldpKey struct {
	port  int
	index uint32
}

// Default bounds of a Tables: the rows kept per kind. 1<<18 FDB rows holds
// a 100k-MAC table on two VLANs; past the bound rows are counted, not kept.
const (
	DefaultMaxFdb   = 1 << 18
	DefaultMaxOther = 1 << 16
)

// Tables is what one switch's walks decoded to. Add is pure and bounded;
// the zero value is not ready: use NewTables.
type Tables struct {
	SysName   string
	fdb       map[fdbKey]fdbRow
	vlanOfFdb map[uint32]uint32
	portIf    map[int]int
	ifName    map[int]string
	ifAlias   map[int]string
	ifOper    map[int]int
	lldp      map[lldpKey]*Neighbour
	arp       map[MAC]netip.Addr
	maxFdb    int
	maxOther  int
	// Bad counts rows of a wrong type or index; Dropped counts rows past
	// the bounds.
	Bad, Dropped int
}

// NewTables returns empty tables bounded to maxFdb forwarding rows and
// maxOther rows of every other kind (0: the defaults).
func NewTables(maxFdb, maxOther int) *Tables {
	if maxFdb <= 0 {
		maxFdb = DefaultMaxFdb
	}
	if maxOther <= 0 {
		maxOther = DefaultMaxOther
	}
	return &Tables{
		fdb: map[fdbKey]fdbRow{}, vlanOfFdb: map[uint32]uint32{}, portIf: map[int]int{},
		ifName: map[int]string{}, ifAlias: map[int]string{}, ifOper: map[int]int{},
		lldp: map[lldpKey]*Neighbour{}, arp: map[MAC]netip.Addr{},
		maxFdb: maxFdb, maxOther: maxOther,
	}
}

// maxText bounds a kept string (ifAlias is 64 by the MIB; LLDP strings 255).
const maxText = 255

// errBad is returned for a row of a wrong type or index.
var errBad = errors.New("wrong type or index")

// Add decodes one variable of a column walk. A row of the wrong type or
// index is counted in Bad and reported; it never stops the walk, because
// one odd row must not cost the rest of a switch's table.
func (t *Tables) Add(col Column, vb VarBind) error {
	if col < 0 || col >= numColumns {
		t.Bad++
		return errBad
	}
	base := columnArcs[col]
	if len(vb.OID) <= len(base) || !hasPrefix(vb.OID, base) {
		t.Bad++
		return fmt.Errorf("%s: %w", col, errBad)
	}
	if err := t.add(col, vb.OID[len(base):], vb); err != nil {
		t.Bad++
		return fmt.Errorf("%s.%s: %w", col, FormatOID(vb.OID[len(base):]), err)
	}
	return nil
}

func (t *Tables) add(col Column, idx []uint32, vb VarBind) error {
	switch col {
	case ColFdbPort, ColFdbStatus, ColQFdbPort, ColQFdbStatus:
		return t.addFdb(col, idx, vb)
	case ColVlanFdbID:
		// INDEX { dot1qVlanTimeMark, dot1qVlanIndex }
		if len(idx) != 2 || vb.Kind != KindInt || !vlanOK(idx[1]) || vb.Int < 0 || vb.Int > 1<<31 {
			return errBad
		}
		if _, ok := t.vlanOfFdb[uint32(vb.Int)]; !ok && len(t.vlanOfFdb) >= t.maxOther {
			t.Dropped++
			return nil
		}
		t.vlanOfFdb[uint32(vb.Int)] = idx[1]
	case ColBasePortIfIndex:
		if len(idx) != 1 || vb.Kind != KindInt || idx[0] == 0 || idx[0] > 1<<31-1 || vb.Int <= 0 || vb.Int > 1<<31-1 {
			return errBad
		}
		return putInt(t, t.portIf, int(idx[0]), int(vb.Int))
	case ColIfName, ColIfAlias:
		if len(idx) != 1 || vb.Kind != KindOctets || idx[0] == 0 || idx[0] > 1<<31-1 {
			return errBad
		}
		m := t.ifName
		if col == ColIfAlias {
			m = t.ifAlias
		}
		if _, ok := m[int(idx[0])]; !ok && len(m) >= t.maxOther {
			t.Dropped++
			return nil
		}
		m[int(idx[0])] = text(vb.Bytes)
	case ColIfOperStatus:
		if len(idx) != 1 || vb.Kind != KindInt || idx[0] == 0 || idx[0] > 1<<31-1 || vb.Int < 1 || vb.Int > 7 {
			return errBad
		}
		return putInt(t, t.ifOper, int(idx[0]), int(vb.Int))
	case ColIPNetToPhys, ColIPNetToMedia:
		return t.addARP(col, idx, vb)
	default:
		return t.addLLDP(col, idx, vb)
	}
	return nil
}

func putInt(t *Tables, m map[int]int, k, v int) error {
	if _, ok := m[k]; !ok && len(m) >= t.maxOther {
		t.Dropped++
		return nil
	}
	m[k] = v
	return nil
}

func (t *Tables) addFdb(col Column, idx []uint32, vb VarBind) error {
	var k fdbKey
	q := col == ColQFdbPort || col == ColQFdbStatus
	// dot1dTpFdbAddress and dot1qTpFdbAddress are fixed-length MacAddress
	// indexes: six arcs, no length prefix (RFC 2578 §7.7).
	want := 6
	if q {
		want = 7
	}
	if len(idx) != want || vb.Kind != KindInt || vb.Int < 0 || vb.Int > 1<<31-1 {
		return errBad
	}
	if q {
		k.fdb = idx[0]
		idx = idx[1:]
	}
	for i, a := range idx {
		if a > 255 {
			return errBad
		}
		k.mac[i] = byte(a)
	}
	row, ok := t.fdb[k]
	if !ok && len(t.fdb) >= t.maxFdb {
		t.Dropped++
		return nil
	}
	row.q = q
	if col == ColFdbPort || col == ColQFdbPort {
		row.port = int(vb.Int)
	} else {
		row.status = int(vb.Int)
	}
	t.fdb[k] = row
	return nil
}

func (t *Tables) addARP(col Column, idx []uint32, vb VarBind) error {
	if vb.Kind != KindOctets || len(vb.Bytes) != 6 || len(idx) < 2 {
		return errBad
	}
	var a netip.Addr
	if col == ColIPNetToMedia {
		// INDEX { ipNetToMediaIfIndex, ipNetToMediaNetAddress (IpAddress) }
		if len(idx) != 5 {
			return errBad
		}
		var b [4]byte
		for i, x := range idx[1:] {
			if x > 255 {
				return errBad
			}
			b[i] = byte(x)
		}
		a = netip.AddrFrom4(b)
	} else {
		// INDEX { ifIndex, InetAddressType, InetAddress }: the address is
		// a variable-length OCTET STRING, so its length comes first.
		if len(idx) < 3 || int(idx[2]) != len(idx)-3 {
			return errBad
		}
		raw := make([]byte, 0, 16)
		for _, x := range idx[3:] {
			if x > 255 {
				return errBad
			}
			raw = append(raw, byte(x))
		}
		switch {
		case idx[1] == 1 && len(raw) == 4:
			a = netip.AddrFrom4([4]byte(raw))
		case idx[1] == 2 && len(raw) == 16:
			a = netip.AddrFrom16([16]byte(raw))
		default:
			// ipv4z/ipv6z (3, 4) and dns (16) rows name no address we
			// can match to a scanned host.
			return nil
		}
	}
	var m MAC
	copy(m[:], vb.Bytes)
	if m == (MAC{}) {
		return nil // an incomplete entry
	}
	if _, ok := t.arp[m]; !ok && len(t.arp) >= t.maxOther {
		t.Dropped++
		return nil
	}
	// An IPv4 address wins over an IPv6 one: scans target IPv4.
	if old, ok := t.arp[m]; !ok || old.Is6() && a.Is4() || old.Is4() == a.Is4() && a.Less(old) {
		t.arp[m] = a
	}
	return nil
}

func (t *Tables) addLLDP(col Column, idx []uint32, vb VarBind) error {
	// INDEX { lldpRemTimeMark, lldpRemLocalPortNum, lldpRemIndex }
	if len(idx) != 3 || idx[1] == 0 || idx[1] > 1<<31-1 {
		return errBad
	}
	k := lldpKey{port: int(idx[1]), index: idx[2]}
	n := t.lldp[k]
	if n == nil {
		if len(t.lldp) >= t.maxOther {
			t.Dropped++
			return nil
		}
		n = &Neighbour{LocalPort: k.port}
		t.lldp[k] = n
	}
	if col == ColLldpChassisSub {
		if vb.Kind != KindInt || vb.Int < 1 || vb.Int > 7 {
			return errBad
		}
		n.ChassisSub = int(vb.Int)
		return nil
	}
	if vb.Kind != KindOctets {
		return errBad
	}
	b := vb.Bytes
	if len(b) > maxText {
		b = b[:maxText]
	}
	switch col {
	case ColLldpChassisID:
		n.ChassisID = append([]byte(nil), b...)
	case ColLldpPortID:
		n.PortID = text(b)
	case ColLldpPortDesc:
		n.PortDesc = text(b)
	case ColLldpSysName:
		n.SysName = text(b)
	case ColLldpSysDesc:
		n.SysDesc = text(b)
	case ColLldpCapSupported:
		n.CapSupported = append([]byte(nil), b[:min(len(b), 2)]...)
	case ColLldpCapEnabled:
		n.CapEnabled = append([]byte(nil), b[:min(len(b), 2)]...)
	}
	return nil
}

// text keeps an agent's string bounded and printable: control bytes and
// invalid UTF-8 become U+FFFD, so a hostile ifAlias cannot drive a
// terminal or break a CSV line.
func text(b []byte) string {
	if len(b) > maxText {
		b = b[:maxText]
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return '\uFFFD'
		}
		return r
	}, strings.TrimRight(s, "\x00"))
}

func vlanOK(v uint32) bool { return v >= 1 && v <= 4094 }

func hasPrefix(oid, p []uint32) bool {
	if len(oid) < len(p) {
		return false
	}
	for i := range p {
		if oid[i] != p[i] {
			return false
		}
	}
	return true
}

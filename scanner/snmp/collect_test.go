package snmp

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

// fakeAgent is a v2c agent on 127.0.0.1 serving sorted rows; its modes
// stand in for the hostile agents of issue 18 (loops, endless tables,
// silence). It decodes and encodes with gosnmp's own packet code.
type fakeAgent struct {
	conn      *net.UDPConn
	community string
	rows      []gosnmp.SnmpPDU // sorted by OID
	arcs      [][]uint32
	mode      string // "", "loop", "endless", "silent"
	requests  atomic.Int64
}

func newFakeAgent(t testing.TB, community, mode string, rows []gosnmp.SnmpPDU) *fakeAgent {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	a := &fakeAgent{conn: conn, community: community, mode: mode}
	for _, r := range rows {
		arcs, err := ParseOID(r.Name)
		if err != nil {
			t.Fatal(err)
		}
		a.arcs = append(a.arcs, arcs)
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(x, y int) int { return slices.Compare(a.arcs[x], a.arcs[y]) })
	sorted := make([][]uint32, len(idx))
	for i, j := range idx {
		a.rows = append(a.rows, rows[j])
		sorted[i] = a.arcs[j]
	}
	a.arcs = sorted
	go a.serve()
	t.Cleanup(func() { conn.Close() })
	return a
}

func (a *fakeAgent) addr() string { return a.conn.LocalAddr().String() }

func (a *fakeAgent) serve() {
	buf := make([]byte, 65536)
	dec := &gosnmp.GoSNMP{Version: gosnmp.Version2c, Logger: gosnmp.NewLogger(nil)}
	for {
		n, from, err := a.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		a.requests.Add(1)
		pkt, err := dec.SnmpDecodePacket(buf[:n])
		if err != nil || pkt.Community != a.community || a.mode == "silent" || len(pkt.Variables) == 0 {
			continue // agents drop a wrong community silently
		}
		start, err := ParseOID(pkt.Variables[0].Name)
		if err != nil {
			continue
		}
		var out []gosnmp.SnmpPDU
		switch {
		case pkt.PDUType == gosnmp.GetRequest:
			i, ok := slices.BinarySearchFunc(a.arcs, start, slices.Compare)
			if ok {
				out = []gosnmp.SnmpPDU{a.rows[i]}
			} else {
				out = []gosnmp.SnmpPDU{{Name: pkt.Variables[0].Name, Type: gosnmp.NoSuchObject}}
			}
		case a.mode == "loop":
			out = a.rows[:min(2, len(a.rows))] // the same rows again and again
		case a.mode == "endless":
			for k := range int(pkt.MaxRepetitions) {
				oid := FormatOID(start)
				if !strings.HasPrefix(oid, columnOIDs[ColQFdbPort]) {
					oid = columnOIDs[ColQFdbPort] + ".1.0.0.0.0.0"
				}
				out = append(out, gosnmp.SnmpPDU{Name: "." + oid + "." + strconv.Itoa(k+1), Type: gosnmp.Integer, Value: 1})
			}
		default:
			i, ok := slices.BinarySearchFunc(a.arcs, start, slices.Compare)
			if ok {
				i++
			}
			for ; i < len(a.rows) && len(out) < int(pkt.MaxRepetitions); i++ {
				out = append(out, a.rows[i])
			}
			if len(out) == 0 {
				out = []gosnmp.SnmpPDU{{Name: pkt.Variables[0].Name, Type: gosnmp.EndOfMibView}}
			}
		}
		if a.mode == "wrongtype" && pkt.PDUType == gosnmp.GetBulkRequest {
			for i := range out {
				if out[i].Type == gosnmp.Integer {
					out[i].Type, out[i].Value = gosnmp.OctetString, []byte("x")
				} else if out[i].Type == gosnmp.OctetString {
					out[i].Type, out[i].Value = gosnmp.Integer, 7
				}
			}
		}
		pkt.PDUType, pkt.Variables = gosnmp.GetResponse, out
		b, err := pkt.MarshalMsg()
		if err != nil {
			continue
		}
		if a.mode == "truncated" && pkt.Variables[0].Name != "."+OIDSysName {
			b = b[:len(b)/2]
		}
		_, _ = a.conn.WriteToUDP(b, from)
	}
}

func intRow(oid string, v int) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: "." + oid, Type: gosnmp.Integer, Value: v}
}

func strRow(oid string, v []byte) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: "." + oid, Type: gosnmp.OctetString, Value: v}
}

// labRows is labWalk as agent rows, plus sysName.
func labRows(t testing.TB) []gosnmp.SnmpPDU {
	rows := []gosnmp.SnmpPDU{strRow(OIDSysName, []byte("access-7"))}
	for _, line := range strings.Split(labWalk, "\n") {
		oid, rest, ok := strings.Cut(strings.TrimSpace(line), " = ")
		if !ok {
			continue
		}
		typ, val, _ := strings.Cut(rest, ": ")
		oid = strings.TrimPrefix(oid, ".")
		switch typ {
		case "INTEGER":
			n, _ := strconv.Atoi(val)
			rows = append(rows, intRow(oid, n))
		case "STRING":
			rows = append(rows, strRow(oid, []byte(strings.Trim(val, `"`))))
		default:
			var b []byte
			for _, h := range strings.Fields(val) {
				x, _ := strconv.ParseUint(h, 16, 8)
				b = append(b, byte(x))
			}
			rows = append(rows, strRow(oid, b))
		}
	}
	return rows
}

func v2c(t testing.TB, addr, community string) Switch {
	t.Helper()
	cfg, err := ParseSwitches("t.yaml", []byte("switches:\n  - address: "+addr+"\ncredentials:\n  - cidrs: [127.0.0.0/8]\n    version: v2c\n    community: "+community+"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Switches[0]
}

// fast is unpaced, with a timeout generous for a loaded CI machine.
var fast = Options{Timeout: 2 * time.Second, Retries: 1, Interval: time.Microsecond}

func TestCollectLab(t *testing.T) {
	a := newFakeAgent(t, "Comm-Secret-0", "", labRows(t))
	r, st, err := Collect(context.Background(), v2c(t, a.addr(), "Comm-Secret-0"), fast)
	if err != nil {
		t.Fatal(err)
	}
	if r.Switch != "access-7" || len(r.Errors) != 0 {
		t.Errorf("switch %q errors %v", r.Switch, r.Errors)
	}
	pl := Merge([]*Result{r})
	if len(pl) != 2 || pl[0].Port.Name != "Gi1/0/1" || pl[0].VLAN != 30 || pl[1].Port.Name != "Gi1/0/2" || pl[1].IP.IsValid() {
		// ipNetToMediaTable is the fallback: not read where
		// ipNetToPhysicalTable answered.
		t.Errorf("placements %+v", pl)
	}
	// One GET, then at least one GETBULK per column walked (BRIDGE-MIB and
	// ipNetToMedia are skipped where Q-BRIDGE and ipNetToPhysical answered).
	if st.Requests < len(walkOrder)-1 || st.Requests > 2*len(walkOrder) || int64(st.Requests) != a.requests.Load() {
		t.Errorf("requests %d (agent saw %d)", st.Requests, a.requests.Load())
	}
}

// TestCollectFailures: silence (or a wrong community) is one clear error
// within the timeout bound; a GETBULK loop and an endless table end their
// column with an error and keep what the rest gave.
func TestCollectFailures(t *testing.T) {
	rows := labRows(t)
	wrong := newFakeAgent(t, "right-community", "", rows)
	start := time.Now()
	_, _, err := Collect(context.Background(), v2c(t, wrong.addr(), "Comm-Secret-0"), fast)
	if !errors.Is(err, ErrNoAnswer) || strings.Contains(err.Error(), "Comm-Secret-0") || !strings.Contains(err.Error(), wrong.addr()) {
		t.Errorf("wrong community: %v", err)
	}
	// A request and one resend, 2 s each.
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("wrong community took %v", d)
	}

	loop := newFakeAgent(t, "c", "loop", rows)
	r, _, err := Collect(context.Background(), v2c(t, loop.addr(), "c"), fast)
	if err != nil || len(r.Errors) == 0 || !strings.Contains(r.Errors[0], "GETBULK loop") {
		t.Errorf("loop: %v %v", err, r)
	}

	endless := newFakeAgent(t, "c", "endless", rows)
	o := fast
	o.MaxRows = 1000
	r, st, err := Collect(context.Background(), v2c(t, endless.addr(), "c"), o)
	if err != nil || len(r.Errors) == 0 || !strings.Contains(r.Errors[0], "row bound") || st.Requests > 40*len(walkOrder) {
		t.Errorf("endless: %v %v requests %d", err, r.Errors, st.Requests)
	}
	o.MaxTime = 300 * time.Millisecond
	o.MaxRows = 1 << 30
	start = time.Now()
	r, _, err = Collect(context.Background(), v2c(t, endless.addr(), "c"), o)
	if err != nil || len(r.Errors) == 0 || !strings.Contains(strings.Join(r.Errors, " "), "time bound") || time.Since(start) > 5*time.Second {
		t.Errorf("endless, time bound: %v %v after %v", err, r.Errors, time.Since(start))
	}
}

// TestCollectHugeTable: a 100k-MAC forwarding table is read whole, bounded
// in time; CAMSWEEP_SNMP_100K=1 reads it at the default pace and logs the
// figures the docs quote.
func TestCollectHugeTable(t *testing.T) {
	n := 100_000
	rows := labRows(t)
	for i := range n {
		rows = append(rows, intRow(columnOIDs[ColQFdbPort]+".30.2.0.0."+strconv.Itoa(i>>16)+"."+strconv.Itoa(i>>8&255)+"."+strconv.Itoa(i&255), 5+i%40))
	}
	a := newFakeAgent(t, "c", "", rows)
	o := fast
	if os.Getenv("CAMSWEEP_SNMP_100K") != "" {
		o = Options{}
	}
	r, st, err := Collect(context.Background(), v2c(t, a.addr(), "c"), o)
	if err != nil || len(r.Errors) != 0 {
		t.Fatalf("%v %v", err, r.Errors)
	}
	if len(r.Tables.fdb) != n+2 {
		t.Errorf("%d rows kept, want %d", len(r.Tables.fdb), n+2)
	}
	t.Logf("100k-MAC table: %d requests, %d rows, %v", st.Requests, st.Rows, st.Duration.Round(time.Millisecond))
}

// TestCollectHostileAgents: an agent answering every column with the
// wrong types yields no placement and no failure (the rows are counted as
// bad); one cutting its answers in half is one error, within the bounds.
func TestCollectHostileAgents(t *testing.T) {
	wrong := newFakeAgent(t, "c", "wrongtype", labRows(t))
	r, _, err := Collect(context.Background(), v2c(t, wrong.addr(), "c"), fast)
	if err != nil || len(r.Edge) != 0 || r.Tables.Bad == 0 {
		t.Errorf("wrong types: %v, %d placements, %d bad rows", err, len(r.Edge), r.Tables.Bad)
	}
	cut := newFakeAgent(t, "c", "truncated", labRows(t))
	o := fast
	o.Timeout = 300 * time.Millisecond
	start := time.Now()
	r, _, err = Collect(context.Background(), v2c(t, cut.addr(), "c"), o)
	if err != nil || len(r.Errors) != 1 || !strings.Contains(r.Errors[0], "could not be decoded") || len(r.Edge) != 0 {
		t.Errorf("truncated: %v %+v", err, r)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("truncated answers took %v", d)
	}
	t.Logf("truncated answers: %v after %v", r.Errors, time.Since(start).Round(time.Millisecond))
}

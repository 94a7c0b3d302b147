package snmp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gosnmp/gosnmp"
)

// Options bound and pace the collection from one switch.
type Options struct {
	// Timeout is one request's wait for its answer (default 3 s); Retries
	// the resends of an unanswered request (default 1).
	Timeout time.Duration
	Retries int
	// MaxTime bounds one switch's whole collection (default 2 min): a
	// huge or endless table ends with an error naming the bound, and the
	// columns read so far are kept.
	MaxTime time.Duration
	// MaxRows bounds the rows of one column walk (default 262144, a
	// 100k-MAC table on two VLANs): an agent that never ends a table
	// (a GETBULK loop of ever-growing OIDs) stops there.
	MaxRows int
	// MaxRepetitions is the rows one GETBULK asks for (default 30: about
	// 1.2 KB of forwarding rows, under one Ethernet MTU).
	MaxRepetitions uint32
	// Interval is the least time between two requests to one agent
	// (default 5 ms: at most 200 requests a second, which a switch's
	// management CPU answers without dropping forwarding-plane work).
	Interval time.Duration
	// UplinkMACs: see DefaultUplinkMACs.
	UplinkMACs int
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.Retries < 0 {
		o.Retries = 0
	} else if o.Retries == 0 {
		o.Retries = 1
	}
	if o.MaxTime <= 0 {
		o.MaxTime = 2 * time.Minute
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxFdb
	}
	if o.MaxRepetitions == 0 {
		o.MaxRepetitions = 30
	}
	if o.Interval <= 0 {
		o.Interval = 5 * time.Millisecond
	}
	return o
}

// Stats are what one switch's collection cost.
type Stats struct {
	Requests int
	Rows     int
	Duration time.Duration
}

// Errors of a collection; the message names the switch, never a secret.
var (
	ErrNoAnswer = errors.New("no answer (agent down or filtered, or a wrong v2c community or v3 priv password: agents drop those silently)")
	ErrAuth     = errors.New("authentication failed (wrong v3 user, auth protocol or auth password)")
	ErrPriv     = errors.New("decryption failed (wrong v3 priv password)")
	ErrLoop     = errors.New("agent returned an OID not after the one before (GETBULK loop); column abandoned")
	ErrTooMany  = errors.New("column longer than the row bound; rest of the column not read")
	ErrMaxTime  = errors.New("collection time bound reached")
	ErrRefused  = errors.New("no agent listening (port unreachable)")
	ErrBadReply = errors.New("answer could not be decoded (truncated or malformed PDU)")
)

// walkOrder is what Collect reads, in order. Q-BRIDGE first: where it
// answers, it has the VLANs and the BRIDGE-MIB table is not read.
var walkOrder = []Column{
	ColQFdbPort, ColFdbPort, ColVlanFdbID, ColBasePortIfIndex,
	ColIfName, ColIfAlias, ColIfOperStatus,
	ColLldpChassisSub, ColLldpChassisID, ColLldpPortID, ColLldpPortDesc,
	ColLldpSysName, ColLldpSysDesc, ColLldpCapSupported, ColLldpCapEnabled,
	ColIPNetToPhys, ColIPNetToMedia,
}

// Collect reads one switch: sysName with a GET (which also proves the
// credential), then each column of walkOrder with GETBULK. The error is
// non-nil when nothing useful came back (no answer, wrong credentials);
// problems with single columns are in Result.Errors, and the columns read
// before them are kept.
func Collect(ctx context.Context, sw Switch, o Options) (*Result, Stats, error) {
	o = o.withDefaults()
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.MaxTime)
	defer cancel()
	c, err := dial(ctx, sw, o)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("switch %s: %w", sw.Address, err)
	}
	defer c.g.Conn.Close()
	t := NewTables(o.MaxRows, 0)
	name, err := c.sysName()
	if err != nil {
		return nil, c.stats(start), fmt.Errorf("switch %s: %w", sw.Address, err)
	}
	t.SysName = name
	var errs []string
	for _, col := range walkOrder {
		if col == ColFdbPort && c.rows[ColQFdbPort] > 0 || col == ColIPNetToMedia && c.rows[ColIPNetToPhys] > 0 {
			continue
		}
		if err := c.walk(col, t); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", col, err))
			// Failures of the agent rather than of a column end the
			// switch: one clear message, not one per column.
			if errors.Is(err, ErrMaxTime) || errors.Is(err, ErrNoAnswer) || errors.Is(err, ErrBadReply) ||
				errors.Is(err, ErrAuth) || errors.Is(err, ErrPriv) || errors.Is(err, ErrRefused) {
				break
			}
		}
	}
	label := sw.Name
	if label == "" {
		label = name
	}
	if label == "" {
		label = sw.Address
	}
	r := Classify(label, sw.Address, t, o.UplinkMACs)
	r.Errors = errs
	r.SysName = name
	return r, c.stats(start), nil
}

type client struct {
	g        *gosnmp.GoSNMP
	ctx      context.Context
	o        Options
	last     time.Time
	requests int
	rows     map[Column]int
}

func (c *client) stats(start time.Time) Stats {
	n := 0
	for _, r := range c.rows {
		n += r
	}
	return Stats{Requests: c.requests, Rows: n, Duration: time.Since(start)}
}

func dial(ctx context.Context, sw Switch, o Options) (*client, error) {
	host, port, err := net.SplitHostPort(sw.Address)
	if err != nil {
		return nil, err
	}
	pn, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, err
	}
	g := &gosnmp.GoSNMP{
		Target: host, Port: uint16(pn), Transport: "udp", Context: ctx,
		Timeout: o.Timeout, Retries: o.Retries, MaxOids: 1,
		MaxRepetitions: o.MaxRepetitions,
	}
	cr := sw.Cred
	switch cr.Version {
	case "v2c":
		g.Version, g.Community = gosnmp.Version2c, cr.community
	case "v3":
		g.Version, g.SecurityModel = gosnmp.Version3, gosnmp.UserSecurityModel
		up := &gosnmp.UsmSecurityParameters{UserName: cr.User, AuthenticationPassphrase: cr.authPass, AuthenticationProtocol: gosnmp.SHA}
		if cr.Auth == "SHA-256" {
			up.AuthenticationProtocol = gosnmp.SHA256
		}
		g.MsgFlags = gosnmp.AuthNoPriv
		if cr.Priv == "AES" {
			g.MsgFlags, up.PrivacyProtocol, up.PrivacyPassphrase = gosnmp.AuthPriv, gosnmp.AES, cr.privPass
		}
		g.SecurityParameters = up
	default:
		return nil, errors.New("credential without a version")
	}
	if err := g.Connect(); err != nil {
		// A connect error names the address, never the credential.
		return nil, fmt.Errorf("udp: %w", err)
	}
	return &client{g: g, ctx: ctx, o: o, rows: map[Column]int{}}, nil
}

// pace waits until Interval has passed since the last request.
func (c *client) pace() error {
	if wait := c.o.Interval - time.Since(c.last); wait > 0 {
		tm := time.NewTimer(wait)
		defer tm.Stop()
		select {
		case <-c.ctx.Done():
			return ErrMaxTime
		case <-tm.C:
		}
	}
	if c.ctx.Err() != nil {
		return ErrMaxTime
	}
	c.last = time.Now()
	c.requests++
	return nil
}

// classify maps the library's errors to ours: its messages are not for
// users, and must never carry a secret.
func (c *client) classify(err error) error {
	switch {
	case c.ctx.Err() != nil:
		return ErrMaxTime
	case errors.Is(err, gosnmp.ErrWrongDigest), errors.Is(err, gosnmp.ErrUnknownUsername), errors.Is(err, gosnmp.ErrUnknownSecurityLevel),
		// net-snmp answers a wrong auth key with a report gosnmp cannot
		// authenticate (its keys are wrong too); gosnmp has no sentinel for it.
		strings.Contains(err.Error(), "not authentic"):
		return ErrAuth
	case errors.Is(err, gosnmp.ErrDecryption):
		return ErrPriv
	default:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, gosnmp.ErrMaxRetriesExceeded) {
			// The library bounds its read by the context's deadline, and
			// its timeout can come a moment before the context says Done.
			if dl, ok := c.ctx.Deadline(); ok && time.Until(dl) < 20*time.Millisecond {
				return ErrMaxTime
			}
			return ErrNoAnswer
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return ErrRefused
		}
		// Anything else is the library failing to read the answer; its
		// own message is not for users.
		return ErrBadReply
	}
}

func (c *client) sysName() (string, error) {
	if err := c.pace(); err != nil {
		return "", err
	}
	pkt, err := c.g.Get([]string{"." + OIDSysName})
	if err != nil {
		return "", c.classify(err)
	}
	if pkt.Error != gosnmp.NoError {
		return "", fmt.Errorf("sysName: agent error %s", pkt.Error)
	}
	for _, v := range pkt.Variables {
		if b, ok := v.Value.([]byte); ok && v.Type == gosnmp.OctetString {
			return text(b), nil
		}
	}
	return "", nil
}

// walk reads one column with GETBULK until the agent leaves its subtree,
// bounded in rows and (through the context) in time.
func (c *client) walk(col Column, t *Tables) error {
	base := columnArcs[col]
	last := base
	for {
		if c.rows[col] >= c.o.MaxRows {
			return ErrTooMany
		}
		if err := c.pace(); err != nil {
			return err
		}
		pkt, err := c.g.GetBulk([]string{"." + FormatOID(last)}, 0, c.o.MaxRepetitions)
		if err != nil {
			return c.classify(err)
		}
		if pkt.Error != gosnmp.NoError {
			if pkt.Error == gosnmp.NoSuchName {
				return nil // an SNMPv1-style "nothing after this"
			}
			return fmt.Errorf("agent error %s", pkt.Error)
		}
		if len(pkt.Variables) == 0 {
			return nil
		}
		for _, v := range pkt.Variables {
			switch v.Type {
			case gosnmp.EndOfMibView, gosnmp.NoSuchObject, gosnmp.NoSuchInstance:
				return nil
			}
			arcs, err := ParseOID(v.Name)
			if err != nil || !hasPrefix(arcs, base) {
				return nil // past the column: the walk is done
			}
			if slices.Compare(arcs, last) <= 0 {
				return ErrLoop
			}
			last = arcs
			c.rows[col]++
			_ = t.Add(col, toVarBind(arcs, v)) // counted in t.Bad
			if c.rows[col] >= c.o.MaxRows {
				return ErrTooMany
			}
		}
	}
}

// toVarBind converts the library's value to the decoders' input.
func toVarBind(arcs []uint32, v gosnmp.SnmpPDU) VarBind {
	vb := VarBind{OID: arcs}
	switch x := v.Value.(type) {
	case int:
		vb.Kind, vb.Int = KindInt, int64(x)
	case uint:
		vb.Kind, vb.Int = KindInt, int64(x)
	case uint32:
		vb.Kind, vb.Int = KindInt, int64(x)
	case uint64:
		if x <= 1<<62 {
			vb.Kind, vb.Int = KindInt, int64(x)
		}
	case []byte:
		if v.Type == gosnmp.OctetString || v.Type == gosnmp.BitString || v.Type == gosnmp.Opaque {
			vb.Kind, vb.Bytes = KindOctets, x
		}
	}
	return vb
}

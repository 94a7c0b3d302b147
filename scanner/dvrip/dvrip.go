// Package dvrip speaks the binary side of Dahua's private "DVRIP" protocol
// before any login: the realm request on TCP 37777 and the legacy search on
// UDP 5050. Both share DVRIP's 32-byte binary header, whose first byte names
// the message (a0/b0 login request and reply, a3/b3 search request and
// reply; docs/protocols/dvrip.md §4.2, §10, from mcw0/DahuaConsole and UniversalScanner
// Dahua1.cs). DHIP (scanner/dhip) is a different framing — "DHIP" magic and
// JSON — and keeps its own package.
//
// Realm (Prober, evidence source "dvrip"): sent, once per connection, the
// 32-byte realm request that opens DahuaConsole's DVRIP login; back, a
// 32-byte header b0 00 or b0 01 with the text length at bytes 4-7 (little
// endian), then "Realm:Login to <serial>\r\nRandom:<nonce>\r\n". A match is
// a b0 reply; the realm names the serial without credentials. No login
// follows: the nonce is not kept and the connection is closed. Read: the
// header and at most MaxRealmPayload bytes of text within Config.Timeout.
//
// Search (Sweeper, evidence source "dvrip5050"): sent, the 32-byte search
// a3 01 00 01 … by unicast to every in-scope target on UDP 5050 (the tools
// broadcast it; camsweep reaches routed segments by unicast, and devices
// answer the sender's port, UniversalScanner protocols.html); back, a b3
// reply of a 120-byte first section (addresses, ports, a 16-byte name),
// the MAC and model, and "Key:Value\r\n" lines with the serial. A match is
// a b3 reply of at least 120 bytes; its length fields are never trusted.
//
// The parsers (ParseRealm, ParseSearch) are pure; fixtures are in
// testdata/dvrip. The package knows nothing about vendors: its fields are
// listed in vendors/FIELDS.md (dvrip.*, dvrip5050.*).
package dvrip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/probeconn"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Transport facts of §4.2 and §10.
const (
	Port       = 37777
	SearchPort = 5050
)

// Defaults for Config's zero values.
const (
	DefaultTimeout = 4 * time.Second
	DefaultWindow  = 2 * time.Second
)

// DefaultPorts are the ports Accepts takes when Config.Ports is nil.
var DefaultPorts = []uint16{Port}

// Config configures a Prober. Zero values take the defaults; Timeout
// bounds one probe: connect, request and reply.
type Config struct {
	scanner.PortConfig
}

// Prober is the "dvrip" PortProber.
type Prober struct {
	cfg Config
}

var _ scanner.PortProber = (*Prober)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Prober, error) {
	if err := cfg.Fill(device.SourceDVRIP, scanner.PortDefaults{Ports: DefaultPorts, Timeout: DefaultTimeout}); err != nil {
		return nil, err
	}
	return &Prober{cfg: cfg}, nil
}

// Name is the evidence source.
func (p *Prober) Name() string { return string(device.SourceDVRIP) }

// Accepts reports whether port is one of Config.Ports.
func (p *Prober) Accepts(port uint16) bool { return p.cfg.Accepts(port) }

// ProbePort sends the realm request once and returns one Evidence for a
// b0 reply. Silence, refusal and resets give no evidence and no error;
// bytes that are not DVRIP give ErrNotDVRIP; a reply cut short gives the
// evidence read so far and the error that cut it.
func (p *Prober) ProbePort(ctx context.Context, t scanner.Target, pace scanner.Pacer) ([]device.Evidence, error) {
	ap := t.AddrPort()
	conn, err := probeconn.Dial(ctx, "dvrip", p.cfg.Dial, ap, p.cfg.Timeout, pace)
	if conn == nil {
		return nil, err
	}
	defer conn.Close()
	quiet := conn.Err
	if _, err := conn.Write(RealmRequest()); err != nil {
		return nil, quiet("send", err)
	}
	raw, rerr := readRealm(conn)
	if len(raw) == 0 {
		return nil, quiet("read", rerr)
	}
	r, perr := ParseRealm(raw)
	if errors.Is(perr, ErrNotDVRIP) {
		return nil, fmt.Errorf("dvrip %s: %w", ap, perr)
	}
	ev := []device.Evidence{{Source: device.SourceDVRIP, Addr: ap.Addr(), Port: ap.Port(), Fields: r.Fields()}}
	if perr != nil {
		return ev, fmt.Errorf("dvrip %s: partial reply: %w", ap, errors.Join(perr, rerr, conn.Interrupted()))
	}
	return ev, nil
}

// readRealm reads the header and then as much text as it announces, never
// more than MaxRealmPayload. The error is nil when the reply arrived whole.
func readRealm(conn net.Conn) ([]byte, error) {
	buf := make([]byte, HeaderSize, HeaderSize+MaxRealmPayload)
	n, err := io.ReadFull(conn, buf)
	if err != nil {
		return buf[:n], err
	}
	if buf[0] != 0xb0 {
		return buf, nil // the parser says what it is not
	}
	want := min(uint64(MaxRealmPayload), uint64(uint32(buf[4])|uint32(buf[5])<<8|uint32(buf[6])<<16|uint32(buf[7])<<24))
	text := buf[HeaderSize : HeaderSize+int(want)]
	n, err = io.ReadFull(conn, text)
	return buf[:HeaderSize+n], err
}

// SearchSpec is the legacy 5050 search declared for udpsweep: by unicast
// to every in-scope IPv4 target only, so a device is found only where its
// address is a target; a b3 reply of at least 120 bytes is a match.
var SearchSpec = udpsweep.Spec{Source: device.SourceDVRIP5050, Port: SearchPort, Probe: SearchRequest, Judge: udpsweep.Fields(ParseSearch)}

// SearchConfig configures a Sweeper (udpsweep.Options). Zero values take
// the defaults.
type SearchConfig = udpsweep.Options

// Sweeper is the "dvrip5050" scanner.Sweeper.
type Sweeper = udpsweep.Sweeper

// NewSweeper validates cfg and fills in the defaults.
func NewSweeper(cfg SearchConfig) (*Sweeper, error) { return udpsweep.New(SearchSpec, cfg) }

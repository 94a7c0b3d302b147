// Package hiksdk looks at the Hikvision SDK / iVMS "CommandPort" (TCP 8000)
// without speaking its protocol, which is not documented publicly.
//
// What is known (docs/protocols/hiksdk.md §10, docs/protocols/sources.md §12): nmap's nmap-service-probes
// recognises the port by a 16-byte reply, 00 00 00 10 00 00 00 1e
// 00 00 00 1e 00 00 00 00 ("Hikvision IPCam control port"), listed under
// the NULL probe, whose matches nmap also applies to replies to its other
// probes; the device does not speak first. The probes nmap sends to port
// 8000 after the NULL probe's wait are GenericLines ("\r\n\r\n") and
// GetRequest ("GET / HTTP/1.0\r\n\r\n"), whose port lists include 8000;
// which of them the signature answered is not recorded. The first word of
// the reply equals the reply's length (0x10 = 16), so the reply looks like a
// length-prefixed frame. Nothing beyond those 16 bytes is known.
//
// Sent: nothing for Config.BannerWait (a service that talks first is
// read, and not sent anything), then the 18 bytes of nmap's GetRequest:
// a probe at least 16 bytes long that nmap itself sends to this port and
// that any service on 8000 (often a web server) takes as harmless. Read:
// at most Config.MaxBytes within Config.Timeout. A match is a reply whose
// first big-endian u32 is a length of 16 to MaxBytes bytes that the reply
// fills: the frame shape of the nmap signature. Its bytes are reported as
// hex; whether they are the signature is for the rules to say.
//
// The parser (ParseReply) is pure; the fixture is in testdata/hiksdk. The
// fields are listed in vendors/FIELDS.md (hiksdk.*).
package hiksdk

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/probeconn"
)

// Port is the SDK CommandPort (SADP <CommandPort>).
const Port = 8000

// Defaults for Config's zero values.
const (
	DefaultTimeout    = 3 * time.Second
	DefaultBannerWait = time.Second
	DefaultMaxBytes   = 4 << 10
)

// MinFrame is the shortest frame accepted: the nmap signature's 16 bytes.
const MinFrame = 16

// maxHex bounds how much of a frame hiksdk.frame shows.
const maxHex = 64

// Probe is nmap's GetRequest probe (nmap-service-probes "Probe TCP
// GetRequest q|GET / HTTP/1.0\r\n\r\n|", ports 8000-8010 among others).
const Probe = "GET / HTTP/1.0\r\n\r\n"

// DefaultPorts are the ports Accepts takes when Config.Ports is nil.
var DefaultPorts = []uint16{Port}

// ErrNotHikSDK reports a reply that is not a length-prefixed frame.
var ErrNotHikSDK error = scanner.Mismatch("hiksdk: not a length-prefixed SDK frame")

// Config configures a Prober. Zero values take the defaults.
// Timeout bounds one probe: connect, wait, request and reply.
type Config struct {
	scanner.PortConfig
	// BannerWait is how long the prober listens before sending anything;
	// zero means DefaultBannerWait or a quarter of Timeout, whichever is
	// shorter, negative not at all.
	BannerWait time.Duration
}

// Prober is the "hiksdk" PortProber.
type Prober struct {
	cfg Config
}

var _ scanner.PortProber = (*Prober)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Prober, error) {
	if err := cfg.Fill(device.SourceHikSDK, scanner.PortDefaults{Ports: DefaultPorts, Timeout: DefaultTimeout, MaxBytes: DefaultMaxBytes}); err != nil {
		return nil, err
	}
	switch {
	case cfg.BannerWait == 0:
		// A short --timeout keeps most of itself for the exchange.
		cfg.BannerWait = min(DefaultBannerWait, cfg.Timeout/4)
	case cfg.BannerWait < 0:
		cfg.BannerWait = 0
	}
	if cfg.BannerWait >= cfg.Timeout {
		return nil, fmt.Errorf("hiksdk: banner wait %v leaves nothing of timeout %v", cfg.BannerWait, cfg.Timeout)
	}
	if cfg.MaxBytes < MinFrame {
		return nil, fmt.Errorf("hiksdk: byte limit %d under a frame's %d", cfg.MaxBytes, MinFrame)
	}
	return &Prober{cfg: cfg}, nil
}

// Name is the evidence source.
func (p *Prober) Name() string { return string(device.SourceHikSDK) }

// Accepts reports whether port is one of Config.Ports.
func (p *Prober) Accepts(port uint16) bool { return p.cfg.Accepts(port) }

// Reply is one frame read from the port.
type Reply struct {
	// Length is the first big-endian u32, the frame's length.
	Length uint32
	// Frame is the frame's bytes (at most the first maxHex are reported).
	Frame []byte
}

// ParseReply reads one frame from the start of b: a big-endian u32 length
// of at least MinFrame that b holds whole. Bytes after the frame are
// ignored. Anything else gives ErrNotHikSDK.
func ParseReply(b []byte) (Reply, error) {
	if len(b) < MinFrame {
		return Reply{}, fmt.Errorf("%w: %d bytes", ErrNotHikSDK, len(b))
	}
	n := binary.BigEndian.Uint32(b)
	if n < MinFrame || uint64(n) > uint64(len(b)) {
		return Reply{}, fmt.Errorf("%w: length word %#x for %d bytes", ErrNotHikSDK, n, len(b))
	}
	return Reply{Length: n, Frame: b[:n]}, nil
}

// Fields are the hiksdk.* evidence fields; trigger says what the frame
// answered ("banner" when the port spoke first, "get-request" otherwise).
func (r Reply) Fields(trigger string) map[string]string {
	return map[string]string{
		"hiksdk.length":  strconv.FormatUint(uint64(r.Length), 10),
		"hiksdk.frame":   hex.EncodeToString(r.Frame[:min(len(r.Frame), maxHex)]),
		"hiksdk.trigger": trigger,
	}
}

// ProbePort listens for BannerWait, sends Probe when the port said nothing,
// and returns one Evidence for a frame. Silence, refusal and resets give no
// evidence and no error; bytes that are not a frame give ErrNotHikSDK.
func (p *Prober) ProbePort(ctx context.Context, t scanner.Target, pace scanner.Pacer) ([]device.Evidence, error) {
	ap := t.AddrPort()
	conn, err := probeconn.Dial(ctx, "hiksdk", p.cfg.Dial, ap, p.cfg.Timeout, pace)
	if conn == nil {
		return nil, err
	}
	defer conn.Close()
	ctx, quiet := conn.Ctx, conn.Err
	dl, _ := ctx.Deadline()

	buf := make([]byte, p.cfg.MaxBytes)
	trigger := "banner"
	var n int
	if p.cfg.BannerWait > 0 {
		_ = conn.SetReadDeadline(time.Now().Add(p.cfg.BannerWait))
		n, err = readFrame(conn, buf)
		if n == 0 && !timedOut(err) {
			return nil, quiet("read", err) // closed or reset before a word
		}
	}
	if n == 0 {
		if ctx.Err() != nil {
			return nil, quiet("wait", ctx.Err())
		}
		if err := pace.Wait(ctx); err != nil {
			return nil, quiet("send", err)
		}
		trigger = "get-request"
		_ = conn.SetDeadline(dl)
		if _, err := conn.Write([]byte(Probe)); err != nil {
			return nil, quiet("send", err)
		}
		if n, err = readFrame(conn, buf); n == 0 {
			return nil, quiet("read", err)
		}
	}
	r, perr := ParseReply(buf[:n])
	if perr != nil {
		if err := conn.Interrupted(); err != nil {
			return nil, quiet("read", err)
		}
		return nil, fmt.Errorf("hiksdk %s: %s: %w", ap, trigger, perr)
	}
	return []device.Evidence{{Source: device.SourceHikSDK, Addr: ap.Addr(), Port: ap.Port(), Fields: r.Fields(trigger)}}, nil
}

// readFrame reads into buf until it holds a whole frame by its length
// word, the peer stops, the deadline passes or buf is full; it returns the
// byte count and the error that ended the read (nil for a whole frame or a
// full buffer).
func readFrame(conn net.Conn, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := conn.Read(buf[n:])
		n += m
		if n >= 4 {
			want := binary.BigEndian.Uint32(buf)
			if want < MinFrame || uint64(want) > uint64(len(buf)) || uint64(n) >= uint64(want) {
				return n, nil // whole, or no frame this buffer can hold
			}
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Package rtspprobe asks an RTSP server about itself without credentials and
// turns its answers into evidence.
//
// Sent, on one connection: "OPTIONS rtsp://<ip>:<port>/ RTSP/1.0" with CSeq 1
// and User-Agent; when that answer carries no WWW-Authenticate challenge,
// "DESCRIBE rtsp://<ip>:<port>/ RTSP/1.0" with CSeq 2 and
// "Accept: application/sdp". Credentials are never sent. Hikvision cameras
// answer OPTIONS 200 and reveal their "IP Camera(C2875)" digest realm only to
// DESCRIBE; Dahua challenges OPTIONS already (docs/protocols/rtsp.md §6.1, §6.2, real
// transcripts, stored in testdata/rtsp).
//
// Read: each response's header block and a body bounded by Content-Length
// and Config.MaxBytes, all within Config.Timeout. A match is a reply that
// begins with an RTSP status line (RFC 2326 §7.1); anything else is
// ErrNotRTSP. Header names keep their case and order, and the Date value
// keeps its leading blanks: both are fingerprints. One Evidence per
// response, rtsp.method telling which request it answers.
//
// The package knows nothing about vendors; the fields it emits are listed in
// vendors/FIELDS.md.
package rtspprobe

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/msghead"
	"github.com/camsweep/camsweep/scanner/internal/probeconn"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout   = 4 * time.Second
	DefaultMaxBytes  = 64 << 10
	DefaultUserAgent = "camsweep"
)

// DefaultPorts are the ports Accepts takes when Config leaves them empty.
var DefaultPorts = []uint16{554}

// Config configures a Prober. Zero values take the defaults; Timeout
// bounds one probe (connect and both exchanges), MaxBytes each response,
// header block and body together.
type Config struct {
	scanner.PortConfig
}

// Prober is the "rtsp" PortProber.
type Prober struct {
	cfg Config
}

var _ scanner.PortProber = (*Prober)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Prober, error) {
	d := scanner.PortDefaults{Ports: DefaultPorts, Timeout: DefaultTimeout, MaxBytes: DefaultMaxBytes, UserAgent: DefaultUserAgent}
	if err := cfg.Fill(device.SourceRTSP, d); err != nil {
		return nil, err
	}
	return &Prober{cfg: cfg}, nil
}

// Name is the evidence source.
func (p *Prober) Name() string { return string(device.SourceRTSP) }

// Accepts reports whether port is one of the RTSP ports.
func (p *Prober) Accepts(port uint16) bool { return p.cfg.Accepts(port) }

// ProbePort runs OPTIONS and, when needed, DESCRIBE. It calls pace.Wait
// before the connection and before the second request, each being a packet
// sent to a fragile device. Silence, refusal and reset give no evidence and
// no error; a reply that is not RTSP gives ErrNotRTSP; a reply cut short
// gives the evidence read so far and the error that cut it.
func (p *Prober) ProbePort(ctx context.Context, t scanner.Target, pace scanner.Pacer) ([]device.Evidence, error) {
	ap := t.AddrPort()
	conn, err := probeconn.Dial(ctx, "rtsp", p.cfg.Dial, ap, p.cfg.Timeout, pace)
	if conn == nil {
		return nil, err
	}
	defer conn.Close()
	ctx, quiet := conn.Ctx, conn.Err
	br := bufio.NewReader(conn)

	var evs []device.Evidence
	for i, method := range []string{"OPTIONS", "DESCRIBE"} {
		if i > 0 {
			if err := pace.Wait(ctx); err != nil {
				return evs, quiet(method, err)
			}
		}
		if _, err := io.WriteString(conn, p.request(method, i+1, ap)); err != nil {
			return evs, quiet(method, err)
		}
		raw, rerr := readMessage(br, p.cfg.MaxBytes)
		if len(raw) == 0 {
			return evs, quiet(method, rerr)
		}
		r, perr := ParseResponse(raw)
		if errors.Is(perr, ErrNotRTSP) {
			return evs, fmt.Errorf("rtsp %s: %s: %w", ap, method, ErrNotRTSP)
		}
		f := r.Fields()
		f["rtsp.method"] = method
		evs = append(evs, device.Evidence{Source: device.SourceRTSP, Addr: ap.Addr(), Port: ap.Port(), Fields: f})
		if err := errors.Join(perr, rerr, conn.Interrupted()); err != nil {
			return evs, fmt.Errorf("rtsp %s: %s: partial response: %w", ap, method, err)
		}
		if r.Get("WWW-Authenticate") != "" {
			break
		}
	}
	return evs, nil
}

func (p *Prober) request(method string, cseq int, ap netip.AddrPort) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s rtsp://%s/ RTSP/1.0\r\nCSeq: %d\r\nUser-Agent: %s\r\n", method, ap, cseq, p.cfg.UserAgent)
	if method == "DESCRIBE" {
		b.WriteString("Accept: application/sdp\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// readMessage reads one response: the header block, then as much body as
// Content-Length announces, never more than max bytes in all. The error is
// nil when the message arrived whole or was cut at max on purpose.
func readMessage(br *bufio.Reader, max int) ([]byte, error) {
	// Blank lines left over from a previous message are not part of this one.
	for {
		b, err := br.Peek(1)
		if err != nil {
			return nil, err
		}
		if b[0] != '\r' && b[0] != '\n' {
			break
		}
		_, _ = br.Discard(1)
	}
	// Decide on the first bytes, so that a binary protocol without line
	// ends does not keep us waiting for one.
	if b, err := br.Peek(len("RTSP/")); !bytes.Equal(b, []byte("RTSP/")) {
		b, _ = br.Peek(min(br.Buffered(), max))
		return bytes.Clone(b), err
	}
	var buf []byte
	for msghead.HeadEnd(buf) < 0 {
		if len(buf) >= max {
			return buf[:max], nil
		}
		line, err := br.ReadSlice('\n')
		buf = append(buf, line...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return buf, err
		}
	}
	if len(buf) > max {
		return buf[:max], nil
	}
	r, perr := ParseResponse(buf)
	if perr != nil {
		// Not RTSP after all: the caller says so; no framing to follow.
		return buf, nil
	}
	n := min(r.ContentLength(), max-len(buf))
	if n <= 0 {
		return buf, nil
	}
	body := make([]byte, n)
	got, err := io.ReadFull(br, body)
	return append(buf, body[:got]...), err
}

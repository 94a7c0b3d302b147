package passive

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// MaxPacket is the longest packet record read (libpcap's MAXIMUM_SNAPLEN).
// A record claiming more is a corrupt file, not a packet.
const MaxPacket = 262144

// ErrNotCapture is returned for a file that is neither pcap nor pcapng.
var ErrNotCapture = errors.New("not a pcap or pcapng file")

// FileError is a problem of one capture file, naming the file and the
// packet record at which reading stopped (1-based; 0: the file header).
// What was read before it is kept.
type FileError struct {
	Name   string
	Packet uint64
	Err    error
}

func (e *FileError) Error() string {
	if e.Packet == 0 {
		return fmt.Sprintf("%s: %v", e.Name, e.Err)
	}
	return fmt.Sprintf("%s: packet %d: %v", e.Name, e.Packet, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// ReadFile reads the capture file at path into c.
func ReadFile(ctx context.Context, path string, c *Collector) error {
	f, err := os.Open(path)
	if err != nil {
		return &FileError{Name: path, Err: err}
	}
	defer f.Close()
	return Read(ctx, path, f, c)
}

// captureInfo is what Read uses of a record's header.
type captureInfo struct {
	ts     time.Time
	capLen int
	length int
}

// Read reads one capture (pcap or pcapng, told apart by the magic number)
// from r into c. name labels errors. Reading stops at the end, at ctx's
// end (ctx.Err() is returned) or at the first record that cannot be read:
// a file cut short (a capture still being written, a copy that stopped),
// a record longer than MaxPacket, an unknown or oversized pcapng block.
func Read(ctx context.Context, name string, r io.Reader, c *Collector) error {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, err := br.Peek(4)
	if err != nil {
		return &FileError{Name: name, Err: fmt.Errorf("%w: %d bytes", ErrNotCapture, len(magic))}
	}
	var next func() ([]byte, layers.LinkType, captureInfo, error)
	switch m := binary.LittleEndian.Uint32(magic); m {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return &FileError{Name: name, Err: err}
		}
		lt := pr.LinkType()
		next = func() ([]byte, layers.LinkType, captureInfo, error) {
			b, ci, err := pr.ZeroCopyReadPacketData()
			return b, lt, captureInfo{ci.Timestamp, ci.CaptureLength, ci.Length}, err
		}
	case 0x0a0d0d0a:
		nr, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return &FileError{Name: name, Err: err}
		}
		next = func() ([]byte, layers.LinkType, captureInfo, error) {
			b, ci, err := nr.ZeroCopyReadPacketData()
			lt := nr.LinkType()
			if len(ci.AncillaryData) > 0 {
				if l, ok := ci.AncillaryData[0].(layers.LinkType); ok {
					lt = l
				}
			}
			return b, lt, captureInfo{ci.Timestamp, ci.CaptureLength, ci.Length}, err
		}
	default:
		return &FileError{Name: name, Err: fmt.Errorf("%w (magic %08x)", ErrNotCapture, m)}
	}
	var n uint64
	for {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		b, lt, ci, err := next()
		if err == io.EOF {
			return nil
		}
		n++
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("the file ends inside this record (cut short?): %w", err)
			}
			return &FileError{Name: name, Packet: n, Err: err}
		}
		if ci.capLen > MaxPacket || len(b) > MaxPacket {
			return &FileError{Name: name, Packet: n, Err: fmt.Errorf("record of %d bytes, more than %d: corrupt file", ci.capLen, MaxPacket)}
		}
		c.Add(b, lt, ci.ts)
	}
}

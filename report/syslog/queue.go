package syslog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// queue holds the messages not yet written to the receiver, oldest first,
// within max bytes; beyond that the oldest are dropped and counted. With a
// directory it is also a write-ahead log there: segment files of
// octet-counted frames and a cursor naming the first unsent message, so a
// later run sends what this one could not.
type queue struct {
	dir     string
	max     int64
	segMax  int64
	msgs    []entry
	bytes   int64
	dropped int
	diskErr error // first spool write failure; the message is kept in memory

	curSeg   uint64 // segment of the saved cursor
	nextID   uint64
	tail     *os.File
	tailSeq  uint64
	tailSize int64
}

type entry struct {
	id   uint64
	data []byte
	seg  uint64 // segment holding it, 0 when not on disk
	end  int64  // offset just past it in the segment
}

const cursorFile = "cursor"

func segName(seq uint64) string { return fmt.Sprintf("%016d.spool", seq) }

// openQueue loads what an earlier run left in dir ("" for memory only).
func openQueue(dir string, limit int64) (*queue, error) {
	q := &queue{dir: dir, max: limit, segMax: max(limit/8, 4096)}
	if dir == "" {
		return q, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.spool"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	curSeg, curOff := uint64(0), int64(0)
	if b, err := os.ReadFile(filepath.Join(dir, cursorFile)); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			curSeg, _ = strconv.ParseUint(f[0], 10, 64)
			curOff, _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	for _, name := range names {
		seq, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(name), ".spool"), 10, 64)
		if err != nil {
			continue
		}
		q.tailSeq = max(q.tailSeq, seq)
		if seq < curSeg {
			os.Remove(name)
			continue
		}
		if err := q.load(name, seq, curSeg, curOff); err != nil {
			return nil, err
		}
	}
	q.trim()
	return q, nil
}

// load reads the frames of one segment, skipping those before the cursor;
// a torn last frame (a crash mid-append) ends the segment.
func (q *queue) load(name string, seq, curSeg uint64, curOff int64) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	defer f.Close()
	cr := &countReader{r: f}
	br := bufio.NewReader(cr)
	for {
		msg, err := ReadFrame(br)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrFrame) {
				return nil
			}
			return fmt.Errorf("spool: %w", err)
		}
		end := cr.n - int64(br.Buffered())
		if seq == curSeg && end <= curOff {
			continue
		}
		q.nextID++
		q.msgs = append(q.msgs, entry{id: q.nextID, data: msg, seg: seq, end: end})
		q.bytes += int64(len(msg))
	}
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (q *queue) len() int { return len(q.msgs) }

// push appends msg, spooling it first when there is a directory.
func (q *queue) push(msg []byte) {
	q.nextID++
	e := entry{id: q.nextID, data: msg}
	if q.dir != "" {
		if err := q.append(msg, &e); err != nil && q.diskErr == nil {
			q.diskErr = err
		}
	}
	q.msgs = append(q.msgs, e)
	q.bytes += int64(len(msg))
	q.trim()
}

func (q *queue) append(msg []byte, e *entry) error {
	if q.tail == nil || q.tailSize >= q.segMax {
		if q.tail != nil {
			q.tail.Close()
			q.tail = nil
		}
		q.tailSeq++
		f, err := os.OpenFile(filepath.Join(q.dir, segName(q.tailSeq)), os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_EXCL, 0o640)
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		q.tail, q.tailSize = f, 0
	}
	n, err := q.tail.Write(AppendFrame(nil, msg))
	q.tailSize += int64(n)
	if err != nil {
		// A torn frame ends the segment when it is read back; start a
		// new one for the next message.
		q.tailSize = q.segMax
		return fmt.Errorf("spool: %w", err)
	}
	e.seg, e.end = q.tailSeq, q.tailSize
	return nil
}

// trim drops the oldest messages while the queue is over its bound.
func (q *queue) trim() {
	n := 0
	for q.bytes > q.max && n < len(q.msgs)-1 {
		q.bytes -= int64(len(q.msgs[n].data))
		n++
	}
	if n > 0 {
		q.dropped += n
		q.advance(n)
	}
}

func (q *queue) peek() (uint64, []byte) { return q.msgs[0].id, q.msgs[0].data }

// pop removes message id once it has been written, unless trim dropped it
// while it was being written.
func (q *queue) pop(id uint64) {
	if len(q.msgs) == 0 || q.msgs[0].id != id {
		return
	}
	q.bytes -= int64(len(q.msgs[0].data))
	q.advance(1)
}

func (q *queue) advance(n int) {
	last := q.msgs[n-1]
	q.msgs = slices.Delete(q.msgs, 0, n)
	if q.dir != "" && last.seg != 0 {
		q.saveCursor(last.seg, last.end)
	}
}

// saveCursor records the first unsent byte and removes the segments
// wholly sent. It is written by rename so a crash leaves the old or the
// new cursor, never a torn one: at worst messages are sent again.
func (q *queue) saveCursor(seg uint64, off int64) {
	tmp := filepath.Join(q.dir, cursorFile+".tmp")
	if err := os.WriteFile(tmp, fmt.Appendf(nil, "%d %d\n", seg, off), 0o640); err != nil {
		return
	}
	if os.Rename(tmp, filepath.Join(q.dir, cursorFile)) != nil {
		return
	}
	if seg == q.curSeg {
		return
	}
	q.curSeg = seg
	names, _ := filepath.Glob(filepath.Join(q.dir, "*.spool"))
	for _, name := range names {
		seq, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(name), ".spool"), 10, 64)
		if err == nil && seq < seg {
			os.Remove(name)
		}
	}
}

func (q *queue) close() error {
	if q.tail != nil {
		return q.tail.Close()
	}
	return nil
}

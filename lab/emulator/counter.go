package emulator

import (
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

// ConnLog records when a device accepted each TCP connection, so a benchmark
// can check how hard a scanner pushes one device (issue 9: no more than 3
// TCP connections per second to one device). The file gets one line per
// accepted connection, the Unix time in milliseconds; lines are buffered and
// appended once a second and on Close, so counting costs the emulator no
// write per connection. A reader slices the file by the time windows of its
// runs and slides a one-second window over each.
type ConnLog struct {
	path string

	mu      sync.Mutex
	pending []byte
	total   int
	stop    chan struct{}
	done    chan struct{}
}

// NewConnLog starts a log appending to path; an empty path records nothing.
func NewConnLog(path string) *ConnLog {
	l := &ConnLog{path: path, stop: make(chan struct{}), done: make(chan struct{})}
	if path == "" {
		close(l.done)
		return l
	}
	go func() {
		defer close(l.done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				l.flush()
				return
			case <-t.C:
				l.flush()
			}
		}
	}()
	return l
}

// Accepted records one connection accepted at t.
func (l *ConnLog) Accepted(t time.Time) {
	if l == nil || l.path == "" {
		return
	}
	l.mu.Lock()
	l.pending = strconv.AppendInt(l.pending, t.UnixMilli(), 10)
	l.pending = append(l.pending, '\n')
	l.total++
	l.mu.Unlock()
}

// Total is the number of connections recorded.
func (l *ConnLog) Total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

func (l *ConnLog) flush() {
	l.mu.Lock()
	b := l.pending
	l.pending = nil
	l.mu.Unlock()
	if len(b) == 0 {
		return
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return // a benchmark aid: never take the emulator down for it
	}
	_, _ = f.Write(b)
	_ = f.Close()
}

// Close writes what is pending and stops the log. It is idempotent.
func (l *ConnLog) Close() {
	if l.path == "" {
		return
	}
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
}

// countingListener records every accepted connection in a ConnLog.
type countingListener struct {
	net.Listener
	log *ConnLog
}

func (c countingListener) Accept() (net.Conn, error) {
	conn, err := c.Listener.Accept()
	if err == nil {
		c.log.Accepted(time.Now())
	}
	return conn, err
}

// CountListeners wraps each listener so its accepted connections go to log.
func CountListeners(lns []net.Listener, log *ConnLog) []net.Listener {
	out := make([]net.Listener, len(lns))
	for i, ln := range lns {
		out[i] = countingListener{ln, log}
	}
	return out
}

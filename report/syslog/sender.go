package syslog

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Defaults of Config.
const (
	DefaultDialTimeout  = 5 * time.Second
	DefaultWriteTimeout = 5 * time.Second
	DefaultMinBackoff   = 250 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
	DefaultSpoolMax     = 64 << 20
	// DefaultMaxDatagram is the size RFC 5426 §3.2 says every receiver
	// should accept.
	DefaultMaxDatagram = 2048
)

// Config of a Sender.
type Config struct {
	// Network is udp, tcp or tls; Addr is host:port.
	Network, Addr string
	// TLS is the client configuration for tls (nil: system roots, the
	// host of Addr as server name).
	TLS *tls.Config
	// SpoolDir keeps unsent messages on disk, also across runs; "" keeps
	// them in memory only.
	SpoolDir string
	// SpoolMax bounds the unsent messages in bytes; the oldest are dropped
	// beyond it.
	SpoolMax     int64
	DialTimeout  time.Duration
	WriteTimeout time.Duration
	MinBackoff   time.Duration
	MaxBackoff   time.Duration
	MaxDatagram  int
	// Dial is the seam tests replace; nil uses a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	Log  zerolog.Logger
}

// ParseURL splits udp://, tcp:// or tls://host:port.
func ParseURL(s string) (network, addr string, err error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", "", fmt.Errorf("syslog address %q: %w", s, err)
	}
	switch u.Scheme {
	case "udp", "tcp", "tls":
	default:
		return "", "", fmt.Errorf("syslog address %q: want udp://, tcp:// or tls://host:port", s)
	}
	if u.Port() == "" || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
		return "", "", fmt.Errorf("syslog address %q: want %s://host:port", s, u.Scheme)
	}
	return u.Scheme, u.Host, nil
}

// Stats says what became of the messages handed to a Sender.
type Stats struct {
	Sent, Dropped, Truncated, Unsent int
	Spooled                          bool  // unsent messages are on disk
	SpoolErr                         error // first failure to spool
}

// Sender writes messages to one receiver from its own goroutine, so a slow
// or absent receiver never blocks the caller; Send only queues.
type Sender struct {
	cfg  Config
	ctx  context.Context
	stop context.CancelFunc

	mu        sync.Mutex
	q         *queue
	sent      int
	truncated int
	closing   bool
	wake      chan struct{}
	done      chan struct{}
}

// New validates cfg, loads the spool and starts sending. ctx bounds the
// sender's life; Close ends it earlier.
func New(ctx context.Context, cfg Config) (*Sender, error) {
	switch cfg.Network {
	case "udp", "tcp", "tls":
	default:
		return nil, fmt.Errorf("syslog: network %q (want udp, tcp or tls)", cfg.Network)
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("syslog: %w", err)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.DialTimeout, DefaultDialTimeout)
	def(&cfg.WriteTimeout, DefaultWriteTimeout)
	def(&cfg.MinBackoff, DefaultMinBackoff)
	def(&cfg.MaxBackoff, DefaultMaxBackoff)
	if cfg.SpoolMax <= 0 {
		cfg.SpoolMax = DefaultSpoolMax
	}
	if cfg.MaxDatagram <= 0 {
		cfg.MaxDatagram = DefaultMaxDatagram
	}
	if cfg.Dial == nil {
		d := &net.Dialer{}
		cfg.Dial = d.DialContext
	}
	q, err := openQueue(cfg.SpoolDir, cfg.SpoolMax)
	if err != nil {
		return nil, err
	}
	if n := q.len(); n > 0 {
		cfg.Log.Info().Int("messages", n).Str("spool", cfg.SpoolDir).Msg("syslog: sending what an earlier run spooled")
	}
	s := &Sender{cfg: cfg, q: q, wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.ctx, s.stop = context.WithCancel(ctx)
	go s.run()
	return s, nil
}

// Send queues one message (without framing).
func (s *Sender) Send(msg []byte) {
	if s.cfg.Network == "udp" {
		var cut bool
		if msg, cut = Truncate(msg, s.cfg.MaxDatagram); cut {
			s.mu.Lock()
			s.truncated++
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	s.q.push(msg)
	s.mu.Unlock()
	s.poke()
}

func (s *Sender) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Stats is a snapshot.
func (s *Sender) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Sent: s.sent, Dropped: s.q.dropped, Truncated: s.truncated, Unsent: s.q.len(),
		Spooled: s.cfg.SpoolDir != "" && s.q.diskErr == nil, SpoolErr: s.q.diskErr}
}

// Close sends what is queued until ctx ends, then stops; what is left
// stays in the spool directory for the next run, or is lost without one
// (Stats().Unsent says how many).
func (s *Sender) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.poke()
	select {
	case <-s.done:
	case <-ctx.Done():
		s.stop()
		<-s.done
	}
	s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.q.close()
	if n := s.q.len(); n > 0 && (s.cfg.SpoolDir == "" || s.q.diskErr != nil) {
		return fmt.Errorf("syslog: %d messages not delivered to %s and not spooled", n, s.cfg.Addr)
	}
	return err
}

// conn is one connection with a reader that notices the peer closing it.
type conn struct {
	c    net.Conn
	raw  net.Conn // the TCP connection under TLS (c itself otherwise)
	dead atomic.Bool
}

func (s *Sender) dial() (*conn, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.DialTimeout)
	defer cancel()
	network := s.cfg.Network
	if network == "tls" {
		network = "tcp"
	}
	raw, err := s.cfg.Dial(ctx, network, s.cfg.Addr)
	if err != nil {
		return nil, err
	}
	c := &conn{c: raw, raw: raw}
	if s.cfg.Network == "tls" {
		tc := s.cfg.TLS.Clone()
		if tc == nil {
			tc = &tls.Config{}
		}
		if tc.ServerName == "" {
			tc.ServerName, _, _ = net.SplitHostPort(s.cfg.Addr)
		}
		tc.MinVersion = max(tc.MinVersion, tls.VersionTLS12)
		t := tls.Client(raw, tc)
		if err := t.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		c.c = t
	}
	if s.cfg.Network != "udp" {
		// A syslog receiver never writes: a read returns only when the
		// peer has closed or reset the connection.
		go func() {
			var b [64]byte
			for {
				if _, err := c.c.Read(b[:]); err != nil {
					c.dead.Store(true)
					return
				}
			}
		}()
	}
	return c, nil
}

func (s *Sender) run() {
	defer close(s.done)
	var c *conn
	defer func() {
		if c != nil {
			c.c.Close()
		}
	}()
	backoff := time.Duration(0)
	var buf []byte
	for {
		s.mu.Lock()
		n, closing := s.q.len(), s.closing
		s.mu.Unlock()
		if n == 0 {
			if closing {
				return
			}
			select {
			case <-s.wake:
				continue
			case <-s.ctx.Done():
				return
			}
		}
		if backoff > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
				return
			}
		}
		if c != nil && (c.dead.Load() || (s.cfg.Network != "udp" && peerGone(c.raw))) {
			c.c.Close()
			c = nil
		}
		if c == nil {
			var err error
			if c, err = s.dial(); err != nil {
				backoff = s.next(backoff)
				s.cfg.Log.Debug().Err(err).Dur("retry_in", backoff).Msg("syslog: receiver unreachable")
				continue
			}
		}
		s.mu.Lock()
		id, msg := s.q.peek()
		s.mu.Unlock()
		buf = buf[:0]
		if s.cfg.Network == "udp" {
			buf = append(buf, msg...)
		} else {
			buf = AppendFrame(buf, msg)
		}
		c.c.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		if _, err := c.c.Write(buf); err != nil {
			// The message stays at the head of the queue; a frame cut
			// short dies with this connection and is sent whole on the
			// next.
			c.c.Close()
			c = nil
			backoff = s.next(backoff)
			s.cfg.Log.Debug().Err(err).Dur("retry_in", backoff).Msg("syslog: write failed")
			continue
		}
		backoff = 0
		s.mu.Lock()
		s.q.pop(id)
		s.sent++
		s.mu.Unlock()
	}
}

func (s *Sender) next(d time.Duration) time.Duration {
	if d == 0 {
		return s.cfg.MinBackoff
	}
	return min(2*d, s.cfg.MaxBackoff)
}

// ErrClosed is returned for records written after Close.
var ErrClosed = errors.New("syslog: writer closed")

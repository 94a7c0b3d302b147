package syslog

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// receiver is an octet-counting syslog receiver on 127.0.0.1.
type receiver struct {
	t     *testing.T
	ln    net.Listener
	mu    sync.Mutex
	msgs  []string
	conns []net.Conn
	wg    sync.WaitGroup
}

func listen(t *testing.T, addr string, tc *tls.Config) *receiver {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port of a stopped receiver may linger briefly
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if tc != nil {
		ln = tls.NewListener(ln, tc)
	}
	r := &receiver{t: t, ln: ln}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.mu.Lock()
			r.conns = append(r.conns, c)
			r.mu.Unlock()
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				br := bufio.NewReader(c)
				for {
					m, err := ReadFrame(br)
					if err != nil {
						return
					}
					r.mu.Lock()
					r.msgs = append(r.msgs, string(m))
					r.mu.Unlock()
				}
			}()
		}
	}()
	return r
}

func (r *receiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

func (r *receiver) waitFor(n int) []string {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if g := r.got(); len(g) >= n {
			return g
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.t.Fatalf("receiver got %d messages, want %d", len(r.got()), n)
	return nil
}

func (r *receiver) stop() {
	r.ln.Close()
	r.mu.Lock()
	for _, c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func testConfig(network, addr string) Config {
	return Config{Network: network, Addr: addr, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		DialTimeout: time.Second, WriteTimeout: 200 * time.Millisecond}
}

func msgN(i int) []byte { return fmt.Appendf(nil, "<134>1 - - camsweep - device - record %d", i) }

func checkInOrder(t *testing.T, got []string, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got %d messages, want %d", len(got), n)
	}
	for i, g := range got {
		if g != string(msgN(i)) {
			t.Fatalf("message %d is %q", i, g)
		}
	}
}

func TestSender_TCP_receiverRestart(t *testing.T) {
	for _, spool := range []bool{false, true} {
		t.Run(fmt.Sprint("spool=", spool), func(t *testing.T) {
			r := listen(t, "127.0.0.1:0", nil)
			addr := r.ln.Addr().String()
			cfg := testConfig("tcp", addr)
			if spool {
				cfg.SpoolDir = t.TempDir()
			}
			s, err := New(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			i := 0
			for ; i < 50; i++ {
				s.Send(msgN(i))
			}
			first := r.waitFor(50)
			r.stop()
			time.Sleep(50 * time.Millisecond) // the sender sees the close
			for ; i < 120; i++ {
				s.Send(msgN(i))
			}
			time.Sleep(100 * time.Millisecond) // several failed reconnects
			if st := s.Stats(); st.Unsent != 70 {
				t.Fatalf("with the receiver down %d unsent, want 70", st.Unsent)
			}
			r2 := listen(t, addr, nil)
			defer r2.stop()
			for ; i < 150; i++ {
				s.Send(msgN(i))
			}
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			checkInOrder(t, append(first, r2.waitFor(100)...), 150)
		})
	}
}

func TestSender_spoolAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig("tcp", "127.0.0.1:1") // nothing listens
	cfg.SpoolDir = dir
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		s.Send(msgN(i))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("spooled messages are not an error: %v", err)
	}
	r := listen(t, "127.0.0.1:0", nil)
	defer r.stop()
	cfg.Addr = r.ln.Addr().String()
	s, err = New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 20; i < 30; i++ {
		s.Send(msgN(i))
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkInOrder(t, r.waitFor(30), 30)
	// A third run sends nothing again.
	s, _ = New(t.Context(), cfg)
	if n := s.Stats().Unsent; n != 0 {
		t.Fatalf("%d messages left in the spool after delivery", n)
	}
	s.Close(t.Context())
}

func TestSender_spoolBound(t *testing.T) {
	cfg := testConfig("tcp", "127.0.0.1:1")
	cfg.SpoolDir, cfg.SpoolMax = t.TempDir(), 1000
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		s.Send(msgN(i))
	}
	st := s.Stats()
	if st.Dropped == 0 || st.Dropped+st.Unsent != 100 {
		t.Fatalf("stats %+v", st)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	s.Close(ctx)
}

func TestSender_UDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	cfg := testConfig("udp", pc.LocalAddr().String())
	cfg.MaxDatagram = 100
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		s.Send(msgN(i))
	}
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'x'
	}
	s.Send(long)
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65536)
	pc.SetReadDeadline(time.Now().Add(2 * time.Second))
	for i := range 11 {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		if i < 10 && string(buf[:n]) != string(msgN(i)) {
			t.Fatalf("datagram %d: %q", i, buf[:n])
		}
		if i == 10 && n != 100 {
			t.Fatalf("long message sent as %d bytes", n)
		}
	}
	if st := s.Stats(); st.Truncated != 1 {
		t.Fatalf("truncated %d", st.Truncated)
	}
}

func TestSender_TLS(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	r := listen(t, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	defer r.stop()
	cfg := testConfig("tls", r.ln.Addr().String())
	cfg.TLS = &tls.Config{RootCAs: pool}
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		s.Send(msgN(i))
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkInOrder(t, r.waitFor(20), 20)

	// An unknown CA is refused: nothing is delivered.
	cfg.TLS = &tls.Config{}
	s, _ = New(t.Context(), cfg)
	s.Send(msgN(0))
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if err := s.Close(ctx); err == nil {
		t.Fatal("message to an untrusted receiver reported delivered")
	}
}

func TestSender_receiverNeverReads(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	}()
	s, err := New(t.Context(), testConfig("tcp", ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 64<<10)
	for range 200 { // far more than the socket buffers hold
		s.Send(big)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := s.Close(ctx); err == nil {
		t.Fatal("undelivered messages not reported")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v past its deadline", d)
	}
}

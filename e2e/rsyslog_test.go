package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/report/syslog"
)

// Issue 8: Debian's rsyslog as the receiver of report/syslog, over UDP, TCP
// (RFC 6587 octet counting) and TLS (RFC 5425, rsyslog's GnuTLS driver),
// with a restart of rsyslogd in the middle of a run.
//
// Everything runs in a network namespace of the test's own
// (<prefix>syslog, prefix from CAMSWEEP_E2E_PREFIX as for the lab), with
// only lo in it: rsyslogd is started there by "ip netns exec", and the
// sockets of the sender are created there. Nothing is sent in the root
// namespace, not even on its loopback.

// The receiver's ports in the test namespace: the IANA syslog ports.
const (
	rsyslogUDPPort = 514  // RFC 5426
	rsyslogTCPPort = 601  // RFC 6587 (syslog-conn)
	rsyslogTLSPort = 6514 // RFC 5425
)

// rsyslogCLITarget is an address of the test namespace's lo: the address
// the CLI check scans, so the scan never leaves the namespace.
const rsyslogCLITarget = "198.18.254.1"

// needRsyslog returns rsyslogd's path, or skips (fails in CI) without root,
// iproute2, rsyslogd or its GnuTLS network stream driver.
func needRsyslog(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("required in CI (make deps installs it): %s", why)
		}
		t.Skipf("rsyslog test not possible here: %s", why)
	}
	if err := lab.Check(); err != nil {
		missing(err.Error())
	}
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		bin = "/usr/sbin/rsyslogd" // root's PATH without sbin
		if _, err := os.Stat(bin); err != nil {
			missing("rsyslogd not found (apt-get install rsyslog)")
		}
	}
	var drivers []string
	for _, pattern := range []string{"/usr/lib/*/rsyslog/lmnsd_gtls.so", "/usr/lib/rsyslog/lmnsd_gtls.so", "/usr/lib64/rsyslog/lmnsd_gtls.so"} {
		m, _ := filepath.Glob(pattern)
		drivers = append(drivers, m...)
	}
	if len(drivers) == 0 {
		missing("rsyslog's GnuTLS driver lmnsd_gtls.so not found (apt-get install rsyslog-gnutls)")
	}
	return bin
}

// rsyslogNetns creates the test's namespace with lo up (and
// rsyslogCLITarget on it), and deletes it when the test ends.
func rsyslogNetns(t *testing.T) string {
	t.Helper()
	ns := prefix + "syslog"
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		// Never take over a namespace of that name: it may be another
		// run's (TestMain's lab.Down clears one a crash left behind).
		t.Fatalf("ip netns add %s: %v: %s", ns, err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		// Every process of the namespace is stopped by then (the
		// cleanups run last-registered first); one left is reported,
		// not killed.
		if out, _ := exec.Command("ip", "netns", "pids", ns).Output(); len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("processes left in %s: %s", ns, bytes.Fields(out))
		}
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns, err, bytes.TrimSpace(out))
		}
	})
	script := "link set lo up\naddr add " + rsyslogCLITarget + "/32 dev lo\n"
	cmd := exec.Command("ip", "-n", ns, "-batch", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ip -n %s: %v: %s", ns, err, bytes.TrimSpace(out))
	}
	return ns
}

// rsyslogDial is a syslog.Config.Dial whose sockets belong to namespace ns.
//
// Why not run the sender in the namespace as a process of its own: the
// restart test steps the sender and the receiver in turn (records before,
// during and after the receiver is down), which a child process would need
// a control channel for. A socket keeps the namespace it was created in, so
// only the socket(2) call has to happen there: each dial runs on a
// goroutine locked to its OS thread, moves the thread into ns with
// setns(2), dials and moves it back. Nothing else runs on a locked thread
// (and the runtime starts new threads from a clean template thread while a
// locked one asks), so only the dial happens in ns. When the move back
// fails, the thread stays locked and the runtime retires it with the
// goroutine; when the move in fails, nothing is dialled.
func rsyslogDial(ns string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		// An address literal: no resolver, whose goroutines would make
		// sockets on other threads.
		if _, err := netip.ParseAddrPort(addr); err != nil {
			return nil, fmt.Errorf("dial %s: want an address literal: %w", addr, err)
		}
		type result struct {
			c   net.Conn
			err error
		}
		ch := make(chan result, 1)
		go func() {
			runtime.LockOSThread()
			c, back, err := func() (net.Conn, bool, error) {
				self, err := os.Open("/proc/thread-self/ns/net")
				if err != nil {
					return nil, true, err
				}
				defer self.Close()
				target, err := os.Open(filepath.Join("/run/netns", ns))
				if err != nil {
					return nil, true, err
				}
				defer target.Close()
				if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
					return nil, true, fmt.Errorf("setns %s: %w", ns, err)
				}
				var d net.Dialer
				c, err := d.DialContext(ctx, network, addr)
				if berr := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); berr != nil {
					if c != nil {
						c.Close()
					}
					return nil, false, fmt.Errorf("setns back from %s: %w", ns, berr)
				}
				return c, true, err
			}()
			if back {
				runtime.UnlockOSThread()
			}
			ch <- result{c, err}
		}()
		r := <-ch
		return r.c, r.err
	}
}

// rsyslogPKI writes a CA and a server certificate for 127.0.0.1 signed by it
// into dir (ca.pem, server.pem, server-key.pem), made at test time.
func rsyslogPKI(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "camsweep e2e test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER, 0o644),
		write("server.pem", "CERTIFICATE", der, 0o644),
		write("server-key.pem", "PRIVATE KEY", keyDER, 0o600)
}

// rsyslogd is one receiver: its configuration, and the daemon while it
// runs (cmd is nil while it is stopped).
type rsyslogd struct {
	t       *testing.T
	bin, ns string
	dir     string
	conf    string
	pidFile string
	log     string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

// out is the file a transport's messages are written to.
func (r *rsyslogd) out(transport string) string { return filepath.Join(r.dir, transport+".jsonl") }

// rsyslogConf is rsyslog's configuration: the three inputs on 127.0.0.1 of
// the namespace, each with a ruleset writing one JSON line per message
// with the message as received (rawmsg) and rsyslog's reading of its RFC
// 5424 fields. No imuxsock (no /dev/log), no imklog: nothing of the host's
// own logging is touched.
const rsyslogConf = `# Written by camsweep's e2e/rsyslog_test.go for one test run.
global(
	workDirectory=%[1]q
	maxMessageSize="64k"
	# No lookup of the sender's name.
	net.enableDNS="off"
	defaultNetstreamDriverCAFile=%[2]q
	defaultNetstreamDriverCertFile=%[3]q
	defaultNetstreamDriverKeyFile=%[4]q
)
# One worker keeps the order in which each connection's messages arrived.
main_queue(queue.workerThreads="1")
module(load="imudp")
module(load="imtcp" maxSessions="32")
template(name="camsweep" type="list") {
	constant(value="{\"raw\":\"")       property(name="rawmsg" format="json")
	constant(value="\",\"version\":\"") property(name="protocol-version" format="json")
	constant(value="\",\"app\":\"")     property(name="app-name" format="json")
	constant(value="\",\"msgid\":\"")   property(name="msgid" format="json")
	constant(value="\",\"sd\":\"")      property(name="structured-data" format="json")
	constant(value="\",\"msg\":\"")     property(name="msg" format="json")
	constant(value="\"}\n")
}
ruleset(name="udp") { action(type="omfile" file=%[5]q template="camsweep") }
ruleset(name="tcp") { action(type="omfile" file=%[6]q template="camsweep") }
ruleset(name="tls") { action(type="omfile" file=%[7]q template="camsweep") }
# A buffer for the writers' bursts of datagrams.
input(type="imudp" address="127.0.0.1" port="%[8]d" ruleset="udp" rcvbufSize="4m")
input(type="imtcp" address="127.0.0.1" port="%[9]d" ruleset="tcp")
input(type="imtcp" address="127.0.0.1" port="%[10]d" ruleset="tls"
	streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
`

func newRsyslogd(t *testing.T, bin, ns, dir, caFile, certFile, keyFile string) *rsyslogd {
	t.Helper()
	r := &rsyslogd{t: t, bin: bin, ns: ns, dir: dir,
		conf: filepath.Join(dir, "rsyslog.conf"), pidFile: filepath.Join(dir, "rsyslogd.pid"), log: filepath.Join(dir, "rsyslogd.log")}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	paths := []string{work, caFile, certFile, keyFile, r.out("udp"), r.out("tcp"), r.out("tls")}
	args := []any{}
	for _, p := range paths {
		if strings.ContainsAny(p, "\"\\\n") {
			t.Fatalf("path %q cannot be quoted for rsyslog", p)
		}
		args = append(args, p)
	}
	args = append(args, rsyslogUDPPort, rsyslogTCPPort, rsyslogTLSPort)
	if err := os.WriteFile(r.conf, fmt.Appendf(nil, rsyslogConf, args...), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.stop)
	return r
}

// start runs rsyslogd in the namespace (in the foreground: -n, so its PID
// is ours to stop) and waits until its three inputs listen.
func (r *rsyslogd) start() {
	t := r.t
	t.Helper()
	if r.cmd != nil {
		t.Fatal("rsyslogd already running")
	}
	logf, err := os.OpenFile(r.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	// Not CommandContext: the test stops it with SIGTERM, and the
	// cleanup does so on every path.
	cmd := exec.Command("ip", "netns", "exec", r.ns, r.bin, "-n", "-f", r.conf, "-i", r.pidFile)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting rsyslogd: %v", err)
	}
	r.cmd, r.exited = cmd, make(chan struct{})
	go func() {
		r.waitErr = cmd.Wait()
		close(r.exited)
	}()
	// ip netns exec execs rsyslogd in place: this PID is rsyslogd's, in
	// the test's namespace.
	pid := cmd.Process.Pid
	nsInfo, err := os.Stat(filepath.Join("/run/netns", r.ns))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("net:[%d]", nsInfo.Sys().(*syscall.Stat_t).Ino)
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-r.exited:
			r.cmd = nil
			t.Fatalf("rsyslogd exited (%v): %s", r.waitErr, rsyslogLogTail(r.log))
		default:
		}
		// Before the exec the link is ip's, in the root namespace.
		if link, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid)); link == want &&
			rsyslogListens(pid, "tcp", rsyslogTCPPort) && rsyslogListens(pid, "tcp", rsyslogTLSPort) && rsyslogListens(pid, "udp", rsyslogUDPPort) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rsyslogd (PID %d) not listening after 15s: %s", pid, rsyslogLogTail(r.log))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if b, err := os.ReadFile(r.pidFile); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(pid) {
		t.Errorf("pid file %q (%v), want %d", b, err, pid)
	}
}

// rsyslogLogTail is the end of a log file, for a failure message.
func rsyslogLogTail(path string) string {
	b, _ := os.ReadFile(path)
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return fmt.Sprintf("%s:\n%s", path, b)
}

// rsyslogListens reports whether pid's network namespace has a socket on
// 127.0.0.1:port, listening for tcp, bound for udp (/proc/PID/net/tcp
// lists the namespace of PID).
func rsyslogListens(pid int, proto string, port int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, proto))
	if err != nil {
		return false
	}
	local := fmt.Sprintf("0100007F:%04X", port)
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) > 3 && f[1] == local && (proto == "udp" || f[3] == "0A") {
			return true
		}
	}
	return false
}

// stop sends SIGTERM to the rsyslogd the test started and waits for it to
// exit (SIGKILL after 10s). It does nothing when none runs.
func (r *rsyslogd) stop() {
	if r.cmd == nil {
		return
	}
	defer func() { r.cmd = nil }()
	select {
	case <-r.exited:
		return
	default:
	}
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		r.t.Errorf("SIGTERM to rsyslogd: %v", err)
	}
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		r.t.Errorf("rsyslogd did not stop in 10s after SIGTERM; killing it: %s", rsyslogLogTail(r.log))
		r.cmd.Process.Kill()
		<-r.exited
	}
}

// rsyslogLine is one line rsyslog wrote (the template in rsyslogConf).
type rsyslogLine struct {
	Raw, Version, App, MsgID, SD, Msg string
}

// lines reads what rsyslog wrote for a transport so far, whole lines only.
func (r *rsyslogd) lines(transport string) []rsyslogLine {
	r.t.Helper()
	b, err := os.ReadFile(r.out(transport))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		r.t.Fatal(err)
	}
	var out []rsyslogLine
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break // being written
		}
		var l rsyslogLine
		if err := json.Unmarshal(b[:i], &l); err != nil {
			r.t.Fatalf("%s: line %d: %v: %q", r.out(transport), len(out)+1, err, b[:i])
		}
		out = append(out, l)
		b = b[i+1:]
	}
	return out
}

// rsyslogStream is one syslog.Writer (one sender, one connection at a
// time) and what it must deliver: the messages it sends, worked out
// independently of it from the report package's line for each record.
type rsyslogStream struct {
	transport, format string
	runID             string
	sender            *syslog.Sender
	w                 *syslog.Writer
	closed            bool
	ref               report.Writer
	refBuf            bytes.Buffer
	host              string
	sd                string   // the STRUCTURED-DATA sent
	want              []string // every message in order, as the receiver must see it
}

func (s *rsyslogStream) name() string { return s.transport + "/" + s.format }

// rsyslogHost is the writer's HOSTNAME field.
const rsyslogHost = "jump-01.lab.example"

func newRsyslogStream(t *testing.T, ns, transport, format, caFile, spool string) *rsyslogStream {
	t.Helper()
	port := map[string]int{"udp": rsyslogUDPPort, "tcp": rsyslogTCPPort, "tls": rsyslogTLSPort}[transport]
	// The run id is the message's SD-PARAM: quote and bracket make the
	// writer escape it and rsyslog unescape it.
	s := &rsyslogStream{transport: transport, format: format, host: rsyslogHost,
		runID: fmt.Sprintf(`e2e-rsyslog-%s-%s-"q"]`, transport, format)}
	s.sd = fmt.Sprintf(`[%s run_id="%s"]`, syslog.SDID, strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`).Replace(s.runID))
	cfg := syslog.Config{Network: transport, Addr: fmt.Sprintf("127.0.0.1:%d", port), SpoolDir: spool, Dial: rsyslogDial(ns),
		Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel).With().Str("stream", s.name()).Logger()}
	if transport == "tls" {
		// As camsweep's --syslog-ca does: trust the CA file only.
		pemData, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemData) {
			t.Fatal("no certificate in", caFile)
		}
		cfg.TLS = &tls.Config{RootCAs: pool}
	}
	var err error
	if s.sender, err = syslog.New(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	ro := report.Options{Version: "e2e", Hostname: rsyslogHost}
	if s.w, err = syslog.NewWriter(t.Context(), s.sender, syslog.WriterOptions{Format: format, Report: ro, Hostname: rsyslogHost, CloseTimeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if s.ref, err = report.NewWithOptions(format, &s.refBuf, ro); err != nil {
		t.Fatal(err)
	}
	// On a failed test the sender stops at once; what it held stays in
	// its spool, in the test's temp dir.
	t.Cleanup(func() {
		if !s.closed {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Second)
			defer cancel()
			s.sender.Close(ctx)
		}
	})
	return s
}

// expect adds the messages of the lines the reference writer produced:
// <PRI>1 TIMESTAMP HOSTNAME camsweep PROCID MSGID [camsweep@32473 run_id=".."] LINE,
// each cut to the datagram bound on UDP. kind gives each line's MSGID and
// severity.
func (s *rsyslogStream) expect(ts time.Time, kind func(i int) (string, int)) {
	lines := strings.Split(strings.TrimSuffix(s.refBuf.String(), "\n"), "\n")
	s.refBuf.Reset()
	for i, line := range lines {
		id, sev := kind(i)
		msg := fmt.Sprintf(`<%d>1 %s %s camsweep %d %s %s %s`, syslog.FacilityLocal0*8+sev,
			ts.Format("2006-01-02T15:04:05.000000Z07:00"), s.host, os.Getpid(), id, s.sd, line)
		if s.transport == "udp" {
			b, _ := syslog.Truncate([]byte(msg), syslog.DefaultMaxDatagram)
			msg = string(b)
		}
		s.want = append(s.want, msg)
	}
}

// record sends r and expects a message per line of its payload: the
// device, and with CEF one per finding.
func (s *rsyslogStream) record(t *testing.T, r *device.Record) {
	t.Helper()
	if err := s.w.WriteRecord(r); err != nil {
		t.Fatal(err)
	}
	if err := s.ref.WriteRecord(r); err != nil {
		t.Fatal(err)
	}
	s.expect(r.Time, func(i int) (string, int) {
		if i > 0 {
			return "finding", syslog.Severity(r.Findings[i-1].Severity)
		}
		return "device", syslog.Severity(r.MaxSeverity())
	})
}

// run sends the run record. The syslog writer adds its losses to rr
// first (as the CLI's tee relies on), so the reference writer sees them.
func (s *rsyslogStream) run(t *testing.T, rr *device.RunRecord) {
	t.Helper()
	if err := s.w.WriteRun(rr); err != nil {
		t.Fatal(err)
	}
	if err := s.ref.WriteRun(rr); err != nil {
		t.Fatal(err)
	}
	sev := syslog.SevNotice
	if rr.Interrupted || len(rr.Errors) > 0 {
		sev = syslog.SevWarning
	}
	s.expect(rr.End, func(int) (string, int) { return "run", sev })
}

// got picks the stream's messages out of what rsyslog wrote for its
// transport, in order, checking that rsyslog read each one as an RFC 5424
// message with the fields it was sent with.
func (s *rsyslogStream) got(t *testing.T, lines []rsyslogLine) []string {
	t.Helper()
	var out []string
	for _, l := range lines {
		m, err := syslog.Parse([]byte(l.Raw))
		if err != nil {
			t.Fatalf("%s: rsyslog wrote a message that does not parse: %v: %q", s.transport, err, l.Raw)
		}
		if len(m.SD) != 1 || m.SD[0].ID != syslog.SDID || len(m.SD[0].Params) != 1 || m.SD[0].Params[0].Value != s.runID {
			continue // another stream's
		}
		if l.Version != "1" || l.App != m.AppName || l.MsgID != m.MsgID || l.Msg != m.Msg || l.SD != s.sd {
			t.Errorf("%s: rsyslog read version %q app %q msgid %q sd %q msg %q from %q", s.name(), l.Version, l.App, l.MsgID, l.SD, l.Msg, l.Raw)
		}
		out = append(out, l.Raw)
	}
	return out
}

// waitFor waits until rsyslog has written n of the stream's messages and
// returns all of them.
func (s *rsyslogStream) waitFor(t *testing.T, r *rsyslogd, n int, within time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := s.got(t, r.lines(s.transport))
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// check compares what arrived with what was sent: every message exactly
// once, intact, in order.
func (s *rsyslogStream) check(t *testing.T, got []string) {
	t.Helper()
	if slices.Equal(got, s.want) {
		return
	}
	t.Errorf("%s: rsyslog has %d messages, sent %d", s.name(), len(got), len(s.want))
	for i := range max(len(got), len(s.want)) {
		switch {
		case i >= len(got):
			t.Errorf("%s: message %d missing: %.200q", s.name(), i, s.want[i])
			return
		case i >= len(s.want):
			t.Errorf("%s: message %d extra: %.200q", s.name(), i, got[i])
			return
		case got[i] != s.want[i]:
			t.Errorf("%s: message %d differs:\n got %q\nwant %q", s.name(), i, got[i], s.want[i])
			return
		}
	}
}

// rsyslogSpooled reads the frames in a spool directory, oldest segment first
// (report/syslog's queue: NNNN.spool files of octet-counted frames).
func rsyslogSpooled(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.spool"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	var out []string
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(f)
		for {
			m, err := syslog.ReadFrame(br)
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Errorf("%s: %v", name, err)
				}
				break
			}
			out = append(out, string(m))
		}
		f.Close()
	}
	return out
}

// rsyslogRecord is device record i of a stream: makers and models with
// the characters each format escapes (UTF-8, quotes, backslash, '|', '=',
// ']'), findings on every third, and an evidence field of pad bytes.
func rsyslogRecord(runID string, i, pad int) *device.Record {
	base := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	vendor := []string{"Hikvision", "Dahua", "Axis", "海康威视 Hikvision", `Uniview "UNV"`}[i%5]
	r := &device.Record{
		Schema:     device.SchemaDevice,
		Time:       base.Add(time.Duration(i)*time.Second + time.Duration(i*1013)*time.Microsecond),
		RunID:      runID,
		IP:         fmt.Sprintf("198.18.%d.%d", 10+i/200, 1+i%200),
		MAC:        fmt.Sprintf("c0:56:e3:00:%02x:%02x", i/256, i%256),
		MACVendor:  "Hangzhou Hikvision Digital Technology Co.,Ltd.",
		Ports:      []uint16{80, 554, 8000},
		Camera:     true,
		DeviceType: device.TypeCamera,
		Vendor:     &vendor,
		Brand:      "Brand ü]",
		Model:      fmt.Sprintf(`DS-2CD2%03dG2-I|x=y\z "cam" #%d`, i, i),
		Firmware:   "V5.7.3 build 220112 — 𝄞",
		Serial:     fmt.Sprintf("SN%08d", i),
		Confidence: 0.93,
		Zone:       device.Zone{Name: "corp-primary", Kind: device.ZonePrimary, Sensitive: true},
		Evidence: []device.RecordEvidence{{Source: device.SourceHTTP, Port: 80, Rules: []string{"hikvision.http.server"},
			Fields: map[string]string{"http.server": "App-webs/", "http.title": strings.Repeat("ab=c|d\\é ", pad/10)}}},
	}
	if i%3 == 0 {
		r.Findings = []device.Finding{
			{ID: device.FindingCoveredOnPrimary, Severity: device.SeverityHigh, Policy: "uk-nil", Summary: vendor + " camera on a primary network"},
			{ID: device.FindingCameraOnPrimary, Severity: device.SeverityLow, Policy: "uk-nil", Summary: "camera | on = primary"},
		}
		r.Flagged = true
	}
	return r
}

// rsyslogUp makes the namespace, the test CA and rsyslogd's configuration
// and starts rsyslogd; all of it goes when the test ends.
func rsyslogUp(t *testing.T) (*rsyslogd, string) {
	t.Helper()
	bin := needRsyslog(t)
	ns := rsyslogNetns(t)
	dir := t.TempDir()
	caFile, certFile, keyFile := rsyslogPKI(t, dir)
	rs := newRsyslogd(t, bin, ns, dir, caFile, certFile, keyFile)
	start := time.Now()
	rs.start()
	t.Logf("rsyslogd up in namespace %s in %v", ns, time.Since(start).Round(time.Millisecond))
	return rs, caFile
}

// TestRsyslog_writerAcrossRestart sends device records and a run record
// through report/syslog's Writer to rsyslogd over UDP, TCP and TLS, with
// JSON and CEF payloads (six writers, each its own sender and spool), and
// stops rsyslogd between two batches and starts it again.
//
// What the writer guarantees, and so what is asserted: on TCP and TLS a
// message leaves the queue (and the spool) once a write of its whole frame
// has succeeded, the next one is written only after it, and a connection
// the receiver has closed is dropped before the next write; so when the
// receiver read everything before it stopped, every message arrives
// exactly once and in order, those sent while it is down from the spool
// after the reconnect. No deduplication is done here: a duplicate fails.
// Limits the test does not cross: syslog has no acknowledgements, so
// bytes the receiver had not read when it died, and a message written in
// the moment between its exit and the sender reading the close, are lost.
// The test therefore waits for rsyslog to have written the first batch
// before it stops it, and gives the sender a moment to see the close. UDP
// (at most once, datagrams over 2048 bytes cut and counted) sends nothing
// while the receiver is down: it would be lost by design.
func TestRsyslog_writerAcrossRestart(t *testing.T) {
	rs, caFile := rsyslogUp(t)
	ns, dir := rs.ns, rs.dir

	var streams []*rsyslogStream
	for _, tr := range []string{"udp", "tcp", "tls"} {
		for _, f := range []string{"json", "cef"} {
			streams = append(streams, newRsyslogStream(t, ns, tr, f, caFile, filepath.Join(dir, "spool-"+tr+"-"+f)))
		}
	}
	const batch1, batch2, batch3 = 40, 30, 30
	// Sizes: small, medium and, every 10th, larger than a datagram; on
	// TCP and TLS one of 30 kB.
	pad := func(s *rsyslogStream, i int) int {
		switch {
		case i == 7 && s.transport != "udp":
			return 30000
		case i%10 == 9:
			return 2500
		}
		return 40 * (i % 7)
	}
	send := func(s *rsyslogStream, from, to int) {
		for i := from; i < to; i++ {
			s.record(t, rsyslogRecord(s.runID, i, pad(s, i)))
		}
	}

	// 1. All up: the first batch, until rsyslog has written all of it.
	t0 := time.Now()
	for _, s := range streams {
		send(s, 0, batch1)
	}
	for _, s := range streams {
		if got := s.waitFor(t, rs, len(s.want), 30*time.Second); len(got) != len(s.want) {
			s.check(t, got)
			t.FailNow()
		}
	}
	t.Logf("batch 1: %d records per writer written by rsyslog after %v", batch1, time.Since(t0).Round(time.Millisecond))

	// 2. rsyslogd stopped; TCP and TLS writers go on and must spool.
	t1 := time.Now()
	rs.stop()
	t.Logf("rsyslogd stopped (SIGTERM) in %v", time.Since(t1).Round(time.Millisecond))
	// No pause here: the sender asks the kernel for the TCP state before
	// every write (report/syslog peerGone), so a record queued right after
	// the receiver closed is not written into the dead connection. Before
	// that check, 1 run in 5 lost a record here.
	sentBefore := map[*rsyslogStream]int{}
	for _, s := range streams {
		sentBefore[s] = len(s.want)
		if s.transport != "udp" {
			send(s, batch1, batch1+batch2)
		}
	}
	time.Sleep(time.Second) // a few refused dials
	for _, s := range streams {
		st := s.sender.Stats()
		unsent := len(s.want) - sentBefore[s]
		if st.Sent != sentBefore[s] || st.Unsent != unsent || !st.Spooled || st.SpoolErr != nil || st.Dropped != 0 {
			t.Errorf("%s while rsyslogd is down: %+v, want %d sent, %d unsent and spooled", s.name(), st, sentBefore[s], unsent)
		}
		if unsent == 0 {
			continue
		}
		sp := rsyslogSpooled(t, filepath.Join(dir, "spool-"+s.transport+"-"+s.format))
		if len(sp) < unsent || !slices.Equal(sp[len(sp)-unsent:], s.want[sentBefore[s]:]) {
			t.Errorf("%s: the spool's last %d messages are not the unsent ones (%d frames spooled)", s.name(), unsent, len(sp))
		}
	}
	t.Logf("batch 2: %d records per TCP and TLS writer queued and spooled while rsyslogd is down", batch2)

	// 3. rsyslogd back: the spooled messages go first, then the rest and
	// the run record; Close waits until all are written.
	t2 := time.Now()
	rs.start()
	down := time.Since(t1)
	t.Logf("rsyslogd restarted in %v; it was down %v", time.Since(t2).Round(time.Millisecond), down.Round(time.Millisecond))
	t3 := time.Now()
	for _, s := range streams {
		if s.transport != "udp" {
			if got := s.waitFor(t, rs, sentBefore[s]+1, 30*time.Second); len(got) <= sentBefore[s] {
				t.Errorf("%s: nothing of the spool arrived %v after rsyslogd came back", s.name(), time.Since(t3))
			} else {
				t.Logf("%s: first spooled message written by rsyslog %v after it came back", s.name(), time.Since(t3).Round(time.Millisecond))
			}
		}
	}
	for _, s := range streams {
		from := batch1 + batch2
		if s.transport == "udp" {
			from = batch1
		}
		send(s, from, from+batch3)
		s.run(t, &device.RunRecord{Schema: device.SchemaRun, RunID: s.runID, Version: "e2e",
			Start: time.Date(2026, 11, 26, 9, 29, 0, 0, time.UTC), End: time.Date(2026, 11, 26, 9, 45, 0, 7000, time.UTC),
			Targets: []string{"198.18.10.0/24"}, Addresses: 254, Probed: 254, Policy: "uk-nil", Zones: "zones.yaml"})
	}
	for _, s := range streams {
		err := s.w.Close()
		s.closed = true
		if err != nil {
			t.Errorf("%s: close: %v", s.name(), err)
		}
		if st := s.sender.Stats(); st.Sent != len(s.want) || st.Unsent != 0 || st.Dropped != 0 {
			t.Errorf("%s: after close %+v, want all %d sent", s.name(), st, len(s.want))
		}
	}
	t.Logf("batch 3 and the run record sent, writers closed %v after the restart", time.Since(t3).Round(time.Millisecond))

	for _, s := range streams {
		got := s.waitFor(t, rs, len(s.want), 30*time.Second)
		s.check(t, got)
		cut := 0
		for _, m := range got {
			if strings.HasSuffix(m, "…") && len(m) > 2000 {
				cut++
			}
		}
		records := batch1 + batch2 + batch3
		if s.transport == "udp" {
			records = batch1 + batch3
		}
		t.Logf("%s: %d records, %d messages sent, %d received by rsyslog (%d cut to %d bytes)", s.name(), records, len(s.want), len(got), cut, syslog.DefaultMaxDatagram)
		if s.transport == "udp" && s.format == "json" && cut == 0 {
			t.Errorf("%s: no message was cut to the datagram bound", s.name())
		}
	}
	rs.stop()
	if b, _ := os.ReadFile(rs.log); len(b) > 0 {
		t.Logf("rsyslogd's own messages, %s", rsyslogLogTail(rs.log))
	}
}

// TestRsyslog_cliScanTLS runs camsweep scan as a user would, in the test
// namespace, with --syslog tls:// --syslog-ca --syslog-spool: its target
// is an address of the namespace's lo, so the only record is the run's,
// and the line rsyslog received over TLS must be the one on stdout.
func TestRsyslog_cliScanTLS(t *testing.T) {
	rs, caFile := rsyslogUp(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := lab.Exec(ctx, rs.ns, binary, "scan", "--no-state", rsyslogCLITarget, "--format", "cef",
		"--syslog", fmt.Sprintf("tls://127.0.0.1:%d", rsyslogTLSPort), "--syslog-ca", caFile,
		"--syslog-format", "cef", "--syslog-spool", filepath.Join(rs.dir, "cli-spool"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("camsweep scan: %v\nstderr:\n%s", err, stderr.String())
	}
	t.Logf("camsweep scan %s with --syslog tls:// took %v", rsyslogCLITarget, took.Round(time.Millisecond))
	// The target is the namespace's own address: it answers the liveness
	// stage with RSTs, so a device line (the host itself, type unknown)
	// comes before the run line.
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	line := lines[len(lines)-1]
	for _, l := range lines {
		if !strings.HasPrefix(l, "CEF:0|camsweep|camsweep|") {
			t.Fatalf("stdout line is not CEF: %q", l)
		}
	}
	if !strings.Contains(line, "|scan-completed|") || len(lines) > 2 {
		t.Fatalf("stdout is not at most one device line and the CEF run line: %q", out)
	}
	// The extension follows the seventh '|'; its values here hold no
	// spaces.
	ext := map[string]string{}
	for f := range strings.FieldsSeq(strings.SplitN(line, "|", 8)[7]) {
		if k, v, ok := strings.Cut(f, "="); ok {
			ext[k] = v
		}
	}
	runID, rt := ext["cs6"], ext["rt"]

	var got []rsyslogLine
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < len(lines) && time.Now().Before(deadline) {
		got = rs.lines("tls")
		time.Sleep(20 * time.Millisecond)
	}
	if len(got) != len(lines) {
		t.Fatalf("rsyslog wrote %d messages over TLS, want the %d of stdout: %+v", len(got), len(lines), got)
	}
	// The run's message is the last, as on stdout.
	got = got[len(got)-1:]
	m, err := syslog.Parse([]byte(got[0].Raw))
	if err != nil {
		t.Fatalf("%v: %q", err, got[0].Raw)
	}
	host, _ := os.Hostname()
	if m.Msg != line || got[0].Msg != line {
		t.Errorf("syslog MSG differs from stdout:\n got %q\nwant %q", m.Msg, line)
	}
	if m.Facility != syslog.FacilityLocal0 || m.Severity != syslog.SevNotice || m.AppName != "camsweep" || m.MsgID != "run" ||
		m.ProcID != strconv.Itoa(cmd.Process.Pid) || m.Hostname != host || strconv.FormatInt(m.Time.UnixMilli(), 10) != rt ||
		len(m.SD) != 1 || m.SD[0].ID != syslog.SDID || len(m.SD[0].Params) != 1 || m.SD[0].Params[0] != (syslog.Param{Name: "run_id", Value: runID}) {
		t.Errorf("header of %q: %+v; want local0.notice from camsweep[%d] on %s, msgid run, run_id %s, time %s ms", got[0].Raw, m, cmd.Process.Pid, host, runID, rt)
	}
	if got[0].Version != "1" || got[0].App != "camsweep" || got[0].MsgID != "run" {
		t.Errorf("rsyslog read %+v", got[0])
	}
}

// Package lab builds the simulated department network of docs/ARCHITECTURE.md §The lab
// out of Linux network namespaces and runs one device emulator
// (lab/emulator) in each device namespace.
//
// Topology, for prefix "csw-": a switch namespace per segment holding a
// bridge (csw-sw-primary, csw-sw-cctv), a router namespace (csw-router) with
// one interface per segment and IPv4 forwarding on, the scanner's jump
// namespace (csw-jump) on its segment, and a namespace per device
// (csw-d-<name>) whose eth0 carries the spec's MAC and address.
//
// Safety: every address is in 198.18.0.0/15; nothing is created in, or sent
// from, the root namespace (veths are created inside the switch namespace
// with their peer moved straight into the other namespace); every namespace
// name starts with the spec's prefix, and Down removes exactly those and
// stops only the processes inside them or recorded in its PID files.
//
// The namespaces are driven by the ip(8) command from iproute2 rather than
// netlink: see README.md for why.
package lab

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/camsweep/camsweep/lab/emulator"
)

// ErrUnsupported is returned by Check when the lab cannot run here.
var ErrUnsupported = errors.New("the lab needs root and iproute2 (apt-get install iproute2)")

// Check reports whether the lab can run: Linux, root, and ip(8) on PATH.
func Check() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("%w: network namespaces need Linux, this is %s", ErrUnsupported, runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: running as uid %d", ErrUnsupported, os.Geteuid())
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return fmt.Errorf("%w: ip not found", ErrUnsupported)
	}
	return nil
}

// Options tune Up and Down.
type Options struct {
	// Binary is the lab's command, camsweep-lab (cmd/camsweep-lab), that
	// runs the emulators ("<Binary> serve ..."); empty means
	// os.Executable(). The scanner, camsweep, has no serve command: the
	// shipped binary carries no emulator.
	Binary string
	// StateDir holds logs, PID files, ready files, spec.yaml and zones.yaml;
	// empty means DefaultStateDir(prefix).
	StateDir string
	// ReadyTimeout bounds the wait for every emulator to listen; 0 means 15s.
	ReadyTimeout time.Duration
}

// DefaultStateDir is /run/camsweep-lab/<prefix>.
func DefaultStateDir(prefix string) string { return filepath.Join("/run/camsweep-lab", prefix) }

func (o Options) stateDir(prefix string) string {
	if o.StateDir != "" {
		return o.StateDir
	}
	return DefaultStateDir(prefix)
}

// Up builds the lab of spec and starts its emulators. A lab with the same
// prefix that is already there (left by a crash or an earlier Up) is torn
// down first, so Up is idempotent. Up returns once every emulator listens;
// on failure it tears down what it built.
func Up(ctx context.Context, spec *Spec, opts Options) (err error) {
	if err := Check(); err != nil {
		return err
	}
	dir := opts.stateDir(spec.Prefix)
	if err := Down(ctx, spec.Prefix, opts); err != nil {
		return fmt.Errorf("lab up: clearing the old lab: %w", err)
	}
	defer func() {
		if err != nil {
			// A cancelled ctx must not stop the clean-up.
			_ = Down(context.WithoutCancel(ctx), spec.Prefix, opts)
		}
	}()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lab up: %w", err)
	}
	specData, err := spec.Marshal()
	if err != nil {
		return fmt.Errorf("lab up: %w", err)
	}
	zones, err := Zones(spec)
	if err != nil {
		return err
	}
	specPath := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(specPath, specData, 0o644); err != nil {
		return fmt.Errorf("lab up: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "zones.yaml"), zones, 0o644); err != nil {
		return fmt.Errorf("lab up: %w", err)
	}
	if err := build(ctx, spec); err != nil {
		return fmt.Errorf("lab up: %w", err)
	}
	bin := opts.Binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return fmt.Errorf("lab up: %w", err)
		}
	}
	if err := startEmulators(ctx, spec, bin, dir, specPath, opts.ReadyTimeout); err != nil {
		return err
	}
	return startAvahi(ctx, spec, dir, opts.ReadyTimeout)
}

// build creates the namespaces and wires them. It runs one ip process per
// namespace ("ip -n NS -batch -"), the switches and then every endpoint in
// parallel, which keeps a lab of a dozen namespaces at well under a second.
func build(ctx context.Context, spec *Spec) error {
	var add strings.Builder
	for _, ns := range spec.Namespaces() {
		fmt.Fprintf(&add, "netns add %s\n", ns)
	}
	if err := ipBatch(ctx, "", add.String()); err != nil {
		return err
	}
	if err := ipv6Setup(ctx, spec); err != nil {
		return err
	}

	// ep is the far end of a veth: a namespace, its interface, what it gets.
	type ep struct {
		ns     string
		script strings.Builder
	}
	eps := map[string]*ep{}
	endpoint := func(ns string) *ep {
		if eps[ns] == nil {
			eps[ns] = &ep{ns: ns}
			eps[ns].script.WriteString("link set lo up\n")
		}
		return eps[ns]
	}
	switches := map[string]*strings.Builder{}
	port := map[string]int{}
	plug := func(segment, ns, ifname string) {
		sw := switches[segment]
		if sw == nil {
			sw = &strings.Builder{}
			sw.WriteString("link add br0 type bridge\nlink set br0 up\n")
			switches[segment] = sw
		}
		p := "p" + strconv.Itoa(port[segment])
		port[segment]++
		fmt.Fprintf(sw, "link add %s type veth peer name %s netns %s\n", p, ifname, ns)
		fmt.Fprintf(sw, "link set %s master br0\nlink set %s up\n", p, p)
	}

	router := endpoint(spec.RouterNS())
	for _, sg := range spec.Segments {
		ifname := "e-" + sg.Name
		plug(sg.Name, router.ns, ifname)
		fmt.Fprintf(&router.script, "link set %s up\naddr add %s/%d dev %s\n", ifname, sg.Gateway, spec.prefixLen(sg.Name), ifname)
	}
	jump := endpoint(spec.JumpNS())
	plug(spec.Jump.Segment, jump.ns, "eth0")
	fmt.Fprintf(&jump.script, "link set eth0 up\naddr add %s/%d dev eth0\nroute add default via %s\n",
		spec.Jump.Address, spec.prefixLen(spec.Jump.Segment), spec.segment(spec.Jump.Segment).Gateway)
	for _, d := range spec.Devices {
		if d.Host != "" {
			continue // a shared host, wired below
		}
		e := endpoint(spec.DeviceNS(d.Name))
		plug(d.Segment, e.ns, "eth0")
		fmt.Fprintf(&e.script, "link set eth0 address %s\nlink set eth0 up\naddr add %s/%d dev eth0\nroute add default via %s\n",
			d.MAC, d.Address, spec.prefixLen(d.Segment), spec.segment(d.Segment).Gateway)
		if d.Profile == emulator.ProfileARPOnly {
			e.script.WriteString(arpOnlyRoutes(spec.segment(d.Segment).CIDR))
		}
		if d.Also != nil {
			plug(d.Also.Segment, e.ns, "eth1")
			e.script.WriteString(d.Also.script())
		}
	}

	for _, h := range spec.hostNames() {
		e := endpoint(spec.HostNS(h))
		plug(spec.hostDevices(h)[0].Segment, e.ns, "eth0")
		e.script.WriteString(spec.hostScript(h))
	}
	if err := hostSetup(ctx, spec); err != nil {
		return err
	}

	var scripts [][2]string
	for seg, sw := range switches {
		scripts = append(scripts, [2]string{spec.SwitchNS(seg), sw.String()})
	}
	if err := parallel(ctx, scripts); err != nil {
		return err
	}
	scripts = scripts[:0]
	for _, e := range eps {
		scripts = append(scripts, [2]string{e.ns, e.script.String()})
	}
	if err := parallel(ctx, scripts); err != nil {
		return err
	}
	// Forwarding is per namespace; the root namespace's setting is untouched.
	return run(ctx, nil, "ip", "netns", "exec", spec.RouterNS(), "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
}

// ipv6Setup turns IPv6 on in every namespace of the lab, before any
// interface is made, with duplicate address detection off: an interface's
// link-local address is then usable at once instead of "tentative" for a
// second or two, which the IPv6 mDNS query from the jump host and
// avahi-daemon's IPv6 answers need. The root namespace is untouched, and a
// kernel without IPv6 skips it.
func ipv6Setup(ctx context.Context, spec *Spec) error {
	if _, err := os.Stat("/proc/sys/net/ipv6"); err != nil {
		return nil
	}
	var b strings.Builder
	for _, ns := range spec.Namespaces() {
		fmt.Fprintf(&b, "netns exec %s sysctl -q -w net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0\n", ns)
	}
	return ipBatch(ctx, "", b.String())
}

// parallel runs each {namespace, batch script} at once.
func parallel(ctx context.Context, scripts [][2]string) error {
	errs := make([]error, len(scripts))
	var wg sync.WaitGroup
	for i, s := range scripts {
		wg.Go(func() { errs[i] = ipBatch(ctx, s[0], s[1]) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// ipBatch runs "ip [-n ns] -batch -" with script on stdin.
func ipBatch(ctx context.Context, ns, script string) error {
	args := []string{"-batch", "-"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	return run(ctx, strings.NewReader(script), "ip", args...)
}

// run runs a command and returns its stderr in the error.
func run(ctx context.Context, stdin *strings.Reader, name string, args ...string) error {
	_, err := output(ctx, stdin, name, args...)
	return err
}

func output(ctx context.Context, stdin *strings.Reader, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// startEmulators starts "<bin> serve" in every device namespace and
// waits until each has written its ready file.
func startEmulators(ctx context.Context, spec *Spec, bin, dir, specPath string, timeout time.Duration) error {
	if timeout == 0 {
		timeout = 15 * time.Second
	}
	type started struct {
		name, log, ready string
		exited           chan error
	}
	var all []started
	for _, d := range spec.serveUnits() {
		s := started{
			name:   d.Name,
			log:    filepath.Join(dir, d.Name+".log"),
			ready:  filepath.Join(dir, d.Name+".ready"),
			exited: make(chan error, 1),
		}
		logf, err := os.Create(s.log)
		if err != nil {
			return err
		}
		// Not CommandContext: the emulators outlive Up (and the CLI).
		cmd := exec.Command("ip", "netns", "exec", d.NS,
			bin, "serve", "--spec", specPath, "--device", d.Name, "--ready", s.ready)
		cmd.Stdout, cmd.Stderr = logf, logf
		// Own process group: a ^C at the terminal that ran "lab up" does
		// not reach the emulators.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		err = cmd.Start()
		logf.Close()
		if err != nil {
			return fmt.Errorf("lab up: starting emulator %s: %w", d.Name, err)
		}
		// ip netns exec execs the command, so this PID is the emulator's.
		pid := cmd.Process.Pid
		if err := os.WriteFile(filepath.Join(dir, d.Name+".pid"), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
			return err
		}
		// Reap it if it dies while we live, so it is not left a zombie.
		go func() { s.exited <- cmd.Wait() }()
		all = append(all, s)
	}
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for len(all) > 0 {
		all = slices.DeleteFunc(all, func(s started) bool {
			_, err := os.Stat(s.ready)
			return err == nil
		})
		for _, s := range all {
			select {
			case err := <-s.exited:
				return fmt.Errorf("lab up: emulator %s exited (%v): %s", s.name, err, tail(s.log))
			default:
			}
		}
		if len(all) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lab up: emulator %s not listening after %s: %s", all[0].name, timeout, tail(all[0].log))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// tail returns the last lines of a log file for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "no log"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return "empty log " + path
	}
	return strings.Join(lines, " | ")
}

// Down stops the lab with prefix and deletes its namespaces and state dir.
// It first stops the emulators recorded in the PID files, then every
// process left in a namespace with the prefix (they are the lab's), then
// deletes those namespaces. It works after a crash and succeeds when there
// is nothing to remove.
func Down(ctx context.Context, prefix string, opts Options) error {
	if !prefixRe.MatchString(prefix) {
		return fmt.Errorf("lab down: bad prefix %q", prefix)
	}
	if err := Check(); err != nil {
		return err
	}
	dir := opts.stateDir(prefix)
	nss, err := namespaces(ctx, prefix)
	if err != nil {
		return err
	}
	var pids []int
	files, _ := filepath.Glob(filepath.Join(dir, "*.pid"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// Guard against PID reuse: only a process that is a lab emulator.
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && isEmulator(pid) {
			pids = append(pids, pid)
		}
	}
	for _, ns := range nss {
		out, err := output(ctx, nil, "ip", "netns", "pids", ns)
		if err != nil {
			continue // deleted meanwhile
		}
		for f := range strings.FieldsSeq(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != os.Getpid() {
				pids = append(pids, pid)
			}
		}
	}
	slices.Sort(pids)
	stop(ctx, slices.Compact(pids))

	if len(nss) > 0 {
		var del strings.Builder
		for _, ns := range nss {
			fmt.Fprintf(&del, "netns del %s\n", ns)
		}
		if err := ipBatch(ctx, "", del.String()); err != nil {
			return fmt.Errorf("lab down: %w", err)
		}
	}
	if left, err := namespaces(ctx, prefix); err != nil || len(left) > 0 {
		return fmt.Errorf("lab down: namespaces left: %v %v", left, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("lab down: %w", err)
	}
	return nil
}

// stop sends SIGTERM to pids, waits up to 3s, then SIGKILLs the rest.
func stop(ctx context.Context, pids []int) {
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		pids = slices.DeleteFunc(pids, func(pid int) bool { return !alive(pid) })
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	for range 100 {
		pids = slices.DeleteFunc(pids, func(pid int) bool { return !alive(pid) })
		if len(pids) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether pid is a process that has not exited (a zombie
// has: it only waits for its parent to reap it).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

// isEmulator reports whether pid runs "camsweep-lab serve --spec ..." or
// is a lab's avahi-daemon (lab/avahi.go). "camsweep lab serve" is the
// emulator of a lab brought up before the lab had its own command: Down
// still clears such a lab after a crash.
func isEmulator(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err == nil && (bytes.Contains(b, []byte("\x00serve\x00--spec\x00")) ||
		bytes.Contains(b, []byte("\x00lab\x00serve\x00")) || isAvahi(b))
}

// namespaces lists the named network namespaces starting with prefix.
func namespaces(ctx context.Context, prefix string) ([]string, error) {
	out, err := output(ctx, nil, "ip", "netns", "list")
	if err != nil {
		return nil, err
	}
	var nss []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		// "csw-jump (id: 3)" or just "csw-jump".
		if f := strings.Fields(sc.Text()); len(f) > 0 && strings.HasPrefix(f[0], prefix) {
			nss = append(nss, f[0])
		}
	}
	slices.Sort(nss)
	return nss, nil
}

// State is what exists of a lab.
type State struct {
	Prefix     string
	Namespaces []string
	Emulators  []EmulatorStatus
}

// EmulatorStatus is one device namespace and the processes running in it.
type EmulatorStatus struct {
	Device    string
	Namespace string
	PIDs      []int
}

// Alive reports whether the device's emulator runs.
func (e EmulatorStatus) Alive() bool { return len(e.PIDs) > 0 }

// Up reports whether the lab exists and every emulator runs.
func (s State) Up() bool {
	if len(s.Namespaces) == 0 {
		return false
	}
	for _, e := range s.Emulators {
		if !e.Alive() {
			return false
		}
	}
	return true
}

// Status reports the namespaces with prefix and the processes in each
// device namespace. It reads only the system, never the state dir, so it
// also describes a lab whose state dir is gone.
func Status(ctx context.Context, prefix string) (State, error) {
	st := State{Prefix: prefix}
	if err := Check(); err != nil {
		return st, err
	}
	nss, err := namespaces(ctx, prefix)
	if err != nil {
		return st, err
	}
	st.Namespaces = nss
	for _, ns := range nss {
		dev, ok := strings.CutPrefix(ns, prefix+"d-")
		if !ok {
			continue
		}
		e := EmulatorStatus{Device: dev, Namespace: ns}
		if out, err := output(ctx, nil, "ip", "netns", "pids", ns); err == nil {
			for f := range strings.FieldsSeq(string(out)) {
				if pid, err := strconv.Atoi(f); err == nil && alive(pid) {
					e.PIDs = append(e.PIDs, pid)
				}
			}
		}
		st.Emulators = append(st.Emulators, e)
	}
	return st, nil
}

// Exec returns a command that runs argv inside namespace ns
// ("ip netns exec ns argv..."), e.g. the scanner in spec.JumpNS().
func Exec(ctx context.Context, ns string, argv ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns}, argv...)...)
}

// arpOnlyRoutes blackholes every reply of an arp-only device: the two
// halves of its own subnet (more specific than the connected route) and
// the default route. The kernel answers ARP requests for a local address
// without a route lookup toward the asker, so ARP replies still go out,
// while the TCP resets and ICMP errors a bare namespace would send are
// dropped: the device answers nothing but ARP.
func arpOnlyRoutes(cidr string) string {
	p := netip.MustParsePrefix(cidr).Masked()
	var b strings.Builder
	if p.Bits() < 32 {
		lo := netip.PrefixFrom(p.Addr(), p.Bits()+1)
		hiAddr := p.Addr().As4()
		hiAddr[(p.Bits())/8] |= 0x80 >> (p.Bits() % 8)
		hi := netip.PrefixFrom(netip.AddrFrom4(hiAddr), p.Bits()+1)
		fmt.Fprintf(&b, "route add blackhole %s\nroute add blackhole %s\n", lo, hi)
	}
	b.WriteString("route replace blackhole default\n")
	return b.String()
}

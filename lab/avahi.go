package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A device with `avahi: true` also runs Debian's avahi-daemon, a real mDNS
// responder, next to its emulator, so the scanner's mDNS parser meets a
// real implementation and not only the lab's own.
//
// The daemon runs in the device's namespace and in a mount namespace of its
// own (ip netns exec makes one): a shell bind-mounts <state>/avahi-<name>/etc
// over /etc/avahi (its configuration and static services, nothing of the
// host's) and <state>/avahi-<name>/run over /run/avahi-daemon (its PID file
// and socket, so two labs never clash) and then execs avahi-daemon, whose
// PID is recorded in <name>.avahi.pid. D-Bus is off, eth0 only, IPv4 and
// IPv6 (the link-local address the lab gives eth0): the scanner's query to
// ff02::fb is answered too, with the A record in IPv6 answers
// (publish-a-on-ipv6, off in Avahi's default), so that the scanner can file
// what it hears over IPv6 under the device's IPv4 address.

// AvahiService is the service every avahi device publishes.
const (
	AvahiService  = "_http._tcp"
	AvahiInstance = "camsweep-avahi-test"
	AvahiPort     = 80
	// AvahiHost is the host name the daemon announces (not the machine's).
	AvahiHost = "camsweep-avahi"
	// AvahiExtraService is a second service type, one the scanner's first
	// query does not ask for: it learns it from the _services enumeration
	// and asks for it in its follow-up (scanner/mdns).
	AvahiExtraService = "_device-info._tcp"
	AvahiExtraModel   = "camsweep-lab"
)

const avahiConf = `# Written by camsweep lab: a real mDNS responder for the lab (lab/avahi.go).
[server]
host-name=` + AvahiHost + `
domain-name=local
use-ipv4=yes
use-ipv6=yes
allow-interfaces=eth0
enable-dbus=no
disallow-other-stacks=no
ratelimit-interval-usec=0

[wide-area]
enable-wide-area=no

[publish]
publish-addresses=yes
publish-hinfo=no
publish-aaaa-on-ipv4=no
publish-a-on-ipv6=yes
publish-workstation=no
publish-domain=no

[reflector]
enable-reflector=no
`

var avahiServiceFile = `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>` + AvahiInstance + `</name>
  <service>
    <type>` + AvahiService + `</type>
    <port>` + strconv.Itoa(AvahiPort) + `</port>
    <txt-record>path=/</txt-record>
  </service>
  <service>
    <type>` + AvahiExtraService + `</type>
    <port>0</port>
    <txt-record>model=` + AvahiExtraModel + `</txt-record>
  </service>
</service-group>
`

// avahiArgs are avahi-daemon's arguments; Down recognises the daemon by them.
var avahiArgs = []string{"-f", "/etc/avahi/avahi-daemon.conf", "--no-drop-root", "--no-chroot", "--no-proc-title", "--no-rlimits", "--debug"}

// isAvahi reports whether cmdline (NUL-separated) is a lab avahi-daemon.
func isAvahi(cmdline []byte) bool {
	return strings.HasSuffix(string(cmdline), "avahi-daemon\x00"+strings.Join(avahiArgs, "\x00")+"\x00")
}

// startAvahi starts avahi-daemon for every device with Avahi set and waits
// until each has published its service.
func startAvahi(ctx context.Context, spec *Spec, dir string, timeout time.Duration) error {
	if timeout == 0 {
		timeout = 15 * time.Second
	}
	for _, d := range spec.Devices {
		if !d.Avahi {
			continue
		}
		bin, err := exec.LookPath("avahi-daemon")
		if err != nil {
			return fmt.Errorf("lab up: device %s wants avahi-daemon: %w (apt-get install avahi-daemon)", d.Name, err)
		}
		base := filepath.Join(dir, "avahi-"+d.Name)
		etc, rundir := filepath.Join(base, "etc"), filepath.Join(base, "run")
		for _, p := range []string{filepath.Join(etc, "services"), rundir} {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		}
		conf := filepath.Join(etc, "avahi-daemon.conf")
		if err := os.WriteFile(conf, []byte(avahiConf), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(etc, "services", AvahiInstance+".service"), []byte(avahiServiceFile), 0o644); err != nil {
			return err
		}
		log := filepath.Join(dir, d.Name+".avahi.log")
		logf, err := os.Create(log)
		if err != nil {
			return err
		}
		// The mount points exist once the package is installed; the
		// mounts live only in this process's mount namespace.
		script := `set -e; mount --bind "$1" /etc/avahi; mount --bind "$2" /run/avahi-daemon; shift 2; exec "$@"`
		argv := append([]string{"netns", "exec", spec.DeviceNS(d.Name), "sh", "-c", script, "sh", etc, rundir, bin}, avahiArgs...)
		cmd := exec.Command("ip", argv...)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := os.MkdirAll("/run/avahi-daemon", 0o755); err != nil {
			logf.Close()
			return err
		}
		err = cmd.Start()
		logf.Close()
		if err != nil {
			return fmt.Errorf("lab up: starting avahi-daemon in %s: %w", d.Name, err)
		}
		// ip netns exec and sh exec in place: this PID is avahi-daemon's.
		if err := os.WriteFile(filepath.Join(dir, d.Name+".avahi.pid"), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
			return err
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if err := waitAvahi(ctx, log, exited, timeout); err != nil {
			return fmt.Errorf("lab up: avahi-daemon in %s: %w", d.Name, err)
		}
	}
	return nil
}

// waitAvahi waits for the daemon's log to say the service is established.
func waitAvahi(ctx context.Context, log string, exited <-chan error, timeout time.Duration) error {
	want := []byte(`Service "` + AvahiInstance + `"`)
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(log); err == nil {
			for l := range strings.SplitSeq(string(b), "\n") {
				if strings.Contains(l, string(want)) && strings.Contains(l, "successfully established") {
					return nil
				}
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited (%v): %s", err, tail(log))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("service not established after " + timeout.String() + ": " + tail(log))
		}
	}
}

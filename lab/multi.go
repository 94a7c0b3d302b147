package lab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/camsweep/camsweep/lab/emulator"
)

// Shared hosts: a big lab (the benchmark's, bench/lab.yaml) has hundreds of
// PC- and printer-like devices whose only job is to answer ARP and a few TCP
// ports. A namespace and an emulator process each would cost seconds to
// build and gigabytes to run, so devices that name the same Host share one
// namespace (<prefix>h-<host>) and one emulator process. Each still gets its
// own macvlan interface on the segment, with its own MAC and address, so ARP
// and the switch see one station per device; arp_ignore=1 keeps every
// interface from answering for its neighbours' addresses, and a routing rule
// per source address sends each device's replies out of its own interface.
// Only TCP services are served: UDP discovery binds wildcard ports that
// cannot be shared, which is why only non-camera profiles may share a host.

// sharedProfiles are the profiles a shared host may serve.
var sharedProfiles = []string{emulator.ProfilePC, emulator.ProfilePrinter, emulator.ProfileWeb, emulator.ProfileSilent}

// HostNS is the namespace of a shared host.
func (s *Spec) HostNS(host string) string { return s.Prefix + "h-" + host }

// hostNames lists the shared hosts in spec order.
func (s *Spec) hostNames() []string {
	var hs []string
	for _, d := range s.Devices {
		if d.Host != "" && !slices.Contains(hs, d.Host) {
			hs = append(hs, d.Host)
		}
	}
	return hs
}

// hostDevices returns the devices of shared host h.
func (s *Spec) hostDevices(h string) []Device {
	var ds []Device
	for _, d := range s.Devices {
		if d.Host == h {
			ds = append(ds, d)
		}
	}
	return ds
}

// validateHosts checks the host field of every device: a valid name that is
// no device's, one segment per host, a profile without UDP discovery.
func (v *validator) validateHosts(s *Spec) error {
	seg := map[string]string{}
	for i, d := range s.Devices {
		if d.Host == "" {
			continue
		}
		if !nameRe.MatchString(d.Host) {
			return v.errf(v.at("devices", i, "host"), "host %q: want 1 to 15 lower-case letters, digits or \"-\"", d.Host)
		}
		if _, clash := s.Device(d.Host); clash {
			return v.errf(v.at("devices", i, "host"), "host %q is also a device name", d.Host)
		}
		if !slices.Contains(sharedProfiles, d.Profile) {
			return v.errf(v.at("devices", i, "host"), "device %q: profile %q cannot share a host (want one of %s)", d.Name, d.Profile, strings.Join(sharedProfiles, ", "))
		}
		if sg, ok := seg[d.Host]; ok && sg != d.Segment {
			return v.errf(v.at("devices", i, "segment"), "device %q: host %q is on segment %q", d.Name, d.Host, sg)
		}
		seg[d.Host] = d.Segment
	}
	return nil
}

// hostScript is the ip batch that wires shared host h inside its namespace,
// whose eth0 is already plugged into the segment's bridge.
func (s *Spec) hostScript(h string) string {
	ds := s.hostDevices(h)
	var b strings.Builder
	b.WriteString("link set eth0 up\n")
	for i, d := range ds {
		ifn := "m" + strconv.Itoa(i)
		bits := s.prefixLen(d.Segment)
		sg := s.segment(d.Segment)
		table := 1000 + i
		fmt.Fprintf(&b, "link add %s link eth0 address %s type macvlan mode bridge\n", ifn, d.MAC)
		fmt.Fprintf(&b, "link set %s up\naddr add %s/%d dev %s\n", ifn, d.Address, bits, ifn)
		fmt.Fprintf(&b, "route add %s dev %s src %s table %d\n", sg.CIDR, ifn, d.Address, table)
		fmt.Fprintf(&b, "route add default via %s dev %s table %d\n", sg.Gateway, ifn, table)
		fmt.Fprintf(&b, "rule add from %s lookup %d\n", d.Address, table)
	}
	if len(ds) > 0 {
		fmt.Fprintf(&b, "route add default via %s dev m0\n", s.segment(ds[0].Segment).Gateway)
	}
	return b.String()
}

// hostSysctls are set in a shared host's namespace before it is wired.
var hostSysctls = []string{
	"net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.default.arp_ignore=1",
	"net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.default.arp_announce=2",
	"net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
}

// hostSetup sets hostSysctls in every shared host's namespace, in parallel.
func hostSetup(ctx context.Context, spec *Spec) error {
	hs := spec.hostNames()
	errs := make([]error, len(hs))
	var wg sync.WaitGroup
	for i, h := range hs {
		wg.Go(func() {
			args := append([]string{"netns", "exec", spec.HostNS(h), "sysctl", "-q", "-w"}, hostSysctls...)
			errs[i] = run(ctx, nil, "ip", args...)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// serveUnit is one emulator process: a device with its own namespace, or
// a shared host.
type serveUnit struct {
	Name string // device or host name: names the log, pid and ready files
	NS   string
}

// serveUnits lists the emulator processes of spec.
func (s *Spec) serveUnits() []serveUnit {
	var us []serveUnit
	for _, d := range s.Devices {
		if d.Host == "" {
			us = append(us, serveUnit{d.Name, s.DeviceNS(d.Name)})
		}
	}
	for _, h := range s.hostNames() {
		us = append(us, serveUnit{h, s.HostNS(h)})
	}
	return us
}

// serveHost runs the TCP services of every device of shared host h, each
// bound to its own address, until ctx ends.
func serveHost(ctx context.Context, spec *Spec, h string, opts ServeOptions) error {
	type unit struct {
		e   *emulator.Emulator
		lns []net.Listener
		log *emulator.ConnLog
	}
	var us []unit
	defer func() {
		for _, u := range us {
			for _, ln := range u.lns {
				ln.Close()
			}
			u.log.Close()
		}
	}()
	for _, d := range spec.hostDevices(h) {
		e, err := emulator.New(d.emulatorDevice())
		if err != nil {
			return err
		}
		lns, err := e.Listen(netip.MustParseAddr(d.Address))
		if err != nil {
			return fmt.Errorf("lab serve %s: %w", h, err)
		}
		cl := connLog(opts, d.Name)
		us = append(us, unit{e, emulator.CountListeners(lns, cl), cl})
	}
	if opts.Ready != "" {
		var b strings.Builder
		for _, u := range us {
			for i, s := range u.e.Services {
				fmt.Fprintf(&b, "%s %s %s\n", u.lns[i].Addr(), s.Name, u.e.Device.Name)
			}
		}
		if err := writeReady(opts.Ready, b.String()); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	for _, u := range us {
		wg.Go(func() { _ = u.e.Serve(ctx, u.lns) })
	}
	wg.Wait()
	return nil
}

// connLog returns the connection log of device (<state dir>/<device>.conns,
// beside the ready file), or a log that records nothing without a ready
// file.
func connLog(opts ServeOptions, device string) *emulator.ConnLog {
	if opts.Ready == "" {
		return emulator.NewConnLog("")
	}
	return emulator.NewConnLog(filepath.Join(filepath.Dir(opts.Ready), device+".conns"))
}

// writeReady writes a ready file atomically (written, then renamed), so Up
// never sees half a file.
func writeReady(path, content string) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return fmt.Errorf("lab serve: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("lab serve: %w", err)
	}
	return nil
}

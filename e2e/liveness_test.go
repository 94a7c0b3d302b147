package e2e

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/lab"
)

// livenessLab is issue 16's routed range in small: the jump host alone on
// a management segment, and behind the router a /24 with three hosts that
// listen on no port (their kernels answer a SYN with a RST and a ping with
// a reply) and one Hikvision camera. 198.18.171.50 is a dead address whose
// packets the router sends down an interface of its own, where they
// are counted (livenessDead).
const livenessLab = `
prefix: cswli- # replaced by livenessPrefix
segments:
  - {name: mgmt, cidr: 198.18.170.0/28, gateway: 198.18.170.1, zone: {name: live-mgmt, kind: primary}}
  - {name: far, cidr: 198.18.171.0/24, gateway: 198.18.171.1, zone: {name: live-far, kind: primary}}
jump: {segment: mgmt, address: 198.18.170.2}
devices:
  - {name: onlink-arp, segment: mgmt, profile: arp-only, address: 198.18.170.5, mac: "02:16:00:00:70:05"}
  - {name: onlink-quiet, segment: mgmt, profile: silent-host, address: 198.18.170.6, mac: "02:16:00:00:70:06"}
  - {name: quiet1, segment: far, profile: silent-host, address: 198.18.171.10, mac: "02:16:00:00:71:0a"}
  - {name: quiet2, segment: far, profile: silent-host, address: 198.18.171.11, mac: "02:16:00:00:71:0b"}
  - {name: quiet3, segment: far, profile: silent-host, address: 198.18.171.12, mac: "02:16:00:00:71:0c"}
  - name: cam
    segment: far
    profile: hikvision-camera
    address: 198.18.171.20
    mac: "44:19:b6:00:71:14"
    model: DS-2CD2143G0-I
    serial: DS-2CD2143G0-I20190101AAWRC12345678
    firmware: V5.5.82
    realm: E7121
    server: webserver
`

const (
	livenessTarget = "198.18.171.0/24"
	livenessDead   = "198.18.171.50"
)

var livenessQuiet = []string{"198.18.171.10", "198.18.171.11", "198.18.171.12"}

// livenessPrefix derives the lab's prefix from the e2e prefix (cswe- gives
// cswel-), as changesPrefix does.
func livenessPrefix() string { return ownPrefix("l") }

// TestScan_lab_liveness: every live host on a routed range is reported,
// the RST-only ones too, and a dead address gets the liveness packets
// (one echo, two SYNs) and nothing more: no unicast discovery datagram, no
// connect. The same scan with --no-liveness sends the dead address the
// whole salvo, which shows the counter counts.
func TestScan_lab_liveness(t *testing.T) {
	needLab(t)
	s, err := lab.ParseSpec("liveness.yaml", []byte(livenessLab))
	if err != nil {
		t.Fatal(err)
	}
	s.Prefix = livenessPrefix()
	o := ownLab(t, s.Prefix)
	upLab(t, s, o, 5*time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The dead address: a /32 route down a veth of the router's own with ARP
	// off, so every packet to it is sent and counted, then dropped by the
	// peer (addressed to another MAC, and the peer forwards nothing).
	for _, argv := range [][]string{
		{"ip", "link", "add", "dead0", "type", "veth", "peer", "name", "dead1"},
		// No IPv6 there: the router's own neighbour discovery would count.
		{"sysctl", "-q", "-w", "net.ipv6.conf.dead0.disable_ipv6=1"},
		{"sysctl", "-q", "-w", "net.ipv6.conf.dead1.disable_ipv6=1"},
		{"ip", "link", "set", "dead0", "arp", "off", "up"},
		{"ip", "link", "set", "dead1", "up"},
		{"sysctl", "-q", "-w", "net.ipv4.conf.dead1.forwarding=0"},
		{"ip", "route", "add", livenessDead + "/32", "dev", "dead0"},
	} {
		if out, err := lab.Exec(ctx, s.RouterNS(), argv...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", argv, err, out)
		}
	}
	deadPackets := func() int {
		t.Helper()
		out, err := lab.Exec(ctx, s.RouterNS(), "cat", "/sys/class/net/dead0/statistics/tx_packets").Output()
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	scan := func(args ...string) []byte {
		t.Helper()
		argv := append([]string{binary, "scan", "--no-state", "--format", "json",
			"--zones", filepath.Join(o.StateDir, "zones.yaml"), livenessTarget}, args...)
		if len(args) > 0 && args[0] == "unprivileged" {
			argv = append([]string{"setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw", "--"}, argv[:len(argv)-len(args)]...)
			argv = append(argv, args[1:]...)
		}
		cmd := lab.Exec(ctx, s.JumpNS(), argv...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		out, err := cmd.Output()
		var ee *exec.ExitError
		if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 3) {
			t.Fatalf("scan %v: %v\nstderr:\n%s", args, err, stderr.String())
		}
		t.Logf("scan %v took %v", args, time.Since(start).Round(time.Millisecond))
		return out
	}

	before := deadPackets()
	recs, run := decodeLines(t, scan())
	sent := deadPackets() - before
	for _, a := range livenessQuiet {
		r, ok := recs[a]
		if !ok {
			t.Errorf("live host %s (RSTs and echo replies only) not reported", a)
			continue
		}
		if r.Camera || (r.DeviceType != "unknown" && r.DeviceType != "other") {
			t.Errorf("%s: camera %v, device_type %q; want no camera, unknown or other", a, r.Camera, r.DeviceType)
		}
		var closed, echo bool
		for _, ev := range r.Evidence {
			closed = closed || (ev.Source == "tcp" && ev.Fields["tcp.state"] == "closed")
			echo = echo || (ev.Source == "icmp" && ev.Fields["icmp.echo"] == "reply")
		}
		if !closed || !echo {
			t.Errorf("%s: closed-port evidence %v, echo reply %v; want both (raw liveness)", a, closed, echo)
		}
	}
	if r, ok := recs["198.18.171.20"]; !ok || !r.Camera || r.Maker == nil {
		t.Errorf("the routed camera: %+v (found %v); want a camera with its maker", r, ok)
	}
	if _, ok := recs[livenessDead]; ok {
		t.Errorf("the dead address %s was reported", livenessDead)
	}
	// The router's own address on the segment answers too: a live host.
	if _, ok := recs["198.18.171.1"]; !ok {
		t.Errorf("the router's address 198.18.171.1 (a live host) not reported")
	}
	if want := len(livenessQuiet) + 2; len(recs) != want {
		t.Errorf("%d records, want %d: %v", len(recs), want, keys(recs))
	}
	if _, ok := run.PhasesMS["liveness"]; !ok {
		t.Errorf("no liveness phase in the run record: %v", run.PhasesMS)
	}
	t.Logf("phases: %v", run.PhasesMS)
	// One echo and a SYN to 80 and to 554: nothing else may reach it.
	if sent < 1 || sent > 3 {
		t.Errorf("the dead address got %d packets, want the 3 of the liveness stage at most (and at least one)", sent)
	}

	before = deadPackets()
	recs, _ = decodeLines(t, scan("--no-liveness"))
	salvo := deadPackets() - before
	t.Logf("dead address: %d packets with liveness, %d with --no-liveness", sent, salvo)
	if salvo <= sent+3 {
		t.Errorf("--no-liveness sent the dead address %d packets, want the whole salvo (more than %d)", salvo, sent+3)
	}
	for _, a := range livenessQuiet {
		if _, ok := recs[a]; !ok {
			t.Errorf("--no-liveness: live host %s (RSTs on every port) not reported", a)
		}
	}
	unprivilegedLiveness(t, scan, deadPackets)
}

// unprivilegedLiveness: without CAP_NET_RAW the liveness stage connects
// to 80 and 554. The routed silent hosts are reported by their RSTs; on the
// management segment (no ARP sweep without raw sockets) the ARP-only device
// is still found through the kernel's neighbour table, which the stage's
// connects filled, and the dead address gets the connects' SYNs alone.
func unprivilegedLiveness(t *testing.T, scan func(...string) []byte, deadPackets func() int) {
	t.Helper()
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Log("setpriv not installed: no unprivileged scan")
		return
	}
	before := deadPackets()
	recs, run := decodeLines(t, scan("unprivileged", "198.18.170.0/28"))
	sent := deadPackets() - before
	if !strings.HasPrefix(run.Privilege, "unprivileged") {
		t.Errorf("run privilege %q, want unprivileged", run.Privilege)
	}
	for _, a := range append(livenessQuiet, "198.18.170.6") {
		r, ok := recs[a]
		if !ok {
			t.Errorf("unprivileged: live host %s not reported", a)
			continue
		}
		closed := false
		for _, ev := range r.Evidence {
			closed = closed || (ev.Source == "tcp" && ev.Fields["tcp.state"] == "closed")
			if ev.Source == "icmp" {
				t.Errorf("unprivileged: %s has ICMP evidence", a)
			}
		}
		if !closed {
			t.Errorf("unprivileged: %s without closed-port evidence: %+v", a, r.Evidence)
		}
	}
	r, ok := recs["198.18.170.5"]
	arp := false
	for _, ev := range r.Evidence {
		arp = arp || (ev.Source == "arp" && ev.Fields["arp.method"] == "kernel-neighbour")
	}
	if !ok || !arp || r.MAC != "02:16:00:00:70:05" {
		t.Errorf("unprivileged: the ARP-only device %+v (found %v), want kernel-neighbour evidence and its MAC", r, ok)
	}
	if _, ok := recs[livenessDead]; ok {
		t.Errorf("unprivileged: the dead address was reported")
	}
	// A connect to 80 and to 554, each SYN sent again once within the
	// stage's 1.5 s: at most four packets.
	t.Logf("unprivileged: the dead address got %d packets", sent)
	if sent < 1 || sent > 4 {
		t.Errorf("unprivileged: the dead address got %d packets, want the liveness connects' SYNs alone (at most 4)", sent)
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

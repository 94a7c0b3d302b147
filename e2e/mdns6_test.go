package e2e

import (
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
)

// TestScan_lab_mdnsIPv6: the shared scan also asks ff02::fb from the jump
// host's link-local address; the real avahi-daemon on the web device
// answers over IPv6 with its A record (lab/avahi.go), and the scanner files
// that answer, marked mdns.via=ipv6, under the device's IPv4 address: no
// host appears under an IPv6 address.
func TestScan_lab_mdnsIPv6(t *testing.T) {
	if _, err := exec.LookPath("avahi-daemon"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("avahi-daemon is required in CI (make deps installs it): %v", err)
		}
		t.Skipf("avahi-daemon not installed: %v", err)
	}
	if _, err := os.Stat("/proc/sys/net/ipv6"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("IPv6 is required in CI: %v", err)
		}
		t.Skipf("no IPv6 in this kernel: %v", err)
	}
	recs, _, _ := labScan(t)
	d, ok := spec.Device(avahiDevice)
	if !ok || !d.Avahi {
		t.Fatalf("device %s missing or without avahi: %+v", avahiDevice, d)
	}
	r, ok := recs[d.Address]
	if !ok {
		t.Fatalf("%s (%s) not found", d.Name, d.Address)
	}
	var v6, v4 map[string]string
	for _, ev := range r.Evidence {
		if ev.Source != device.SourceMDNS || ev.Fields["mdns.instance"] != lab.AvahiInstance || ev.Fields["mdns.service"] != lab.AvahiService {
			continue
		}
		switch ev.Fields["mdns.via"] {
		case "ipv6":
			v6 = ev.Fields
		case "":
			v4 = ev.Fields
		}
	}
	if v6 == nil {
		t.Fatalf("%s: no mdns evidence of %q heard over IPv6 (mdns.via=ipv6); evidence %+v\nscan log:\n%s", d.Name, lab.AvahiInstance, r.Evidence, labScanResult.stderr)
	}
	t.Logf("avahi evidence over IPv6: %v", v6)
	if v4 == nil {
		t.Errorf("%s: the IPv4 answer's evidence is gone: %+v", d.Name, r.Evidence)
	}
	// Its A record names the device, its AAAA record the link-local
	// address it answered from.
	var linkLocal bool
	for s := range strings.SplitSeq(v6["mdns.addrs"], ",") {
		if a, err := netip.ParseAddr(s); err == nil && a.Is6() && a.IsLinkLocalUnicast() {
			linkLocal = true
		}
	}
	if !strings.EqualFold(v6["mdns.host"], lab.AvahiHost+".local") || !strings.Contains(v6["mdns.addrs"], d.Address) || !linkLocal {
		t.Errorf("%s: IPv6 mdns %v, want host %s.local at %s and an IPv6 link-local address", d.Name, v6, lab.AvahiHost, d.Address)
	}
	for ip, r := range recs {
		if strings.Contains(ip, ":") {
			t.Errorf("a host under an IPv6 address: %s (out_of_scope %v) %+v", ip, r.OutOfScope, r.Evidence)
		}
	}
}

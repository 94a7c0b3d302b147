package e2e

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
)

// avahiDevice runs Debian's avahi-daemon beside its emulator (TestMain sets
// its Avahi flag when avahi-daemon is installed; lab/avahi.go).
const avahiDevice = "web"

// TestScan_lab_avahi: the service a real avahi-daemon publishes (a static
// service file, D-Bus off) is found by the shared scan and parsed into mdns
// evidence of the device it runs on: instance name, type, host and port.
func TestScan_lab_avahi(t *testing.T) {
	if _, err := exec.LookPath("avahi-daemon"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("avahi-daemon is required in CI (make deps installs it): %v", err)
		}
		t.Skipf("avahi-daemon not installed: %v", err)
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
	var got map[string]string
	for _, ev := range r.Evidence {
		if ev.Source == device.SourceMDNS && ev.Fields["mdns.instance"] == lab.AvahiInstance && ev.Fields["mdns.service"] == lab.AvahiService {
			got = ev.Fields
		}
	}
	if got == nil {
		t.Fatalf("%s: no mdns evidence of %q; evidence %+v", d.Name, lab.AvahiInstance, r.Evidence)
	}
	t.Logf("avahi evidence: %v", got)
	// The second type is not in the first query: the enumeration lists it
	// and the follow-up asks for it.
	extra := false
	for _, ev := range r.Evidence {
		if ev.Source == device.SourceMDNS && ev.Fields["mdns.service"] == lab.AvahiExtraService && ev.Fields["mdns.txt.model"] == lab.AvahiExtraModel {
			extra = true
		}
	}
	if !extra {
		t.Errorf("%s: no evidence of %s (model=%s) from the follow-up query: %+v", d.Name, lab.AvahiExtraService, lab.AvahiExtraModel, r.Evidence)
	}
	if got["mdns.service"] != lab.AvahiService || got["mdns.port"] != strconv.Itoa(lab.AvahiPort) ||
		!strings.EqualFold(got["mdns.host"], lab.AvahiHost+".local") || !strings.Contains(got["mdns.addrs"], d.Address) {
		t.Errorf("%s: mdns %v, want %s %s port %d on %s.local at %s", d.Name, got, lab.AvahiInstance, lab.AvahiService, lab.AvahiPort, lab.AvahiHost, d.Address)
	}
}

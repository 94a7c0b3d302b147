package e2e

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
)

// onvifFields returns the onvif evidence of r on port 80 and its rules.
func onvifFields(r device.Record) (map[string]string, []string) {
	for _, ev := range r.Evidence {
		if ev.Source == device.SourceONVIF && ev.Port == 80 {
			return ev.Fields, ev.Rules
		}
	}
	return nil, nil
}

func isONVIFCamera(d lab.Device) bool {
	switch d.Profile {
	case "hikvision-camera", "dahua-camera", "axis-camera":
		return true
	}
	return false
}

// TestScan_lab_onvifDeviceService: every emulated ONVIF camera answers the
// device service on port 80 — routed CCTV ones included — and is asked each
// operation once, anonymously (this scan has no credentials). The Dahua
// profile gives its identity, host name and scopes; Hikvision refuses all
// but the PRE_AUTH operations, Axis all but those and GetHostname. A
// refusal is recorded (onvif.auth=required, onvif.access.<op>=required)
// and never as an error; no login is tried.
func TestScan_lab_onvifDeviceService(t *testing.T) {
	recs, _, _ := labScan(t)
	for _, d := range spec.Devices {
		if !isONVIFCamera(d) {
			if r, ok := recs[d.Address]; ok {
				for _, ev := range r.Evidence {
					if ev.Source == "onvif" {
						t.Errorf("%s (%s) is no ONVIF device but has onvif evidence %v", d.Name, d.Profile, ev.Fields)
					}
				}
			}
			continue
		}
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		f, rules := onvifFields(r)
		if f == nil {
			t.Errorf("%s (%s, %s): no onvif evidence on port 80", d.Name, d.Segment, d.Address)
			continue
		}
		if f["onvif.utc_time"] == "" {
			t.Errorf("%s: no onvif.utc_time in %v", d.Name, f)
		}
		want := map[string]string{
			"onvif.access.get_services": "none", "onvif.access.get_capabilities": "",
			"onvif.access.get_network_interfaces": "required",
			"onvif.login":                         "", "onvif.login_method": "", "onvif.other_addrs": "",
			"onvif.service.device": "http://" + d.Address + "/onvif/device_service",
		}
		switch d.Profile {
		case "dahua-camera":
			for k, v := range map[string]string{
				"onvif.auth": "none", "onvif.manufacturer": "Dahua", "onvif.model": d.Model, "onvif.serial": d.Serial,
				"onvif.access.get_device_information": "none", "onvif.access.get_hostname": "none", "onvif.access.get_scopes": "none",
				"onvif.hostname": d.Serial, "onvif.scope.hardware": d.Model,
				// The emulator answers in the envelope shape of Dahua's own
				// stack (no SOAP header), which the onvif package marks.
				"onvif.hint":          "bare-envelope,dahua-unique-identifier",
				"onvif.service.media": "http://" + d.Address + "/onvif/media_service",
			} {
				want[k] = v
			}
			for _, id := range []string{"dahua.onvif.device-information", "dahua.onvif.scope-shape"} {
				if !slices.Contains(rules, id) {
					t.Errorf("%s: rules %v lack %s", d.Name, rules, id)
				}
			}
		case "hikvision-camera":
			for k, v := range map[string]string{
				"onvif.auth": "required", "onvif.fault": "ter:NotAuthorized", "onvif.model": "",
				"onvif.access.get_device_information": "required", "onvif.access.get_hostname": "required", "onvif.access.get_scopes": "required",
				"onvif.service.media": "http://" + d.Address + "/onvif/Media",
			} {
				want[k] = v
			}
			if !slices.Contains(rules, "hikvision.onvif.envelope-namespaces") {
				t.Errorf("%s: rules %v lack hikvision.onvif.envelope-namespaces", d.Name, rules)
			}
		case "axis-camera":
			hw, _ := net.ParseMAC(d.MAC)
			for k, v := range map[string]string{
				"onvif.auth": "required", "onvif.fault": "ter:NotAuthorized", "onvif.model": "",
				"onvif.access.get_device_information": "required", "onvif.access.get_hostname": "none", "onvif.access.get_scopes": "required",
				"onvif.hostname": "axis-" + hex.EncodeToString(hw),
			} {
				want[k] = v
			}
			for _, id := range []string{"axis.onvif.hostname", "axis.onvif.vendor-services"} {
				if !slices.Contains(rules, id) {
					t.Errorf("%s: rules %v lack %s", d.Name, rules, id)
				}
			}
		}
		for k, v := range want {
			if f[k] != v {
				t.Errorf("%s (%s): %s = %q, want %q", d.Name, d.Profile, k, f[k], v)
			}
		}
		for k, v := range f {
			if strings.HasPrefix(k, "onvif.access.") && (v == "skipped" || v == "credential") {
				t.Errorf("%s: %s = %s in an anonymous scan", d.Name, k, v)
			}
		}
		for _, e := range r.Errors {
			if strings.HasPrefix(e, "onvif") {
				t.Errorf("%s: error %q", d.Name, e)
			}
		}
	}
}

// TestScan_lab_onvifCredentials: a scan with a credentials file (one entry
// per camera, each scoped to its own address) logs in once per camera:
// hik-cam, whose device service takes HTTP Digest only, through the Digest
// fallback; the Dahua by WS-Security where it refuses GetNetworkInterfaces;
// the dual-homed Hikvision by WS-Security, whose interfaces then name its
// primary leg: onvif.other_addrs, which the policy reads as it reads
// wsd.other_addrs.
func TestScan_lab_onvifCredentials(t *testing.T) {
	needLab(t)
	byName := map[string]lab.Device{}
	for _, d := range spec.Devices {
		byName[d.Name] = d
	}
	hik, dahua, dual := byName["hik-cam"], byName["dahua-cam"], byName["cctv-hik-dual"]
	if hik.ONVIFAuth != "digest" || hik.Password == "" || dahua.Password == "" || dual.Password == "" || dual.Also == nil {
		t.Fatalf("the lab spec lacks the digest-only hik-cam, a password on dahua-cam or the dual-homed camera with one")
	}
	var creds strings.Builder
	creds.WriteString("credentials:\n")
	for _, d := range []lab.Device{hik, dahua, dual} {
		fmt.Fprintf(&creds, "  - cidrs: [%s/32]\n    username: admin\n    password: %s\n", d.Address, d.Password)
		if d.Name == hik.Name {
			// hik-cam's web pages too: its ISAPI deviceInfo wants a login.
			creds.WriteString("    protocols: [onvif, http]\n")
		}
	}
	file := filepath.Join(t.TempDir(), "credentials.yaml")
	if err := os.WriteFile(file, []byte(creds.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The file's name only: secrets never go on the command line.
	cmd := scanCmd(ctx, hik.Address, dahua.Address, dual.Address, "--credentials", file,
		"--zones", filepath.Join(opts.StateDir, "zones.yaml"), "--format", "json")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 3) {
		t.Fatalf("scan: %v", err)
	}
	for _, d := range []lab.Device{hik, dahua, dual} {
		if strings.Contains(string(out), d.Password) {
			t.Fatalf("the output shows %s's password", d.Name)
		}
	}
	recs, _ := decodeLines(t, out)

	for _, tc := range []struct {
		d    lab.Device
		want map[string]string
	}{
		{hik, map[string]string{
			"onvif.auth": "required", "onvif.login": "accepted", "onvif.login_method": "http-digest",
			"onvif.model": hik.Model, "onvif.serial": hik.Serial, "onvif.mac": hik.MAC,
			"onvif.access.get_device_information": "credential", "onvif.access.get_network_interfaces": "credential",
		}},
		{dahua, map[string]string{
			"onvif.auth": "none", "onvif.login": "accepted", "onvif.login_method": "ws-security",
			"onvif.access.get_network_interfaces": "credential", "onvif.mac": dahua.MAC, "onvif.interfaces": "eth0",
			"onvif.ipv4_manual": dahua.Address + "/24",
		}},
		{dual, map[string]string{
			"onvif.auth": "required", "onvif.login": "accepted", "onvif.login_method": "ws-security", "onvif.model": dual.Model,
			"onvif.access.get_network_interfaces": "credential", "onvif.interfaces": "eth0,eth1", "onvif.mac": dual.MAC,
			"onvif.macs": dual.MAC + "," + dual.Also.MAC, "onvif.other_addrs": dual.Also.Address,
		}},
	} {
		r, ok := recs[tc.d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", tc.d.Name, tc.d.Address)
			continue
		}
		f, _ := onvifFields(r)
		for k, v := range tc.want {
			if f[k] != v {
				t.Errorf("%s: %s = %q, want %q", tc.d.Name, k, f[k], v)
			}
		}
		for _, e := range r.Errors {
			if strings.HasPrefix(e, "onvif") {
				t.Errorf("%s: error %q", tc.d.Name, e)
			}
		}
		t.Logf("%s: login %s by %s, access %s", tc.d.Name, f["onvif.login"], f["onvif.login_method"], accessSummary(f))
	}

	// The web login: hik-cam's deviceInfo, asked once more with the
	// credential after its 401, names the camera; the other cameras'
	// entries are ONVIF-only, so their web pages see no login.
	for _, d := range []lab.Device{hik, dahua, dual} {
		var info map[string]string
		logins := 0
		for _, ev := range recs[d.Address].Evidence {
			if ev.Source != device.SourceHTTP {
				continue
			}
			if ev.Fields["http.login"] != "" {
				logins++
			}
			if ev.Fields["http.path"] == "/ISAPI/System/deviceInfo" {
				info = ev.Fields
			}
		}
		switch {
		case d.Name != hik.Name && logins > 0:
			t.Errorf("%s: %d web answers carry http.login without protocols [onvif, http]", d.Name, logins)
		case d.Name == hik.Name && (info["http.login"] != "accepted" || info["http.isapi.model"] != hik.Model || info["http.isapi.serial"] != hik.Serial):
			t.Errorf("%s: deviceInfo with the login: %q", d.Name, info)
		}
	}

	r := recs[dual.Address]
	found := false
	for _, fd := range r.Findings {
		if fd.ID == device.FindingCoveredMultihomed && strings.Contains(fd.Summary, dual.Also.Address) && strings.Contains(fd.Summary, "onvif.other_addrs") {
			found = true
		}
	}
	if !found {
		t.Errorf("%s: no covered-vendor-multihomed finding naming %s by onvif.other_addrs: %+v", dual.Name, dual.Also.Address, r.Findings)
	}
}

func accessSummary(f map[string]string) string {
	var s []string
	for k, v := range f {
		if op, ok := strings.CutPrefix(k, "onvif.access."); ok {
			s = append(s, op+"="+v)
		}
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

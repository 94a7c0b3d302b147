package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/lab"
)

// onvifJSDir is the tiny Node project that drives the npm onvif client
// (pinned in its package.json and package-lock.json); `make deps` installs
// it with npm ci when Node.js is present.
const onvifJSDir = "onvifjs"

// needOnvifJS returns node's path, skipping without Node.js or the
// installed client, except in CI where their absence is a failure.
func needOnvifJS(t *testing.T) string {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("in CI (make deps installs it): "+format, args...)
		}
		t.Skipf(format, args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("Node.js is required for the onvif interop test: %v", err)
	}
	if _, err := os.Stat(filepath.Join(onvifJSDir, "node_modules", "onvif", "package.json")); err != nil {
		missing("the npm onvif client is not installed (npm ci in e2e/onvifjs): %v", err)
	}
	return node
}

type onvifJSTarget struct {
	Name     string `json:"name"`
	Hostname string `json:"hostname"`
	Port     int    `json:"port"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

type onvifJSResult struct {
	Targets []struct {
		Name      string `json:"name"`
		Hostname  string `json:"hostname"`
		Time      string `json:"time"`
		TimeError string `json:"timeError"`
		Info      *struct {
			Manufacturer    string `json:"manufacturer"`
			Model           string `json:"model"`
			FirmwareVersion string `json:"firmwareVersion"`
			SerialNumber    string `json:"serialNumber"`
		} `json:"info"`
		InfoError string `json:"infoError"`
		Services  []struct {
			Namespace string `json:"namespace"`
			XAddr     string `json:"xaddr"`
		} `json:"services"`
		ServicesError     string            `json:"servicesError"`
		CapabilitiesError string            `json:"capabilitiesError"`
		URI               map[string]string `json:"uri"`
		HostName          string            `json:"hostName"`
		HostNameError     string            `json:"hostNameError"`
		Scopes            []string          `json:"scopes"`
		ScopesError       string            `json:"scopesError"`
		Interfaces        []struct {
			Name      string `json:"name"`
			HwAddress string `json:"hwAddress"`
		} `json:"interfaces"`
		InterfacesError string `json:"interfacesError"`
	} `json:"targets"`
	Discovery *struct {
		Found []struct {
			From   string   `json:"from"`
			URN    string   `json:"urn"`
			Types  string   `json:"types"`
			XAddrs []string `json:"xaddrs"`
		} `json:"found"`
		Errors []string `json:"errors"`
	} `json:"discovery"`
}

// TestOnvifJS_lab: the npm onvif client, run inside the jump namespace,
// finds the primary segment's ONVIF cameras with its WS-Discovery probe and
// queries every emulated ONVIF camera by unicast: GetSystemDateAndTime from
// all, GetDeviceInformation with the lab password (WS-Security digest, or
// the client's own HTTP Digest fallback on the digest-only hik-cam) where
// the spec sets one, anonymously on Dahua, and refused on Hikvision and Axis
// without credentials; GetServices and GetCapabilities from all, whose
// XAddrs the client then posts to; GetHostname, GetScopes and
// GetNetworkInterfaces as each vendor's access policy allows. The
// emulators speak ONVIF as a real client expects.
func TestOnvifJS_lab(t *testing.T) {
	needLab(t)
	node := needOnvifJS(t)
	script, err := filepath.Abs(filepath.Join(onvifJSDir, "interop.js"))
	if err != nil {
		t.Fatal(err)
	}

	var targets []onvifJSTarget
	byName := map[string]lab.Device{}
	for _, d := range spec.Devices {
		switch d.Profile {
		case "hikvision-camera", "dahua-camera", "axis-camera":
		default:
			continue
		}
		tg := onvifJSTarget{Name: d.Name, Hostname: d.Address, Port: 80}
		if d.Password != "" {
			tg.Username, tg.Password = "admin", d.Password
		}
		targets = append(targets, tg)
		byName[d.Name] = d
	}
	// The minimum: both primary cameras with passwords and a CCTV one.
	for _, name := range []string{"hik-cam", "dahua-cam", "cctv-dahua"} {
		if _, ok := byName[name]; !ok {
			t.Fatalf("the lab spec has no ONVIF camera %s", name)
		}
	}
	req, err := json.Marshal(map[string]any{"targets": targets, "discover": true, "discoverMs": 3000})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := lab.Exec(ctx, spec.JumpNS(), node, script)
	cmd.Dir = onvifJSDir
	cmd.Stdin = bytes.NewReader(req) // the passwords stay off the command line
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node interop.js: %v\nstderr:\n%s", err, stderr.String())
	}
	var res onvifJSResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("interop.js output: %v\n%s", err, out)
	}

	seen := map[string]bool{}
	for _, r := range res.Targets {
		d, ok := byName[r.Name]
		if !ok {
			t.Errorf("result for unknown target %q", r.Name)
			continue
		}
		seen[r.Name] = true
		if r.TimeError != "" {
			t.Errorf("%s (%s): getSystemDateAndTime: %s", d.Name, d.Address, r.TimeError)
		} else if tm, err := time.Parse(time.RFC3339Nano, r.Time); err != nil || time.Since(tm).Abs() > 5*time.Minute {
			t.Errorf("%s: getSystemDateAndTime %q: %v, want about now", d.Name, r.Time, err)
		}
		wantInfo := d.Password != "" || d.Profile == "dahua-camera"
		switch {
		case !wantInfo:
			if r.InfoError == "" || r.Info != nil {
				t.Errorf("%s (%s, no password): getDeviceInformation answered %+v, want refused", d.Name, d.Profile, r.Info)
			}
		case r.InfoError != "":
			t.Errorf("%s (%s): getDeviceInformation: %s", d.Name, d.Address, r.InfoError)
		case r.Info == nil:
			t.Errorf("%s: getDeviceInformation returned no information", d.Name)
		default:
			firmware := d.Firmware
			if d.Profile == "hikvision-camera" {
				firmware += " build 210726" // ONVIF states the build, as real Hikvision firmware does
			}
			if r.Info.Model != d.Model || r.Info.SerialNumber != d.Serial || r.Info.FirmwareVersion != firmware {
				t.Errorf("%s: device information %+v, want model %q serial %q firmware %q", d.Name, *r.Info, d.Model, d.Serial, firmware)
			} else {
				t.Logf("%s (%s): %s %s serial %s", d.Name, d.Address, r.Info.Manufacturer, r.Info.Model, r.Info.SerialNumber)
			}
		}
		checkOnvifJSDevice(t, d, r.ServicesError, r.CapabilitiesError, r.URI, len(r.Services), firstXAddr(r.Services))
		hostOK := d.Password != "" || d.Profile != "hikvision-camera"
		wantHost := d.Serial
		if d.Profile == "axis-camera" {
			wantHost = "axis-" + strings.ReplaceAll(d.MAC, ":", "")
		}
		switch {
		case hostOK && r.HostNameError != "":
			t.Errorf("%s: getHostname: %s", d.Name, r.HostNameError)
		case hostOK && r.HostName != wantHost:
			t.Errorf("%s: getHostname %q, want %q", d.Name, r.HostName, wantHost)
		case !hostOK && r.HostNameError == "":
			t.Errorf("%s: getHostname answered %q without credentials", d.Name, r.HostName)
		}
		scopesOK := d.Password != "" || d.Profile == "dahua-camera"
		switch {
		case scopesOK && (r.ScopesError != "" || !slices.ContainsFunc(r.Scopes, func(s string) bool { return strings.HasSuffix(s, "/hardware/"+strings.ReplaceAll(d.Model, " ", "%20")) })):
			t.Errorf("%s: getScopes %v: %s", d.Name, r.Scopes, r.ScopesError)
		case !scopesOK && r.ScopesError == "":
			t.Errorf("%s: getScopes answered %v without credentials", d.Name, r.Scopes)
		}
		switch {
		case d.Password == "" && r.InterfacesError == "":
			t.Errorf("%s: getNetworkInterfaces answered %+v without credentials", d.Name, r.Interfaces)
		case d.Password != "" && r.InterfacesError != "":
			t.Errorf("%s: getNetworkInterfaces: %s", d.Name, r.InterfacesError)
		case d.Password != "" && (len(r.Interfaces) == 0 || r.Interfaces[0].HwAddress != d.MAC):
			t.Errorf("%s: getNetworkInterfaces %+v, want eth0 with %s first", d.Name, r.Interfaces, d.MAC)
		case d.Password != "" && d.Also != nil && (len(r.Interfaces) != 2 || r.Interfaces[1].HwAddress != d.Also.MAC):
			t.Errorf("%s (dual-homed): getNetworkInterfaces %+v, want both legs", d.Name, r.Interfaces)
		}
	}
	for name := range byName {
		if !seen[name] {
			t.Errorf("no result for %s", name)
		}
	}

	// Discovery.probe multicasts a typed NetworkVideoTransmitter probe from
	// the jump host: every ONVIF camera on its segment must answer with an
	// XAddr at its address.
	if res.Discovery == nil {
		t.Fatal("no discovery result")
	}
	for _, e := range res.Discovery.Errors {
		t.Logf("discovery: %s", e)
	}
	for _, d := range spec.Devices {
		if d.Segment != spec.Jump.Segment {
			continue
		}
		switch d.Profile {
		case "hikvision-camera", "dahua-camera", "axis-camera":
		default:
			continue
		}
		found := false
		for _, f := range res.Discovery.Found {
			for _, x := range f.XAddrs {
				if strings.HasPrefix(x, "http://"+d.Address+"/") || strings.HasPrefix(x, "http://"+d.Address+":") {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%s (%s) not discovered by the onvif client; found %+v", d.Name, d.Address, res.Discovery.Found)
		}
	}
	t.Logf("onvif client discovered %d devices", len(res.Discovery.Found))
}

func firstXAddr(svcs []struct {
	Namespace string `json:"namespace"`
	XAddr     string `json:"xaddr"`
}) string {
	if len(svcs) == 0 {
		return ""
	}
	return svcs[0].XAddr
}

// checkOnvifJSDevice: GetServices and GetCapabilities answered, the device
// service first at the address asked, and the client's service URIs point
// back at the device.
func checkOnvifJSDevice(t *testing.T, d lab.Device, servicesErr, capsErr string, uri map[string]string, nServices int, first string) {
	t.Helper()
	if servicesErr != "" || nServices < 2 || first != "http://"+d.Address+"/onvif/device_service" {
		t.Errorf("%s: getServices: %d services, first %q: %s", d.Name, nServices, first, servicesErr)
	}
	if capsErr != "" {
		t.Errorf("%s: getCapabilities: %s", d.Name, capsErr)
	}
	for _, k := range []string{"device", "media", "events"} {
		if !strings.HasPrefix(uri[k], "http://"+d.Address+"/onvif/") {
			t.Errorf("%s: client URI %s = %q, want one at %s", d.Name, k, uri[k], d.Address)
		}
	}
}

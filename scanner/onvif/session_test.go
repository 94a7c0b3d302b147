package onvif

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// hikLike is a device in the style of current Hikvision firmware: the
// PRE_AUTH operations open, the rest behind WS-Security or HTTP Digest,
// anonymous refusals as 401 with a Digest challenge.
func hikLike(t *testing.T, password string) *fakeDevice {
	return &fakeDevice{
		t: t,
		open: map[string][]byte{
			"GetSystemDateAndTime": fixture(t, "gsoap-getsystemdateandtime.xml"),
			"GetServices":          fixture(t, "gsoap-getservices.xml"),
		},
		locked: map[string][]byte{
			"GetDeviceInformation": fixture(t, "hikvision-ds-2df7286-a-getdeviceinformation.xml"),
			"GetNetworkInterfaces": fixture(t, "hikvision-getnetworkinterfaces.xml"),
			"GetHostname":          fixture(t, "gsoap-gethostname.xml"),
			"GetScopes":            fixture(t, "gsoap-getscopes.xml"),
		},
		password: password, wsse: true, digest: true, anon401: true,
	}
}

func probe(t *testing.T, p *Prober, ap netip.AddrPort) (map[string]string, error) {
	t.Helper()
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if len(ev) != 1 {
		t.Fatalf("%d evidence, err %v", len(ev), err)
	}
	return ev[0].Fields, err
}

func wantFields(t *testing.T, f map[string]string, want map[string]string) {
	t.Helper()
	scantest.WantFields(t, f, want)
}

func wantLog(t *testing.T, d *fakeDevice, want ...string) {
	t.Helper()
	if got := d.log(); !slices.Equal(got, want) {
		t.Errorf("requests\n %v\nwant\n %v", got, want)
	}
}

// TestProber_ProbePort_anonymousOps: without credentials every operation
// is asked once, anonymously; refusals are access values, not errors.
func TestProber_ProbePort_anonymousOps(t *testing.T) {
	d := hikLike(t, "")
	f, err := probe(t, newProber(t, Config{}), d.start())
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, d, "GetSystemDateAndTime/", "GetServices/", "GetDeviceInformation/", "GetNetworkInterfaces/", "GetHostname/", "GetScopes/")
	wantFields(t, f, map[string]string{
		"onvif.auth": "required", "onvif.fault": "ter:NotAuthorized",
		"onvif.realm": fakeRealm, "onvif.auth_scheme": "Digest", "onvif.access.get_system_date_and_time": "none",
		"onvif.access.get_services": "none", "onvif.access.get_device_information": "required",
		"onvif.access.get_network_interfaces": "required", "onvif.access.get_hostname": "required", "onvif.access.get_scopes": "required",
		"onvif.services":                "device:2.42 media:2.41 events:2.40 deviceio:2.20 ptz:2.41 imaging:2.30",
		"onvif.service.media":           "http://192.168.68.111/onvif/services",
		"onvif.service.device":          "http://192.168.68.111/onvif/services",
		"onvif.hint":                    "hikvision-ns,onvifext-ns",
		"onvif.login":                   "",
		"onvif.mac":                     "",
		"onvif.access.get_capabilities": "",
	})
	if d.sent("UsernameToken") {
		t.Error("a token went out without credentials")
	}
	for _, r := range d.reqs {
		if r.auth != "" {
			t.Errorf("%s sent with %s auth in an anonymous scan", r.op, r.auth)
		}
	}
}

// TestProber_ProbePort_openDevice: a device that answers everything
// anonymously (older Dahua-platform firmware) gives its interfaces, an
// address other than the probed one, its hostname and scopes.
func TestProber_ProbePort_openDevice(t *testing.T) {
	d := hikLike(t, "")
	for op, b := range d.locked {
		d.open[op] = b
	}
	f, err := probe(t, newProber(t, Config{}), d.start())
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, f, map[string]string{
		"onvif.auth": "none", "onvif.manufacturer": "HIKVISION", "onvif.model": "DS-2DF7286-A",
		"onvif.access.get_network_interfaces": "none", "onvif.access.get_hostname": "none", "onvif.access.get_scopes": "none",
		"onvif.interfaces": "eth0", "onvif.mac": "28:57:be:65:7d:d5", "onvif.macs": "28:57:be:65:7d:d5",
		"onvif.ipv4_manual": "192.168.68.111/24", "onvif.dhcp": "false", "onvif.ipv4_from_dhcp": "",
		// The fake listens on 127.0.0.1; the capture's own address is another.
		"onvif.other_addrs":   "192.168.68.111",
		"onvif.hostname":      "IPNC-RDK",
		"onvif.hostname_dhcp": "false",
		"onvif.scope.name":    "PREDATOR", "onvif.scope.hardware": "HD_PREDATOR", "onvif.scope.types": "video_encoder audio_encoder ptz",
		"onvif.scopes": "onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/type/audio_encoder onvif://www.onvif.org/type/ptz onvif://www.onvif.org/hardware/HD_PREDATOR onvif://www.onvif.org/name/PREDATOR onvif://www.onvif.org/location/",
	})
}

// TestNoteInterfaces_probedAddress: the MAC is the probed interface's; a
// second interface's address is the multi-homing evidence, link-local and
// disabled ones are not.
func TestNoteInterfaces_probedAddress(t *testing.T) {
	nis := &NetworkInterfaces{Interfaces: []NetworkInterface{
		{Enabled: true, IPv4Enabled: true, Name: "eth0", MAC: "24:28:fd:5a:20:25", IPv4Manual: []netip.Prefix{netip.MustParsePrefix("198.18.20.25/24")},
			IPv6LinkLocal: []netip.Prefix{netip.MustParsePrefix("fe80::2628:fdff:fe5a:2025/64")}},
		{Enabled: true, IPv4Enabled: true, DHCP: true, Name: "eth1", MAC: "24:28:fd:5a:10:25", IPv4FromDHCP: []netip.Prefix{netip.MustParsePrefix("198.18.10.25/32")},
			IPv6: []netip.Prefix{netip.MustParsePrefix("2001:db8::25/64")}},
		{Enabled: false, IPv4Enabled: true, Name: "wlan0", MAC: "24:28:fd:5a:30:25", IPv4Manual: []netip.Prefix{netip.MustParsePrefix("192.168.1.64/24")}},
	}}
	f := map[string]string{}
	noteInterfaces(f, nis, netip.MustParseAddr("198.18.20.25"))
	wantFields(t, f, map[string]string{
		"onvif.interfaces": "eth0,eth1,wlan0", "onvif.mac": "24:28:fd:5a:20:25", "onvif.macs": "24:28:fd:5a:20:25,24:28:fd:5a:10:25,24:28:fd:5a:30:25",
		"onvif.ipv4_manual": "198.18.20.25/24", "onvif.ipv4_from_dhcp": "198.18.10.25/32", "onvif.dhcp": "true",
		"onvif.ipv6": "2001:db8::25/64", "onvif.other_addrs": "198.18.10.25 2001:db8::25",
	})
}

// TestProber_ProbePort_capabilitiesFallback: firmware without GetServices
// is asked GetCapabilities; the last operation no longer fits the budget.
func TestProber_ProbePort_capabilitiesFallback(t *testing.T) {
	d := hikLike(t, "")
	delete(d.open, "GetServices")
	d.open["GetCapabilities"] = fixture(t, "gsoap-getcapabilities.xml")
	f, err := probe(t, newProber(t, Config{}), d.start())
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, d, "GetSystemDateAndTime/", "GetServices/", "GetCapabilities/", "GetDeviceInformation/", "GetNetworkInterfaces/", "GetHostname/")
	wantFields(t, f, map[string]string{
		"onvif.access.get_services": "unsupported", "onvif.access.get_capabilities": "none", "onvif.access.get_scopes": "skipped",
		"onvif.services": "device events imaging media ptz deviceio", "onvif.versions": "2.40",
		"onvif.service.ptz": "http://192.168.68.111/onvif/services",
	})
}

// TestProber_login_wsSecurity: the refused GetDeviceInformation is sent
// once more with the token, which then carries the rest.
func TestProber_login_wsSecurity(t *testing.T) {
	d := hikLike(t, secret)
	cred, _ := NewCredential([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "admin", secret)
	f, err := probe(t, newProber(t, Config{Credentials: Credentials{cred}}), d.start())
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, d, "GetSystemDateAndTime/", "GetServices/", "GetDeviceInformation/", "GetDeviceInformation/wsse", "GetNetworkInterfaces/wsse", "GetHostname/wsse")
	wantFields(t, f, map[string]string{
		"onvif.auth": "required", "onvif.login": "accepted", "onvif.login_method": "ws-security",
		"onvif.access.get_device_information": "credential", "onvif.access.get_network_interfaces": "credential",
		"onvif.access.get_hostname": "credential", "onvif.access.get_scopes": "skipped",
		"onvif.manufacturer": "HIKVISION", "onvif.mac": "28:57:be:65:7d:d5", "onvif.hostname": "IPNC-RDK",
	})
}

// TestProber_login_digestFallback: a device that ignores WS-Security and
// answers 401 with a Digest challenge gets the same request once with
// HTTP Digest; the nonce then carries the later requests.
func TestProber_login_digestFallback(t *testing.T) {
	d := hikLike(t, secret)
	d.wsse = false
	cred, _ := NewCredential([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "admin", secret)
	ev, err := newProber(t, Config{Credentials: Credentials{cred}}).ProbePort(t.Context(), scanner.At(d.start()), &scantest.Pacer{})
	if err != nil || len(ev) != 1 {
		t.Fatalf("%v %v", ev, err)
	}
	f := ev[0].Fields
	wantLog(t, d, "GetSystemDateAndTime/", "GetServices/", "GetDeviceInformation/", "GetDeviceInformation/wsse", "GetDeviceInformation/digest", "GetNetworkInterfaces/digest")
	wantFields(t, f, map[string]string{
		"onvif.login": "accepted", "onvif.login_method": "http-digest",
		"onvif.access.get_device_information": "credential", "onvif.access.get_network_interfaces": "credential",
		"onvif.access.get_hostname": "skipped", "onvif.model": "DS-2DF7286-A", "onvif.interfaces": "eth0",
	})
	for _, r := range d.reqs {
		if r.auth == "digest" && !r.ok {
			t.Errorf("%s: digest refused", r.op)
		}
	}
	if s := fmt.Sprintf("%v %v", ev, err); strings.Contains(s, secret) || d.sent(secret) {
		t.Error("the password went out or into the output")
	}
}

// TestProber_login_rejectedOnce: a wrong password costs one login attempt
// (a refused token is 400, so no Digest retry); the rest goes anonymous.
func TestProber_login_rejectedOnce(t *testing.T) {
	d := hikLike(t, "other-password")
	cred, _ := NewCredential([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "admin", secret)
	f, err := probe(t, newProber(t, Config{Credentials: Credentials{cred}}), d.start())
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, d, "GetSystemDateAndTime/", "GetServices/", "GetDeviceInformation/", "GetDeviceInformation/wsse", "GetNetworkInterfaces/", "GetHostname/")
	wantFields(t, f, map[string]string{
		"onvif.login": "rejected", "onvif.login_method": "ws-security",
		"onvif.access.get_device_information": "rejected", "onvif.access.get_network_interfaces": "required",
	})

	// Digest-only device, wrong password: the ignored token and one Digest
	// answer, then no more.
	d = hikLike(t, "other-password")
	d.wsse = false
	f, err = probe(t, newProber(t, Config{Credentials: Credentials{cred}}), d.start())
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, d, "GetSystemDateAndTime/", "GetServices/", "GetDeviceInformation/", "GetDeviceInformation/wsse", "GetDeviceInformation/digest", "GetNetworkInterfaces/")
	wantFields(t, f, map[string]string{"onvif.login": "rejected", "onvif.login_method": "http-digest"})
}

// TestProber_budgetPerDevice: the budget is the device's, over its ports.
func TestProber_budgetPerDevice(t *testing.T) {
	web, _ := soapServer(t, nil) // a web server on another port of the same address
	d := hikLike(t, "")
	for op, b := range d.locked {
		d.open[op] = b
	}
	onv := d.start()
	p := newProber(t, Config{Path: "/"})
	if ev, err := p.ProbePort(t.Context(), scanner.At(web), &scantest.Pacer{}); ev != nil || err != nil {
		t.Fatalf("web port: %v %v", ev, err)
	}
	p.cfg.Path = DefaultPath
	f, err := probe(t, p, onv)
	if err != nil {
		t.Fatal(err)
	}
	// The web port took two: the clock and the GetDeviceInformation that
	// checks whether a device service is there after all.
	wantLog(t, d, "GetSystemDateAndTime/", "GetServices/", "GetDeviceInformation/", "GetNetworkInterfaces/")
	wantFields(t, f, map[string]string{"onvif.access.get_hostname": "skipped", "onvif.access.get_scopes": "skipped"})
	// Spent: a third port gets nothing at all.
	if ev, err := p.ProbePort(t.Context(), scanner.At(onv), &scantest.Pacer{}); ev != nil || err != nil || len(d.log()) != 4 {
		t.Errorf("after the budget: %v %v, %d requests", ev, err, len(d.log()))
	}
}

// TestProber_xaddrFromDiscovery: the device service announced by
// WS-Discovery on the probed address is asked there, on its port and path;
// XAddrs of other addresses are never followed.
func TestProber_xaddrFromDiscovery(t *testing.T) {
	d := hikLike(t, "")
	d.path = "/onvif/device_service_8899"
	ap := d.start()
	xaddrs := fmt.Sprintf("http://%s%s http://198.18.0.9:2020/onvif/device_service https://%s/onvif/tls http://[fe80::1]/onvif/device_service", ap, d.path, ap.Addr())
	// As wsd.Evidence makes it: the field as sent, and the URLs parsed.
	var services []*url.URL
	for _, raw := range strings.Fields(xaddrs) {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		services = append(services, u)
	}
	swept := []device.Evidence{{Source: device.SourceWSD, Addr: ap.Addr(), Fields: map[string]string{"wsd.xaddrs": xaddrs}, Services: services}}
	tg := scanner.Target{Addr: ap.Addr(), Port: ap.Port(), KnownAlive: true, Swept: swept}
	p := newProber(t, Config{PortConfig: scanner.PortConfig{Ports: []uint16{80}}})
	if got := p.HintPorts(tg); !slices.Equal(got, []uint16{ap.Port()}) {
		t.Errorf("hinted %v, want [%d]", got, ap.Port())
	}
	if got := p.HintPorts(scanner.Target{Addr: netip.MustParseAddr("198.18.0.9"), Swept: swept}); got != nil {
		t.Errorf("hinted %v for an address that announced nothing", got)
	}
	ev, err := p.ProbePort(t.Context(), tg, &scantest.Pacer{})
	if err != nil || len(ev) != 1 {
		t.Fatalf("%v %v", ev, err)
	}
	wantFields(t, ev[0].Fields, map[string]string{"onvif.path": d.path, "onvif.access.get_services": "none", "onvif.tz": "MoroccoStandardTime0"})
	// Without the hint the default path is a 404: no ONVIF there.
	if ev, err := newProber(t, Config{}).ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{}); ev != nil || err != nil {
		t.Errorf("default path: %v %v", ev, err)
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"GetNetworkInterfaces": "get_network_interfaces", "GetServices": "get_services"} {
		if got := snake(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}

// TestProber_ProbePort_unnamedAsksScopesFirst: a device that does not
// implement GetDeviceInformation, on firmware without GetServices, is asked
// its scopes before the interfaces: they are what names it, and the budget
// leaves room for two of the last three operations.
func TestProber_ProbePort_unnamedAsksScopesFirst(t *testing.T) {
	d := hikLike(t, "")
	delete(d.open, "GetServices")
	delete(d.locked, "GetDeviceInformation") // ActionNotSupported
	for op, b := range d.locked {
		d.open[op] = b
	}
	d.open["GetCapabilities"] = fixture(t, "gsoap-getcapabilities.xml")
	f, err := probe(t, newProber(t, Config{}), d.start())
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, d, "GetSystemDateAndTime/", "GetServices/", "GetCapabilities/", "GetDeviceInformation/", "GetScopes/", "GetNetworkInterfaces/")
	if f["onvif.scopes"] == "" || f["onvif.access.get_hostname"] != "skipped" {
		t.Errorf("scopes %q, hostname access %q", f["onvif.scopes"], f["onvif.access.get_hostname"])
	}
}

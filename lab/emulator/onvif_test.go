package emulator

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/onvif"
)

type freePacer struct{}

func (freePacer) Wait(ctx context.Context) error { return ctx.Err() }

// TestONVIF_deviceServiceInVendorStyle runs the scanner's prober against
// each camera profile.
func TestONVIF_deviceServiceInVendorStyle(t *testing.T) {
	for _, tt := range []struct {
		d    Device
		want map[string]string
	}{
		{hikDev, map[string]string{"onvif.auth": "required", "onvif.fault": "ter:NotAuthorized", "onvif.hint": "hikvision-ns,onvifext-ns", "onvif.tz": "CST-8:00:00"}},
		{axisDev, map[string]string{"onvif.auth": "required", "onvif.fault": "ter:NotAuthorized"}},
		{dahuaDev, map[string]string{"onvif.auth": "none", "onvif.manufacturer": "Dahua", "onvif.model": "IPC-HDW5831R-ZE",
			"onvif.firmware": "2.800.0000000.1.R", "onvif.serial": "4M0747EPAA1D284", "onvif.hardware_id": "1.00"}},
	} {
		t.Run(tt.d.Profile, func(t *testing.T) {
			ap := netip.MustParseAddrPort(start(t, tt.d, 80))
			p, err := onvif.New(onvif.Config{PortConfig: scanner.PortConfig{Ports: []uint16{ap.Port()}}, Now: func() time.Time { return fixedNow }})
			if err != nil {
				t.Fatal(err)
			}
			ev, err := p.ProbePort(t.Context(), scanner.At(ap), freePacer{})
			if err != nil || len(ev) != 1 {
				t.Fatalf("%v %v", ev, err)
			}
			f := ev[0].Fields
			tt.want["onvif.utc_time"] = "2020-05-14T16:45:35Z"
			tt.want["onvif.clock_offset"] = "0"
			for k, v := range tt.want {
				if f[k] != v {
					t.Errorf("%s = %q, want %q (all: %v)", k, f[k], v, f)
				}
			}
			if tt.want["onvif.auth"] == "required" && f["onvif.model"] != "" {
				t.Errorf("model %q given away without credentials", f["onvif.model"])
			}
		})
	}
}

// wsseRequest is GetDeviceInformation with a UsernameToken in the shape
// of docs/protocols/wsd-onvif.md §2.2 (agsh/onvif).
func wsseRequest(user, password string, nonce []byte, created string) string {
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(created))
	h.Write([]byte(password))
	return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>` +
		`<Security s:mustUnderstand="1" xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><UsernameToken>` +
		`<Username>` + user + `</Username>` +
		`<Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">` + base64.StdEncoding.EncodeToString(h.Sum(nil)) + `</Password>` +
		`<Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">` + base64.StdEncoding.EncodeToString(nonce) + `</Nonce>` +
		`<Created xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">` + created + `</Created>` +
		`</UsernameToken></Security></s:Header><s:Body><GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>`
}

func post(body string) string {
	return "POST /onvif/device_service HTTP/1.1\r\nHost: cam\r\nContent-Type: application/soap+xml; charset=utf-8\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

func TestONVIF_wsSecurityOpensDeviceInformation(t *testing.T) {
	addr := start(t, hikDev, 80)
	nonce := []byte("0123456789abcdef")
	created := fixedNow.Add(-3 * time.Second).Format("2006-01-02T15:04:05.000Z")
	for _, tc := range []struct {
		name, req, status string
	}{
		{"right password", wsseRequest("admin", hikDev.Password, nonce, created), "200"},
		{"wrong password", wsseRequest("admin", "guess", nonce, created), "400"},
		{"other user", wsseRequest("root", hikDev.Password, nonce, created), "400"},
		{"stale", wsseRequest("admin", hikDev.Password, nonce, fixedNow.Add(-time.Hour).Format(time.RFC3339)), "400"},
		{"no token", strings.Replace(wsseRequest("admin", "x", nonce, created), "UsernameToken", "NoToken", 2), "401"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head, body := dial(t, addr).do(post(tc.req))
			if !strings.HasPrefix(head, "HTTP/1.1 "+tc.status+" ") {
				t.Fatalf("head %q", head)
			}
			if tc.status != "200" {
				// ONVIF Core §5.9.1: a refused token is 400 without a
				// challenge; no credentials at all is Hikvision's 401 with
				// one.
				if strings.Contains(head, "WWW-Authenticate: Digest") != (tc.status == "401") {
					t.Errorf("challenge in %q", head)
				}
				if _, err := onvif.ParseGetDeviceInformation([]byte(body)); !errors.Is(err, onvif.ErrNotAuthorized) {
					t.Errorf("err %v", err)
				}
				return
			}
			di, err := onvif.ParseGetDeviceInformation([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if di.Manufacturer != "HIKVISION" || di.Model != hikDev.Model || di.SerialNumber != hikDev.Serial || di.HardwareID != "88" {
				t.Errorf("got %+v", di)
			}
		})
	}
}

func TestONVIF_badRequestsAndOtherPaths(t *testing.T) {
	addr := start(t, axisDev, 80)
	cl := dial(t, addr)
	head, body := cl.do(post("<not xml"))
	if !strings.HasPrefix(head, "HTTP/1.1 400 ") || !strings.Contains(body, "ter:WellFormed") {
		t.Errorf("garbage: %q %q", head, body)
	}
	head, body = cl.do(post(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetProfiles xmlns="http://www.onvif.org/ver10/media/wsdl"/></s:Body></s:Envelope>`))
	if !strings.HasPrefix(head, "HTTP/1.1 500 ") || !strings.Contains(body, "ter:ActionNotSupported") {
		t.Errorf("unsupported: %q %q", head, body)
	}
	// A GET is the vendor's web server, not the device service.
	head, _ = cl.do("GET /onvif/device_service HTTP/1.1\r\nHost: cam\r\n\r\n")
	if strings.Contains(head, "soap") {
		t.Errorf("GET answered with SOAP: %q", head)
	}
}

// TestONVIF_proberLogsInOnce: the scanner's one WS-Security attempt, with
// Created shifted by the clock offset, opens the Hikvision profile.
func TestONVIF_proberLogsInOnce(t *testing.T) {
	ap := netip.MustParseAddrPort(start(t, hikDev, 80))
	for _, tc := range []struct{ password, login, model string }{
		{hikDev.Password, "accepted", hikDev.Model},
		{"wrong", "rejected", ""},
	} {
		cred, err := onvif.NewCredential([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "admin", tc.password)
		if err != nil {
			t.Fatal(err)
		}
		// The scanner's clock is an hour off; the device's is what counts.
		p, err := onvif.New(onvif.Config{PortConfig: scanner.PortConfig{Ports: []uint16{ap.Port()}}, Credentials: onvif.Credentials{cred},
			Now: func() time.Time { return fixedNow.Add(time.Hour) }})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.ProbePort(t.Context(), scanner.At(ap), freePacer{})
		if err != nil || len(ev) != 1 {
			t.Fatalf("%v %v", ev, err)
		}
		f := ev[0].Fields
		if f["onvif.auth"] != "required" || f["onvif.login"] != tc.login || f["onvif.model"] != tc.model {
			t.Errorf("password %q: %v", tc.password, f)
		}
	}
}

// startEmu is start with a hook on the emulator before it serves.
func startEmu(t *testing.T, d Device, hook func(*Emulator)) netip.AddrPort {
	t.Helper()
	e, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	e.Now = func() time.Time { return fixedNow }
	e.Timeouts = Timeouts{Read: 300 * time.Millisecond, Idle: 300 * time.Millisecond}
	if hook != nil {
		hook(e)
	}
	svc, _ := e.Service(80)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { ServeListener(ctx, ln, svc.Handle) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return netip.MustParseAddrPort(ln.Addr().String())
}

func probeONVIF(t *testing.T, ap netip.AddrPort, creds ...onvif.Credential) map[string]string {
	t.Helper()
	p, err := onvif.New(onvif.Config{PortConfig: scanner.PortConfig{Ports: []uint16{ap.Port()}}, Credentials: creds, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), freePacer{})
	if err != nil || len(ev) != 1 {
		t.Fatalf("%v %v", ev, err)
	}
	return ev[0].Fields
}

func loopbackCred(t *testing.T, password string) onvif.Credential {
	t.Helper()
	c, err := onvif.NewCredential([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "admin", password)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestONVIF_operationsByVendor: what each profile answers anonymously,
// read by the scanner's prober.
func TestONVIF_operationsByVendor(t *testing.T) {
	for _, tt := range []struct {
		d    Device
		want map[string]string
	}{
		{hikDev, map[string]string{
			"onvif.access.get_services": "none", "onvif.access.get_device_information": "required", "onvif.access.get_network_interfaces": "required",
			"onvif.access.get_hostname": "required", "onvif.access.get_scopes": "required",
			"onvif.services":      "device:17.12 media:17.12 media2:17.12 events:17.12 imaging:17.12 deviceio:17.12 analytics:17.12",
			"onvif.service.media": "http://127.0.0.1:PORT/onvif/Media", "onvif.service.device": "http://127.0.0.1:PORT/onvif/device_service",
		}},
		{dahuaDev, map[string]string{
			"onvif.access.get_device_information": "none", "onvif.access.get_hostname": "none", "onvif.access.get_scopes": "none",
			"onvif.access.get_network_interfaces": "required", "onvif.hostname": dahuaDev.Serial, "onvif.hostname_dhcp": "false",
			"onvif.scope.name": "Dahua", "onvif.scope.hardware": dahuaDev.Model, "onvif.hint": "bare-envelope,dahua-unique-identifier", // Dahua's own stack sends no SOAP header
			"onvif.service.media": "http://127.0.0.1:PORT/onvif/media_service",
		}},
		{axisDev, map[string]string{
			"onvif.access.get_hostname": "none", "onvif.hostname": "axis-accc8e123456", "onvif.access.get_scopes": "required",
			"onvif.vendor_services": "http://www.axis.com/vapix/ws/action1", "onvif.service.media2": "http://127.0.0.1:PORT/onvif/services",
		}},
	} {
		t.Run(tt.d.Profile, func(t *testing.T) {
			ap := startEmu(t, tt.d, nil)
			f := probeONVIF(t, ap)
			for k, v := range tt.want {
				v = strings.ReplaceAll(v, "PORT", strconv.Itoa(int(ap.Port())))
				if f[k] != v {
					t.Errorf("%s = %q, want %q", k, f[k], v)
				}
			}
		})
	}
}

// TestONVIF_digestOnly: a device service that takes HTTP Digest only
// ignores a right token and is opened by the prober's Digest fallback.
func TestONVIF_digestOnly(t *testing.T) {
	d := hikDev
	d.ONVIFAuth = ONVIFAuthDigest
	ap := startEmu(t, d, nil)
	head, _ := dial(t, ap.String()).do(post(wsseRequest("admin", d.Password, []byte("0123456789abcdef"), fixedNow.Format(time.RFC3339))))
	if !strings.HasPrefix(head, "HTTP/1.1 401 ") || !strings.Contains(head, `WWW-Authenticate: Digest qop="auth", realm="IP Camera(C2875)"`) {
		t.Errorf("token on a digest-only device: %q", head)
	}
	f := probeONVIF(t, ap, loopbackCred(t, d.Password))
	for k, v := range map[string]string{
		"onvif.login": "accepted", "onvif.login_method": "http-digest", "onvif.model": d.Model,
		"onvif.access.get_network_interfaces": "credential", "onvif.mac": "44:a6:42:46:67:24",
	} {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
	// Both ways on the default device.
	f = probeONVIF(t, startEmu(t, hikDev, nil), loopbackCred(t, hikDev.Password))
	if f["onvif.login_method"] != "ws-security" || f["onvif.login"] != "accepted" {
		t.Errorf("default device: %v", f)
	}
}

// TestONVIF_networkInterfacesBothLegs: a dual-homed camera's two
// interfaces, and the one the prober did not ask through as another
// address.
func TestONVIF_networkInterfacesBothLegs(t *testing.T) {
	ap := startEmu(t, hikDev, func(e *Emulator) {
		e.NetInterfaces = func() []NetInterface {
			return []NetInterface{
				{Name: "eth0", MAC: mac("24:28:fd:5a:20:25"), Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}},
				{Name: "eth1", MAC: mac("24:28:fd:5a:10:25"), Addrs: []netip.Prefix{netip.MustParsePrefix("198.18.10.25/32")}},
			}
		}
	})
	f := probeONVIF(t, ap, loopbackCred(t, hikDev.Password))
	for k, v := range map[string]string{
		"onvif.interfaces": "eth0,eth1", "onvif.mac": "24:28:fd:5a:20:25", "onvif.macs": "24:28:fd:5a:20:25,24:28:fd:5a:10:25",
		"onvif.ipv4_manual": "127.0.0.1/8,198.18.10.25/32", "onvif.other_addrs": "198.18.10.25", "onvif.dhcp": "false",
	} {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
	// Without the seam, outside a lab namespace: one eth0 with the
	// device's MAC at the address asked.
	f = probeONVIF(t, startEmu(t, dahuaDev, nil), loopbackCred(t, dahuaDev.Password))
	if f["onvif.mac"] != "08:ed:ed:61:01:c0" || f["onvif.ipv4_manual"] != "127.0.0.1/24" || f["onvif.other_addrs"] != "" || f["onvif.login"] != "accepted" {
		t.Errorf("dahua: %v", f)
	}
}

package emulator

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

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
			p, err := onvif.New(onvif.Config{Ports: []uint16{ap.Port()}, Now: func() time.Time { return fixedNow }})
			if err != nil {
				t.Fatal(err)
			}
			ev, err := p.ProbePort(t.Context(), ap, freePacer{})
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
// of PROTOCOLS.md §2.2 (agsh/onvif).
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
		{"wrong password", wsseRequest("admin", "guess", nonce, created), "401"},
		{"other user", wsseRequest("root", hikDev.Password, nonce, created), "401"},
		{"stale", wsseRequest("admin", hikDev.Password, nonce, fixedNow.Add(-time.Hour).Format(time.RFC3339)), "401"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head, body := dial(t, addr).do(post(tc.req))
			if !strings.HasPrefix(head, "HTTP/1.1 "+tc.status+" ") {
				t.Fatalf("head %q", head)
			}
			if tc.status != "200" {
				if !strings.Contains(head, "WWW-Authenticate: Digest") {
					t.Error("no digest challenge beside the fault")
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
	head, body = cl.do(post(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetScopes xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>`))
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
		p, err := onvif.New(onvif.Config{Ports: []uint16{ap.Port()}, Credentials: onvif.Credentials{cred},
			Now: func() time.Time { return fixedNow.Add(time.Hour) }})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.ProbePort(t.Context(), ap, freePacer{})
		if err != nil || len(ev) != 1 {
			t.Fatalf("%v %v", ev, err)
		}
		f := ev[0].Fields
		if f["onvif.auth"] != "required" || f["onvif.login"] != tc.login || f["onvif.model"] != tc.model {
			t.Errorf("password %q: %v", tc.password, f)
		}
	}
}

package onvif

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner"
)

// openDevice is hikLike with every operation answered anonymously.
func openDevice(t *testing.T) *fakeDevice {
	d := hikLike(t, "")
	for op, b := range d.locked {
		d.open[op] = b
	}
	return d
}

// TestProber_clockFails: GetSystemDateAndTime failing in each way real
// firmware fails it does not end the session: the anonymous operations are
// still asked, GetDeviceInformation first when the clock's answer was not
// SOAP (it decides whether a device service is there at all).
func TestProber_clockFails(t *testing.T) {
	rest := []string{"GetDeviceInformation/", "GetServices/", "GetNetworkInterfaces/", "GetHostname/", "GetScopes/"}
	for _, tc := range []struct {
		name   string
		broken *fakeBroken // nil: the op is missing, answered with ActionNotSupported
		access string
		log    []string
	}{
		{"404", &fakeBroken{status: http.StatusNotFound, body: []byte("<html><body>404 Not Found</body></html>")}, "unsupported", rest},
		{"garbage", &fakeBroken{body: []byte("\x00\x01HTTP garbage <not xml")}, "malformed", rest},
		{"html 200", &fakeBroken{body: []byte("<!DOCTYPE html><html><title>Web Service</title></html>")}, "malformed", rest},
		{"timeout", &fakeBroken{hang: true}, "timeout", rest},
		{"fault", nil, "unsupported", []string{"GetServices/", "GetDeviceInformation/", "GetNetworkInterfaces/", "GetHostname/", "GetScopes/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := openDevice(t)
			delete(d.open, "GetSystemDateAndTime")
			if tc.broken != nil {
				d.broken = map[string]fakeBroken{"GetSystemDateAndTime": *tc.broken}
			}
			start := time.Now()
			f, err := probe(t, newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 300 * time.Millisecond}}), d.start())
			if err != nil {
				t.Fatal(err)
			}
			if time.Since(start) > 3*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			wantLog(t, d, append([]string{"GetSystemDateAndTime/"}, tc.log...)...)
			wantFields(t, f, map[string]string{
				"onvif.access.get_system_date_and_time": tc.access,
				"onvif.access.get_device_information":   "none",
				"onvif.auth":                            "none",
				"onvif.manufacturer":                    "HIKVISION",
				"onvif.model":                           "DS-2DF7286-A",
				"onvif.serial":                          "DS-2DF7286-A20140705CCWR471699220B",
				"onvif.services":                        "device:2.42 media:2.41 events:2.40 deviceio:2.20 ptz:2.41 imaging:2.30",
				"onvif.scope.name":                      "PREDATOR",
				"onvif.clock_offset":                    "",
				"onvif.utc_time":                        "",
				"onvif.challenge_only":                  "",
			})
		})
	}
}

// TestProber_clockFails_login: without the device's clock a WS-Security
// token is dated by the local clock, which a device close to it accepts.
func TestProber_clockFails_login(t *testing.T) {
	d := hikLike(t, secret)
	delete(d.open, "GetSystemDateAndTime")
	d.broken = map[string]fakeBroken{"GetSystemDateAndTime": {status: http.StatusNotFound}}
	cred, _ := NewCredential([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "admin", secret)
	f, err := probe(t, newProber(t, Config{Credentials: Credentials{cred}}), d.start())
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, d, "GetSystemDateAndTime/", "GetDeviceInformation/", "GetDeviceInformation/wsse", "GetServices/wsse", "GetNetworkInterfaces/wsse", "GetHostname/wsse")
	wantFields(t, f, map[string]string{
		"onvif.access.get_system_date_and_time": "unsupported",
		"onvif.login":                           "accepted", "onvif.login_method": "ws-security",
		"onvif.model": "DS-2DF7286-A", "onvif.mac": "28:57:be:65:7d:d5",
		"onvif.realm": fakeRealm, "onvif.auth_scheme": "Digest",
	})
}

// imouChallenge is the 401 an Imou Bullet Lite 4MP (Dahua's consumer
// brand) sent on its ONVIF service to an anonymous request, REAL:
// Quedale/OnvifDeviceManager issue #19, gSOAP debug log posted 2024-03-01
// (https://github.com/Quedale/OnvifDeviceManager/issues/19), with
// Content-Length 0. The nonce is base64 of "onvif-digest:<n>", the form
// Dahua-platform firmware also sends with the older "Login to <serial>".
const imouChallenge = `Digest realm="Login to 0ccf58c7410332c7caa363406561b351",qop="auth",nonce="b252aWYtZGlnZXN0OjQzNTY3Mzg5NDgw", opaque="", stale="false"`

// TestProber_challengeOnly: a device service that answers every anonymous
// request with a bare 401 is evidence by its challenge alone; after the
// clock and GetDeviceInformation nothing more is asked, and no credential
// is spent on a port that never spoke SOAP.
func TestProber_challengeOnly(t *testing.T) {
	d := &fakeDevice{t: t, broken: map[string]fakeBroken{}}
	for _, op := range []string{"GetSystemDateAndTime", "GetDeviceInformation", "GetServices", "GetScopes"} {
		d.broken[op] = fakeBroken{status: http.StatusUnauthorized, challenge: imouChallenge}
	}
	cred, _ := NewCredential([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "admin", secret)
	f, err := probe(t, newProber(t, Config{Credentials: Credentials{cred}}), d.start())
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, d, "GetSystemDateAndTime/", "GetDeviceInformation/")
	wantFields(t, f, map[string]string{
		"onvif.www_authenticate":                imouChallenge,
		"onvif.auth_scheme":                     "Digest",
		"onvif.realm":                           "Login to 0ccf58c7410332c7caa363406561b351",
		"onvif.challenge_only":                  "true",
		"onvif.auth":                            "required",
		"onvif.access.get_system_date_and_time": "required",
		"onvif.access.get_device_information":   "required",
		"onvif.login":                           "",
	})
}

// TestNoteChallenge: the first challenge wins, a broken tail keeps the
// scheme and realm, an oversized value is cut.
func TestNoteChallenge(t *testing.T) {
	f := map[string]string{}
	noteChallenge(f, `Digest realm="IP Camera(C2875)", nonce="x", stale="FALSE" ,,=`)
	noteChallenge(f, `Basic realm="other"`)
	wantFields(t, f, map[string]string{"onvif.auth_scheme": "Digest", "onvif.realm": "IP Camera(C2875)"})
	f = map[string]string{}
	long := make([]byte, 3*maxText)
	for i := range long {
		long[i] = 'a'
	}
	noteChallenge(f, "Basic realm=\""+string(long)+"\"")
	if len(f["onvif.www_authenticate"]) != maxText || f["onvif.auth_scheme"] != "Basic" {
		t.Errorf("long challenge: %d bytes, scheme %q", len(f["onvif.www_authenticate"]), f["onvif.auth_scheme"])
	}
}

// TestNoteScopes_selfIdentity: GetScopes items that state the maker,
// firmware and serial reach onvif.scope.* as they reach wsd.scope.*. The
// items are those of a real Uniview-platform ProbeMatches
// (scanner/wsd/testdata); the GetScopesResponse around them is written
// for the test.
func TestNoteScopes_selfIdentity(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body><tds:GetScopesResponse>`)
	for _, it := range []string{"type/IPC", "manufacturer/NONE", "version/GIPC-B6215.1.68.NB.240617", "serial/210235UEDW3247000013", "macaddr/e4f14c776608", "hardware/SC-3243-IWPS-F28", "name/SC-3243-IWPS-F28"} {
		b.WriteString(`<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>onvif://www.onvif.org/` + it + `</tt:ScopeItem></tds:Scopes>`)
	}
	b.WriteString(`</tds:GetScopesResponse></s:Body></s:Envelope>`)
	sl, err := ParseGetScopes([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	f := map[string]string{}
	noteScopes(f, sl)
	wantFields(t, f, map[string]string{
		"onvif.scope.manufacturer": "NONE", "onvif.scope.firmware": "GIPC-B6215.1.68.NB.240617",
		"onvif.scope.serial": "210235UEDW3247000013", "onvif.scope.mac": "e4f14c776608",
		"onvif.scope.hardware": "SC-3243-IWPS-F28", "onvif.scope.types": "IPC",
	})
}

package onvif

import (
	"encoding/json"
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

var update = flag.Bool("update", false, "rewrite testdata/parse.golden")

// TestParseGetNetworkInterfaces_hikvision: the real Hikvision reply of
// docs/protocols/wsd-onvif.md §2.4, envelope and all.
func TestParseGetNetworkInterfaces_hikvision(t *testing.T) {
	got := scantest.MustParse(t, ParseGetNetworkInterfaces, fixture(t, "hikvision-getnetworkinterfaces.xml"))
	if h := strings.Join(got.Hints, ","); h != "hikvision-ns,onvifext-ns" {
		t.Errorf("hints %q", h)
	}
	want := []NetworkInterface{{
		Enabled: true, Name: "eth0", MAC: "28:57:be:65:7d:d5", IPv4Enabled: true,
		IPv4Manual:    []netip.Prefix{netip.MustParsePrefix("192.168.68.111/24")},
		IPv6LinkLocal: []netip.Prefix{netip.MustParsePrefix("fe80::2a57:beff:fe65:7dd5/64")},
	}}
	if !reflect.DeepEqual(got.Interfaces, want) {
		t.Errorf("got %+v\nwant %+v", got.Interfaces, want)
	}
	// FromDHCP repeats the link-local address: it is not a global one.
	if a := got.Interfaces[0].Addrs(); len(a) != 2 {
		t.Errorf("addrs %v", a)
	}
}

func TestParseGetServices_gsoap(t *testing.T) {
	got := scantest.MustParse(t, ParseGetServices, fixture(t, "gsoap-getservices.xml"))
	var names []string
	for _, s := range got.Services {
		names = append(names, s.Name()+":"+s.Version)
		if s.XAddr != "http://192.168.68.111/onvif/services" {
			t.Errorf("%s XAddr %q", s.Namespace, s.XAddr)
		}
	}
	if n := strings.Join(names, " "); n != "device:2.42 media:2.41 events:2.40 deviceio:2.20 ptz:2.41 imaging:2.30" {
		t.Errorf("services %s", n)
	}
}

func TestParseGetCapabilities_gsoap(t *testing.T) {
	got := scantest.MustParse(t, ParseGetCapabilities, fixture(t, "gsoap-getcapabilities.xml"))
	var names []string
	for _, s := range got.Services {
		names = append(names, s.Name())
	}
	if n := strings.Join(names, " "); n != "device events imaging media ptz deviceio" {
		t.Errorf("services %s", n)
	}
	if !slices.Equal(got.Versions, []string{"2.40"}) {
		t.Errorf("versions %v", got.Versions)
	}
}

func TestParseGetScopes_gsoap(t *testing.T) {
	got := scantest.MustParse(t, ParseGetScopes, fixture(t, "gsoap-getscopes.xml"))
	sc := got.Scopes
	if len(got.Items) != 7 || !slices.Equal(got.Fixed, []bool{true, true, true, true, true, false, false}) {
		t.Errorf("items %v fixed %v", got.Items, got.Fixed)
	}
	if sc.Name != "PREDATOR" || sc.Hardware != "HD_PREDATOR" || sc.Location != "" ||
		!slices.Equal(sc.Types, []string{"video_encoder", "audio_encoder", "ptz"}) || !slices.Equal(sc.Profiles, []string{"Streaming"}) {
		t.Errorf("scopes %+v", sc)
	}
}

func TestParseGetScopes_dahuaHint(t *testing.T) {
	b := []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body><tds:GetScopesResponse>` +
		`<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>onvif://www.onvif.org/name/Amcrest</tt:ScopeItem></tds:Scopes>` +
		`<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>onvif://www.onvif.org/extension/unique_identifier/1</tt:ScopeItem></tds:Scopes>` +
		`</tds:GetScopesResponse></s:Body></s:Envelope>`)
	got, err := ParseGetScopes(b)
	if err != nil || got.Scopes.Name != "Amcrest" || !slices.Equal(got.Hints, []string{"dahua-unique-identifier"}) {
		t.Errorf("%+v %v", got, err)
	}
}

func TestParseGetHostname_gsoap(t *testing.T) {
	got, err := ParseGetHostname(fixture(t, "gsoap-gethostname.xml"))
	if err != nil || got.Name != "IPNC-RDK" || got.FromDHCP {
		t.Errorf("%+v %v", got, err)
	}
}

func TestService_Name(t *testing.T) {
	for ns, want := range map[string]string{
		"http://www.onvif.org/ver10/device/wsdl":   "device",
		"http://www.onvif.org/ver20/media/wsdl":    "media2",
		"http://www.onvif.org/ver10/media/wsdl":    "media",
		"http://www.onvif.org/ver10/deviceIO/wsdl": "deviceio",
		"http://www.axis.com/vapix/ws/action1":     "",
		"http://www.onvif.org/":                    "",
		"not a url %%":                             "",
	} {
		if got := (Service{Namespace: ns}).Name(); got != want {
			t.Errorf("%q: %q, want %q", ns, got, want)
		}
	}
}

// TestParse_newOpsRefuseOthers: every new parser takes a fault as a
// *Fault and another operation's answer as ErrNotONVIF.
func TestParse_newOpsRefuseOthers(t *testing.T) {
	fault := fixture(t, "hikvision-notauthorized-fault.xml")
	other := fixture(t, "gsoap-getsystemdateandtime.xml")
	for name, parse := range parsers {
		if name == "Fault" {
			continue
		}
		if _, err := parse(fault); !errors.Is(err, ErrNotAuthorized) {
			t.Errorf("%s(fault): %v", name, err)
		}
		if name == "GetSystemDateAndTime" {
			continue
		}
		if _, err := parse(other); !errors.Is(err, ErrNotONVIF) {
			t.Errorf("%s(GetSystemDateAndTime answer): %v", name, err)
		}
	}
}

// parsers are every parser of the package, by operation.
var parsers = map[string]func([]byte) (any, error){
	"GetSystemDateAndTime": func(b []byte) (any, error) { return ParseGetSystemDateAndTime(b) },
	"GetDeviceInformation": func(b []byte) (any, error) { return ParseGetDeviceInformation(b) },
	"GetServices":          func(b []byte) (any, error) { return ParseGetServices(b) },
	"GetCapabilities":      func(b []byte) (any, error) { return ParseGetCapabilities(b) },
	"GetNetworkInterfaces": func(b []byte) (any, error) { return ParseGetNetworkInterfaces(b) },
	"GetHostname":          func(b []byte) (any, error) { return ParseGetHostname(b) },
	"GetScopes":            func(b []byte) (any, error) { return ParseGetScopes(b) },
	"Fault":                func(b []byte) (any, error) { return ParseFault(b) },
}

// TestParse_golden runs every fixture of testdata/onvif through the parser
// of its operation (the file name says which) and compares the result with
// testdata/parse.golden; go test -update rewrites it.
func TestParse_golden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "onvif", "*.xml"))
	out := map[string]any{}
	for _, p := range files {
		name := filepath.Base(p)
		op := "Fault"
		for k := range parsers {
			if strings.Contains(name, "-"+strings.ToLower(k)+".") {
				op = k
			}
		}
		v, err := parsers[op](fixture(t, name))
		if err != nil {
			t.Errorf("%s: %s: %v", name, op, err)
			continue
		}
		out[name] = map[string]any{op: v}
	}
	got, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "parse.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./scanner/onvif -update writes it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("parse results differ from %s (go test -update, then review the diff):\n%s", golden, got)
	}
}

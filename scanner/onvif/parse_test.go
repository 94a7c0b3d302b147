package onvif

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// fixture reads testdata/onvif/<name>.
var fixture = scantest.Fixtures("onvif")

// realOnvif reads testdata/real/onvif/<name>.
var realOnvif = scantest.Fixtures("real/onvif")

// TestParseGetDeviceInformation_realValues: every row of docs/protocols/wsd-onvif.md §2.3.
func TestParseGetDeviceInformation_realValues(t *testing.T) {
	for _, tc := range []struct {
		file  string
		want  DeviceInformation
		hints string
	}{
		{"hikvision-ds-2df7286-a-getdeviceinformation.xml", DeviceInformation{"HIKVISION", "DS-2DF7286-A", "V5.1.8 build 140616", "DS-2DF7286-A20140705CCWR471699220B", "88", nil}, "hikvision-ns,onvifext-ns"},
		{"dahua-ipc-hdw1025c-getdeviceinformation.xml", DeviceInformation{"Dahua", "IPC-HDW1025C", "2.420.Dahua 00.14.R, build: 2016-06-18", "2J01018PAA00813", "1.00", nil}, "bare-envelope"},
		{"dahua-dh-2h3400-adp-getdeviceinformation.xml", DeviceInformation{"Dahua", "DH-2H3400-ADP", "2.811.0000013.0.R, Build Date 2023-12-20", "BA07995PHA29A85", "1.00", nil}, "bare-envelope"},
		{"dahua-ipc-hfw2231s-s-s2-getdeviceinformation.xml", DeviceInformation{"Dahua", "IPC-HFW2231S-S-S2", "2.800.0000018.0.R", "4J0186FPAG00123", "1.00", nil}, "bare-envelope"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ParseGetDeviceInformation(fixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if h := strings.Join(got.Hints, ","); h != tc.hints {
				t.Errorf("hints %q, want %q", h, tc.hints)
			}
			got.Hints = nil
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestParseGetSystemDateAndTime_gsoap(t *testing.T) {
	got := scantest.MustParse(t, ParseGetSystemDateAndTime, fixture(t, "gsoap-getsystemdateandtime.xml"))
	want := time.Date(2014, 12, 24, 19, 14, 37, 0, time.UTC)
	if !got.UTC.Equal(want) || got.TZ != "MoroccoStandardTime0" || got.DateTimeType != "Manual" || !got.DaylightSavings || !got.Local.IsZero() {
		t.Errorf("got %+v", got)
	}
}

func TestParseFault_notAuthorized(t *testing.T) {
	for _, tc := range []struct{ file, reason string }{
		{"hikvision-notauthorized-fault.xml", "The action requested requires authorization and the sender is not authorized"},
		{"hikvision-locked-fault.xml", "The device is locked because of entering wrong username/password many times.Please try it after 30 minutes!"},
	} {
		b := fixture(t, tc.file)
		f := scantest.MustParse(t, ParseFault, b)
		if f.Code != "env:Sender" || f.Subcode() != "ter:NotAuthorized" || f.Reason != tc.reason {
			t.Errorf("%s: %+v", tc.file, f)
		}
		if !errors.Is(f, ErrNotAuthorized) {
			t.Errorf("%s: not ErrNotAuthorized", tc.file)
		}
		// The same bytes as an answer to GetDeviceInformation.
		if _, err := ParseGetDeviceInformation(b); !errors.Is(err, ErrNotAuthorized) {
			t.Errorf("%s: ParseGetDeviceInformation err %v", tc.file, err)
		}
	}
}

func TestParse_prefixAgnostic(t *testing.T) {
	// Default namespaces instead of prefixes, and another prefix for ter.
	b := []byte(`<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body><Fault><Code><Value>Sender</Value><Subcode><Value xmlns:e="http://www.onvif.org/ver10/error">e:NotAuthorized</Value></Subcode></Code></Fault></Body></Envelope>`)
	if _, err := ParseGetSystemDateAndTime(b); !errors.Is(err, ErrNotAuthorized) {
		t.Errorf("default-namespace fault: %v", err)
	}
	b = []byte(`<x:Envelope xmlns:x="http://www.w3.org/2003/05/soap-envelope"><x:Body><GetDeviceInformationResponse xmlns="http://www.onvif.org/ver10/device/wsdl"><Manufacturer>AXIS</Manufacturer><Model>M3106-L Mk II</Model></GetDeviceInformationResponse></x:Body></x:Envelope>`)
	di, err := ParseGetDeviceInformation(b)
	if err != nil || di.Manufacturer != "AXIS" || di.Model != "M3106-L Mk II" {
		t.Errorf("got %+v, %v", di, err)
	}
}

func TestParse_badInput(t *testing.T) {
	deep := strings.Repeat("<a>", MaxDepth+5) + strings.Repeat("</a>", MaxDepth+5)
	for _, tc := range []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrMalformed},
		{"html", "<html><body>404</body></html>", ErrNotONVIF},
		{"plain text", "Not Found", ErrMalformed},
		{"truncated", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><tds:GetDeviceInformationResponse`, ErrMalformed},
		{"deep", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>` + deep + `</s:Body></s:Envelope>`, ErrMalformed},
		{"huge", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" a="` + strings.Repeat("x", MaxResponse) + `"/>`, ErrMalformed},
		{"wrong namespace", `<s:Envelope xmlns:s="urn:other"><s:Body><GetDeviceInformationResponse/></s:Body></s:Envelope>`, ErrNotONVIF},
		{"empty body", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>`, ErrNotONVIF},
		{"other response", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><tds:GetScopesResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>`, ErrNotONVIF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseGetDeviceInformation([]byte(tc.in))
			if !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseGetSystemDateAndTime_impossibleClock(t *testing.T) {
	b := []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body><GetSystemDateAndTimeResponse xmlns="http://www.onvif.org/ver10/device/wsdl"><SystemDateAndTime><tt:UTCDateTime><tt:Time><tt:Hour>25</tt:Hour><tt:Minute>0</tt:Minute><tt:Second>0</tt:Second></tt:Time><tt:Date><tt:Year>2024</tt:Year><tt:Month>2</tt:Month><tt:Day>31</tt:Day></tt:Date></tt:UTCDateTime></SystemDateAndTime></GetSystemDateAndTimeResponse></s:Body></s:Envelope>`)
	got, err := ParseGetSystemDateAndTime(b)
	if err != nil || !got.UTC.IsZero() {
		t.Errorf("got %+v, %v", got, err)
	}
}

// TestHints_axisVapix: real Axis envelopes (testdata/real/onvif, provenance
// in onvif.yaml) carry the axis-vapix-ns mark whatever the answer: the clock,
// a NotAuthorized fault, device information; a Hikvision envelope does not.
func TestHints_axisVapix(t *testing.T) {
	dt := scantest.MustParse(t, ParseGetSystemDateAndTime, realOnvif(t, "axis-getsystemdateandtime-hammeraj.xml"))
	f := scantest.MustParse(t, ParseFault, realOnvif(t, "axis-notauthorized-fault-getdeviceinformation.xml"))
	di := scantest.MustParse(t, ParseGetDeviceInformation, realOnvif(t, "axis-p3818-pve-getdeviceinformation.xml"))
	for name, h := range map[string][]string{"clock": dt.Hints, "fault": f.Hints, "device information": di.Hints} {
		if !slices.Contains(h, "axis-vapix-ns") {
			t.Errorf("%s: hints %q, want axis-vapix-ns", name, h)
		}
	}
	hik := scantest.MustParse(t, ParseGetDeviceInformation, fixture(t, "hikvision-ds-2df7286-a-getdeviceinformation.xml"))
	if slices.Contains(hik.Hints, "axis-vapix-ns") {
		t.Errorf("hikvision hints %q", hik.Hints)
	}
	// A namespace that only resembles Axis's is no mark.
	e, err := parseEnvelope([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:x="http://www.axis.com.example/vapix/ws/"><s:Body><x:A/></s:Body></s:Envelope>`))
	if err != nil || slices.Contains(e.hints, "axis-vapix-ns") {
		t.Errorf("look-alike: %v %q", err, e.hints)
	}
}

// TestHints_bareEnvelope: Dahua's own SOAP stack (real go2rtc-recorded
// GetCapabilities) gives bare-envelope; Bosch (two namespaces, no empty
// Header), TVT (empty Header, thirty-one namespaces) and Axis do not.
func TestHints_bareEnvelope(t *testing.T) {
	caps := scantest.MustParse(t, ParseGetCapabilities, realOnvif(t, "dahua-getcapabilities-go2rtc.xml"))
	if !slices.Contains(caps.Hints, "bare-envelope") {
		t.Errorf("dahua hints %q", caps.Hints)
	}
	for _, name := range []string{"bosch-flexidome-ip-starlight-8000i-getdeviceinformation.xml", "tvt-dvc-drn-3282r-getdeviceinformation.xml", "axis-p3818-pve-getdeviceinformation.xml"} {
		di, err := ParseGetDeviceInformation(realOnvif(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(di.Hints, "bare-envelope") {
			t.Errorf("%s: hints %q", name, di.Hints)
		}
	}
	// A foreign namespace or a Header with content is no bare envelope.
	for _, b := range []string{
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:x="urn:other"><s:Header/><s:Body><x:A/></s:Body></s:Envelope>`,
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><s:X/></s:Header><s:Body><s:A/></s:Body></s:Envelope>`,
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:A/></s:Body></s:Envelope>`,
	} {
		e, err := parseEnvelope([]byte(b))
		if err != nil || slices.Contains(e.hints, "bare-envelope") {
			t.Errorf("%s: %v %q", b, err, e.hints)
		}
	}
}

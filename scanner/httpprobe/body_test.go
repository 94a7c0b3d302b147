package httpprobe

import (
	"errors"
	"maps"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// The Amcrest reply quoted in a Greenbone NASL plugin (docs/protocols/http.md §5.2,
// index id 7424599864), byte for byte.
const amcrestRPC2 = `{"error":{"code":268632079,"message":"Component error: login challenge!"},"id":1,"params":{"authorization":"3339eaa9152eebff56a720c2f4dd0a62203a51dc","encryption":"Default","mac":"3CEF8C6101C0","random":"3734299","realm":"Login to AMC000N49SSV0M2U46"},"result":false,"session":1005027323}`

// The userCheck body of the real DNVRS-Webs 401 (hikvision_next issue #50).
const userCheck401 = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<userCheck>\n<statusValue>401</statusValue>\n<statusString>Unauthorized</statusString>\n</userCheck>\n"

// The start of the real DS-2CD2032F-I DeviceInfo (pyHik issue #51).
const deviceInfo = `<?xml version="1.0" encoding="UTF-8"?>
<DeviceInfo xmlns="http://www.hikvision.com/ver20/XMLSchema" version="2.0">
<deviceName>Garaz</deviceName>
<deviceID>16c685bf-0117-11b4-8267-c42f90425f1a</deviceID>
<deviceDescription>IPCamera</deviceDescription>
<model>DS-2CD2032F-I</model>
<serialNumber>DS-2CD2032F-I20150615CCWR523830719</serialNumber>
<macAddress>c4:2f:90:42:5f:1a</macAddress>
<firmwareVersion>V5.4.5</firmwareVersion>
<firmwareReleasedDate>build 170123</firmwareReleasedDate>
</DeviceInfo>`

// amcrestRPC2Fields are the fields of amcrestRPC2, which is also the body
// of testdata/http/dahua-amcrest-rpc2-login.txt.
var amcrestRPC2Fields = map[string]string{
	"http.rpc2.result":        "false",
	"http.rpc2.error_code":    "268632079",
	"http.rpc2.error_message": "Component error: login challenge!",
	"http.rpc2.realm":         "Login to AMC000N49SSV0M2U46",
	"http.rpc2.mac":           "3c:ef:8c:61:01:c0",
	"http.rpc2.encryption":    "Default",
}

func TestParseRPC2Login_amcrest(t *testing.T) {
	r := scantest.MustParse(t, ParseRPC2Login, []byte(amcrestRPC2))
	scantest.EqualFields(t, r.Fields(), amcrestRPC2Fields)
}

func TestParseRPC2Login_odd(t *testing.T) {
	for name, tt := range map[string]struct {
		in      string
		wantErr bool
		realm   string
		mac     string
		code    string
	}{
		"quoted code, dashed mac": {in: `{"error":{"code":"268632079"},"params":{"mac":"3C-EF-8C-61-01-C0","realm":"Login to X"}}`, realm: "Login to X", mac: "3c:ef:8c:61:01:c0", code: "268632079"},
		"bad mac kept":            {in: `{"params":{"mac":"zz","realm":null}}`, mac: "zz"},
		"control chars dropped":   {in: `{"params":{"realm":"Login to\u0000 A\nB"}}`, realm: "Login to AB"},
		"nested values ignored":   {in: `{"params":{"realm":{"x":1},"mac":[1]},"result":true}`},
		"array":                   {in: `[1,2]`, wantErr: true},
		"unrelated object":        {in: `{"hello":"world"}`, wantErr: true},
		"truncated":               {in: amcrestRPC2[:100], wantErr: true},
		"html":                    {in: `<html></html>`, wantErr: true},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := ParseRPC2Login([]byte(tt.in))
			if tt.wantErr {
				if !errors.Is(err, ErrNotRPC2) {
					t.Fatalf("err = %v, want ErrNotRPC2", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Realm != tt.realm || r.MAC != tt.mac || r.ErrorCode != tt.code {
				t.Errorf("got %+v", r)
			}
		})
	}
}

func TestParseXMLInfo(t *testing.T) {
	for name, tt := range map[string]struct {
		in   string
		want map[string]string
	}{
		"userCheck 401": {userCheck401, map[string]string{
			"http.xml_root": "userCheck", "http.isapi.status": "401", "http.isapi.status_string": "Unauthorized"}},
		"DeviceInfo": {deviceInfo, map[string]string{
			"http.xml_root": "DeviceInfo", "http.xml_ns": "http://www.hikvision.com/ver20/XMLSchema",
			"http.isapi.model": "DS-2CD2032F-I", "http.isapi.serial": "DS-2CD2032F-I20150615CCWR523830719",
			"http.isapi.mac": "c4:2f:90:42:5f:1a", "http.isapi.firmware": "V5.4.5"}},
		// Shape of ISAPI's ResponseStatus, written for the test.
		"ResponseStatus with isapi.org ns": {`<ResponseStatus version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><requestURL>/SDK/webLanguage</requestURL><statusCode>4</statusCode><statusString>Invalid Operation</statusString></ResponseStatus>`,
			map[string]string{"http.xml_root": "ResponseStatus", "http.xml_ns": "http://www.isapi.org/ver20/XMLSchema", "http.isapi.status": "4", "http.isapi.status_string": "Invalid Operation"}},
		"DeviceInfo fields only on DeviceInfo": {`<Other><model>X</model></Other>`, map[string]string{"http.xml_root": "Other"}},
		"deep model ignored":                   {`<DeviceInfo><a><model>X</model></a></DeviceInfo>`, map[string]string{"http.xml_root": "DeviceInfo"}},
		"truncated":                            {userCheck401[:60], map[string]string{"http.xml_root": "userCheck"}},
		"undeclared prefix, trailing junk":     {`<x:Lang><x:type>en</x:type></x:Lang>garbage<<`, map[string]string{"http.xml_root": "Lang"}},
	} {
		t.Run(name, func(t *testing.T) {
			x, err := ParseXMLInfo([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := x.Fields(); !maps.Equal(got, tt.want) {
				t.Errorf("fields\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "   ", "Not Found", "{}", "<?xml version=\"1.0\"?>"} {
		if _, err := ParseXMLInfo([]byte(bad)); !errors.Is(err, ErrNotXML) {
			t.Errorf("ParseXMLInfo(%q) err = %v, want ErrNotXML", bad, err)
		}
	}
}

// TestParseXMLInfo_deviceInfoFixture: the real DS-2CD2032F-I DeviceInfo
// (pyHik issue #51) as docs/protocols/http.md §5.1 quotes it.
func TestParseXMLInfo_deviceInfoFixture(t *testing.T) {
	x := scantest.MustParse(t, ParseXMLInfo, readFixture(t, "hikvision-ds-2cd2032f-i-deviceinfo.xml"))
	scantest.GoldenFields(t, "hikvision-ds-2cd2032f-i-deviceinfo.xml", x.Fields())
}

// TestBodyFields_fixtures: the bodies of the real replies in testdata/http
// that carry a JSON-RPC or XML answer, read as a follow-up reads them.
func TestBodyFields_fixtures(t *testing.T) {
	for file, want := range map[string]map[string]string{
		"dahua-amcrest-rpc2-login.txt": amcrestRPC2Fields,
		"hikvision-dnvrs-401-usercheck.txt": {
			"http.xml_root": "userCheck", "http.isapi.status": "401", "http.isapi.status_string": "Unauthorized",
		},
		"hikvision-goahead-404.txt": {},
	} {
		r := scantest.MustParse(t, ParseResponse, readFixture(t, file))
		if got := BodyFields(r.Body); !maps.Equal(got, want) {
			t.Errorf("%s: BodyFields\n got %q\nwant %q", file, got, want)
		}
	}
}

func TestBodyFields(t *testing.T) {
	if f := BodyFields([]byte(amcrestRPC2)); f["http.rpc2.realm"] != "Login to AMC000N49SSV0M2U46" {
		t.Errorf("rpc2: %q", f)
	}
	if f := BodyFields([]byte("\xef\xbb\xbf" + userCheck401)); f["http.xml_root"] != "userCheck" {
		t.Errorf("userCheck with BOM: %q", f)
	}
	for _, html := range []string{"<!DOCTYPE html>\n<html><head><title>Document Error: Not Found</title></head></html>", "<html><body>x</body></html>", "Not Found", ""} {
		if f := BodyFields([]byte(html)); len(f) != 0 {
			t.Errorf("BodyFields(%q) = %q, want nothing", html, f)
		}
	}
}

func FuzzParseRPC2Login(f *testing.F) {
	f.Add([]byte(amcrestRPC2))
	if r, err := ParseResponse(readFixture(f, "dahua-amcrest-rpc2-login.txt")); err == nil {
		f.Add(r.Body)
	}
	f.Add([]byte(`{"error":{"code":"1"},"params":{"mac":"3C-EF-8C-61-01-C0"}}`))
	f.Add([]byte(`{"params":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRPC2Login(b)
		if (r == nil) == (err == nil) {
			t.Fatalf("r %v err %v", r, err)
		}
		if r != nil {
			for k, v := range r.Fields() {
				if v == "" || len(v) > MaxTitle+17 {
					t.Fatalf("%s = %q", k, v)
				}
			}
		}
	})
}

func FuzzParseXMLInfo(f *testing.F) {
	f.Add([]byte(userCheck401))
	f.Add([]byte(deviceInfo))
	f.Add(readFixture(f, "hikvision-ds-2cd2032f-i-deviceinfo.xml"))
	f.Add([]byte(`<a xmlns="x"><b><c/></b></a><d/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := ParseXMLInfo(b)
		if (x == nil) == (err == nil) {
			t.Fatalf("x %v err %v", x, err)
		}
		if x != nil && x.Root == "" {
			t.Fatal("no root without error")
		}
		_ = BodyFields(b)
	})
}

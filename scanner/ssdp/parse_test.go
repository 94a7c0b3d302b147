package ssdp

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// readFixture reads testdata/ssdp/<name>.
var readFixture = scantest.Fixtures("ssdp")

func TestParse_axisResponse(t *testing.T) {
	m := scantest.MustParse(t, Parse, readFixture(t, "axis-msearch-response.txt"))
	want := Message{
		Kind: KindResponse, Status: 200,
		Server:       "Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22",
		Location:     "http://192.0.2.23:49152/rootdesc1.xml",
		ST:           "upnp:rootdevice",
		USN:          "uuid:Upnp-BasicDevice-1_0-ACCC8E4A2C1F::upnp:rootdevice",
		CacheControl: "max-age=1800",
	}
	if m != want {
		t.Errorf("got %+v\nwant %+v", m, want)
	}
}

func TestParse_notify(t *testing.T) {
	m := scantest.MustParse(t, Parse, readFixture(t, "universalscanner-notify.txt"))
	if m.Kind != KindNotify || m.NTS != "ssdp:alive" || m.ST != "uuid:00000000-0000-0000-0000-000000000000" ||
		m.Location != "http://192.0.2.10:49152/rootDesc.xml" || m.CacheControl != "max-age=1810" {
		t.Errorf("got %+v", m)
	}
}

func TestParse_badInput(t *testing.T) {
	for name, b := range map[string]string{
		"empty":      "",
		"rtsp":       "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n",
		"no headers": "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"binary":     "\x00\x01\x02",
		"huge":       "HTTP/1.1 200 OK\r\nSERVER: " + strings.Repeat("x", maxMessage) + "\r\n\r\n",
	} {
		if _, err := Parse([]byte(b)); !errors.Is(err, ErrNotSSDP) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	m, err := Parse([]byte(string(MSearch("ssdp:all"))))
	if err != nil || m.Kind != KindSearch || m.ST != "ssdp:all" {
		t.Errorf("M-SEARCH: %+v %v", m, err)
	}
	long := "HTTP/1.1 200 OK\r\nSERVER: " + strings.Repeat("é", 2000) + "\r\n\r\n"
	m, err = Parse([]byte(long))
	if err != nil || len(m.Server) > maxValue || !strings.HasPrefix(m.Server, "é") {
		t.Errorf("long value: %d bytes, %v", len(m.Server), err)
	}
}

func TestParseDescription_axis(t *testing.T) {
	d := scantest.MustParse(t, ParseDescription, readFixture(t, "axis-rootdesc.xml"))
	scantest.GoldenFields(t, "axis-rootdesc.xml", d.Fields())
}

func TestParseDescription_badInput(t *testing.T) {
	for name, b := range map[string]string{
		"empty":     "",
		"html":      "<html><body>hello</body></html>",
		"json":      `{"manufacturer":"x"}`,
		"no device": "<root><specVersion/></root>",
		"huge":      "<root><device><friendlyName>" + strings.Repeat("x", MaxDescription) + "</friendlyName></device></root>",
		"entity":    `<!DOCTYPE r [<!ENTITY a "aaaa">]><root><device><manufacturer>&a;&a;</manufacturer></device></root>`,
	} {
		d, err := ParseDescription([]byte(b))
		if name == "entity" {
			// No custom entities: expansion is not supported by encoding/xml.
			if len(d.Manufacturer) > 16 {
				t.Errorf("entity expanded: %q", d.Manufacturer)
			}
			continue
		}
		if !errors.Is(err, ErrNotDescription) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	// A BOM and an unexpected namespace are accepted, values trimmed.
	d, err := ParseDescription([]byte("\xef\xbb\xbf<root xmlns=\"urn:other\"><device><manufacturer>\n  Hikvision \n</manufacturer></device></root>"))
	if err != nil || d.Manufacturer != "Hikvision" {
		t.Errorf("got %+v %v", d, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(readFixture(f, "axis-msearch-response.txt"))
	f.Add(readFixture(f, "universalscanner-notify.txt"))
	f.Add(MSearch("ssdp:all"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		for _, v := range []string{m.Server, m.Location, m.ST, m.USN, m.NTS, m.CacheControl} {
			if len(v) > maxValue+3 {
				t.Fatalf("value of %d bytes", len(v))
			}
		}
	})
}

// TestParseDescription_truncated: the real WeMo setup.xml of a Belkin
// NetCam HD as published, cut after its first service (corpus:
// testdata/real/upnp/belkin-netcam-hd-v1-setup-xml.xml): the root
// device's children read whole before the cut are kept, the document is
// said to be truncated, and a value cut in the middle is not kept.
func TestParseDescription_truncated(t *testing.T) {
	b := scantest.Testdata(t, "real", "upnp", "belkin-netcam-hd-v1-setup-xml.xml")
	d := scantest.MustParse(t, ParseDescription, b)
	scantest.GoldenFields(t, "belkin-netcam-hd-v1-setup-xml.xml", d.Fields())

	d, err := ParseDescription([]byte("<root><device><manufacturer>Acme</manufacturer><modelName>Cam-1"))
	if err != nil || !d.Truncated || d.Manufacturer != "Acme" || d.ModelName != "" {
		t.Errorf("cut in a value: %+v %v", d, err)
	}
	// Cut before the root device opened: nothing to recover.
	if _, err := ParseDescription([]byte("<root><specVersion><major>1</major>")); !errors.Is(err, ErrNotDescription) {
		t.Errorf("cut before <device>: err %v", err)
	}
	// A whole document is not truncated; the embedded devices' values do
	// not overwrite the root device's.
	d, err = ParseDescription([]byte("<root><device><modelName>A</modelName><deviceList><device><modelName>B</modelName></device></deviceList></device></root>"))
	if err != nil || d.Truncated || d.ModelName != "A" {
		t.Errorf("whole: %+v %v", d, err)
	}
}

func FuzzParseDescription(f *testing.F) {
	f.Add(readFixture(f, "axis-rootdesc.xml"))
	if b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "real", "upnp", "belkin-netcam-hd-v1-setup-xml.xml")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("<root><device><manufacturer>x</manufacturer></device></root>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDescription(b)
		if err != nil {
			return
		}
		for k, v := range d.Fields() {
			if len(v) > maxValue+3 {
				t.Fatalf("%s of %d bytes", k, len(v))
			}
		}
	})
}

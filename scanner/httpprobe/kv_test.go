package httpprobe

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// TestParseKeyValues_shapes: the list shapes of real answers (quotes, CRLF,
// an AVTECH value wrapped onto a second line, a trailing line without
// newline) and bodies that are no list.
func TestParseKeyValues_shapes(t *testing.T) {
	kvs, err := ParseKeyValues([]byte("version=2.420.AC00.15.R\r\nBuildDate=2016-09-08"))
	if err != nil || len(kvs) != 2 || kvs[0] != (KV{"version", "2.420.AC00.15.R"}) || kvs[1] != (KV{"BuildDate", "2016-09-08"}) {
		t.Errorf("CRLF: %q %v", kvs, err)
	}
	kvs, err = ParseKeyValues([]byte("system_info_modelname='IP7160'\nsystem_hostname=\"Cam\"\nLanguage.Support=A&B\n&C&D\n"))
	if err != nil || len(kvs) != 3 || kvs[0].Value != "IP7160" || kvs[1].Value != "Cam" || kvs[2].Value != "A&B" {
		t.Errorf("quotes and wrap: %q %v", kvs, err)
	}
	for _, b := range []string{"", "Not Found", "<html><body>a=b</body></html>", "a b=c", "x\na=1\n", "a=1\nno\nno\nno\n", "\xef\xbb\xbf"} {
		if kvs, err := ParseKeyValues([]byte(b)); !errors.Is(err, ErrNotKV) {
			t.Errorf("ParseKeyValues(%q) = %q, %v; want ErrNotKV", b, kvs, err)
		}
	}
	// Bounded: a huge list is read up to maxKVLines, a long value is cut.
	big := strings.Repeat("k=v\n", 3*maxKVLines) + "serialNumber=" + strings.Repeat("9", 10*MaxTitle)
	kvs, err = ParseKeyValues([]byte(big))
	if err != nil || len(kvs) > maxKVLines {
		t.Errorf("%d pairs, %v", len(kvs), err)
	}
	kvs, _ = ParseKeyValues([]byte("serialNumber=" + strings.Repeat("9", 10*MaxTitle)))
	if len(kvs) != 1 || len(kvs[0].Value) > MaxTitle {
		t.Errorf("long value kept: %d bytes", len(kvs[0].Value))
	}
}

// TestKVFields_identityOnly: only keys naming the device are kept; API and
// codec versions of an Axis Properties list are not, the firmware is.
func TestKVFields_identityOnly(t *testing.T) {
	kvs, err := ParseKeyValues([]byte("root.Properties.API.HTTP.Version=3\nroot.Properties.Firmware.Version=5.20.5\nroot.Properties.Image.Format=jpeg\n" +
		"root.Properties.System.SerialNumber=ACCC8E1A909D\nProduct.Type=DVR\nVideo.Input.Num=8\ntype=DH-XVR5108C-X\nname=NVR\nempty=\nserialNumber=\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"http.kv.root.properties.firmware.version":    "5.20.5",
		"http.kv.root.properties.system.serialnumber": "ACCC8E1A909D",
		"http.kv.product.type":                        "DVR",
		"http.kv.type":                                "DH-XVR5108C-X",
		"http.kv.name":                                "NVR",
	}
	if got := KVFields(kvs); !maps.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	var many []KV
	for i := range 3 * maxKVKept {
		many = append(many, KV{"a" + strings.Repeat("b", i) + ".serialNumber", "x"})
	}
	if n := len(KVFields(many)); n != maxKVKept {
		t.Errorf("%d fields kept, want %d", n, maxKVKept)
	}
}

// TestBodyFields_propertyList: Axis basicdeviceinfo's JSON (real, corpus)
// and JSON that is neither a property list nor JSON-RPC.
func TestBodyFields_propertyList(t *testing.T) {
	b := scantest.Testdata(t, "real", "http", "axis-m3058-plve-basicdeviceinfo.json")
	f := BodyFields(b)
	if f["http.kv.prodnbr"] != "M3058" || f["http.kv.version"] != "10.12.228" || f["http.kv.serialnumber"] != "ACCC8EC5E602" || f["http.kv.architecture"] != "" {
		t.Errorf("basicdeviceinfo: %q", f)
	}
	for _, j := range []string{`{"data":{"propertyList":{}}}`, `{"data":{"propertyList":{"Architecture":"armv7hf"}}}`, `{"data":[]}`, `{"x":1}`} {
		if f := BodyFields([]byte(j)); len(f) != 0 {
			t.Errorf("BodyFields(%s) = %q", j, f)
		}
	}
}

// FuzzBodyFields: mutations of the real follow-up answers of the corpus
// (testdata/real/http) give bounded, printable fields and no panic.
func FuzzBodyFields(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "real", "http", "*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("a=1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fields := BodyFields(b)
		if len(fields) > maxKVKept+16 {
			t.Fatalf("%d fields", len(fields))
		}
		for k, v := range fields {
			if v == "" || len(v) > MaxTitle+17 || strings.ContainsAny(v, "\r\n\x00") || len(k) > len("http.kv.")+maxKVKey {
				t.Fatalf("%s = %q", k, v)
			}
		}
	})
}

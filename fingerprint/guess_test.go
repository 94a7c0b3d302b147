package fingerprint

import (
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/vendors"
)

func TestEngine_GuessMaker(t *testing.T) {
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		fields map[string]string
		want   string
	}{
		{map[string]string{"http.server": "DNVRS-Webs"}, "hikvision"},
		{map[string]string{"http.title": "WEB SERVICE", "http.bom": "true", "http.header_names": "CONNECTION,CONTENT-LENGTH,CONTENT-TYPE"}, "dahua"},
		{map[string]string{"http.server": "Microsoft-HTTPAPI/2.0"}, NotACamera},
		{map[string]string{"http.status": "200"}, ""},
	} {
		if got := e.GuessMaker(device.SourceHTTP, tc.fields); got != tc.want {
			t.Errorf("GuessMaker(%v) = %q, want %q", tc.fields, got, tc.want)
		}
	}
}

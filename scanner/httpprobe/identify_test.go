package httpprobe_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/vendors"
)

// TestFollowUpBodies_identify: the follow-up answers recorded from real
// devices (testdata/real/http; devices and provenance in
// testdata/real/rtsp-http.yaml) identify the device through the fields
// this package reads and the statements and rules of vendors/, as the
// manifest states it. The corpus replay cannot show this: none of these
// devices was recorded answering GET /, and without a root answer no
// follow-up is asked.
func TestFollowUpBodies_identify(t *testing.T) {
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	fp, err := fingerprint.New(fingerprint.Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	type answer struct{ path, file string }
	for _, tc := range []struct {
		device  string
		answers []answer
		want    map[string]string // maker, brand, model, firmware, serial, device_type
	}{
		{"axis-m1065-lw", []answer{{"/axis-cgi/param.cgi?action=list&group=root.Brand", "axis-m1065-lw-param-brand.txt"}},
			map[string]string{"maker": "axis", "brand": "AXIS", "model": "M1065-LW", "device_type": "camera"}},
		{"axis-m3024-l", []answer{{"/axis-cgi/param.cgi?action=list&group=root.Brand", "axis-m3024-l-param-brand.txt"}},
			map[string]string{"maker": "axis", "brand": "AXIS", "model": "M3024-L", "device_type": "camera"}},
		{"axis-70e", []answer{{"/axis-cgi/param.cgi?action=list&group=root.Properties", "axis-70e-param-properties-9.10.1.txt"}},
			map[string]string{"maker": "axis", "firmware": "9.10.1", "serial": "ACCC12345678"}},
		{"axis-m7001", []answer{{"/axis-cgi/param.cgi?action=list&group=root.Properties", "axis-m7001-param-properties-5.20.5.txt"}},
			map[string]string{"maker": "axis", "firmware": "5.20.5", "serial": "ACCC8E1A909D"}},
		{"axis-a9188", []answer{{"/axis-cgi/param.cgi?action=list&group=root.Properties", "axis-a9188-param-properties-1.84.1.txt"}},
			map[string]string{"maker": "axis", "firmware": "1.84.1", "serial": "ACCC8ED0A6EC"}},
		{"axis-m3058-plve", []answer{{"/axis-cgi/basicdeviceinfo.cgi", "axis-m3058-plve-basicdeviceinfo.json"}},
			map[string]string{"maker": "axis", "brand": "AXIS", "model": "M3058-PLVE", "firmware": "10.12.228", "serial": "ACCC8EC5E602", "device_type": "camera"}},
		{"hikvision-ds-2cd2386g2-iu", []answer{{"/ISAPI/System/deviceInfo", "hikvision-ds-2cd2386g2-iu-isapi-deviceinfo.xml"}},
			map[string]string{"maker": "hikvision", "model": "DS-2CD2386G2-IU", "firmware": "V5.7.18", "serial": "DS-2CD2386G2-IU00000000AAWRJ00000000"}},
		{"dahua-camera-2.800", []answer{{"/cgi-bin/magicBox.cgi?action=getSoftwareVersion", "dahua-magicbox-getsoftwareversion-2.800.txt"}},
			map[string]string{"maker": "dahua", "firmware": "2.800.0000016.0.R"}},
		{"amcrest-camera-2.420", []answer{{"/cgi-bin/magicBox.cgi?action=getSoftwareVersion", "amcrest-magicbox-getsoftwareversion-2.420.txt"}},
			map[string]string{"maker": "dahua", "firmware": "2.420.AC00.15.R"}},
		{"dahua-nvr2x-4ks3", []answer{
			{"/cgi-bin/magicBox.cgi?action=getSystemInfo", "dahua-nvr2x-4ks3-magicbox-getsysteminfo.txt"},
			{"/cgi-bin/magicBox.cgi?action=getSoftwareVersion", "dahua-nvr2x-4ks3-magicbox-getsoftwareversion.txt"},
			{"/cgi-bin/magicBox.cgi?action=getVendor", "dahua-nvr2x-4ks3-magicbox-getvendor.txt"},
		}, map[string]string{"maker": "dahua", "brand": "Dahua", "firmware": "4.001.0000005.0", "serial": "4F07335PAZEEA9B", "device_type": "nvr"}},
		{"amcrest-ad410", []answer{{"/cgi-bin/magicBox.cgi?action=getSystemInfo", "amcrest-ad410-magicbox-getsysteminfo.txt"}},
			map[string]string{"maker": "dahua", "model": "AD410"}},
		{"dahua-xvr5108c-x", []answer{
			{"/cgi-bin/magicBox.cgi?action=getSystemInfo", "dahua-xvr5108c-x-magicbox-getsysteminfo.txt"},
			{"/cgi-bin/magicBox.cgi?action=getDeviceType", "dahua-xvr5108c-x-magicbox-getdevicetype.txt"},
		}, map[string]string{"maker": "dahua", "model": "DH-XVR5108C-X", "device_type": "dvr"}},
		{"avtech-dvr", []answer{{"/cgi-bin/nobody/Machine.cgi?action=get_capability", "avtech-dvr-machine-get-capability.txt"}},
			map[string]string{"maker": "avtech", "firmware": "1011-1005-1008-1002", "device_type": "dvr"}},
		{"vivotek-ip7160", []answer{{httpprobe.DefaultFollowUps[11].Path, "vivotek-ip7160-getparam-system.txt"}},
			map[string]string{"maker": "vivotek", "model": "IP7160", "firmware": "IP7160-VVTK-0101b", "serial": "0002D10A0FDA", "device_type": "camera"}},
	} {
		t.Run(tc.device, func(t *testing.T) {
			h := &device.Host{}
			for _, a := range tc.answers {
				body := scantest.Testdata(t, "real", "http", a.file)
				r, err := httpprobe.ParseResponse(append([]byte("HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...))
				if err != nil {
					t.Fatal(err)
				}
				f := r.Fields()
				for k, v := range httpprobe.BodyFields(r.Body) {
					f[k] = v
				}
				f["http.path"] = a.path
				h.Evidence = append(h.Evidence, device.Evidence{Source: device.SourceHTTP, Port: 80, Fields: f})
			}
			id := fp.Identify(h)
			brand := id.Brand
			if brand == "" && id.Vendor != "" {
				brand = cat.ShortName(id.Vendor)
			}
			got := map[string]string{"maker": id.Vendor, "brand": brand, "model": id.Model, "firmware": id.Firmware,
				"serial": id.Serial, "device_type": string(id.DeviceType)}
			for k, want := range tc.want {
				if !strings.EqualFold(got[k], want) {
					t.Errorf("%s = %q, want %q (identity %+v)", k, got[k], want, id)
				}
			}
		})
	}
}

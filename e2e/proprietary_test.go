package e2e

import (
	"crypto/md5"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab/emulator"
	"github.com/camsweep/camsweep/scanner/httpprobe"
)

// evidenceOf returns the record's evidence items of src.
func evidenceOf(r device.Record, src device.Source) []device.RecordEvidence {
	var out []device.RecordEvidence
	for _, e := range r.Evidence {
		if e.Source == src {
			out = append(out, e)
		}
	}
	return out
}

// TestScan_lab_dahuaDVRIP: issue 6's Dahua proprietary ports. Every
// Dahua-platform device answers the DVRIP realm request on TCP 37777 with
// "Login to <its serial>" (rule dahua.dvrip.realm) and the legacy search on
// UDP 5050 — sent by unicast, so the routed CCTV camera answers too — with
// its serial, MAC and model.
func TestScan_lab_dahuaDVRIP(t *testing.T) {
	recs, _, _ := labScan(t)
	checked := 0
	for _, d := range spec.Devices {
		if d.Profile != emulator.ProfileDahua {
			continue
		}
		checked++
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		realm := evidenceOf(r, device.SourceDVRIP)
		if len(realm) != 1 || realm[0].Port != 37777 {
			t.Errorf("%s: dvrip evidence %+v, want one on 37777", d.Name, realm)
		} else {
			f := realm[0].Fields
			if f["dvrip.serial"] != d.Serial || f["dvrip.realm"] != "Login to "+d.Serial || f["dvrip.keys"] != "Realm,Random" {
				t.Errorf("%s: dvrip fields %v, want serial %q", d.Name, f, d.Serial)
			}
			if !slices.Contains(realm[0].Rules, "dahua.dvrip.realm") {
				t.Errorf("%s: rules on the realm %v", d.Name, realm[0].Rules)
			}
		}
		search := evidenceOf(r, device.SourceDVRIP5050)
		if len(search) != 1 {
			t.Errorf("%s (%s segment): dvrip5050 evidence %+v, want one", d.Name, d.Segment, search)
		} else {
			f := search[0].Fields
			if f["dvrip5050.serial_no"] != d.Serial || f["dvrip5050.mac"] != strings.ToLower(d.MAC) ||
				f["dvrip5050.model"] != d.Model || f["dvrip5050.ipv4_address"] != d.Address {
				t.Errorf("%s: dvrip5050 fields %v", d.Name, f)
			}
		}
		if r.Serial != d.Serial {
			t.Errorf("%s: record serial %q, want %q", d.Name, r.Serial, d.Serial)
		}
		for _, e := range r.Errors {
			if strings.HasPrefix(e, "dvrip") {
				t.Errorf("%s: error %q", d.Name, e)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no Dahua device in the lab spec")
	}
}

// TestScan_lab_hikvisionSDKPort: the Hikvision cameras' and the NVR's port
// 8000 answers nmap's GET request with the 16-byte "Hikvision IPCam
// control port" frame; rule hikvision.hiksdk.nmap-ipcam reads it.
func TestScan_lab_hikvisionSDKPort(t *testing.T) {
	recs, _, _ := labScan(t)
	checked := 0
	for _, d := range spec.Devices {
		if d.Profile != emulator.ProfileHikvision && d.Profile != emulator.ProfileHikvisionNVR {
			continue
		}
		checked++
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		sdk := evidenceOf(r, device.SourceHikSDK)
		if len(sdk) != 1 || sdk[0].Port != 8000 {
			t.Errorf("%s: hiksdk evidence %+v, want one on 8000", d.Name, sdk)
			continue
		}
		f := sdk[0].Fields
		if f["hiksdk.frame"] != "000000100000001e0000001e00000000" || f["hiksdk.length"] != "16" || f["hiksdk.trigger"] != "get-request" {
			t.Errorf("%s: hiksdk fields %v", d.Name, f)
		}
		if !slices.Contains(sdk[0].Rules, "hikvision.hiksdk.nmap-ipcam") {
			t.Errorf("%s: rules on the SDK frame %v", d.Name, sdk[0].Rules)
		}
	}
	if checked == 0 {
		t.Fatal("no Hikvision device with port 8000 in the lab spec")
	}
}

// TestScan_lab_hikvisionNVR: the NVR on the CCTV segment (DNVRS-Webs, SADP
// with an NVR model and eight channels, port 8000; no RTSP or ONVIF) comes
// out as a Hikvision NVR with its model and serial.
func TestScan_lab_hikvisionNVR(t *testing.T) {
	recs, _, _ := labScan(t)
	checked := 0
	for _, d := range spec.Devices {
		if d.Profile != emulator.ProfileHikvisionNVR {
			continue
		}
		checked++
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		t.Logf("%s: type %s confidence %.2f model %q, %d evidence items", d.Name, r.DeviceType, r.Confidence, r.Model, len(r.Evidence))
		if r.Vendor == nil || *r.Vendor != "Hikvision" || r.DeviceType != device.TypeNVR || !r.Camera {
			t.Errorf("%s: vendor %v type %q camera %v, want Hikvision nvr true\nconclusions %+v", d.Name, r.Vendor, r.DeviceType, r.Camera, r.Conflicts)
		}
		if r.Model != d.Model || r.Serial != d.Serial {
			t.Errorf("%s: model %q serial %q, want %q %q", d.Name, r.Model, r.Serial, d.Model, d.Serial)
		}
		if !r.HasFinding(device.FindingCoveredIsolated) || r.Flagged {
			t.Errorf("%s: findings %+v flagged %v, want covered-isolated, not flagged", d.Name, r.Findings, r.Flagged)
		}
	}
	if checked == 0 {
		t.Fatal("no hikvision-nvr device in the lab spec")
	}
}

// TestScan_lab_favicon: the web servers of the Hikvision and Dahua devices
// serve an icon (arbitrary bytes in the lab, not the vendors' own), and the
// scan reports its MD5 and Shodan hash; the plain web server, which its
// root page shows to be no camera, is not asked for one.
func TestScan_lab_favicon(t *testing.T) {
	recs, _, _ := labScan(t)
	checked := 0
	for _, d := range spec.Devices {
		r, ok := recs[d.Address]
		if !ok {
			continue
		}
		var icon *device.RecordEvidence
		for i, e := range r.Evidence {
			if e.Source == device.SourceHTTP && e.Fields["http.path"] == httpprobe.FaviconPath {
				icon = &r.Evidence[i]
			}
		}
		served := emulator.Favicon(d.Profile)
		switch {
		case d.Profile == emulator.ProfileWeb:
			if icon != nil {
				t.Errorf("%s: a device its root page shows to be no camera was asked for its icon: %v", d.Name, icon.Fields)
			}
			continue
		case served == nil:
			continue
		}
		checked++
		if icon == nil {
			t.Errorf("%s (%s): no %s evidence", d.Name, d.Profile, httpprobe.FaviconPath)
			continue
		}
		sum := md5.Sum(served)
		want := httpprobe.FaviconFields(served)
		if got := icon.Fields["http.favicon_md5"]; got != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: http.favicon_md5 %q, want the md5 of the served icon %x", d.Name, got, sum)
		}
		if got := icon.Fields["http.favicon_mmh3"]; got != want["http.favicon_mmh3"] {
			t.Errorf("%s: http.favicon_mmh3 %q, want %q", d.Name, got, want["http.favicon_mmh3"])
		}
	}
	if checked == 0 {
		t.Fatal("no device serving a favicon in the lab spec")
	}
}

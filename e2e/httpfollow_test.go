package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
)

// TestScan_lab_httpFollowUps checks issue 6 item 4's web follow-ups: the
// Dahua cameras answer the empty-password POST /RPC2_Login challenge with
// "Login to <serial>" and their MAC — on the routed CCTV segment too, where
// the neighbour table cannot give the MAC — and rule dahua.http.rpc2.realm
// reads it; the Hikvision cameras answer GET /ISAPI/System/deviceInfo with
// the userCheck 401.
func TestScan_lab_httpFollowUps(t *testing.T) {
	recs, _, _ := labScan(t)
	checked := 0
	for _, d := range spec.Devices {
		if d.Profile != "dahua-camera" && d.Profile != "hikvision-camera" {
			continue
		}
		checked++
		r, ok := recs[d.Address]
		if !ok {
			t.Errorf("%s (%s) not found", d.Name, d.Address)
			continue
		}
		byPath := map[string]device.RecordEvidence{}
		for _, e := range r.Evidence {
			if e.Source == device.SourceHTTP && e.Port == 80 {
				byPath[e.Fields["http.path"]] = e
			}
		}
		switch d.Profile {
		case "dahua-camera":
			e, ok := byPath["/RPC2_Login"]
			if !ok {
				t.Errorf("%s: no /RPC2_Login evidence on port 80 in %+v", d.Name, r.Evidence)
				continue
			}
			if got, want := e.Fields["http.rpc2.realm"], "Login to "+d.Serial; got != want {
				t.Errorf("%s: http.rpc2.realm %q, want %q", d.Name, got, want)
			}
			if got, want := e.Fields["http.rpc2.mac"], strings.ToLower(d.MAC); got != want {
				t.Errorf("%s: http.rpc2.mac %q, want %q", d.Name, got, want)
			}
			if !slices.Contains(e.Rules, "dahua.http.rpc2.realm") {
				t.Errorf("%s: rules on the RPC2 evidence %v", d.Name, e.Rules)
			}
		case "hikvision-camera":
			e, ok := byPath["/ISAPI/System/deviceInfo"]
			if !ok {
				t.Errorf("%s: no ISAPI evidence on port 80 in %+v", d.Name, r.Evidence)
				continue
			}
			if e.Fields["http.status"] != "401" || e.Fields["http.xml_root"] != "userCheck" {
				t.Errorf("%s: ISAPI fields %q", d.Name, e.Fields)
			}
			if !slices.Contains(e.Rules, "hikvision.http.isapi.usercheck") {
				t.Errorf("%s: rules on the ISAPI evidence %v", d.Name, e.Rules)
			}
		}
		if r.Serial == "" && d.Profile == "dahua-camera" {
			t.Errorf("%s: record has no serial", d.Name)
		}
	}
	if checked == 0 {
		t.Fatal("no Hikvision or Dahua device in the lab spec")
	}
}

// TestScan_lab_httpFollowUpsOnlyWhereUseful: the follow-ups go only to the
// maker whose devices answer them (the rules judge the root page): no Dahua
// RPC2 login challenge to a Hikvision camera, no ISAPI request to a Dahua
// one, and none at all to the web server, the PC or the printer.
func TestScan_lab_httpFollowUpsOnlyWhereUseful(t *testing.T) {
	recs, _, _ := labScan(t)
	asked := func(r device.Record, path string) bool {
		for _, ev := range r.Evidence {
			if ev.Source == device.SourceHTTP && ev.Fields["http.path"] == path {
				return true
			}
		}
		return false
	}
	for _, d := range spec.Devices {
		r, ok := recs[d.Address]
		if !ok {
			continue
		}
		switch d.Profile {
		case "hikvision-camera":
			if asked(r, "/RPC2_Login") {
				t.Errorf("%s: Dahua's RPC2_Login asked of a Hikvision camera", d.Name)
			}
		case "dahua-camera":
			if asked(r, "/ISAPI/System/deviceInfo") || asked(r, "/SDK/webLanguage") {
				t.Errorf("%s: Hikvision's ISAPI asked of a Dahua camera", d.Name)
			}
		case "web-server", "office-pc", "printer":
			for _, p := range []string{"/ISAPI/System/deviceInfo", "/SDK/webLanguage", "/RPC2_Login"} {
				if asked(r, p) {
					t.Errorf("%s: %s asked of a device the rules call no camera", d.Name, p)
				}
			}
		}
	}
}

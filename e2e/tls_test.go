package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab/emulator"
)

// TestScan_lab_tlsDefaultCertificates checks issue 6's TLS item: the Dahua
// and Axis cameras and the Hikvision NVR present their vendor's default
// certificate on 443 (docs/protocols/tls.md §8; lab/emulator/tls.go), the scan's
// certificate probe reports its subject, issuer and validity, and a rule of
// vendors/rules/tls.yaml reads it. Devices without a known default
// certificate (Hikvision cameras) have no TLS evidence at all.
func TestScan_lab_tlsDefaultCertificates(t *testing.T) {
	recs, _, _ := labScan(t)
	const dahuaIssuer = `CN=NVR,OU=NVR,O=ZheJiang Dahua Technology CO.\,LTD.,L=Hangzhou,ST=Zhejiang,C=CN`
	const hikSubject = "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN"
	checked := map[string]int{}
	for _, d := range spec.Devices {
		r, ok := recs[d.Address]
		if !ok {
			continue
		}
		var tlsEv []device.RecordEvidence
		for _, e := range r.Evidence {
			if e.Source == device.SourceTLS {
				tlsEv = append(tlsEv, e)
			}
		}
		var want map[string]string
		var rule string
		switch d.Profile {
		case emulator.ProfileDahua:
			want = map[string]string{
				"tls.subject": "CN=" + d.Address + ",C=CN", "tls.subject_cn": d.Address,
				"tls.issuer": dahuaIssuer, "tls.issuer_cn": "NVR", "tls.issuer_org": "ZheJiang Dahua Technology CO.,LTD.",
				"tls.validity_days": "10950", "tls.self_signed": "false",
			}
			rule = "dahua.tls.issuer.org"
		case emulator.ProfileAxis:
			cn := "axis-" + strings.ReplaceAll(strings.ToLower(d.MAC), ":", "")
			want = map[string]string{
				"tls.subject": "CN=" + cn + ",O=Axis Communications AB", "tls.subject_cn": cn,
				"tls.subject_org": "Axis Communications AB", "tls.issuer": "CN=" + cn + ",O=Axis Communications AB",
				"tls.self_signed": "true",
			}
			rule = "axis.tls.subject.axis-mac"
		case emulator.ProfileHikvisionNVR:
			want = map[string]string{
				"tls.subject": hikSubject, "tls.subject_cn": "www.hikvision.com", "tls.subject_org": "HIKVISION",
				"tls.issuer": hikSubject, "tls.self_signed": "true",
			}
			rule = "hikvision.tls.subject.dvrnvr"
		default:
			if len(tlsEv) > 0 {
				t.Errorf("%s (%s): TLS evidence from a profile with no 443: %v", d.Name, d.Profile, tlsEv)
			}
			continue
		}
		checked[d.Profile]++
		if len(tlsEv) != 1 || tlsEv[0].Port != 443 {
			t.Errorf("%s: TLS evidence %+v, want one item on 443", d.Name, tlsEv)
			continue
		}
		e := tlsEv[0]
		for k, v := range want {
			if got := e.Fields[k]; got != v {
				t.Errorf("%s: %s %q, want %q", d.Name, k, got, v)
			}
		}
		if e.Fields["tls.version"] == "" || e.Fields["tls.sha256"] == "" {
			t.Errorf("%s: TLS fields lack version or fingerprint: %v", d.Name, e.Fields)
		}
		if len(e.Rules) == 0 || !slices.Contains(e.Rules, rule) {
			t.Errorf("%s: rules on the TLS evidence %v, want %s among them", d.Name, e.Rules, rule)
		}
	}
	for _, p := range []string{emulator.ProfileDahua, emulator.ProfileAxis, emulator.ProfileHikvisionNVR} {
		if checked[p] == 0 {
			t.Errorf("no %s device in the lab spec", p)
		}
	}
}

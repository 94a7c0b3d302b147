package sweep

import (
	"net/netip"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/policy"
	"github.com/camsweep/camsweep/vendors"
)

// TestBuild_uncataloguedMaker: a camera that names a maker the catalog does
// not know keeps that name in its record (stated_maker), is marked
// uncatalogued and gets the finding that says so — never dropped, never
// cleared (issue 13). The same name under a catalogued platform maker is
// the relabel's brand, not a catalog gap.
func TestBuild_uncataloguedMaker(t *testing.T) {
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	fp, err := fingerprint.New(fingerprint.Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.New(policy.Config{Name: "uk-nil", Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	onvifInfo := device.Evidence{Source: device.SourceONVIF, Port: 80, Fields: map[string]string{
		"onvif.manufacturer": "Acme Optronics", "onvif.model": "AX-100", "onvif.firmware": "1.2.3", "onvif.serial": "SN0042"}}
	nvt := device.Evidence{Source: device.SourceWSD, Port: 3702, Fields: map[string]string{
		"wsd.types": "dn:NetworkVideoTransmitter tds:Device", "wsd.scope.hardware": "AX-100"}}
	h := &device.Host{Addr: netip.MustParseAddr("198.18.1.10"), Evidence: []device.Evidence{onvifInfo, nvt}, LastSeen: time.Now()}
	r := Build(h, fp, pol, "run")
	if r.StatedMaker != "Acme Optronics" || !r.MakerUncatalogued || r.Vendor != nil || r.Brand != "Acme Optronics" ||
		r.Model != "AX-100" || r.Firmware != "1.2.3" || r.Serial != "SN0042" || !r.Camera {
		t.Errorf("record %+v", r)
	}
	if !r.HasFinding(device.FindingUncataloguedMaker) {
		t.Errorf("findings %+v, want %s", r.Findings, device.FindingUncataloguedMaker)
	}

	// Under Hikvision platform evidence the same statement is a brand.
	sadp := device.Evidence{Source: device.SourceSADP, Port: 37020, Fields: map[string]string{
		"sadp.types": "inquiry", "sadp.device_description": "AX-100", "sadp.device_sn": "AX-10020200101AAWR000000001",
		"sadp.software_version": "V5.6.2build 190701"}}
	h.Evidence = append(h.Evidence, sadp)
	r = Build(h, fp, pol, "run")
	if r.MakerUncatalogued || r.Maker == nil || r.Maker.ID != "hikvision" || r.Brand != "Acme Optronics" || r.HasFinding(device.FindingUncataloguedMaker) {
		t.Errorf("relabel record: maker %+v brand %q uncatalogued %v findings %+v", r.Maker, r.Brand, r.MakerUncatalogued, r.Findings)
	}
}

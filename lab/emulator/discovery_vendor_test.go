package emulator

import (
	"net"
	"net/netip"
	"testing"

	"github.com/camsweep/camsweep/scanner/dhip"
	"github.com/camsweep/camsweep/scanner/sadp"
)

var loopFrom = netip.MustParseAddrPort("127.0.0.1:40000")

func TestHikvision_SADP_inquiry(t *testing.T) {
	mac, _ := net.ParseMAC("44:a6:42:46:67:24")
	e, err := New(Device{Name: "hik", Profile: ProfileHikvision, MAC: mac, Model: "DS-2CD2366G2-ISU/SL", Serial: "DS-2CD2366G2-ISU/SL20210726AAWRG41390691", Firmware: "V5.7.13"})
	if err != nil {
		t.Fatal(err)
	}
	var svc *UDPService
	for i := range e.UDP {
		if e.UDP[i].Name == "sadp" {
			svc = &e.UDP[i]
		}
	}
	if svc == nil || svc.Port != 37020 || svc.Group != netip.MustParseAddr("239.255.255.250") {
		t.Fatalf("no SADP service on the group: %+v", e.UDP)
	}
	reps := svc.Handle(sadp.Inquiry("0f1e2d3c-aaaa-4bbb-8ccc-000000000001"), loopFrom)
	if len(reps) != 1 {
		t.Fatalf("%d replies", len(reps))
	}
	m, err := sadp.ParseProbeMatch(reps[0])
	if err != nil {
		t.Fatal(err)
	}
	f := m.Fields()
	for k, v := range map[string]string{
		"sadp.device_description": "DS-2CD2366G2-ISU/SL",
		"sadp.device_sn":          "DS-2CD2366G2-ISU/SL20210726AAWRG41390691",
		"sadp.mac":                "44:a6:42:46:67:24",
		"sadp.firmware":           "V5.7.13",
		"sadp.ipv4_address":       "127.0.0.1",
		"sadp.command_port":       "8000",
		"sadp.activated":          "true",
	} {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
	if m.UUID != "0f1e2d3c-aaaa-4bbb-8ccc-000000000001" || f["sadp.software_version"] != "V5.7.13build 210726" {
		t.Errorf("uuid %q version %q", m.UUID, f["sadp.software_version"])
	}
	for _, bad := range []string{"", "<Probe><Uuid>x</Uuid><Types>update</Types></Probe>", "<ProbeMatch/>", "\x00garbage"} {
		if reps := svc.Handle([]byte(bad), loopFrom); reps != nil {
			t.Errorf("answered %q", bad)
		}
	}
}

func TestDahua_DHIP_search(t *testing.T) {
	mac, _ := net.ParseMAC("08:ed:ed:87:42:7a")
	e, err := New(Device{Name: "dh", Profile: ProfileDahua, MAC: mac, Model: "IPC-HDW5831R-ZE", Serial: "4X7C5A1ZAG21L3F", Firmware: "2.800.0000000.1.R"})
	if err != nil {
		t.Fatal(err)
	}
	var svc *UDPService
	for i := range e.UDP {
		if e.UDP[i].Name == "dhip" {
			svc = &e.UDP[i]
		}
	}
	if svc == nil || svc.Port != 37810 || svc.Group != netip.MustParseAddr("239.255.255.251") {
		t.Fatalf("no DHIP service on the group: %+v", e.UDP)
	}
	reps := svc.Handle(dhip.Search(), loopFrom)
	if len(reps) != 1 {
		t.Fatalf("%d replies", len(reps))
	}
	d, err := dhip.ParseDHIP(reps[0])
	if err != nil {
		t.Fatal(err)
	}
	f := d.Fields()
	for k, v := range map[string]string{
		"dhip.method":          "client.notifyDevInfo",
		"dhip.vendor":          "Dahua",
		"dhip.device_type":     "IPC-HDW5831R-ZE",
		"dhip.device_class":    "IPC",
		"dhip.serial_no":       "4X7C5A1ZAG21L3F",
		"dhip.version":         "2.800.0000000.1.R",
		"dhip.mac":             "08:ed:ed:87:42:7a",
		"dhip.ipv4_address":    "127.0.0.1",
		"dhip.port":            "37777",
		"dhip.ipv6_link_local": "fe80::0aed:edff:fe87:427a/64", // as in the real capture
	} {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
	for _, bad := range [][]byte{nil, []byte("DHIP"), dhip.Frame([]byte(`{"method":"DevInit.account"}`)), reps[0]} {
		if reps := svc.Handle(bad, loopFrom); reps != nil {
			t.Errorf("answered %q", bad)
		}
	}
}

package emulator

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner/wsd"
)

func wsdEmulator(t *testing.T, profile, model, mac string) *Emulator {
	t.Helper()
	hw, err := net.ParseMAC(mac)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Device{Name: "cam", Profile: profile, Model: model, MAC: hw, Serial: "S1"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestWSD_answersTypedProbesInVendorStyle(t *testing.T) {
	addrs := func() []netip.Addr {
		return []netip.Addr{netip.MustParseAddr("198.18.20.21"), netip.MustParseAddr("198.18.10.29")}
	}
	from := netip.MustParseAddrPort("198.18.10.2:40000")
	tests := []struct {
		profile, model, mac string
		want                map[string]string
		inBody              string
	}{
		{ProfileHikvision, "DS-2CD2032F-I", "c4:2f:90:42:5f:1a", map[string]string{
			"wsd.scope.name": "HIKVISION DS-2CD2032F-I", "wsd.scope.hardware": "DS-2CD2032F-I",
			"wsd.scope.mac": "c4:2f:90:42:5f:1a", "wsd.epr_mac": "c4:2f:90:42:5f:1a",
			"wsd.metadata_version": "10", "wsd.hint": "epr-mac-matches-scope,hikvision-ns,onvifext-ns",
			"wsd.other_addrs": "198.18.20.21 198.18.10.29",
		}, "http://[fe80::c62f:90ff:fe42:5f1a]/onvif/device_service"},
		{ProfileDahua, "IPC-HFW2431S-S-S2", "3c:ef:8c:61:01:c0", map[string]string{
			"wsd.scope.name": "Dahua", "wsd.scope.hardware": "IPC-HFW2431S-S-S2",
			"wsd.metadata_version": "1", "wsd.hint": "dahua-unique-identifier",
		}, `standalone="yes"`},
		{ProfileAxis, "M3106-L Mk II", "ac:cc:8e:4a:2c:1f", map[string]string{
			"wsd.scope.name": "AXIS M3106-L Mk II", "wsd.scope.hardware": "M3106-L Mk II",
			"wsd.types": "tds:Device dn:NetworkVideoTransmitter",
		}, "https://198.18.20.21/onvif/device_service"},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			h := wsdEmulator(t, tt.profile, tt.model, tt.mac).wsdHandler(addrs)
			for _, typ := range []string{wsd.TypeNVT, wsd.TypeDevice, ""} {
				id := wsd.NewMessageID()
				out := h(wsd.ProbeMessage(id, typ), from)
				if len(out) != 1 {
					t.Fatalf("type %q: %d replies", typ, len(out))
				}
				m, err := wsd.ParseProbeMatches(out[0])
				if err != nil {
					t.Fatalf("%v\n%s", err, out[0])
				}
				if m.RelatesTo != id {
					t.Errorf("RelatesTo %q, want %q", m.RelatesTo, id)
				}
				ev := wsd.Evidence(m, from, "unicast", time.Time{})
				for k, v := range tt.want {
					if ev[0].Fields[k] != v {
						t.Errorf("%s = %q, want %q", k, ev[0].Fields[k], v)
					}
				}
				if !strings.Contains(string(out[0]), tt.inBody) {
					t.Errorf("reply lacks %q:\n%s", tt.inBody, out[0])
				}
			}
			// A type the device is not.
			if out := h(wsd.ProbeMessage("uuid:1", "dn:NetworkVideoDisplay"), from); out != nil {
				t.Errorf("answered a NetworkVideoDisplay probe")
			}
			// Garbage and replies are ignored.
			if out := h([]byte("<x"), from); out != nil {
				t.Error("answered garbage")
			}
		})
	}
}

func TestWSD_windowsAnswersOnlyUntyped(t *testing.T) {
	e := wsdEmulator(t, ProfilePC, "", "00:1b:21:3a:10:40")
	h := e.wsdHandler(func() []netip.Addr { return []netip.Addr{netip.MustParseAddr("198.18.10.40")} })
	from := netip.MustParseAddrPort("198.18.10.2:40000")
	if out := h(wsd.ProbeMessage("uuid:1", wsd.TypeNVT), from); out != nil {
		t.Error("PC answered a typed ONVIF probe")
	}
	out := h(wsd.ProbeMessage("uuid:2", ""), from)
	if len(out) != 1 {
		t.Fatal("PC did not answer an untyped probe")
	}
	m, err := wsd.ParseProbeMatches(out[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Matches[0].Types, " "); got != "wsdp:Device pub:Computer" {
		t.Errorf("types %q", got)
	}
}

func TestWSD_profilesWithoutWSD(t *testing.T) {
	e, err := New(Device{Name: "web", Profile: ProfileWeb})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range e.UDP {
		if s.Port == wsdPort {
			t.Error("web server answers WS-Discovery")
		}
	}
}

package scanner

import (
	"net/netip"
	"testing"

	"github.com/camsweep/camsweep/device"
)

func TestEngine_Run_ouiEvidenceOnceMACKnown(t *testing.T) {
	tcp := &fakeTCP{ports: []uint16{80}}
	var asked []string
	_, hosts := scan(t, Config{Targets: addrs(4), HostProbers: []HostProber{tcp}, Rate: 1e6, HostRate: 1e6,
		Neighbours: func() (map[netip.Addr]string, error) {
			return map[netip.Addr]string{netip.MustParseAddr("198.18.0.1"): "44:a6:42:00:00:01"}, nil
		},
		OUI: func(mac string) map[string]string {
			asked = append(asked, mac)
			return map[string]string{"mac.vendor": "Hangzhou Hikvision Digital Technology Co.,Ltd."}
		},
		Concurrency: 1,
	})
	if len(asked) != 1 || asked[0] != "44:a6:42:00:00:01" {
		t.Fatalf("OUI asked for %v, want once for the host with a MAC", asked)
	}
	for _, h := range hosts {
		var oui []device.Evidence
		for _, ev := range h.Evidence {
			if ev.Source == device.SourceOUI {
				oui = append(oui, ev)
			}
		}
		want := 0
		if h.MAC != "" {
			want = 1
		}
		if len(oui) != want {
			t.Fatalf("%s: %d oui evidence, want %d", h.Addr, len(oui), want)
		}
		if want == 1 && (oui[0].Fields["mac.vendor"] == "" || oui[0].Addr != h.Addr || oui[0].Time.IsZero()) {
			t.Errorf("oui evidence %+v", oui[0])
		}
	}
}

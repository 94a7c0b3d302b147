package store

import (
	"testing"

	"github.com/camsweep/camsweep/device"
)

// TestStore_rogueCannotTakeOverHistory: a device at another address that
// claims a known camera's MAC, while the camera is live in the same run,
// neither overwrites the camera's record of the run nor takes its history,
// whichever of the two is recorded first; nor when the camera shows up
// without its MAC (across a router) and is known only by its serial.
func TestStore_rogueCannotTakeOverHistory(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) History) {
		o := FinishOptions{MissingAfter: 1}
		hik := "Hikvision"
		victim := rec("198.18.10.21", "44:a6:42:00:00:01", "core", true)
		victim.Serial, victim.Vendor = "DS-2CD2143G2-I20210101AAWRF00000001", &hik
		rogue := rec("198.18.10.66", "44:a6:42:00:00:01", "core", false)
		routed := *victim
		routed.MAC = ""

		for _, tt := range []struct {
			name string
			run1 []*device.Record
			want string
		}{
			{"rogue first", []*device.Record{rogue, victim}, "ip:core/198.18.10.66 new"},
			{"victim first", []*device.Record{victim, rogue}, "ip:core/198.18.10.66 new"},
			{"victim by serial only", []*device.Record{rogue, &routed}, "ip:core/198.18.10.66 new"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				s := newStore(t)
				sweep(t, s, 0, o, victim)
				if got := kinds(sweep(t, s, 1, o, tt.run1...)); got != tt.want {
					t.Errorf("changes %q, want %q (the camera's history unchanged)", got, tt.want)
				}
				runs, err := s.Runs(t.Context(), 0)
				if err != nil {
					t.Fatal(err)
				}
				if runs[0].Devices != 2 {
					t.Errorf("run 1 holds %d records, want both", runs[0].Devices)
				}
			})
		}

		// A device that moved while no other address claims it keeps its
		// history, as before.
		s := newStore(t)
		sweep(t, s, 0, o, victim)
		moved := *victim
		moved.IP = "198.18.10.99"
		if got := kinds(sweep(t, s, 1, o, &moved)); got != "mac:44:a6:42:00:00:01 changed(ip)" {
			t.Errorf("moved device: %q", got)
		}
	})
}

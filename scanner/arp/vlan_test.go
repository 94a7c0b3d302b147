package arp

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
)

// vlanConfig is /proc/net/vlan/config as net/8021q/vlanproc.c's
// vlan_seq_show writes it ("VLAN Dev name\t | VLAN ID", "Name-Type: …",
// then "%-15s| %d  | %s" rows); SYNTH: written for the test, with a
// 15-character name that runs into the bar, a VLAN stacked on a VLAN
// (802.1ad outer 100, inner 20) and a name that is no "dev.vid".
const vlanConfig = "VLAN Dev name\t | VLAN ID\n" +
	"Name-Type: VLAN_NAME_TYPE_RAW_PLUS_VID_NO_PAD\n" +
	"eth0.20        | 20  | eth0\n" +
	"cctv           | 30  | eth1\n" +
	"enp0s31f6.4094| 4094  | enp0s31f6\n" +
	"eth0.100       | 100  | eth0\n" +
	"eth0.100.20    | 20  | eth0.100\n"

func TestParseVLANConfig(t *testing.T) {
	got, err := ParseVLANConfig(strings.NewReader(vlanConfig))
	if err != nil {
		t.Fatal(err)
	}
	want := []VLANDev{
		{Name: "eth0.20", VID: 20, Real: "eth0"},
		{Name: "cctv", VID: 30, Real: "eth1"},
		{Name: "enp0s31f6.4094", VID: 4094, Real: "enp0s31f6"},
		{Name: "eth0.100", VID: 100, Real: "eth0"},
		{Name: "eth0.100.20", VID: 20, Real: "eth0.100"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// No VLAN interface: the header only.
	if got, err := ParseVLANConfig(strings.NewReader("VLAN Dev name\t | VLAN ID\nName-Type: VLAN_NAME_TYPE_RAW_PLUS_VID_NO_PAD\n")); err != nil || len(got) != 0 {
		t.Errorf("header only: %+v, %v", got, err)
	}
}

func TestParseVLANConfig_errors(t *testing.T) {
	const hdr = "VLAN Dev name\t | VLAN ID\nName-Type: VLAN_NAME_TYPE_RAW_PLUS_VID_NO_PAD\n"
	for name, tt := range map[string]struct{ in, want string }{
		"empty":        {"", "header"},
		"not the file": {"IP address HW type\n", `header "IP address HW type"`},
		"no bars":      {hdr + "eth0.20 20 eth0\n", `line 3: "eth0.20 20 eth0"`},
		"one bar":      {hdr + "eth0.20 | 20 eth0\n", "line 3"},
		"vid 4095":     {hdr + "eth0.20 | 4095  | eth0\n", `line 3: VLAN id "4095", want 0-4094`},
		"vid negative": {hdr + "eth0.20 | -1  | eth0\n", `VLAN id "-1"`},
		"vid word":     {hdr + "eth0.20 | twenty  | eth0\n", `VLAN id "twenty"`},
		"twice":        {hdr + "v | 1  | eth0\nv | 2  | eth0\n", `line 4: interface "v" listed twice`},
		"bare bar":     {hdr + "| 20 | eth0\n", "line 3"},
	} {
		_, err := ParseVLANConfig(strings.NewReader(tt.in))
		if !errors.Is(err, ErrVLANFormat) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want ErrVLANFormat containing %q", name, err, tt.want)
		}
	}
}

func TestVLANsOf(t *testing.T) {
	dir := t.TempDir()
	m, err := VLANsOf(filepath.Join(dir, "absent"))
	if err != nil || m != nil {
		t.Errorf("no 8021q module: %v, %v; want no VLANs and no error", m, err)
	}
	p := filepath.Join(dir, "config")
	if err := os.WriteFile(p, []byte(vlanConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err = VLANsOf(p)
	if err != nil || len(m) != 5 || m["cctv"] != 30 || m["eth0.100.20"] != 20 {
		t.Errorf("VLANsOf = %v, %v", m, err)
	}
	if err := os.WriteFile(p, []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := VLANsOf(p); !errors.Is(err, ErrVLANFormat) || !strings.Contains(err.Error(), p) {
		t.Errorf("bad file: %v", err)
	}
}

func FuzzParseVLANConfig(f *testing.F) {
	f.Add(vlanConfig)
	f.Add("VLAN Dev name\t | VLAN ID\n")
	f.Add("VLAN Dev name\t | VLAN ID\nName-Type: X\nabcdefghijklmno| 7  | e\n")
	f.Add("VLAN Dev name\nName-Type: X\na|b | 99999  | |\n")
	f.Fuzz(func(t *testing.T, in string) {
		devs, err := ParseVLANConfig(strings.NewReader(in))
		if err != nil && !errors.Is(err, ErrVLANFormat) && !strings.Contains(err.Error(), "token too long") {
			t.Fatalf("unexpected error %v", err)
		}
		seen := map[string]bool{}
		for _, d := range devs {
			if d.VID > MaxVID || d.Name == "" || d.Real == "" || strings.ContainsAny(d.Name, " \t\n") || seen[d.Name] {
				t.Fatalf("bad entry %+v from %q", d, in)
			}
			seen[d.Name] = true
		}
	})
}

// TestSweeper_Sweep_vlanInterface: a reply heard on a VLAN interface
// carries its VLAN id; an unreadable VLAN table costs the field, not the
// sweep.
func TestSweeper_Sweep_vlanInterface(t *testing.T) {
	a20 := netip.MustParseAddr("198.18.10.20")
	for _, tt := range []struct {
		name  string
		vlans func() (map[string]uint16, error)
		want  string
	}{
		{"vlan interface", func() (map[string]uint16, error) { return map[string]uint16{"eth0.30": 30, "eth1.40": 40}, nil }, "30"},
		{"not a vlan interface", func() (map[string]uint16, error) { return map[string]uint16{"eth1.40": 40}, nil }, ""},
		{"no 8021q", func() (map[string]uint16, error) { return nil, nil }, ""},
		{"unreadable table", func() (map[string]uint16, error) { return nil, ErrVLANFormat }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFake(map[netip.Addr][6]byte{a20: hik})
			s, err := New(Config{
				Retries: 0, Wait: 50 * time.Millisecond, Log: zerolog.Nop(),
				Links: func(string) ([]Link, error) {
					return []Link{{Name: "eth0.30", Index: 7, MAC: ourMAC, Prefix: netip.PrefixFrom(ourAddr, 24)}}, nil
				},
				Open:  func(Link) (Conn, error) { return fc, nil },
				VLANs: tt.vlans,
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []device.Evidence
			if err := s.Sweep(context.Background(), rangeScope("198.18.10.0", 20, 20), nopPacer{}, func(ev device.Evidence) { got = append(got, ev) }); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Fields["arp.interface"] != "eth0.30" {
				t.Fatalf("evidence %+v", got)
			}
			if v, ok := got[0].Fields["arp.vlan"]; v != tt.want || ok != (tt.want != "") {
				t.Errorf("arp.vlan = %q (present %v), want %q", v, ok, tt.want)
			}
		})
	}
}

package arp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// VLANConfigPath lists the 802.1Q VLAN interfaces of the network namespace
// the process runs in. The kernel creates it with the 8021q module: when it
// is absent, no interface is a VLAN interface.
const VLANConfigPath = "/proc/net/vlan/config"

// ErrVLANFormat reports input that is not /proc/net/vlan/config.
var ErrVLANFormat = errors.New("arp: not a /proc/net/vlan/config table")

// MaxVID is the highest VLAN id of IEEE 802.1Q (4095 is reserved).
const MaxVID = 4094

// VLANDev is one 802.1Q VLAN interface: its name, its VLAN id and the
// interface it is stacked on.
type VLANDev struct {
	Name string
	VID  uint16
	Real string
}

// ParseVLANConfig reads /proc/net/vlan/config in the form
// net/8021q/vlanproc.c's vlan_seq_show writes it:
//
//	VLAN Dev name	 | VLAN ID
//	Name-Type: VLAN_NAME_TYPE_RAW_PLUS_VID_NO_PAD
//	eth0.20        | 20  | eth0
//
// (rows are "%-15s| %d  | %s": a name of 15 characters, the longest Linux
// allows, runs into the bar). Interface names hold no white space, so a row
// is read by white space; a row that is not a name, a VLAN id of 0-4094 and
// a name, or a name listed twice, is an ErrVLANFormat naming the line.
func ParseVLANConfig(r io.Reader) ([]VLANDev, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("arp: vlan config: %w", err)
		}
		return nil, fmt.Errorf("%w: empty, want the header", ErrVLANFormat)
	}
	if !strings.HasPrefix(sc.Text(), "VLAN Dev name") {
		return nil, fmt.Errorf("%w: header %q", ErrVLANFormat, sc.Text())
	}
	var out []VLANDev
	seen := map[string]bool{}
	for line := 2; sc.Scan(); line++ {
		text := sc.Text()
		if line == 2 && strings.HasPrefix(text, "Name-Type:") {
			continue
		}
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		var name, vid, parent string
		switch {
		case len(f) == 5 && f[1] == "|" && f[3] == "|":
			name, vid, parent = f[0], f[2], f[4]
		case len(f) == 4 && len(f[0]) > 1 && strings.HasSuffix(f[0], "|") && f[2] == "|":
			name, vid, parent = strings.TrimSuffix(f[0], "|"), f[1], f[3]
		default:
			return out, fmt.Errorf("%w: line %d: %q, want \"NAME | VID | DEVICE\"", ErrVLANFormat, line, text)
		}
		id, err := strconv.ParseUint(vid, 10, 16)
		if err != nil || id > MaxVID {
			return out, fmt.Errorf("%w: line %d: VLAN id %q, want 0-%d", ErrVLANFormat, line, vid, MaxVID)
		}
		if seen[name] {
			return out, fmt.Errorf("%w: line %d: interface %q listed twice", ErrVLANFormat, line, name)
		}
		seen[name] = true
		out = append(out, VLANDev{Name: name, VID: uint16(id), Real: parent})
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("arp: vlan config: %w", err)
	}
	return out, nil
}

// VLANsOf reads the VLAN table at path (VLANConfigPath in production) into
// a map from interface name to VLAN id. A missing file is no VLAN at all,
// not an error: the 8021q module is not loaded.
func VLANsOf(path string) (map[string]uint16, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("arp: %w", err)
	}
	defer f.Close()
	devs, err := ParseVLANConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m := make(map[string]uint16, len(devs))
	for _, d := range devs {
		m[d.Name] = d.VID
	}
	return m, nil
}

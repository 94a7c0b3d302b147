package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/internal/maclookup"
)

// runOUI runs "camsweep oui args..." with stdin and returns its output.
func runOUI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := newOUICmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// TestOUICmd: each MAC form is accepted; the registry entry, the flags and
// the catalog maker with its lists come out; a bad MAC is a usage error
// naming it; with "-" a pasted switch table gives exactly its MACs.
func TestOUICmd(t *testing.T) {
	out, err := runOUI(t, "", "--format", "json", "44-A6-42-46-67-24", "08eded5a1022", "02:11:22:33:44:55", "01:00:5e:00:00:fb", "24:0a:c4:00:00:01", "ac:cc:8e:4a:2c:1f")
	if err != nil {
		t.Fatal(err)
	}
	var got []maclookup.Answer
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	for dec.More() {
		var a maclookup.Answer
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		got = append(got, a)
	}
	if len(got) != 6 {
		t.Fatalf("%d answers, want 6:\n%s", len(got), out)
	}
	hik, dahua, local, mcast, chip, axis := got[0], got[1], got[2], got[3], got[4], got[5]
	if hik.MAC != "44:a6:42:46:67:24" || hik.Prefix != "44A642" || hik.Registry != "MA-L" || !strings.Contains(hik.Org, "Hikvision") || hik.Maker != "hikvision" || !slices.Contains(hik.Lists, "us-ndaa889") {
		t.Errorf("hikvision: %+v", hik)
	}
	if dahua.Maker != "dahua" || !slices.Contains(dahua.Lists, "fcc-covered") {
		t.Errorf("dahua: %+v", dahua)
	}
	if !local.Local || local.Org != "" || local.Maker != "" {
		t.Errorf("locally administered: %+v", local)
	}
	if !mcast.Multicast || mcast.Maker != "" {
		t.Errorf("multicast: %+v", mcast)
	}
	if !chip.ChipMaker || chip.Maker != "" || !strings.Contains(chip.Org, "Espressif") {
		t.Errorf("chip maker: %+v", chip)
	}
	if axis.Maker != "axis" || len(axis.Lists) != 0 {
		t.Errorf("axis: %+v", axis)
	}

	_, err = runOUI(t, "", "44:a6:42:46:67:24", "44:a6:42:46:67")
	if exitcode.Of(err, exitcode.OK) != exitcode.Usage || !strings.Contains(err.Error(), `"44:a6:42:46:67"`) {
		t.Errorf("bad MAC: err %v, want a usage error naming it", err)
	}

	table := "Vlan    Mac Address       Type        Ports\n" +
		"----    -----------       --------    -----\n" +
		"  10    44a6.4246.6724    DYNAMIC     Gi1/0/3\n" +
		"  20    0008.eded.5a10    DYNAMIC     Gi1/0/4  123456789012\n" +
		"Total Mac Addresses for this criterion: 2\n"
	out, err = runOUI(t, table, "-")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "44:a6:42:46:67:24") || !strings.HasPrefix(lines[2], "00:08:ed:ed:5a:10") {
		t.Errorf("switch table: got\n%s", out)
	}
}

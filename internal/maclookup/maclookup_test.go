package maclookup

import (
	"slices"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/vendors"
	"github.com/camsweep/camsweep/vendors/oui"
)

func engine(t *testing.T) (*oui.Table, *fingerprint.Engine, *vendors.Catalog) {
	t.Helper()
	table, err := oui.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := vendors.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	fp, err := fingerprint.New(fingerprint.Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	return table, fp, cat
}

// TestLookup: a Hikvision OUI names the maker and its lists; a locally
// administered or group address names none; a chip maker's block is said
// to say little; a bad MAC is an error naming it.
func TestLookup(t *testing.T) {
	table, fp, cat := engine(t)
	a, err := Lookup(table, fp, cat, "44-A6-42-46-67-24")
	if err != nil {
		t.Fatal(err)
	}
	if a.MAC != "44:a6:42:46:67:24" || !strings.Contains(strings.ToLower(a.Org), "hikvision") || a.Maker == "" || !slices.Contains(a.Lists, "uk-nil") {
		t.Errorf("hikvision OUI: %+v", a)
	}
	if a, _ := Lookup(table, fp, cat, "02:11:22:33:44:55"); !a.Local || a.Maker != "" {
		t.Errorf("local MAC: %+v", a)
	}
	if a, _ := Lookup(table, fp, cat, "01:00:5e:00:00:fb"); !a.Multicast || a.Maker != "" {
		t.Errorf("group MAC: %+v", a)
	}
	if a, _ := Lookup(table, fp, cat, "24:0a:c4:00:00:01"); !a.ChipMaker || a.Maker != "" {
		t.Errorf("Espressif MAC: %+v", a)
	}
	if _, err := Lookup(table, fp, cat, "44:a6:42"); err == nil || !strings.Contains(err.Error(), `"44:a6:42" is not a MAC address`) {
		t.Errorf("short MAC: %v", err)
	}
}

// TestReadMACs: the first separated MAC of each line of a pasted switch
// table; headers and bare 12-digit numbers are passed over.
func TestReadMACs(t *testing.T) {
	in := "Vlan    Mac Address       Type        Ports\n" +
		"----    -----------       --------    -----\n" +
		" 10    44a6.4246.6724    DYNAMIC     Gi1/0/3\n" +
		" 10    123456789012      counter\n" +
		" 20    08-ed-ed-5a-10-22 DYNAMIC     Gi1/0/7 44:a6:42:00:00:01\n"
	got, err := ReadMACs(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"44a6.4246.6724", "08-ed-ed-5a-10-22"}; !slices.Equal(got, want) {
		t.Errorf("ReadMACs = %q, want %q", got, want)
	}
}

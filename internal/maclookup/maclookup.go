// Package maclookup answers "who made this MAC?" the way a scan reads a
// MAC: the IEEE registry entry, whether the address can name a maker at
// all (locally administered, group, a chip maker's block), and the catalog
// maker the OUI rules conclude with the lists that cover it.
package maclookup

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/vendors"
	"github.com/camsweep/camsweep/vendors/oui"
)

// Answer is what camsweep knows of one MAC: a line of "camsweep oui"
// and its JSON object.
type Answer struct {
	Input     string   `json:"input"`
	MAC       string   `json:"mac"`
	Prefix    string   `json:"prefix,omitempty"`
	Registry  string   `json:"registry,omitempty"`
	Org       string   `json:"org,omitempty"`
	Country   string   `json:"country,omitempty"`
	Local     bool     `json:"locally_administered,omitempty"`
	Multicast bool     `json:"multicast,omitempty"`
	ChipMaker bool     `json:"chip_maker,omitempty"`
	Maker     string   `json:"maker,omitempty"`
	Lists     []string `json:"lists,omitempty"`
	Note      string   `json:"note"`
}

// ReadMACs takes the first MAC-shaped word of each line; lines with none
// are headers or decoration of a switch's table and are passed over.
func ReadMACs(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for sc.Scan() {
		for w := range strings.FieldsSeq(sc.Text()) {
			if looksLikeMAC(w) {
				out = append(out, w)
				break
			}
		}
	}
	return out, sc.Err()
}

// looksLikeMAC accepts the separated forms only, so a bare 12-digit number
// in a switch's table (a counter, a port id) is not taken for a MAC.
func looksLikeMAC(w string) bool {
	if _, err := oui.ParseMAC(w); err != nil {
		return false
	}
	return strings.ContainsAny(w, ":-.")
}

// Lookup answers one MAC: the registry entry, the flags, and the maker
// the OUI rules read from it, with the lists that cover that maker. A MAC
// that does not parse is an error naming it and its accepted forms.
func Lookup(t *oui.Table, fp *fingerprint.Engine, cat *vendors.Catalog, in string) (Answer, error) {
	hw, err := oui.ParseMAC(in)
	if err != nil {
		return Answer{}, fmt.Errorf("%q is not a MAC address (forms: 44:a6:42:46:67:24, 44-a6-42-46-67-24, 44a6.4246.6724, 44a642466724)", in)
	}
	a := Answer{Input: in, MAC: oui.FormatMAC(hw)}
	switch {
	case oui.IsMulticast(hw):
		a.Multicast = true
		a.Note = "group (multicast) address: not a device's own"
		return a, nil
	case oui.IsLocal(hw):
		a.Local = true
		a.Note = "locally administered (randomised or set by software): no maker can be read from it"
		return a, nil
	}
	e, ok := t.LookupHW(hw)
	if !ok {
		a.Note = "not in the registry"
		return a, nil
	}
	a.Prefix, a.Registry, a.Org, a.Country = e.Prefix(), e.Registry, e.Org, e.Country
	a.ChipMaker = oui.IsChipMaker(e.Org)
	if a.ChipMaker {
		a.Note = "chip or module maker: says little about who made the device"
		return a, nil
	}
	h := device.Host{Evidence: []device.Evidence{{Source: device.SourceOUI, Fields: t.Fields(a.MAC)}}}
	id := fp.Identify(&h)
	if id.Vendor == "" {
		a.Note = "not a maker in camsweep's catalog"
		return a, nil
	}
	a.Maker = id.Vendor
	var lists []string
	for _, l := range cat.Lists() {
		lists = append(lists, l.ID)
	}
	for _, m := range cat.CoveringLists(lists, id.Vendor) {
		a.Lists = append(a.Lists, m.List)
	}
	a.Note = "maker " + cat.ShortName(id.Vendor)
	if len(a.Lists) > 0 {
		a.Note += ", on " + strings.Join(a.Lists, ", ")
	}
	a.Note += " (an OUI alone is weak evidence)"
	return a, nil
}

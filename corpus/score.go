package corpus

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/camsweep/camsweep/device"
)

// Fields scored, in table order.
var Fields = []string{"maker", "brand", "model", "firmware", "serial", "device_type"}

// Got is what camsweep concluded of one device, as its record shows it.
type Got struct {
	Maker       string // catalog maker id; the stated name when uncatalogued
	Brand       string
	Model       string
	Firmware    string
	Serial      string
	DeviceType  string
	StatedMaker string
}

// FromIdentity maps an identity to what the record shows: the brand
// defaults to the maker's short name, as sweep.Build does; an uncatalogued
// maker is shown by its stated name.
func FromIdentity(id device.Identity, shortName func(string) string) Got {
	g := Got{Maker: id.Vendor, Brand: id.Brand, Model: id.Model, Firmware: id.Firmware,
		Serial: id.Serial, DeviceType: string(id.DeviceType), StatedMaker: id.StatedMaker}
	if g.Brand == "" && id.Vendor != "" {
		g.Brand = shortName(id.Vendor)
	}
	if g.Maker == "" && id.MakerUncatalogued {
		g.Maker = id.StatedMaker
	}
	if g.DeviceType == string(device.TypeUnknown) {
		g.DeviceType = ""
	}
	return g
}

func (g Got) get(field string) string {
	switch field {
	case "maker":
		return g.Maker
	case "brand":
		return g.Brand
	case "model":
		return g.Model
	case "firmware":
		return g.Firmware
	case "serial":
		return g.Serial
	case "device_type":
		return g.DeviceType
	}
	return ""
}

func (e Expect) get(field string) string {
	switch field {
	case "maker":
		return e.Maker
	case "brand":
		return e.Brand
	case "model":
		return e.Model
	case "firmware":
		return e.Firmware
	case "serial":
		return e.Serial
	case "device_type":
		return e.DeviceType
	}
	return ""
}

// same compares a stated value with a concluded one: case and white space
// do not matter (devices and publishers differ on both: one firmware is
// "V5.6.2build 190701" in SADP and "V5.6.2 build 190701" in ONVIF).
func same(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	return norm(a) == norm(b)
}

// Outcome of one field of one device.
type Outcome int

// Outcomes: the field was not stated; camsweep got it right; it named
// nothing; it named something else.
const (
	NotStated Outcome = iota
	Right
	Missed
	Wrong
)

// Result is one scored device.
type Result struct {
	Device   *Device
	Got      Got
	Outcomes map[string]Outcome
	Errors   []string
	// Unasked is true when no reply of the device reached camsweep: every
	// one was a TCP reply to a request a scan never makes (a CGI body
	// published without the root page that would have led to it).
	Unasked bool
}

// Score compares got with the device's expectations.
func Score(d *Device, got Got) Result {
	r := Result{Device: d, Got: got, Outcomes: map[string]Outcome{}}
	for _, f := range Fields {
		want, have := d.Expect.get(f), got.get(f)
		switch {
		case want == "":
			r.Outcomes[f] = NotStated
		case same(want, have):
			r.Outcomes[f] = Right
		case have == "":
			r.Outcomes[f] = Missed
		default:
			r.Outcomes[f] = Wrong
		}
	}
	return r
}

// Tally counts outcomes per field.
type Tally struct {
	Stated, Right, Missed, Wrong map[string]int
}

// Count tallies results.
func Count(rs []Result) Tally {
	t := Tally{Stated: map[string]int{}, Right: map[string]int{}, Missed: map[string]int{}, Wrong: map[string]int{}}
	for _, r := range rs {
		for f, o := range r.Outcomes {
			switch o {
			case Right:
				t.Stated[f]++
				t.Right[f]++
			case Missed:
				t.Stated[f]++
				t.Missed[f]++
			case Wrong:
				t.Stated[f]++
				t.Wrong[f]++
			}
		}
	}
	return t
}

// Total is the share of stated fields right, over every field.
func (t Tally) Total() (right, stated int) {
	for _, f := range Fields {
		right += t.Right[f]
		stated += t.Stated[f]
	}
	return right, stated
}

// WriteTable prints the score table: one line per field, the total, then
// one line per maker, then every device with a field missed or wrong.
func WriteTable(w io.Writer, rs []Result, replies int) {
	t := Count(rs)
	var devs []*Device
	for _, r := range rs {
		devs = append(devs, r.Device)
	}
	prov := map[string]int{}
	for _, d := range devs {
		for _, e := range d.Entries {
			prov[e.Source.Kind()]++
		}
	}
	fmt.Fprintf(w, "corpus: %d replies (%d from repositories with commit or date, %d from threads and pages, %d from a code index that names no repository), %d devices, %d makers\n\n",
		replies, prov["repo"], prov["url"], prov["index"], len(rs), len(Makers(devs)))
	fmt.Fprintf(w, "| field | stated | right | missed | wrong | right %% |\n|---|---:|---:|---:|---:|---:|\n")
	for _, f := range Fields {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %s |\n", f, t.Stated[f], t.Right[f], t.Missed[f], t.Wrong[f], pct(t.Right[f], t.Stated[f]))
	}
	right, stated := t.Total()
	fmt.Fprintf(w, "| **all** | %d | %d | | | **%s** |\n\n", stated, right, pct(right, stated))
	var asked []Result
	unasked, unaskedFields := 0, 0
	for _, r := range rs {
		if r.Unasked {
			unasked++
			for _, o := range r.Outcomes {
				if o != NotStated {
					unaskedFields++
				}
			}
			continue
		}
		asked = append(asked, r)
	}
	if unasked > 0 {
		ar, as := Count(asked).Total()
		fmt.Fprintf(w, "%d devices (%d stated fields) have only replies this scan never receives (requests it does not send, or answers behind a login it does not hold); they count as missed above. Over the devices whose replies a scan receives: %d/%d = **%s%%**.\n\n",
			unasked, unaskedFields, ar, as, pct(ar, as))
	}

	byMaker := map[string][]Result{}
	for _, r := range rs {
		k := r.Device.Expect.Maker
		if k == "" {
			k = "(maker not stated)"
		}
		byMaker[k] = append(byMaker[k], r)
	}
	makers := make([]string, 0, len(byMaker))
	for k := range byMaker {
		makers = append(makers, k)
	}
	slices.Sort(makers)
	fmt.Fprintf(w, "| maker | devices | fields right/stated | maker wrong |\n|---|---:|---:|---:|\n")
	for _, k := range makers {
		mt := Count(byMaker[k])
		r, s := mt.Total()
		fmt.Fprintf(w, "| %s | %d | %d/%d | %d |\n", k, len(byMaker[k]), r, s, mt.Wrong["maker"])
	}
	fmt.Fprintln(w)
	for _, r := range rs {
		for _, e := range r.Errors {
			fmt.Fprintf(w, "- %s: reply not parsed: %s\n", r.Device.Key, e)
		}
	}
	for _, r := range rs {
		var bad []string
		for _, f := range Fields {
			switch r.Outcomes[f] {
			case Missed:
				bad = append(bad, fmt.Sprintf("%s missed (want %q)", f, r.Device.Expect.get(f)))
			case Wrong:
				bad = append(bad, fmt.Sprintf("%s WRONG (want %q, got %q)", f, r.Device.Expect.get(f), r.Got.get(f)))
			}
		}
		if len(bad) > 0 {
			fmt.Fprintf(w, "- %s: %s\n", r.Device.Key, strings.Join(bad, "; "))
		}
	}
}

func pct(n, d int) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", 100*float64(n)/float64(d))
}

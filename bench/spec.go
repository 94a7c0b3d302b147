package main

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"

	"github.com/camsweep/camsweep/lab"
)

// The benchmark lab (issue 9): a /22 on the jump host's segment with 250
// live hosts, 40 of them cameras of mixed makers and 210 PC-, printer- and
// server-like hosts sharing three namespaces (lab/multi.go), and a routed
// /22 with 60 cameras that only unicast reaches. The layout is drawn from a
// fixed seed, so `bench -write-spec` always writes the same bench/lab.yaml.
const (
	benchPrefix   = "cswb-"
	primaryCIDR   = "198.18.100.0/22"
	cctvCIDR      = "198.18.104.0/22"
	primaryCams   = 40
	primaryOthers = 210
	cctvCams      = 60
)

// layout is what a generated lab holds: the jump host's segment with
// cameras and other hosts, and optionally a routed segment of cameras.
type layout struct {
	prefix                string
	primary, cctv         string // CIDRs; cctv "" = none
	primaryCams, cctvCams int
	others                []otherHosts
	primaryZone, cctvZone string
}

// benchLayout is the benchmark lab (bench/lab.yaml).
var benchLayout = layout{
	prefix: benchPrefix, primary: primaryCIDR, cctv: cctvCIDR,
	primaryCams: primaryCams, cctvCams: cctvCams, others: others,
	primaryZone: "bench-primary", cctvZone: "bench-cctv",
}

type maker struct {
	profile, name string
	ouis          []string
	models        []string
	firmware      []string
}

var makers = []maker{
	{"hikvision-camera", "hik", []string{"44:a6:42", "c4:2f:90", "bc:ad:28"},
		[]string{"DS-2CD2143G2-I", "DS-2CD2347G2-LU", "DS-2CD2087G2-LU", "DS-2CD2T46G2-2I", "DS-2CD2366G2-ISU/SL", "DS-2CD2032F-I"},
		[]string{"V5.7.13", "V5.7.3", "V5.5.800", "V5.4.5"}},
	{"dahua-camera", "dahua", []string{"08:ed:ed", "3c:ef:8c", "e0:50:8b"},
		[]string{"IPC-HDW2431T-AS-S2", "IPC-HFW2831T-ZS-S2", "IPC-HDBW5442E-ZE", "IPC-HFW5241E-Z12E", "IPC-HDW5831R-ZE"},
		[]string{"2.800.0000000.1.R", "2.800.0000000.13.R", "2.820.0000000.8.R"}},
	{"axis-camera", "axis", []string{"ac:cc:8e", "00:40:8c", "b8:a4:4f"},
		[]string{"M3106-L Mk II", "P3245-LVE", "Q6135-LE", "M3058-PLVE", "P1455-LE"},
		[]string{"10.12.182", "11.8.64", "9.80.3.8"}},
}

// others are the non-camera hosts of the primary segment: profile, host
// (shared namespace), name stem, OUI, how many.
type otherHosts struct {
	profile, host, stem, oui string
	n                        int
}

var others = []otherHosts{
	{"office-pc", "pcs", "pc", "00:1b:21", 150},      // Intel Corporate
	{"printer", "printers", "prn", "00:1b:78", 40},   // Hewlett-Packard
	{"web-server", "servers", "srv", "00:25:90", 20}, // Super Micro Computer
}

// benchSpec builds the benchmark lab's spec.
func benchSpec() *lab.Spec { return genSpec(benchLayout) }

// genSpec draws a lab of layout l from a fixed seed: the same layout always
// gives the same spec. The gateway is .1 and the jump host .2 of each
// segment's first /24.
func genSpec(l layout) *lab.Spec {
	r := rand.New(rand.NewPCG(9, 2544))
	host := func(cidr string, n int) string {
		a := netip.MustParsePrefix(cidr).Masked().Addr()
		for range n {
			a = a.Next()
		}
		return a.String()
	}
	s := &lab.Spec{
		Prefix: l.prefix,
		Segments: []lab.Segment{
			{Name: "primary", CIDR: l.primary, Gateway: host(l.primary, 1), Zone: lab.Zone{Name: l.primaryZone, Kind: "primary"}},
		},
		Jump: lab.Jump{Segment: "primary", Address: host(l.primary, 2)},
	}
	if l.cctv != "" {
		s.Segments = append(s.Segments, lab.Segment{Name: "cctv", CIDR: l.cctv, Gateway: host(l.cctv, 1), Zone: lab.Zone{Name: l.cctvZone, Kind: "isolated"}})
	}
	total := l.primaryCams
	for _, o := range l.others {
		total += o.n
	}
	mac := func(oui string, i int) string {
		return fmt.Sprintf("%s:%02x:%02x:%02x", oui, 0x10+i/65536, (i/256)%256, i%256)
	}
	seq := 0
	camera := func(segment, seg string, addr netip.Addr, k int) lab.Device {
		m := makers[k%len(makers)]
		seq++
		d := lab.Device{
			Name:     fmt.Sprintf("%s-%s%02d", seg, m.name, k/len(makers)+1),
			Segment:  segment,
			Profile:  m.profile,
			Address:  addr.String(),
			MAC:      mac(m.ouis[seq%len(m.ouis)], seq),
			Model:    m.models[r.IntN(len(m.models))],
			Firmware: m.firmware[r.IntN(len(m.firmware))],
		}
		switch m.profile {
		case "hikvision-camera":
			d.Serial = fmt.Sprintf("%s20%02d%02d%02dCCWR%09d", d.Model, 15+r.IntN(9), 1+r.IntN(12), 1+r.IntN(28), r.IntN(1e9))
			d.Realm = fmt.Sprintf("%c%04d", 'A'+rune(r.IntN(26)), r.IntN(10000))
			d.Server = []string{"webserver", "App-webs/"}[r.IntN(2)]
		case "dahua-camera":
			const alnum = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
			b := make([]byte, 15)
			for i := range b {
				b[i] = alnum[r.IntN(len(alnum))]
			}
			d.Serial = string(b)
		}
		return d
	}

	// Primary: 250 distinct addresses of the /22 (not .1, the gateway, nor
	// .2, the jump host), 40 of them cameras.
	addrs := pick(r, netip.MustParsePrefix(l.primary), total)
	roles := r.Perm(len(addrs))
	k := 0
	var pcs []netip.Addr
	for i, a := range addrs {
		if roles[i] < l.primaryCams {
			s.Devices = append(s.Devices, camera("primary", "p", a, k))
			k++
		} else {
			pcs = append(pcs, a)
		}
	}
	i := 0
	for _, o := range l.others {
		for j := range o.n {
			seq++
			s.Devices = append(s.Devices, lab.Device{
				Name: fmt.Sprintf("%s-%03d", o.stem, j+1), Segment: "primary", Profile: o.profile,
				Address: pcs[i].String(), MAC: mac(o.oui, seq), Host: o.host,
			})
			if o.profile == "printer" {
				s.Devices[len(s.Devices)-1].Model = "HP LaserJet Pro M404dn"
			}
			i++
		}
	}
	if l.cctv != "" {
		for k, a := range pick(r, netip.MustParsePrefix(l.cctv), l.cctvCams) {
			s.Devices = append(s.Devices, camera("cctv", "c", a, k))
		}
	}
	return s
}

// pick returns n distinct host addresses of p, sorted, leaving out the
// network and broadcast addresses and .1 and .2 of the first /24.
func pick(r *rand.Rand, p netip.Prefix, n int) []netip.Addr {
	var all []netip.Addr
	a := p.Addr().Next().Next().Next()
	for ; p.Contains(a.Next()); a = a.Next() {
		all = append(all, a)
	}
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	all = all[:n]
	slices.SortFunc(all, netip.Addr.Compare)
	return all
}

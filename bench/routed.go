package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/camsweep/camsweep/lab"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/arp"
	"github.com/camsweep/camsweep/scanner/liveness"
)

// The two labs of issue 16 item 6, each 250 live hosts that listen on no
// port (profile silent-host: their kernels answer a SYN with a RST and a
// ping with a reply), sharing three namespaces:
//
//   - routed: a sparse /16 behind the lab's router, the jump host alone on
//     a management segment, so nothing vouches for an address but the
//     liveness stage (or, with --no-liveness, the whole salvo). Compared
//     with `nmap -sn`, the command a user would run for the same answer.
//   - office: one on-link /22 with the jump host on it, where ARP vouches.
//     Compared with the camera command of `make bench` (runNmap).
//
// The routed /16 is 198.19.0.0/16, the scale lab's range: each lab lives in
// its own namespaces and the bench runs one lab at a time.
const (
	routedPrefix = "cswr-"
	routedMgmt   = "198.18.180.0/28"
	routedCIDR   = "198.19.0.0/16"
	officePrefix = "cswo-"
	officeCIDR   = "198.18.184.0/22"
	quietHosts   = 250
)

// quietSpec builds a lab of quietHosts silent hosts on cidr; with mgmt set
// the jump host sits there and cidr is routed.
func quietSpec(prefix, mgmt, cidr, zone string) *lab.Spec {
	r := rand.New(rand.NewPCG(16, 2026))
	nth := func(c string, n int) string {
		a := netip.MustParsePrefix(c).Masked().Addr()
		for range n {
			a = a.Next()
		}
		return a.String()
	}
	s := &lab.Spec{Prefix: prefix}
	s.Segments = append(s.Segments, lab.Segment{Name: "far", CIDR: cidr, Gateway: nth(cidr, 1), Zone: lab.Zone{Name: zone, Kind: "primary"}})
	s.Jump = lab.Jump{Segment: "far", Address: nth(cidr, 2)}
	if mgmt != "" {
		s.Segments = append(s.Segments, lab.Segment{Name: "mgmt", CIDR: mgmt, Gateway: nth(mgmt, 1), Zone: lab.Zone{Name: zone + "-mgmt", Kind: "primary"}})
		s.Jump = lab.Jump{Segment: "mgmt", Address: nth(mgmt, 2)}
	}
	for i, a := range pick(r, netip.MustParsePrefix(cidr), quietHosts) {
		s.Devices = append(s.Devices, lab.Device{
			Name: fmt.Sprintf("quiet-%03d", i+1), Segment: "far", Profile: "silent-host",
			Address: a.String(), MAC: fmt.Sprintf("02:16:%02x:%02x:%02x:%02x", i%3, 0x10+i/65536, (i/256)%256, i%256),
			Host: fmt.Sprintf("quiet%d", i%3),
		})
	}
	return s
}

func routedSpec() *lab.Spec { return quietSpec(routedPrefix, routedMgmt, routedCIDR, "routed") }
func officeSpec() *lab.Spec { return quietSpec(officePrefix, "", officeCIDR, "office") }

// routedBound is what the new-address pacing alone allows on the routed
// /16: every address but the gateway's once, at DefaultNewRate a second,
// then the stage's listening window.
func routedBound() time.Duration {
	n := 1<<(32-netip.MustParsePrefix(routedCIDR).Bits()) - 2
	return time.Duration(float64(n)/scanner.DefaultNewRate*float64(time.Second)) + liveness.DefaultWait
}

// officeBound is the on-link /22's: the ARP sweep (scaleBound), then one
// discovery listening window (the sweeps' longest, SSDP's 3 s) and one
// host's nine connects at the per-host rate.
func officeBound() time.Duration {
	n := 1<<(32-netip.MustParsePrefix(officeCIDR).Bits()) - 3
	_, arpBound := scaleBound(n, quietHosts+1)
	hostRate := float64(scanner.DefaultHostRate) // a variable: the constant quotient is not a whole number
	return arpBound + 3*time.Second + time.Duration(9/hostRate*float64(time.Second))
}

// runQuiet brings the routed or the office lab up, runs camsweep three
// times and nmap once (when cfg.tools names it), reads the kernel's
// neighbour-table statistics around each run and writes cfg.out.
func runQuiet(ctx context.Context, cfg config, which string) (err error) {
	if err := lab.Check(); err != nil {
		return err
	}
	var spec *lab.Spec
	var target string
	var bound time.Duration
	switch which {
	case "routed":
		spec, target, bound = routedSpec(), routedCIDR, routedBound()
	case "office":
		spec, target, bound = officeSpec(), officeCIDR, officeBound()
	default:
		return fmt.Errorf("unknown lab %q (want routed or office)", which)
	}
	fmt.Printf("bench: %s lab %s up (%d silent hosts on %s) …\n", which, spec.Prefix, len(spec.Devices), target)
	b, down, err := startLab(ctx, &cfg, spec, "camsweep-"+which+"-")
	if err != nil {
		return err
	}
	defer func() {
		if derr := down(); derr != nil && err == nil {
			err = derr
		}
	}()
	time.Sleep(2 * time.Second)
	type row struct {
		r          *runResult
		tableFulls int64
	}
	var rows []row
	for _, tool := range cfg.tools {
		n := 3
		if isFlagSet("pairs") {
			n = cfg.pairs // -pairs 1: one camsweep run where three do not fit
		}
		if tool != "camsweep" {
			n = 1 // nmap -sn of a routed /16 takes some 18 minutes
		}
		for i := 1; i <= n && ctx.Err() == nil; i++ {
			before := tableFulls()
			var r *runResult
			if tool == "camsweep" {
				r = b.runQuietCamsweep(ctx, i, target)
			} else {
				r = b.runQuietNmap(ctx, i, target, which)
			}
			rows = append(rows, row{r, tableFulls() - before})
			fmt.Println("bench:", r.summary())
		}
	}
	var w strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&w, format, a...) }
	p("# camsweep on the %s lab (issue 16)\n\n", which)
	p("Written by `bench -quiet %s` (bench/routed.go) on %s.\n\n", which, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	p("- machine: %s\n", machine())
	p("- camsweep: %s (%s)\n", version(b.bin, "version"), version("git", "describe", "--tags", "--always", "--dirty"))
	p("- lab: %s, %d live hosts listening on no port, plus the gateway; up in %s\n", target, len(spec.Devices), b.labUp.Round(10*time.Millisecond))
	p("- bound: %.1f s (%s)\n\n", bound.Seconds(), map[string]string{
		"routed": fmt.Sprintf("%d addresses at %d new addresses/s, the liveness stage's pacing, + %s listening", 1<<16-2, scanner.DefaultNewRate, liveness.DefaultWait),
		"office": fmt.Sprintf("ARP at %d frames/s + %s, one 3 s discovery window, nine connects at %.1f/s", scanner.DefaultL2Rate, arp.DefaultWait, scanner.DefaultHostRate),
	}[which])
	p("| run | wall | × bound | hosts reported | neighbour table_fulls during the run | phases_ms |\n|---|---:|---:|---:|---:|---|\n")
	for _, x := range rows {
		p("| %s %d | %.1f s | %.2f | %d | %d | %v |\n", x.r.Tool, x.r.Pair, x.r.Wall.Seconds(), x.r.Wall.Seconds()/bound.Seconds(), x.r.Live, x.tableFulls, x.r.Phases)
		if x.r.Err != nil {
			p("\nerror (%s %d): %v\n\n", x.r.Tool, x.r.Pair, x.r.Err)
		}
	}
	var cs []float64
	var nm float64
	for _, x := range rows {
		if x.r.Tool == "camsweep" && x.r.Err == nil {
			cs = append(cs, x.r.Wall.Seconds())
		} else if x.r.Tool != "camsweep" && x.r.Err == nil {
			nm = x.r.Wall.Seconds()
		}
	}
	if len(cs) > 0 && nm > 0 {
		slices.Sort(cs)
		med := cs[len(cs)/2]
		target := map[string]float64{"routed": 0.25, "office": 0.4}[which]
		p("\ncamsweep median %.1f s = %.2f× nmap's %.1f s (target ≤ %.2f×: %s); %.2f× its bound (target ≤ 1.25×: %s).\n",
			med, med/nm, nm, target, metOrNot(med/nm <= target), med/bound.Seconds(), metOrNot(med/bound.Seconds() <= 1.25))
	}
	p("\ntable_fulls is the kernel's /proc/net/stat/arp_cache counter, which every namespace shares: a run of another lab at the same time adds to it.\n")
	if err := os.WriteFile(cfg.out, []byte(w.String()), 0o644); err != nil {
		return err
	}
	fmt.Print("\n", w.String())
	fmt.Printf("\nbench: wrote %s\n", cfg.out)
	return nil
}

// runQuietCamsweep: the default camera scan of target alone (not the
// management segment).
func (b *bench) runQuietCamsweep(ctx context.Context, i int, target string) *runResult {
	r := &runResult{Tool: "camsweep", Pair: i}
	out := filepath.Join(b.cfg.raw, fmt.Sprintf("camsweep-%d.jsonl", i))
	argv := []string{b.bin, "scan", target, "--no-state", "--format", "json", "--zones", filepath.Join(b.state, "zones.yaml")}
	r.Command = argv
	r.Start = time.Now()
	c, err := b.jump(ctx, out, argv...)
	r.End = time.Now()
	r.Wall, r.CPU, r.MaxRSS, r.Exit = c.wall, c.cpu, c.rss, strconv.Itoa(c.exit)
	switch {
	case err != nil:
		r.Err = err
	case c.exit != 0 && c.exit != 3:
		r.Err = fmt.Errorf("camsweep exited %d: %s", c.exit, lastLine(out+".err"))
	}
	if r.Err == nil {
		r.Err = b.scoreCamsweep(r, out)
	}
	return r
}

// runQuietNmap: `nmap -sn` on the routed lab (host discovery is the whole
// question there), the camera command of make bench on the office lab.
func (b *bench) runQuietNmap(ctx context.Context, i int, target, which string) *runResult {
	if which == "office" {
		return b.runNmap(ctx, i)
	}
	r := &runResult{Tool: "nmap-sn", Pair: i}
	base := filepath.Join(b.cfg.raw, fmt.Sprintf("nmap-%d", i))
	argv := []string{b.cfg.nmap, "-n", "-sn", "-oX", base + "-sn.xml", target}
	r.Command = argv
	r.Start = time.Now()
	c, err := b.jump(ctx, base+"-sn.out", argv...)
	r.End = time.Now()
	r.Wall, r.CPU, r.MaxRSS, r.Exit = c.wall, c.cpu, c.rss, strconv.Itoa(c.exit)
	if err != nil || c.exit != 0 {
		r.Err = fmt.Errorf("nmap -sn: exit %d %v: %s", c.exit, err, lastLine(base+"-sn.out.err"))
		return r
	}
	live, err := nmapLive(base + "-sn.xml")
	r.Live, r.Err = len(live), err
	return r
}

// tableFulls reads the neighbour table's overflow counter (the sum over
// CPUs of /proc/net/stat/arp_cache's table_fulls column), -1 when it
// cannot be read.
func tableFulls() int64 {
	f, err := os.Open("/proc/net/stat/arp_cache")
	if err != nil {
		return -1
	}
	defer f.Close()
	return parseTableFulls(bufio.NewScanner(f))
}

func parseTableFulls(sc *bufio.Scanner) int64 {
	if !sc.Scan() {
		return -1
	}
	col := -1
	for i, h := range strings.Fields(sc.Text()) {
		if h == "table_fulls" {
			col = i
		}
	}
	if col < 0 {
		return -1
	}
	var sum int64
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if col >= len(f) {
			continue
		}
		v, err := strconv.ParseInt(f[col], 16, 64)
		if err != nil {
			continue
		}
		sum += v
	}
	return sum
}

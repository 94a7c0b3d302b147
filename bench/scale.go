package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/arp"
)

// The scale lab (issue 9 item 4, issue 4's /16 memory figure): one sparse
// /16 on the jump host's segment, 65,534 addresses of which 300 are live
// (24 cameras with their own namespaces, 276 PC-, printer- and server-like
// hosts sharing three), drawn by the benchmark's generator from the same
// seed. A camera scan of the whole /16 is run once and its wall time is set
// beside the bound the issue names: (addresses × probes) / rate + the final
// wait window.
const (
	scalePrefix = "cswc-"
	scaleCIDR   = "198.19.0.0/16"
)

var scaleLayout = layout{
	prefix: scalePrefix, primary: scaleCIDR, primaryCams: 24, primaryZone: "scale-primary",
	others: []otherHosts{
		{"office-pc", "pcs", "pc", "00:1b:21", 200},
		{"printer", "printers", "prn", "00:1b:78", 50},
		{"web-server", "servers", "srv", "00:25:90", 26},
	},
}

// runScale brings the scale lab up, scans the /16 once from the jump
// namespace and writes cfg.out.
func runScale(ctx context.Context, cfg config) (err error) {
	spec := genSpec(scaleLayout)
	fmt.Printf("bench: scale lab %s up (%d devices on %s) …\n", spec.Prefix, len(spec.Devices), scaleCIDR)
	b, down, err := startLab(ctx, &cfg, spec, "camsweep-scale-")
	if err != nil {
		return err
	}
	defer func() {
		if derr := down(); derr != nil && err == nil {
			err = derr
		}
	}()
	time.Sleep(2 * time.Second)
	r := b.runCamsweep(ctx, 1)
	fmt.Println("bench:", r.summary())
	md := b.scaleReport(r)
	if err := os.WriteFile(cfg.out, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print("\n", md)
	fmt.Printf("\nbench: wrote %s\n", cfg.out)
	return r.Err
}

// scaleBound is the bound for an on-link sweep: every address but
// the jump host's own gets an ARP request, the silent ones one retry
// (arp.DefaultRetries), all paced by the global rate, then the final wait.
// The live hosts' own probes come after it (the per-host phase).
func scaleBound(addresses, live int) (frames int, bound time.Duration) {
	frames = addresses + arp.DefaultRetries*(addresses-live)
	bound = time.Duration(float64(frames)/scanner.DefaultL2Rate*float64(time.Second)) + arp.DefaultWait
	return frames, bound
}

func (b *bench) scaleReport(r *runResult) string {
	var w strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&w, format, a...) }
	pfx := netip.MustParsePrefix(scaleCIDR)
	addresses := 1<<(32-pfx.Bits()) - 3 // less network, broadcast and the jump host
	live := len(b.spec.Devices) + 1     // and the gateway (the router's leg)
	frames, bound := scaleBound(addresses, live)
	cams := 0
	for _, d := range b.spec.Devices {
		if strings.HasSuffix(d.Profile, "-camera") {
			cams++
		}
	}
	p("# camsweep on a sparse /16 (scale)\n\n")
	p("Written by `make bench-scale` (bench/scale.go) on %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	p("- machine: %s\n", machine())
	p("- camsweep: %s (%s)\n", version(b.bin, "version"), version("git", "describe", "--tags", "--always", "--dirty"))
	p("- lab: %s on the jump host's segment, %d live hosts (%d cameras, the rest sharing three namespaces) plus the gateway; up in %s\n\n",
		scaleCIDR, len(b.spec.Devices), cams, b.labUp.Round(10*time.Millisecond))
	p("| | |\n|---|---:|\n")
	p("| wall time | %.1f s |\n", r.Wall.Seconds())
	p("| CPU time (user + system) | %.1f s |\n", r.CPU.Seconds())
	p("| peak RSS | %.1f MiB |\n", float64(r.MaxRSS)/1024)
	p("| hosts reported | %d |\n", r.Live)
	p("| cameras with make / with make and model | %d/%d, %d/%d |\n", r.Make, cams, r.MakeModel, cams)
	for _, ph := range []string{"arp", "hosts"} {
		if ms, ok := r.Phases[ph]; ok {
			p("| phase %s | %.1f s |\n", ph, float64(ms)/1000)
		}
	}
	p("| bound: (%d addresses + %d retries) / %d frames/s (the default ARP budget) + %s wait | %.1f s |\n",
		addresses, frames-addresses, scanner.DefaultL2Rate, arp.DefaultWait, bound.Seconds())
	p("\n## Targets\n\n")
	arpMS, ok := r.Phases["arp"]
	if ok {
		ratio := float64(arpMS) / float64(bound.Milliseconds())
		p("- the sweep within 1.5× of the bound: ARP phase %.1f s = %.2f× the bound — %s\n", float64(arpMS)/1000, ratio, metOrNot(ratio <= 1.5))
	}
	p("- the whole scan: %.1f s = ARP sweep + the UDP discovery sweeps and per-host probes of the %d live hosts (phases_ms: %v)\n",
		r.Wall.Seconds(), live, r.Phases)
	p("- peak RSS under 150 MB: %.1f MiB — %s\n", float64(r.MaxRSS)/1024, metOrNot(r.MaxRSS > 0 && r.MaxRSS < 150*1000*1000/1024))
	p("\n## Command\n\n    ip netns exec %s %s\n", b.spec.JumpNS(), strings.Join(r.Command, " "))
	p("\nOn a routed /16 (no ARP) every address gets the unicast discovery datagrams and up to three TCP connects, so the bound there is about 65,536 × 10 / rate; the on-link case is the one a jump host meets on its own segment, where ARP's silence keeps every other packet off the dead addresses.\n")
	if r.Err != nil {
		p("\nerror: %v\n", r.Err)
	}
	return w.String()
}

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

func median[T int | int64 | time.Duration](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func machine() string {
	mem := "?"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for l := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				var kib int64
				fmt.Sscan(v, &kib)
				mem = fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20))
			}
		}
	}
	kernel := "?"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	cpu := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for l := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return fmt.Sprintf("nproc %d (%s), memory %s, kernel %s, load average at the end %s", runtime.NumCPU(), cpu, mem, kernel, load)
}

func version(argv ...string) string {
	out, err := exec.Command(argv[0], argv[1:]...).Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
}

func (b *bench) report() string {
	var w strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&w, format, a...) }
	cams, others := 0, 0
	for _, d := range b.spec.Devices {
		if strings.HasSuffix(d.Profile, "-camera") {
			cams++
		} else {
			others++
		}
	}
	p("# camsweep vs nmap on the benchmark lab\n\n")
	p("Written by `make bench` (bench/, see bench/README.md) on %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	p("- machine: %s\n", machine())
	p("- camsweep: %s (%s)\n", version(b.bin, "version"), version("git", "describe", "--tags", "--always", "--dirty"))
	p("- nmap: %s\n", version(b.cfg.nmap, "--version"))
	p("- lab: %s — %d cameras (%d on the jump host's /22, %d routed), %d other hosts; up in %s; %d emulator processes, %.0f MiB PSS together\n",
		b.cfg.specPath, cams, primaryCams, cctvCams, others, b.labUp.Round(10*time.Millisecond), b.labProcs, float64(b.labRSS)/1024)
	p("- pairs: %d, in alternation camsweep, nmap, camsweep, nmap, …; raw outputs in %s\n\n", b.cfg.pairs, b.cfg.raw)

	p("## Runs\n\n")
	p("| pair | tool | wall s | CPU s | peak RSS MiB | hosts reported | cameras: make | make + model | non-cameras called camera | peak TCP conn/s to one camera | … to any device | exit |\n")
	p("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range b.runs {
		p("| %d | %s | %.1f | %.1f | %.1f | %d | %d/%d | %d/%d | %d | %d (%s) | %d (%s) | %s |\n",
			r.Pair, r.Tool, r.Wall.Seconds(), r.CPU.Seconds(), float64(r.MaxRSS)/1024, r.Live,
			r.Make, cams, r.MakeModel, cams, r.FalseCams, r.PeakCam, r.PeakCamDev, r.PeakAll, r.PeakAllDev, r.Exit)
		if r.Err != nil {
			p("| | | error: %s | | | | | | | | | |\n", strings.ReplaceAll(r.Err.Error(), "|", "/"))
		}
	}

	p("\n## Summary (medians)\n\n")
	p("| tool | wall s | CPU s | peak RSS MiB | cameras: make | make + model | peak TCP conn/s to one camera (max over runs) |\n")
	p("|---|---:|---:|---:|---:|---:|---:|\n")
	med := map[string]time.Duration{}
	mm := map[string]int{}
	for _, tool := range []string{"camsweep", "nmap"} {
		var wall, cpu []time.Duration
		var rss []int64
		var mk, mkm []int
		peak := 0
		for _, r := range b.runs {
			if r.Tool != tool || r.Err != nil {
				continue
			}
			wall, cpu, rss = append(wall, r.Wall), append(cpu, r.CPU), append(rss, r.MaxRSS)
			mk, mkm = append(mk, r.Make), append(mkm, r.MakeModel)
			peak = max(peak, r.PeakCam)
		}
		med[tool], mm[tool] = median(wall), median(mkm)
		p("| %s | %.1f | %.1f | %.1f | %d/%d | %d/%d | %d |\n", tool, median(wall).Seconds(), median(cpu).Seconds(),
			float64(median(rss))/1024, median(mk), cams, median(mkm), cams, peak)
	}
	p("\nRatio camsweep/nmap wall time per pair:")
	for pair := 1; pair <= b.cfg.pairs; pair++ {
		var a, n *runResult
		for _, r := range b.runs {
			if r.Pair == pair && r.Err == nil {
				if r.Tool == "camsweep" {
					a = r
				} else {
					n = r
				}
			}
		}
		if a != nil && n != nil && n.Wall > 0 {
			p(" %d: %.3f (%.1f× faster);", pair, a.Wall.Seconds()/n.Wall.Seconds(), n.Wall.Seconds()/a.Wall.Seconds())
		} else {
			p(" %d: n/a;", pair)
		}
	}
	p("\n\n## Targets of issue 9\n\n")
	speed := 0.0
	if med["camsweep"] > 0 {
		speed = med["nmap"].Seconds() / med["camsweep"].Seconds()
	}
	p("- at least 5× faster than nmap (median wall): %.1f× — %s\n", speed, metOrNot(speed >= 5))
	p("- strictly more cameras with make and model than nmap (median): %d vs %d — %s\n", mm["camsweep"], mm["nmap"], metOrNot(mm["camsweep"] > mm["nmap"]))
	peak := 0
	for _, r := range b.runs {
		if r.Tool == "camsweep" {
			peak = max(peak, r.PeakCam)
		}
	}
	p("- no more than 3 TCP connections per second to one device (camsweep, worst camera, any 1 s window): %d — %s\n", peak, metOrNot(peak <= 3 && peak > 0))
	p("- sparse /16 within 1.5× of (addresses × probes)/rate + final wait, RSS < 150 MB: `make bench-scale` (bench/results/SCALE.md)\n")
	var arp []int64
	for _, r := range b.runs {
		if ms, ok := r.Phases["arp"]; ok && r.Tool == "camsweep" && r.Err == nil {
			arp = append(arp, ms)
		}
	}
	if len(arp) > 0 {
		slices.Sort(arp)
		p("- issue 4: the ARP sweep of the jump host's %s (%d live) under 2 s at the default rate (camsweep's run record `phases_ms.arp`, each run): %v ms — %s\n",
			b.spec.Segments[0].CIDR, primaryCams+primaryOthers, arp, metOrNot(arp[len(arp)-1] < 2000))
	}

	p("\n## Commands\n\n")
	for _, tool := range []string{"camsweep", "nmap"} {
		for _, r := range b.runs {
			if r.Tool == tool && len(r.Command) > 0 {
				p("    ip netns exec %s %s\n", b.spec.JumpNS(), strings.Join(shownArgs(r.Command), " "))
				break
			}
		}
	}
	p("\nWall time is the child's, from fork to wait; CPU time (user + system) and peak RSS come from wait4's rusage of that child (`ip netns exec` execs the tool, so it is the tool's own). nmap's figures add up its two invocations (RSS: the larger). Cameras are counted against the lab spec: camsweep when a record's `vendor` names the maker (and `model` equals the lab's model); nmap generously, when anything it printed about the host — service name, product, version, extra info, device type, every script's output, and the broadcast scripts' lines after the host's address — names the maker (and contains the model). Connections per second are counted by the emulators at accept(2) (lab/emulator/counter.go), sliding a 1 s window over each device's accepts within the run.\n")
	return w.String()
}

// shownArgs is argv as a report prints it: an absolute path below the
// working directory (the bench's own binaries) relative to it, so that a
// checked-in report names no directory of the machine it ran on.
func shownArgs(argv []string) []string {
	wd, err := os.Getwd()
	out := make([]string, len(argv))
	for i, a := range argv {
		if rel, rerr := filepath.Rel(wd, a); err == nil && rerr == nil && filepath.IsAbs(a) && !strings.HasPrefix(rel, "..") {
			a = rel
		}
		out[i] = a
	}
	return out
}

func metOrNot(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

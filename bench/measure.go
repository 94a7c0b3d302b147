package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/camsweep/camsweep/lab"
)

type bench struct {
	cfg      config
	spec     *lab.Spec
	bin      string
	state    string
	labUp    time.Duration
	labProcs int
	labRSS   int64 // KiB
	runs     []*runResult
	// conns holds each device's accepted-connection times (Unix ms).
	conns map[string][]int64
}

// runResult is one timed run of one tool.
type runResult struct {
	Tool       string
	Pair       int
	Start, End time.Time
	Wall       time.Duration
	CPU        time.Duration // user + system, from wait4
	MaxRSS     int64         // KiB, from wait4
	Exit       string
	Err        error
	Command    []string
	Live       int // hosts reported
	Make       int // lab cameras identified with the right maker
	MakeModel  int // … and the lab's model
	FalseCams  int // hosts called a camera that are not lab cameras
	// Peak TCP connections accepted by one device in any one-second window
	// during the run: over the cameras, over every device.
	PeakCam, PeakAll       int
	PeakCamDev, PeakAllDev string
	// Phases is camsweep's run record phases_ms: each sweep's wall time
	// (the ARP sweep's is issue 4's figure) and the per-host phase's.
	Phases map[string]int64
}

func (r *runResult) summary() string {
	s := fmt.Sprintf("pair %d %-8s wall %6.1fs cpu %6.1fs rss %4.0f MiB  live %3d  cameras make %3d make+model %3d",
		r.Pair, r.Tool, r.Wall.Seconds(), r.CPU.Seconds(), float64(r.MaxRSS)/1024, r.Live, r.Make, r.MakeModel)
	if r.Err != nil {
		s += "  ERROR: " + r.Err.Error()
	}
	return s
}

// child is what one command cost.
type child struct {
	wall, cpu time.Duration
	rss       int64
	exit      int
}

// jump runs argv in the lab's jump namespace with stdout to outPath and
// stderr to outPath+".err". "ip netns exec" execs argv, so the rusage that
// wait4 returns is argv's own.
func (b *bench) jump(ctx context.Context, outPath string, argv ...string) (child, error) {
	out, err := os.Create(outPath)
	if err != nil {
		return child{}, err
	}
	defer out.Close()
	errf, err := os.Create(outPath + ".err")
	if err != nil {
		return child{}, err
	}
	defer errf.Close()
	cmd := lab.Exec(ctx, b.spec.JumpNS(), argv...)
	cmd.Stdout, cmd.Stderr = out, errf
	t0 := time.Now()
	err = cmd.Run()
	c := child{wall: time.Since(t0)}
	if cmd.ProcessState == nil {
		return c, err
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		c.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		c.rss = ru.Maxrss
	}
	c.exit = cmd.ProcessState.ExitCode()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = nil // the caller judges the exit code
	}
	return c, err
}

func (b *bench) targets() []string {
	var t []string
	for _, sg := range b.spec.Segments {
		t = append(t, sg.CIDR)
	}
	return t
}

// runCamsweep: the full camera scan, every discovery method, default rate.
func (b *bench) runCamsweep(ctx context.Context, pair int) *runResult {
	r := &runResult{Tool: "camsweep", Pair: pair}
	out := filepath.Join(b.cfg.raw, fmt.Sprintf("camsweep-%d.jsonl", pair))
	argv := append([]string{b.bin, "scan"}, b.targets()...)
	argv = append(argv, "--no-state", "--format", "json", "--zones", filepath.Join(b.state, "zones.yaml"))
	r.Command = argv
	r.Start = time.Now()
	c, err := b.jump(ctx, out, argv...)
	r.End = time.Now()
	r.Wall, r.CPU, r.MaxRSS, r.Exit = c.wall, c.cpu, c.rss, strconv.Itoa(c.exit)
	switch {
	case err != nil:
		r.Err = err
	case c.exit != 0 && c.exit != 3: // 3: finished with findings
		r.Err = fmt.Errorf("camsweep exited %d: %s", c.exit, lastLine(out+".err"))
	}
	if r.Err == nil {
		r.Err = b.scoreCamsweep(r, out)
	}
	return r
}

// runNmap: `nmap -sn` host discovery, then the service scan with the
// camera scripts on the live hosts. Both phases count: wall and CPU add up,
// RSS is the larger.
func (b *bench) runNmap(ctx context.Context, pair int) *runResult {
	r := &runResult{Tool: "nmap", Pair: pair}
	base := filepath.Join(b.cfg.raw, fmt.Sprintf("nmap-%d", pair))
	// -n: no reverse DNS (the lab has no resolver; nothing may leave it).
	sn := append([]string{b.cfg.nmap, "-n", "-sn", "-oX", base + "-sn.xml"}, b.targets()...)
	r.Start = time.Now()
	c1, err := b.jump(ctx, base+"-sn.out", sn...)
	if err != nil || c1.exit != 0 {
		r.End = time.Now()
		r.Err = fmt.Errorf("nmap -sn: exit %d %v: %s", c1.exit, err, lastLine(base+"-sn.out.err"))
		return r
	}
	live, err := nmapLive(base + "-sn.xml")
	if err != nil {
		r.Err = err
		return r
	}
	if err := os.WriteFile(base+"-live.txt", []byte(strings.Join(live, "\n")+"\n"), 0o644); err != nil {
		r.Err = err
		return r
	}
	sv := []string{b.cfg.nmap, "-n", "-Pn", "-p", "80,443,554,8000,8080,8443,37777,34567", "-sV",
		"--script", "broadcast-wsdd-discover,broadcast-dns-service-discovery,rtsp-methods",
		"-iL", base + "-live.txt", "-oX", base + "-sv.xml"}
	c2, err := b.jump(ctx, base+"-sv.out", sv...)
	r.End = time.Now()
	r.Command = append(append(sn[:len(sn):len(sn)], "&&"), sv...)
	r.Wall, r.CPU, r.MaxRSS = c1.wall+c2.wall, c1.cpu+c2.cpu, max(c1.rss, c2.rss)
	r.Exit = fmt.Sprintf("%d,%d", c1.exit, c2.exit)
	if err != nil || c2.exit != 0 {
		r.Err = fmt.Errorf("nmap -sV: exit %d %v: %s", c2.exit, err, lastLine(base+"-sv.out.err"))
		return r
	}
	r.Err = b.scoreNmap(r, base+"-sv.xml", len(live))
	return r
}

// cameras returns the lab's cameras by address: maker word and model.
func (b *bench) cameras() map[string][2]string {
	cams := map[string][2]string{}
	for _, d := range b.spec.Devices {
		for _, m := range makers {
			if d.Profile == m.profile {
				word := map[string]string{"hik": "hikvision", "dahua": "dahua", "axis": "axis"}[m.name]
				cams[d.Address] = [2]string{word, d.Model}
			}
		}
	}
	return cams
}

func (b *bench) isCameraDevice(name string) bool {
	d, ok := b.spec.Device(name)
	return ok && d.Host == "" && strings.HasSuffix(d.Profile, "-camera")
}

// scoreCamsweep counts from the device records: a camera counts for make
// when vendor names the lab maker, for make and model when model is also
// the lab's.
func (b *bench) scoreCamsweep(r *runResult, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	cams := b.cameras()
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var rec struct {
			Schema string           `json:"schema"`
			IP     string           `json:"ip"`
			Camera bool             `json:"camera"`
			Vendor *string          `json:"vendor"`
			Model  string           `json:"model"`
			Phases map[string]int64 `json:"phases_ms"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue
		}
		if rec.Schema == "camsweep.run/v1" {
			r.Phases = rec.Phases
		}
		if rec.Schema != "camsweep.device/v1" {
			continue
		}
		r.Live++
		want, isCam := cams[rec.IP]
		if !isCam {
			if rec.Camera {
				r.FalseCams++
			}
			continue
		}
		if rec.Vendor != nil && strings.Contains(strings.ToLower(*rec.Vendor), want[0]) {
			r.Make++
			if strings.EqualFold(strings.TrimSpace(rec.Model), want[1]) {
				r.MakeModel++
			}
		}
	}
	return sc.Err()
}

// nmap's XML, the parts we read.
type nmapRun struct {
	PreScripts []nmapScript `xml:"prescript>script"`
	Hosts      []struct {
		Status struct {
			State string `xml:"state,attr"`
		} `xml:"status"`
		Addresses []struct {
			Addr string `xml:"addr,attr"`
			Type string `xml:"addrtype,attr"`
		} `xml:"address"`
		Ports []struct {
			ID    string `xml:"portid,attr"`
			State struct {
				State string `xml:"state,attr"`
			} `xml:"state"`
			Service struct {
				Name       string `xml:"name,attr"`
				Product    string `xml:"product,attr"`
				Version    string `xml:"version,attr"`
				ExtraInfo  string `xml:"extrainfo,attr"`
				DeviceType string `xml:"devicetype,attr"`
				OSType     string `xml:"ostype,attr"`
				Hostname   string `xml:"hostname,attr"`
			} `xml:"service"`
			Scripts []nmapScript `xml:"script"`
		} `xml:"ports>port"`
		HostScripts []nmapScript `xml:"hostscript>script"`
	} `xml:"host"`
}

type nmapScript struct {
	ID     string `xml:"id,attr"`
	Output string `xml:"output,attr"`
}

func loadNmap(path string) (*nmapRun, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var n nmapRun
	if err := xml.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &n, nil
}

func nmapLive(path string) ([]string, error) {
	n, err := loadNmap(path)
	if err != nil {
		return nil, err
	}
	var live []string
	for _, h := range n.Hosts {
		if h.Status.State != "up" {
			continue
		}
		for _, a := range h.Addresses {
			if a.Type == "ipv4" {
				live = append(live, a.Addr)
			}
		}
	}
	return live, nil
}

var labAddr = regexp.MustCompile(`198\.18\.\d{1,3}\.\d{1,3}`)

// scoreNmap counts generously: everything nmap said about a host (see
// nmapHostText); a camera counts for make when that text names its maker,
// for make and model when it also holds the lab's model.
func (b *bench) scoreNmap(r *runResult, path string, live int) error {
	n, err := loadNmap(path)
	if err != nil {
		return err
	}
	r.Live = live
	text := nmapHostText(n)
	cams := b.cameras()
	for ip, want := range cams {
		t, ok := text[ip]
		if !ok {
			continue
		}
		low := strings.ToLower(t)
		if strings.Contains(low, want[0]) {
			r.Make++
			if strings.Contains(low, strings.ToLower(want[1])) {
				r.MakeModel++
			}
		}
	}
	for ip, t := range text {
		if _, ok := cams[ip]; ok {
			continue
		}
		low := strings.ToLower(t)
		if strings.Contains(low, "camera") || strings.Contains(low, "webcam") || strings.Contains(low, "rtsp") {
			r.FalseCams++
		}
	}
	return nil
}

// readConns loads every <device>.conns file of the lab's state dir and
// sets each run's peak connections per second to one device.
func (b *bench) readConns() {
	b.conns = map[string][]int64{}
	files, _ := filepath.Glob(filepath.Join(b.state, "*.conns"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var ts []int64
		for l := range strings.FieldsSeq(string(data)) {
			if v, err := strconv.ParseInt(l, 10, 64); err == nil {
				ts = append(ts, v)
			}
		}
		slices.Sort(ts)
		b.conns[strings.TrimSuffix(filepath.Base(f), ".conns")] = ts
	}
	for _, r := range b.runs {
		from, to := r.Start.UnixMilli(), r.End.UnixMilli()
		for dev, ts := range b.conns {
			p := peakPerSecond(ts, from, to)
			if p > r.PeakAll {
				r.PeakAll, r.PeakAllDev = p, dev
			}
			if b.isCameraDevice(dev) && p > r.PeakCam {
				r.PeakCam, r.PeakCamDev = p, dev
			}
		}
	}
}

// peakPerSecond is the most timestamps of ts (sorted, ms) within [from, to]
// that fit in any window of 1000 ms.
func peakPerSecond(ts []int64, from, to int64) int {
	lo, _ := slices.BinarySearch(ts, from)
	hi, _ := slices.BinarySearch(ts, to+1)
	ts = ts[lo:hi]
	best, j := 0, 0
	for i := range ts {
		for ts[i]-ts[j] >= 1000 {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// emulatorRSS sums the proportional set size (PSS) of the lab's emulator
// processes (KiB): their RSS would count the binary's shared text once per
// process.
func emulatorRSS(state string) (procs int, kib int64) {
	files, _ := filepath.Glob(filepath.Join(state, "*.pid"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		st, err := os.ReadFile("/proc/" + strings.TrimSpace(string(b)) + "/smaps_rollup")
		if err != nil {
			continue
		}
		for l := range strings.Lines(string(st)) {
			if v, ok := strings.CutPrefix(l, "Pss:"); ok {
				n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
				kib += n
				procs++
			}
		}
	}
	return procs, kib
}

func lastLine(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// nmapHostText is everything nmap said about each host: service name,
// product, version, extra info, device and OS type, every script's output,
// plus the lines of the broadcast scripts' output that follow the host's
// address (up to the next address).
func nmapHostText(n *nmapRun) map[string]string {
	text := map[string]*strings.Builder{}
	add := func(ip string, s ...string) {
		if text[ip] == nil {
			text[ip] = &strings.Builder{}
		}
		for _, x := range s {
			text[ip].WriteString(x)
			text[ip].WriteByte('\n')
		}
	}
	for _, h := range n.Hosts {
		ip := ""
		for _, a := range h.Addresses {
			if a.Type == "ipv4" {
				ip = a.Addr
			}
		}
		for _, p := range h.Ports {
			if p.State.State != "open" {
				continue
			}
			s := p.Service
			add(ip, s.Name, s.Product, s.Version, s.ExtraInfo, s.DeviceType, s.OSType, s.Hostname)
			for _, sc := range p.Scripts {
				add(ip, sc.Output)
			}
		}
		for _, sc := range h.HostScripts {
			add(ip, sc.Output)
		}
	}
	for _, sc := range n.PreScripts {
		lines := strings.Split(sc.Output, "\n")
		for i, l := range lines {
			ips := labAddr.FindAllString(l, -1)
			if len(ips) == 0 {
				continue
			}
			ip := ips[0]
			add(ip, l)
			for _, next := range lines[i+1 : min(len(lines), i+16)] {
				if o := labAddr.FindString(next); o != "" && o != ip {
					break
				}
				add(ip, next)
			}
		}
	}
	out := make(map[string]string, len(text))
	for ip, b := range text {
		out[ip] = b.String()
	}
	return out
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
)

// The pcap benchmark (issue 17): a capture of at least 1 GB made in a
// lab of camera traffic, read by camsweep and by tshark with a display
// filter on the same protocols, one after the other on the same file.
//
// The lab is a CCTV segment as a mirror port of its recorder shows it:
// pcapCameras cameras (Hikvision and Dahua in turn) announcing
// themselves (DHCP, cloud DNS, SADP or DHIP every 2 s) and streaming
// their main stream at pcapKbps over RTSP/RTP (UDP) to one recorder that
// pulls them all (lab/emulator/stream.go), and a few office hosts
// announcing too. tcpdump runs in the recorder's namespace on its only
// interface, with the switch flooding multicast as a mirror port sees it,
// until the file holds pcapTarget bytes. The bulk of the bytes is video,
// as on a real recorder's port.
const (
	pcapCIDR    = "198.18.196.0/24"
	pcapCameras = 8
	pcapKbps    = 40000 // per camera: a 4K main stream at its highest setting is 16-32 Mbit/s; the lab goes higher to fill the file in a minute
	pcapTarget  = 1100 << 20
	pcapPass    = "bench-nvr-pass"
)

// pcapTsharkFilter is the display filter of the protocols camsweep reads
// from a capture (passive/decode.go, tcp.go, rtp.go), with RTP found by
// tshark's UDP heuristic as camsweep finds it without the RTSP SETUP. The
// heuristics go first: otherwise a camera's server port (Hikvision's
// 8200) goes to the dissector registered on it (ADP) and no RTP is seen.
const pcapTsharkFilter = "arp or dhcp or dhcpv6 or dns or udp.port in {37020, 37810, 34569, 3702, 5353, 1900} or http.response or rtsp.response or tls.handshake.type == 11 or rtp"

// pcapTsharkFields are the fields printed for each matching packet: what
// camsweep keeps of the same packets.
var pcapTsharkFields = []string{"frame.time_epoch", "eth.src", "ip.src", "ip.dst", "arp.src.proto_ipv4", "dhcp.option.hostname",
	"dhcp.option.vendor_class_id", "dns.qry.name", "http.server", "rtsp.response", "rtp.ssrc", "rtp.p_type", "udp.srcport"}

func pcapSpec(prefix string) *lab.Spec {
	s := &lab.Spec{Prefix: prefix,
		Segments: []lab.Segment{{Name: "cctv", CIDR: pcapCIDR, Gateway: "198.18.196.1", Zone: lab.Zone{Name: "bench-cctv", Kind: "primary"}}},
		Jump:     lab.Jump{Segment: "cctv", Address: "198.18.196.2"},
	}
	var cams []string
	for i := range pcapCameras {
		addr := fmt.Sprintf("198.18.196.%d", 20+i)
		cams = append(cams, addr)
		d := lab.Device{Name: fmt.Sprintf("cam%d", i), Segment: "cctv", Address: addr, Announce: true, Password: pcapPass, StreamKbps: pcapKbps}
		if i%2 == 0 {
			d.Profile, d.MAC = "hikvision-camera", fmt.Sprintf("44:19:b6:00:96:%02x", i)
			d.Model, d.Serial, d.Firmware, d.Realm, d.Server = "DS-2CD2143G0-I", fmt.Sprintf("DS-2CD2143G0-I20190101AAWRC1234567%d", i), "V5.5.82", "E7121", "webserver"
		} else {
			d.Profile, d.MAC = "dahua-camera", fmt.Sprintf("08:ed:ed:5a:96:%02x", i)
			d.Model, d.Serial, d.Firmware = "IPC-HDW5831R-ZE", fmt.Sprintf("4X7C5A1ZAG21L3%d", i), "2.800.0000000.1.R"
		}
		s.Devices = append(s.Devices, d)
	}
	s.Devices = append(s.Devices,
		lab.Device{Name: "nvr", Segment: "cctv", Profile: "web-server", Address: "198.18.196.10", MAC: "00:25:90:7e:96:0a", Announce: true, Password: pcapPass, Records: cams},
		lab.Device{Name: "pc1", Segment: "cctv", Profile: "office-pc", Address: "198.18.196.50", MAC: "00:1b:21:3a:96:32", Announce: true},
		lab.Device{Name: "pc2", Segment: "cctv", Profile: "office-pc", Address: "198.18.196.51", MAC: "00:1b:21:3a:96:33", Announce: true},
	)
	return s
}

// pcapRun is one timed read of the capture.
type pcapRun struct {
	tool       string
	argv       []string
	wall, cpu  time.Duration
	rss        int64 // KiB
	exit       int
	lines      int // output lines (records; tshark: matching packets)
	packets    uint64
	cameras    int // camsweep: records typed camera
	recorders  int // camsweep: records typed nvr
	err        error
	outputPath string
}

func (r *pcapRun) mbps(size int64) float64 { return float64(size) / 1e6 / r.wall.Seconds() }

// runPcapBench makes the capture, times both tools on it, writes cfg.out
// and deletes the capture. With reuse set, the capture is read from that
// file (made by an earlier run with keep) and no lab is brought up; with
// keep, the capture is left in the raw-output directory.
func runPcapBench(ctx context.Context, cfg config, prefix, reuse string, keep bool) (err error) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		return errors.New("tcpdump is missing (make deps)")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		return errors.New("tshark is missing (scripts/apt-install tshark:tshark)")
	}
	spec := pcapSpec(prefix)
	if reuse != "" {
		if cfg.raw == "" {
			cfg.raw = filepath.Dir(reuse)
		}
		return readPcapBench(ctx, cfg, spec, &bench{bin: cfg.bin}, reuse, filepath.Join(filepath.Dir(reuse), "zones.yaml"), 0)
	}
	data, err := spec.Marshal()
	if err != nil {
		return err
	}
	if spec, err = lab.ParseSpec("pcap-bench.yaml", data); err != nil {
		return fmt.Errorf("the generated spec does not validate: %w", err)
	}
	fmt.Printf("bench: pcap lab %s up (%d cameras at %d kbit/s to one recorder) …\n", spec.Prefix, pcapCameras, pcapKbps)
	b, down, err := startLab(ctx, &cfg, spec, "camsweep-pcap-")
	if err != nil {
		return err
	}
	downed := false
	defer func() {
		if !downed {
			if derr := down(); derr != nil && err == nil {
				err = derr
			}
		}
	}()
	capFile := filepath.Join(cfg.raw, "recorder-port.pcap")
	if !keep {
		defer os.Remove(capFile) // 1 GB: never left behind
	}
	if out, err := lab.Exec(ctx, spec.SwitchNS("cctv"), "ip", "link", "set", "br0", "type", "bridge", "mcast_snooping", "0").CombinedOutput(); err != nil {
		return fmt.Errorf("mcast_snooping: %v: %s", err, out)
	}
	// The lab's zones file, kept for the reads after the lab is down.
	zones := filepath.Join(filepath.Dir(capFile), "zones.yaml")
	if zb, err := os.ReadFile(filepath.Join(b.state, "zones.yaml")); err != nil {
		return err
	} else if err := os.WriteFile(zones, zb, 0o644); err != nil {
		return err
	}
	capTook, err := pcapCapture(ctx, spec, capFile)
	if err != nil {
		return err
	}
	if err := down(); err != nil {
		return err
	}
	downed = true
	return readPcapBench(ctx, cfg, spec, b, capFile, zones, capTook)
}

// readPcapBench times camsweep, tshark and camsweep again on capFile and
// writes the report.
func readPcapBench(ctx context.Context, cfg config, spec *lab.Spec, b *bench, capFile, zones string, capTook time.Duration) error {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		return err
	}
	if b.bin, err = filepath.Abs(b.bin); err != nil {
		return err
	}
	st, err := os.Stat(capFile)
	if err != nil {
		return err
	}
	size := st.Size()
	fmt.Printf("bench: capture of %.2f GB (%s of traffic); lab down\n", float64(size)/1e9, capTook.Round(time.Second))
	// Both tools read from the page cache: one read first, so neither
	// pays the disk for the other.
	if err := exec.CommandContext(ctx, "cat", capFile).Run(); err != nil {
		return err
	}
	var runs []*pcapRun
	order := []string{"camsweep", "tshark", "camsweep"}
	for i, tool := range order {
		if err := ctx.Err(); err != nil {
			return err
		}
		out := filepath.Join(cfg.raw, fmt.Sprintf("%d-%s.out", i+1, tool))
		var r *pcapRun
		if tool == "camsweep" {
			r = timeChild(ctx, out, tool, b.bin, "pcap", "--no-state", "--format", "json", "--zones", zones, capFile)
			r.readCamsweep()
		} else {
			argv := []string{tshark, "-n", "-r", capFile, "-o", "udp.try_heuristic_first:TRUE", "--enable-heuristic", "rtp_udp", "-Y", pcapTsharkFilter, "-T", "fields"}
			for _, f := range pcapTsharkFields {
				argv = append(argv, "-e", f)
			}
			r = timeChild(ctx, out, tool, argv...)
			r.lines = countLines(out)
		}
		runs = append(runs, r)
		fmt.Printf("bench: %-8s wall %6.1fs cpu %6.1fs rss %6.1f MiB  %7.1f MB/s  exit %d  lines %d\n",
			tool, r.wall.Seconds(), r.cpu.Seconds(), float64(r.rss)/1024, r.mbps(size), r.exit, r.lines)
	}
	md := pcapReport(spec, b, runs, size, capTook)
	if err := os.WriteFile(cfg.out, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print("\n", md)
	fmt.Printf("\nbench: wrote %s (raw outputs in %s; the capture is deleted)\n", cfg.out, cfg.raw)
	return nil
}

// pcapCapture runs tcpdump on the recorder's interface until the file
// holds pcapTarget bytes (or 5 minutes pass) and returns how long it took.
func pcapCapture(ctx context.Context, spec *lab.Spec, file string) (time.Duration, error) {
	// -B: a 256 MiB kernel buffer, so the capture keeps up with the video;
	// -s 0: whole frames.
	td := lab.Exec(ctx, spec.DeviceNS("nvr"), "tcpdump", "-i", "eth0", "-n", "-s", "0", "-B", "262144", "-Z", "root", "-w", file)
	var stderr bytes.Buffer
	td.Stderr = &stderr
	if err := td.Start(); err != nil {
		return 0, err
	}
	t0 := time.Now()
	stop := func() {
		_ = td.Process.Signal(syscall.SIGINT)
		_ = td.Wait()
	}
	for {
		select {
		case <-ctx.Done():
			stop()
			return 0, ctx.Err()
		case <-time.After(time.Second):
		}
		st, err := os.Stat(file)
		if err == nil && st.Size() >= pcapTarget {
			stop()
			fmt.Printf("bench: tcpdump: %s\n", strings.TrimSpace(lastLines(stderr.String(), 3)))
			return time.Since(t0), nil
		}
		if time.Since(t0) > 5*time.Minute {
			stop()
			size := int64(0)
			if err == nil {
				size = st.Size()
			}
			return 0, fmt.Errorf("capture: %d bytes after 5 minutes, want %d: %s", size, pcapTarget, stderr.String())
		}
	}
}

// timeChild runs argv with stdout to out and stderr to out+".err", and
// takes its wall time and wait4 rusage (CPU time, peak RSS) as
// bench/measure.go does.
func timeChild(ctx context.Context, out, tool string, argv ...string) *pcapRun {
	r := &pcapRun{tool: tool, argv: argv, outputPath: out}
	f, err := os.Create(out)
	if err != nil {
		r.err = err
		return r
	}
	defer f.Close()
	ef, err := os.Create(out + ".err")
	if err != nil {
		r.err = err
		return r
	}
	defer ef.Close()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, ef
	t0 := time.Now()
	err = cmd.Run()
	r.wall = time.Since(t0)
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			r.rss = ru.Maxrss
		}
		r.exit = cmd.ProcessState.ExitCode()
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		r.err = err
	}
	return r
}

// readCamsweep reads camsweep's JSON lines: records typed camera or nvr
// and the run record's packet count.
func (r *pcapRun) readCamsweep() {
	f, err := os.Open(r.outputPath)
	if err != nil {
		r.err = err
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		r.lines++
		var head struct {
			Schema string `json:"schema"`
		}
		if json.Unmarshal(sc.Bytes(), &head) != nil {
			continue
		}
		if head.Schema == "camsweep.run/v1" {
			var run device.RunRecord
			if json.Unmarshal(sc.Bytes(), &run) == nil && run.Passive != nil {
				r.packets = run.Passive.Packets
			}
			continue
		}
		var rec device.Record
		if json.Unmarshal(sc.Bytes(), &rec) == nil {
			switch rec.DeviceType {
			case device.TypeCamera:
				r.cameras++
			case device.TypeNVR:
				r.recorders++
			}
		}
	}
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	buf := make([]byte, 1<<20)
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			return n
		}
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "; ")
}

func pcapReport(spec *lab.Spec, b *bench, runs []*pcapRun, size int64, capTook time.Duration) string {
	var w strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&w, format, a...) }
	var cs []*pcapRun
	var ts *pcapRun
	for _, r := range runs {
		if r.tool == "camsweep" {
			cs = append(cs, r)
		} else {
			ts = r
		}
	}
	packets := uint64(0)
	for _, r := range cs {
		packets = max(packets, r.packets)
	}
	// The slower of camsweep's two runs is the one compared: no credit
	// for a warm second run.
	slow := cs[0]
	for _, r := range cs {
		if r.wall > slow.wall {
			slow = r
		}
	}
	p("# camsweep pcap against tshark on a 1 GB lab capture (issue 17)\n\n")
	p("Written by `make bench-pcap` (bench/pcap.go) on %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	p("- machine: %s\n", machine())
	p("- camsweep: %s (%s); tshark: %s\n", version(b.bin, "version"), version("git", "describe", "--tags", "--always", "--dirty"), firstLine(version("tshark", "--version")))
	p("- capture: tcpdump on the recorder's interface (its switch port, multicast flooded as on a mirror port) in lab %s: %d cameras (Hikvision and Dahua in turn) announcing themselves every 2 s (DHCP, cloud DNS, SADP or DHIP) and streaming H.264 over RTSP/RTP (UDP) at %d kbit/s each to one recorder that pulls them all, and two office PCs announcing; %.0f s of traffic\n",
		spec.Prefix, pcapCameras, pcapKbps, capTook.Seconds())
	p("- file: %.3f GB (%d bytes), %d packets, pcap, Ethernet; deleted after the run\n\n", float64(size)/1e9, size, packets)
	p("| run | tool | wall | CPU (user+sys) | MB/s | packets/s | peak RSS | exit | output |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n")
	for i, r := range runs {
		out := fmt.Sprintf("%d lines", r.lines)
		if r.tool == "camsweep" {
			out = fmt.Sprintf("%d records: %d typed camera, %d typed nvr", r.lines-1, r.cameras, r.recorders)
		}
		p("| %d | %s | %.2f s | %.2f s | %.1f | %.0f | %.1f MiB | %d | %s |\n", i+1, r.tool, r.wall.Seconds(), r.cpu.Seconds(),
			r.mbps(size), float64(packets)/r.wall.Seconds(), float64(r.rss)/1024, r.exit, out)
	}
	p("\n## Targets\n\n")
	if ts != nil && slow.wall > 0 {
		ratio := ts.wall.Seconds() / slow.wall.Seconds()
		p("- throughput at least 5× tshark's: camsweep %.1f MB/s (its slower run) against tshark %.1f MB/s = %.1f× — %s\n", slow.mbps(size), ts.mbps(size), ratio, metOrNot(ratio >= 5))
	}
	maxRSS := int64(0)
	for _, r := range cs {
		maxRSS = max(maxRSS, r.rss)
	}
	p("- peak RSS under 200 MB: %.1f MiB (%.0f MB) — %s\n", float64(maxRSS)/1024, float64(maxRSS)*1024/1e6, metOrNot(maxRSS > 0 && maxRSS*1024 < 200e6))
	p("- the identification on the way: %d cameras of %d typed camera, the recorder typed nvr (%d) — %s\n", slow.cameras, pcapCameras, slow.recorders, metOrNot(slow.cameras == pcapCameras && slow.recorders == 1))
	p("\n## Commands\n\n")
	for _, r := range runs[:2] {
		p("    %s\n\n", strings.Join(quoteArgs(shownArgs(r.argv)), " "))
	}
	p("Wall time is the child's, from fork to wait; CPU time and peak RSS come from wait4's rusage of that child (bench/measure.go does the same). The file is read once with `cat` before the first run, so both tools read it from the page cache. tshark's display filter names the protocols camsweep reads from a capture (ARP, DHCP and DHCPv6, DNS, the discovery ports, HTTP and RTSP responses, TLS certificates, RTP, found by tshark's UDP heuristic, tried before the port-registered dissectors, as camsweep finds it without the RTSP SETUP) and prints a few fields of each match; camsweep reads the same packets into device records, fingerprints and findings. MB/s are 10^6 bytes of file per second; packets/s use camsweep's count of the file's packets.\n")
	for _, r := range runs {
		if r.err != nil {
			p("\nerror (%s): %v\n", r.tool, r.err)
		}
	}
	return w.String()
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// quoteArgs quotes the arguments a shell would split.
func quoteArgs(argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if strings.ContainsAny(a, " {}()|&;<>*?$'\"") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return out
}

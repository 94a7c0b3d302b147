package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/camsweep/camsweep/corpus"
	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
	"github.com/camsweep/camsweep/vendors"
)

// The corpus lab: every corpus device the lab can serve over the network
// (HTTP, ONVIF, RTSP, a WS-Discovery ProbeMatches), replayed verbatim on one
// segment, scanned by camsweep and by nmap's camera command in one run.
const (
	corpusPrefix = "cswbr-"
	corpusNet    = "198.18.152" // .11 upwards; .1 router, .2 jump
)

// nmapCameraCommand is what a user runs to ask nmap the same question:
// service detection with the discovery, UPnP, RTSP and web-title scripts on
// the ports cameras use.
var nmapCameraCommand = []string{"-n", "-Pn", "-p", "80,443,554,8000,8080,8443,37777,34567", "-sV",
	"--script", "broadcast-wsdd-discover,broadcast-upnp-info,broadcast-dns-service-discovery,rtsp-methods,http-title,http-server-header"}

type corpusRow struct {
	dev      *corpus.Device
	ip       string
	camsweep string // maker camsweep named ("" none)
	nmap     bool   // nmap's text names the device's maker
	nmapWhy  string // the name nmap's text holds
}

func runCorpusBench(ctx context.Context, cfg config, dir string) (err error) {
	if err := lab.Check(); err != nil {
		return err
	}
	all, err := corpus.Load(dir)
	if err != nil {
		return err
	}
	cat, err := vendors.LoadCatalog()
	if err != nil {
		return err
	}
	var devs []*corpus.Device
	for _, d := range all {
		if d.Expect.Maker != "" && corpus.NewServer(d).Servable() {
			devs = append(devs, d)
		}
	}
	slices.SortFunc(devs, func(a, b *corpus.Device) int { return strings.Compare(a.Key, b.Key) })
	if len(devs) > 240 {
		devs = devs[:240]
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "prefix: %s\ncorpus: %s\nsegments:\n  - {name: replay, cidr: %s.0/24, gateway: %s.1, zone: {name: replay, kind: primary}}\n",
		corpusPrefix, absDir, corpusNet, corpusNet)
	fmt.Fprintf(&sb, "jump: {segment: replay, address: %s.2}\ndevices:\n", corpusNet)
	rows := make([]*corpusRow, len(devs))
	for i, d := range devs {
		ip := fmt.Sprintf("%s.%d", corpusNet, 11+i)
		rows[i] = &corpusRow{dev: d, ip: ip}
		fmt.Fprintf(&sb, "  - {name: r%d, segment: replay, profile: replay, replay: %q, address: %s, mac: \"02:00:5e:10:98:%02x\"}\n", i, d.Key, ip, 11+i)
	}
	spec, err := lab.ParseSpec("corpus-lab.yaml", []byte(sb.String()))
	if err != nil {
		return err
	}
	fmt.Printf("bench: corpus lab up (%d replayed devices) …\n", len(devs))
	b, down, err := startLab(ctx, &cfg, spec, "camsweep-bench-corpus-")
	if err != nil {
		return err
	}
	defer func() {
		if derr := down(); derr != nil && err == nil {
			err = derr
		}
	}()
	bin := b.bin
	targets := []string{corpusNet + ".0/24"}

	csOut := filepath.Join(cfg.raw, "camsweep.jsonl")
	cs, err := b.jump(ctx, csOut, append([]string{bin, "scan", "--no-state", "--format", "json"}, targets...)...)
	if err != nil {
		return err
	}
	recs, err := readRecords(csOut)
	if err != nil {
		return err
	}
	list := filepath.Join(cfg.raw, "targets.txt")
	var ips []string
	for _, r := range rows {
		ips = append(ips, r.ip)
	}
	if err := os.WriteFile(list, []byte(strings.Join(ips, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	nmXML := filepath.Join(cfg.raw, "nmap.xml")
	nmArgv := append(append([]string{cfg.nmap}, nmapCameraCommand...), "-iL", list, "-oX", nmXML)
	nm, err := b.jump(ctx, filepath.Join(cfg.raw, "nmap.out"), nmArgv...)
	if err != nil {
		return err
	}
	n, err := loadNmap(nmXML)
	if err != nil {
		return fmt.Errorf("nmap (exit %d): %w", nm.exit, err)
	}
	text := nmapHostText(n)
	for _, r := range rows {
		if rec, ok := recs[r.ip]; ok {
			switch {
			case rec.Maker != nil:
				r.camsweep = rec.Maker.ID
			case rec.MakerUncatalogued:
				r.camsweep = rec.StatedMaker
			}
		}
		r.nmap, r.nmapWhy = namesMaker(text[r.ip], r.dev.Expect.Maker, cat)
	}
	report := corpusReport(rows, cs, nm, strings.Join(append(append([]string{"nmap"}, nmapCameraCommand...), "-iL", "targets.txt"), " "))
	fmt.Print(report)
	return os.WriteFile(cfg.out, []byte(report), 0o644)
}

// namesMaker reports whether nmap's text names the maker: its id, legal or
// short name, an alias or a brand, as a whole word, case-insensitively. The
// count is generous to nmap: any mention anywhere in what it said counts.
func namesMaker(text, maker string, cat *vendors.Catalog) (bool, string) {
	if text == "" {
		return false, ""
	}
	low := " " + strings.ToLower(text) + " "
	names := []string{maker}
	if e, ok := cat.Entry(maker); ok {
		names = append(names, e.Name, e.Short)
		for _, br := range e.Brands {
			names = append(names, br.Name)
		}
	}
	names = append(names, cat.Aliases(maker)...)
	for _, nm := range names {
		nm = strings.ToLower(strings.TrimSpace(nm))
		if len(nm) < 3 {
			continue
		}
		for i := 0; ; {
			j := strings.Index(low[i:], nm)
			if j < 0 {
				break
			}
			j += i
			before, after := low[j-1], low[min(j+len(nm), len(low)-1)]
			if !isWordByte(before) && !isWordByte(after) {
				return true, nm
			}
			i = j + 1
		}
	}
	return false, ""
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func readRecords(path string) (map[string]device.Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	recs := map[string]device.Record{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r device.Record
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Schema == device.SchemaDevice {
			recs[r.IP] = r
		}
	}
	return recs, sc.Err()
}

func corpusReport(rows []*corpusRow, cs, nm child, nmapCmd string) string {
	var w strings.Builder
	csRight, nmRight, nmOnly, both := 0, 0, 0, 0
	for _, r := range rows {
		ok := r.camsweep == r.dev.Expect.Maker || strings.EqualFold(r.camsweep, r.dev.Expect.Maker)
		if ok {
			csRight++
		}
		if r.nmap {
			nmRight++
			if ok {
				both++
			} else {
				nmOnly++
			}
		}
	}
	fmt.Fprintf(&w, "# camsweep and nmap on replayed real devices\n\n")
	fmt.Fprintf(&w, "Generated by `make bench-corpus` (`bench -corpus`) on %s. Every device of the corpus of real\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&w, "replies (`testdata/real`) that states its maker and that the lab can serve over the network\n")
	fmt.Fprintf(&w, "(recorded HTTP, ONVIF, RTSP or WS-Discovery ProbeMatches answers) is replayed verbatim on one\n")
	fmt.Fprintf(&w, "lab segment; camsweep and nmap scan the same devices in the same run.\n\n")
	fmt.Fprintf(&w, "- camsweep: `camsweep scan --no-state --format json %s.0/24` — %s wall, exit %d\n", corpusNet, cs.wall.Round(time.Millisecond), cs.exit)
	fmt.Fprintf(&w, "- nmap: `%s` — %s wall, exit %d\n", nmapCmd, nm.wall.Round(time.Millisecond), nm.exit)
	fmt.Fprintf(&w, "- A replayed device answers only what was recorded (testdata/real/README.md): an unrecorded GET gets a bare 404, an unrecorded ONVIF operation the generic ActionNotSupported fault, any other unrecorded request silence, and a reply its source read signed in (`auth: login`) only a Digest challenge, since neither tool holds the corpus login here. nmap's own `-sV` probes mostly go unanswered, as camsweep's CGI follow-ups do on devices recorded without them.\n")
	fmt.Fprintf(&w, "- nmap is counted generously: a device counts when anything nmap printed about it (service, product, version, extra info, device type, every script's output, the broadcast scripts' lines after its address) names the maker, a brand or an alias of it as a word.\n\n")
	fmt.Fprintf(&w, "| | devices | maker named right |\n|---|---:|---:|\n")
	fmt.Fprintf(&w, "| camsweep | %d | **%d** |\n| nmap | %d | %d |\n\n", len(rows), csRight, len(rows), nmRight)
	fmt.Fprintf(&w, "Devices nmap names and camsweep does not: **%d**.\n\n", nmOnly)
	fmt.Fprintf(&w, "| device | stated maker | camsweep | nmap |\n|---|---|---|---|\n")
	for _, r := range rows {
		cs := r.camsweep
		if cs == "" {
			cs = "—"
		} else if !strings.EqualFold(cs, r.dev.Expect.Maker) {
			cs += " (wrong)"
		}
		nmS := "—"
		if r.nmap {
			nmS = "names it (" + r.nmapWhy + ")"
		}
		fmt.Fprintf(&w, "| %s | %s | %s | %s |\n", r.dev.Key, r.dev.Expect.Maker, cs, nmS)
	}
	return w.String()
}

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/lab"
)

// passiveLab is issue 17's office segment: three cameras of covered
// makers and two other hosts, all announcing themselves (lab spec
// announce: DHCP requests, DNS queries for the makers' clouds, SADP,
// DHIP and XMEye notices every 2 s), and a recorder: a Linux server (the
// web-server profile, as a ZoneMinder or Frigate box is) that pulls the
// Hikvision camera's video over RTSP with its password, RTP over UDP at
// 1 Mbit/s (lab/emulator/stream.go). Nobody scans it.
const passiveLab = `
prefix: cswpa- # replaced by passivePrefix
segments:
  - {name: office, cidr: 198.18.190.0/24, gateway: 198.18.190.1, zone: {name: passive-office, kind: primary}}
jump: {segment: office, address: 198.18.190.2}
devices:
  - {name: hik, segment: office, profile: hikvision-camera, address: 198.18.190.20, mac: "44:19:b6:00:90:14", model: DS-2CD2143G0-I, serial: DS-2CD2143G0-I20190101AAWRC12345678, firmware: V5.5.82, realm: E7121, server: webserver, password: lab-nvr-pass, stream_kbps: 1000, announce: true}
  - {name: dahua, segment: office, profile: dahua-camera, address: 198.18.190.21, mac: "08:ed:ed:5a:90:15", model: IPC-HDW5831R-ZE, serial: 4X7C5A1ZAG21L3F, firmware: 2.800.0000000.1.R, announce: true}
  - {name: xm, segment: office, profile: xiongmai-dvr, address: 198.18.190.22, mac: "00:12:41:46:90:16", serial: 3a6f0c9e8d2b5174, firmware: V4.02.R12.A6420029.12201.142300.00000, announce: true}
  - {name: web, segment: office, profile: web-server, address: 198.18.190.30, mac: "00:25:90:7e:90:1e", announce: true}
  - {name: pc, segment: office, profile: office-pc, address: 198.18.190.31, mac: "00:1b:21:3a:90:1f", announce: true}
  - {name: vms, segment: office, profile: web-server, address: 198.18.190.40, mac: "00:25:90:7e:90:28", password: lab-nvr-pass, records: [198.18.190.20], announce: true}
`

// passiveRecorder is the recorder's address, passiveStreamer the camera
// it records. On a mirror port the video between them makes the one a
// camera and the other a recorder (nvr) by the RTP rules alone: the
// recorder says nothing else about itself. The jump host does not see
// unicast video, so listening there types the recorder as nothing.
const (
	passiveRecorder = "198.18.190.40"
	passiveStreamer = "198.18.190.20"
)

// passiveWant is what the records of the announcing cameras must say.
// The Xiongmai DVR's XMEye notice names its maker but no device type (its
// DeviceType number's meaning is unconfirmed, vendors/rules/xmeye.yaml),
// so listening alone cannot call it a camera: its covered finding is the
// "possible" one.
var passiveWant = map[string]struct {
	vendor, model, host, cloud string
	camera                     bool
}{
	"198.18.190.20": {"Hikvision", "DS-2CD2143G0-I", "hik", "hikvision", true},
	"198.18.190.21": {"Dahua", "IPC-HDW5831R-ZE", "dahua", "dahua", true},
	"198.18.190.22": {"Xiongmai", "", "xm", "xiongmai", false},
}

func passivePrefix() string { return ownPrefix("p") }

// checkPassive reports what recs lack: every announcing camera with its
// maker, its model where the traffic states it, its zone, the covered
// finding, its DHCP hostname and, on a mirror port (mirror), its cloud
// query (a unicast to the gateway that the jump host does not see); no
// other host a camera.
// It returns the problems, none when recs are complete.
func checkPassive(recs map[string]device.Record, mirror bool) []string {
	var bad []string
	for ip, w := range passiveWant {
		r, ok := recs[ip]
		if !ok {
			bad = append(bad, ip+": no record")
			continue
		}
		var dhcpHost, cloud string
		for _, ev := range r.Evidence {
			if ev.Source == device.SourcePassive {
				dhcpHost += ev.Fields["dhcp.hostname"]
				cloud += ev.Fields["dns.cloud_maker"]
			}
		}
		covered := false
		for _, f := range r.Findings {
			covered = covered || f.ID == device.FindingCoveredOnPrimary
		}
		if r.Camera != w.camera || r.Vendor == nil || *r.Vendor != w.vendor || r.Model != w.model || r.Zone.Name != "passive-office" ||
			!covered || dhcpHost != w.host || (mirror && cloud != w.cloud) {
			vendor := "<nil>"
			if r.Vendor != nil {
				vendor = *r.Vendor
			}
			bad = append(bad, ip+": camera="+map[bool]string{true: "yes", false: "no"}[r.Camera]+" vendor="+vendor+" model="+r.Model+
				" zone="+r.Zone.Name+" dhcp.hostname="+dhcpHost+" cloud="+cloud)
		}
	}
	if mirror {
		bad = append(bad, checkRoles(recs)...)
	}
	for ip, r := range recs {
		if _, ok := passiveWant[ip]; !ok && r.Camera && (ip != passiveRecorder || !mirror) {
			bad = append(bad, ip+": not a camera, called one")
		}
	}
	return bad
}

// checkRoles reports what the RTP flow's two ends lack: the camera's
// record its rtp.role source towards the recorder, the recorder's record
// its rtp.role sink and the device type nvr.
func checkRoles(recs map[string]device.Record) []string {
	var bad []string
	role := func(ip string) string {
		for _, ev := range recs[ip].Evidence {
			if ev.Source == device.SourcePassive && ev.Fields["passive.proto"] == "rtp" {
				return ev.Fields["rtp.role"] + " " + ev.Fields["rtp.peer"]
			}
		}
		return ""
	}
	if got := role(passiveStreamer); got != "source "+passiveRecorder {
		bad = append(bad, passiveStreamer+": rtp role "+got)
	}
	if r, ok := recs[passiveRecorder]; !ok || r.DeviceType != device.TypeNVR || role(passiveRecorder) != "sink "+passiveStreamer {
		bad = append(bad, passiveRecorder+": device_type="+string(r.DeviceType)+" rtp role "+role(passiveRecorder))
	}
	return bad
}

// passiveRun runs camsweep argv in the jump namespace and returns its
// decoded records and run record and its exit code.
func passiveRun(t *testing.T, ctx context.Context, s *lab.Spec, argv ...string) (map[string]device.Record, *device.RunRecord, int, string) {
	t.Helper()
	cmd := lab.Exec(ctx, s.JumpNS(), append([]string{binary}, argv...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v\n%s", argv, err, stderr.String())
	}
	if len(out) == 0 {
		return nil, nil, code, stderr.String()
	}
	recs, run := decodeLines(t, out)
	return recs, run, code, stderr.String()
}

// TestPassive_lab_pcapAndListen: issue 17. tcpdump captures the office
// segment from its switch (every port: a mirror port) while nobody scans;
// "camsweep pcap" on the capture identifies the announcing cameras
// with maker, model where stated, zone and finding, and calls no other
// host a camera. "camsweep listen" in the jump namespace does the same
// live for --duration, and an interrupted listen exits 130 with the run
// record. "scan --pcap" gives the camera one record with both kinds of
// evidence.
func TestPassive_lab_pcapAndListen(t *testing.T) {
	needLab(t)
	if _, err := exec.LookPath("tcpdump"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tcpdump is required in CI (make deps)")
		}
		t.Skip("tcpdump not installed")
	}
	s, err := lab.ParseSpec("passive.yaml", []byte(passiveLab))
	if err != nil {
		t.Fatal(err)
	}
	s.Prefix = passivePrefix()
	o := ownLab(t, s.Prefix)
	upLab(t, s, o, 5*time.Minute)
	zones := filepath.Join(o.StateDir, "zones.yaml")
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	// An unmanaged switch floods multicast to every port, as a mirror
	// port shows it; the lab's bridge would otherwise keep a group's
	// frames to the ports that joined it.
	if out, err := lab.Exec(ctx, s.SwitchNS("office"), "ip", "link", "set", "br0", "type", "bridge", "mcast_snooping", "0").CombinedOutput(); err != nil {
		t.Fatalf("mcast_snooping: %v\n%s", err, out)
	}

	capFile := filepath.Join(t.TempDir(), "office.pcap")
	tcpdump := lab.Exec(ctx, s.SwitchNS("office"), "tcpdump", "-i", "any", "-n", "-U", "-Z", "root", "-w", capFile)
	var tdErr bytes.Buffer
	tcpdump.Stderr = &tdErr
	if err := tcpdump.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = tcpdump.Process.Signal(syscall.SIGINT)
			_ = tcpdump.Wait()
		}
	}
	defer stop()
	// Read the growing capture until it holds every camera (the last
	// record may be half written: that run exits 1 and keeps the rest).
	var bad []string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		recs, _, _, _ := passiveRun(t, ctx, s, "pcap", "--no-state", "--format", "json", "--zones", zones, capFile)
		if bad = checkPassive(recs, true); len(bad) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(time.Second):
		}
	}
	stop()
	if len(bad) > 0 {
		t.Fatalf("after 2 minutes of capture: %v\ntcpdump: %s", bad, tdErr.String())
	}
	recs, run, code, stderr := passiveRun(t, ctx, s, "pcap", "--no-state", "--format", "json", "--zones", zones, capFile)
	if bad := checkPassive(recs, true); len(bad) > 0 || code != 3 {
		t.Fatalf("pcap of the closed capture: exit %d, %v\n%s", code, bad, stderr)
	}
	// Cameras counts video devices: the two typed cameras and the recorder.
	if run.Passive == nil || run.Passive.Packets == 0 || run.Cameras != 3 || run.Methods[0] != "pcap" || run.Interrupted {
		t.Errorf("run record %+v, passive %+v", run, run.Passive)
	}
	t.Logf("pcap: %d packets, %d records, %d cameras", run.Passive.Packets, len(recs), run.Cameras)

	// scan --pcap: one record per device, with the scan's and the
	// capture's evidence both.
	scanOut, err := lab.Exec(ctx, s.JumpNS(), binary, "scan", "--no-state", "--format", "json", "--zones", zones,
		"--pcap", capFile, "198.18.190.0/24").Output()
	var se *exec.ExitError
	if err != nil && (!errors.As(err, &se) || se.ExitCode() != 3) {
		t.Fatalf("scan --pcap: %v", err)
	}
	if n := strings.Count(string(scanOut), `"ip":"198.18.190.20"`); n != 1 {
		t.Errorf("scan --pcap: %d records of 198.18.190.20, want one", n)
	}
	recs, run = decodeLines(t, scanOut)
	srcs := map[device.Source]bool{}
	for _, ev := range recs["198.18.190.20"].Evidence {
		srcs[ev.Source] = true
	}
	if !srcs[device.SourcePassive] || !srcs[device.SourceSADP] || !srcs[device.SourceHTTP] || run.Passive == nil {
		t.Errorf("scan --pcap: the camera's sources %v, run passive %+v", srcs, run.Passive)
	}

	// Live, from the jump host: 12 s hold six rounds of announcements.
	recs, run, code, stderr = passiveRun(t, ctx, s, "listen", "-i", "eth0", "--duration", "12s", "--no-state", "--format", "json", "--zones", zones)
	if bad := checkPassive(recs, false); len(bad) > 0 || code != 3 {
		t.Fatalf("listen: exit %d, %v\n%s", code, bad, stderr)
	}
	if run.Passive == nil || run.Passive.Interface != "eth0" || run.Methods[0] != "listen" {
		t.Errorf("listen run record %+v", run)
	}
	if !strings.Contains(stderr, "camsweep sends nothing") {
		t.Errorf("listen did not say it sends nothing: %s", stderr)
	}

	// Interrupted: once it says it listens, SIGINT ends it with the run
	// record and exit 130.
	cmd := lab.Exec(ctx, s.JumpNS(), binary, "listen", "-i", "eth0", "--no-state", "--format", "json", "--zones", zones)
	var out bytes.Buffer
	cmd.Stdout = &out
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(errPipe)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "camsweep sends nothing") {
			break
		}
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	go func() {
		for sc.Scan() {
		}
	}()
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("interrupted listen: %v, want exit 130\n%s", err, out.String())
	}
	_, run = decodeLines(t, out.Bytes())
	if !run.Interrupted || run.ExitStatus != 130 || run.Passive == nil {
		t.Errorf("interrupted run record %+v", run)
	}
}

package sweep

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/exitcode"
)

// writeCapture writes a pcap of a Hikvision camera's SADP reply (real:
// testdata/real/sadp/hikvision-ds-2cd2320d-i.xml) multicast on VLAN 30,
// its ARP announcement, and a PC's SADP inquiry; cut drops the last
// bytes (a capture still being written).
func writeCapture(t *testing.T, cut int) string {
	t.Helper()
	reply, err := os.ReadFile("../testdata/real/sadp/hikvision-ds-2cd2320d-i.xml")
	if err != nil {
		t.Fatal(err)
	}
	cam := net.HardwareAddr{0xc0, 0x56, 0xe3, 1, 2, 3}
	pc := net.HardwareAddr{0x02, 0, 0, 0, 0, 9}
	ser := func(ls ...gopacket.SerializableLayer) []byte {
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
			t.Fatal(err)
		}
		return bytes.Clone(buf.Bytes())
	}
	udp := func(mac net.HardwareAddr, src string, payload []byte) []byte {
		eth := &layers.Ethernet{SrcMAC: mac, DstMAC: net.HardwareAddr{1, 0, 0x5e, 0x7f, 0xff, 0xfa}, EthernetType: layers.EthernetTypeDot1Q}
		ip := &layers.IPv4{Version: 4, TTL: 1, Protocol: layers.IPProtocolUDP, SrcIP: net.ParseIP(src).To4(), DstIP: net.IPv4(239, 255, 255, 250).To4()}
		return ser(eth, &layers.Dot1Q{VLANIdentifier: 30, Type: layers.EthernetTypeIPv4}, ip,
			&layers.UDP{SrcPort: 37020, DstPort: 37020}, gopacket.Payload(payload))
	}
	arp := ser(&layers.Ethernet{SrcMAC: cam, DstMAC: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, EthernetType: layers.EthernetTypeARP},
		&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: layers.ARPRequest, SourceHwAddress: cam, SourceProtAddress: net.IPv4(198, 18, 180, 21).To4(),
			DstHwAddress: make([]byte, 6), DstProtAddress: net.IPv4(198, 18, 180, 21).To4()})
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, f := range [][]byte{udp(pc, "198.18.180.5", []byte("<?xml version=\"1.0\"?><Probe><Uuid>x</Uuid><Types>inquiry</Types></Probe>")), udp(cam, "198.18.180.21", reply), arp} {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, f); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "lab.pcap")
	if err := os.WriteFile(path, buf.Bytes()[:buf.Len()-cut], 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func passiveOptions(out *bytes.Buffer) Options {
	o := Defaults()
	o.NoState, o.Format, o.Stdout, o.Log = true, "json", out, zerolog.Nop()
	return o
}

// TestPassive_pcapIdentifiesTheCamera: a capture gives the verdicts a scan
// would: the Hikvision camera with its model, the zone's findings, source
// passive, the VLAN; the PC that asked gets no record; the run record
// carries the counts.
func TestPassive_pcapIdentifiesTheCamera(t *testing.T) {
	var out bytes.Buffer
	p, err := OpenPassive(context.Background(), passiveOptions(&out), PassiveSource{Files: []string{writeCapture(t, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	rr, err := p.Run(context.Background())
	if exitcode.Of(err, 0) != exitcode.Findings {
		t.Fatalf("Run: %v (want exit 3: a covered maker on primary)", err)
	}
	var recs []device.Record
	var run device.RunRecord
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"schema":"camsweep.run/v1"`) {
			if err := json.Unmarshal(sc.Bytes(), &run); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var r device.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	// The PC only asked: a question is no evidence, so it has no record.
	if len(recs) != 1 {
		t.Fatalf("%d records, want the camera's only: %+v", len(recs), recs)
	}
	cam := recs[0]
	if cam.IP != "198.18.180.21" || !cam.Camera || cam.Vendor == nil || *cam.Vendor != "Hikvision" || cam.Model != "DS-2CD2320D-I" || !cam.Flagged {
		t.Errorf("camera record: ip %s camera %v vendor %v model %q flagged %v", cam.IP, cam.Camera, cam.Vendor, cam.Model, cam.Flagged)
	}
	vlan := ""
	for _, ev := range cam.Evidence {
		vlan += ev.Fields["arp.vlan"]
	}
	if cam.MAC != "c0:56:e3:01:02:03" || cam.Evidence[0].Source != device.SourcePassive || vlan != "30" {
		t.Errorf("camera MAC %q evidence %+v", cam.MAC, cam.Evidence)
	}
	if run.Passive == nil || run.Passive.Packets != 3 || run.HostsUp != 1 || run.Cameras != 1 || run.Methods[0] != "pcap" || rr.ExitStatus != exitcode.Findings {
		t.Errorf("run record %+v passive %+v", run, run.Passive)
	}
}

// TestPassive_truncatedCapture: a file cut inside a record keeps what was
// read before, says which packet, and exits 1 with the run record.
func TestPassive_truncatedCapture(t *testing.T) {
	var out bytes.Buffer
	path := writeCapture(t, 5)
	p, err := OpenPassive(context.Background(), passiveOptions(&out), PassiveSource{Files: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	rr, err := p.Run(context.Background())
	if exitcode.Of(err, 0) != exitcode.Error || !strings.Contains(err.Error(), path+": packet 3: the file ends inside this record") {
		t.Fatalf("Run: %v", err)
	}
	if rr.Cameras != 1 || len(rr.Errors) != 1 || !strings.Contains(out.String(), `"schema":"camsweep.run/v1"`) {
		t.Errorf("run record %+v", rr)
	}
}

func TestOpenPassive_usage(t *testing.T) {
	var out bytes.Buffer
	for _, src := range []PassiveSource{{}, {Files: []string{"a"}, Interface: "eth0"}, {Files: []string{"/nonexistent/x.pcap"}}, {Interface: "eth0", Duration: -time.Second}} {
		if _, err := OpenPassive(context.Background(), passiveOptions(&out), src); exitcode.Of(err, 0) != exitcode.Usage {
			t.Errorf("%+v: %v, want a usage error", src, err)
		}
	}
}

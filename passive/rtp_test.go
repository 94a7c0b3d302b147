package passive

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/camsweep/camsweep/device"
)

// rtpPacket is an RTP packet of payload type pt carrying size bytes of an
// H.264 FU-A fragment, as the lab's cameras and real ones send.
func rtpPacket(seq uint16, ssrc uint32, pt uint8, size int) []byte {
	p := make([]byte, 12+size)
	p[0], p[1] = 0x80, pt
	binary.BigEndian.PutUint16(p[2:], seq)
	binary.BigEndian.PutUint32(p[4:], uint32(seq)*3600)
	binary.BigEndian.PutUint32(p[8:], ssrc)
	if size >= 2 {
		p[12], p[13] = 0x7c, 0x05
	}
	return p
}

// rtpUDPFlow is n RTP datagrams from src:sport to dst:dport.
func rtpUDPFlow(t testing.TB, src, dst string, sport, dport, n int, pt uint8, size int) [][]byte {
	var out [][]byte
	for i := range n {
		out = append(out, udpFrame(t, camMAC, src, dst, sport, dport, 0, rtpPacket(uint16(60000+i), 0x1a2b3c4d, pt, size)))
	}
	return out
}

// rtpTCPFrame is one interleaved RTP packet on channel 0 of the RTSP
// connection from the camera's port 554.
func rtpTCPFrame(t testing.TB, seq uint32, rtpSeq uint16) []byte {
	t.Helper()
	p := rtpPacket(rtpSeq, 0x55667788, 96, 1388)
	frame := append([]byte{'$', 0, byte(len(p) >> 8), byte(len(p))}, p...)
	eth := &layers.Ethernet{SrcMAC: camMAC, DstMAC: pcMAC, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP,
		SrcIP: netip.MustParseAddr("198.18.180.21").AsSlice(), DstIP: netip.MustParseAddr("198.18.180.40").AsSlice()}
	tcp := &layers.TCP{SrcPort: 554, DstPort: 50123, Seq: seq, ACK: true, PSH: true, Window: 65535}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	return serialize(t, eth, ip, tcp, gopacket.Payload(frame))
}

// goldenObs is the part of an observation a golden file holds.
type goldenObs struct {
	Addr   string            `json:"addr"`
	MAC    string            `json:"mac"`
	Port   uint16            `json:"port"`
	Fields map[string]string `json:"fields"`
}

// checkGolden compares obs with testdata/name (CAMSWEEP_UPDATE_GOLDEN=1
// writes it).
func checkGolden(t *testing.T, name string, obs []Observation) {
	t.Helper()
	var got []goldenObs
	for _, o := range obs {
		got = append(got, goldenObs{o.Addr.String(), o.Evidence.MAC, o.Evidence.Port, o.Evidence.Fields})
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name)
	if os.Getenv("CAMSWEEP_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", path, b, want)
	}
}

// TestDecodeRTP_golden: a camera's video flow to its recorder, over UDP
// and interleaved in RTSP, gives one observation of each end once the
// flow has shown rtpMinPackets packets, and nothing more however long it
// lasts.
func TestDecodeRTP_golden(t *testing.T) {
	udp := rtpUDPFlow(t, "198.18.180.21", "198.18.180.40", 8200, 40000, 300, 96, 1400)
	got := streamEvidence(t, udp[:rtpMinPackets-1]...)
	if len(got) != 0 {
		t.Fatalf("%d observations after %d packets, want none yet", len(got), rtpMinPackets-1)
	}
	got = streamEvidence(t, udp...)
	if len(got) != 2 || got[0].MAC != camMAC.String() || got[1].MAC != "" {
		t.Fatalf("observations %+v, want the camera (with its MAC) and the recorder", got)
	}
	checkGolden(t, "rtp-udp.golden.json", got)

	var tcp [][]byte
	for i := range 150 {
		tcp = append(tcp, rtpTCPFrame(t, uint32(1000+i*1392), uint16(i)))
	}
	got = streamEvidence(t, tcp...)
	if len(got) != 2 {
		t.Fatalf("interleaved: %d observations, want 2", len(got))
	}
	checkGolden(t, "rtp-tcp.golden.json", got)
}

// TestDecodeRTP_notVideo: what is not a camera's video to a site address
// gives nothing: voice (PCMU), small packets of a dynamic type (audio),
// a flow to the internet, privileged ports, datagrams whose "sequence"
// jumps about (any UDP whose first byte happens to be 0x80), a flow too
// short to count.
func TestDecodeRTP_notVideo(t *testing.T) {
	jumpy := func() [][]byte {
		var out [][]byte
		for i := range 300 {
			out = append(out, udpFrame(t, camMAC, "198.18.180.21", "198.18.180.40", 9000, 9001, 0, rtpPacket(uint16(i*7919), 1, 96, 1400)))
		}
		return out
	}
	cases := map[string][][]byte{
		"pcmu":          rtpUDPFlow(t, "198.18.180.21", "198.18.180.40", 8200, 40000, 300, 0, 160),
		"small dynamic": rtpUDPFlow(t, "198.18.180.21", "198.18.180.40", 8200, 40000, 300, 111, 120),
		"internet":      rtpUDPFlow(t, "198.18.180.21", "8.8.8.8", 8200, 40000, 300, 96, 1400),
		"from internet": rtpUDPFlow(t, "8.8.8.8", "198.18.180.40", 8200, 40000, 300, 96, 1400),
		"privileged":    rtpUDPFlow(t, "198.18.180.21", "198.18.180.40", 554, 40000, 300, 96, 1400),
		"short":         rtpUDPFlow(t, "198.18.180.21", "198.18.180.40", 8200, 40000, rtpMinPackets-1, 96, 1400),
		"jumpy":         jumpy(),
	}
	for name, frames := range cases {
		if got := streamEvidence(t, frames...); len(got) != 0 {
			t.Errorf("%s: %d observations, first %v", name, len(got), got[0].Evidence.Fields)
		}
	}
}

// TestCollector_rtpRoles: through the Collector, the camera's record holds
// rtp.role source and the recorder's rtp.role sink, each under its own
// address, the recorder with its own MAC from its own frames.
func TestCollector_rtpRoles(t *testing.T) {
	c := NewCollector(Config{})
	for _, f := range rtpUDPFlow(t, "198.18.180.21", "198.18.180.40", 8200, 40000, 200, 96, 1400) {
		c.Add(f, layers.LinkTypeEthernet, ts0)
	}
	c.Add(udpFrame(t, pcMAC, "198.18.180.40", "198.18.180.21", 40001, 8201, 0, []byte{0x81, 201, 0, 1, 0, 0, 0, 1}), layers.LinkTypeEthernet, ts0)
	roles := map[string]string{}
	for _, h := range c.Hosts() {
		for _, ev := range h.Evidence {
			if ev.Source == device.SourcePassive && ev.Fields[FieldProto] == "rtp" {
				roles[h.Addr.String()] = ev.Fields["rtp.role"] + " " + h.MAC
			}
		}
	}
	want := map[string]string{"198.18.180.21": "source " + camMAC.String(), "198.18.180.40": "sink " + pcMAC.String()}
	if len(roles) != 2 || roles["198.18.180.21"] != want["198.18.180.21"] || roles["198.18.180.40"] != want["198.18.180.40"] {
		t.Errorf("roles %v, want %v", roles, want)
	}
}

// FuzzDecodeRTP feeds one payload many times as a flow (its sequence
// number stepped when it has one) over UDP and as an interleaved TCP
// segment: no panic, at most one observation of each end.
func FuzzDecodeRTP(f *testing.F) {
	f.Add(rtpPacket(1, 7, 96, 1400), false)
	f.Add(append([]byte{'$', 0, 0x05, 0x78}, rtpPacket(1, 7, 96, 1388)...), true)
	f.Add(rtpPacket(1, 7, 0, 160), false)
	f.Add([]byte{0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0xbe, 0xde, 0xff, 0xff}, false)
	f.Fuzz(func(t *testing.T, p []byte, tcp bool) {
		var d Decoder
		src, dst := netip.MustParseAddr("198.18.180.21"), netip.MustParseAddr("198.18.180.40")
		n := 0
		for i := range 3 * rtpMinPackets {
			q := append([]byte(nil), p...)
			off := 2
			if tcp {
				off = 6
			}
			if len(q) >= off+2 {
				binary.BigEndian.PutUint16(q[off:], uint16(i))
			}
			d.out = d.out[:0]
			d.decodeRTP(q, src, dst, 8200, 40000, tcp, camMAC.String(), 0, ts0)
			for _, o := range d.out {
				if o.Evidence == nil || o.Evidence.Fields["rtp.role"] == "" || o.Evidence.Fields["rtp.peer"] == "" {
					t.Fatalf("observation %+v", o)
				}
				n++
			}
		}
		if n > 2 {
			t.Fatalf("%d observations of one flow", n)
		}
	})
}

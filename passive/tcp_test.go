package passive

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// tcpFrame is an Ethernet/IPv4/TCP segment from the camera's port sport.
func tcpFrame(t testing.TB, sport int, seq uint32, fin bool, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: camMAC, DstMAC: pcMAC, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP,
		SrcIP: netip.MustParseAddr("198.18.180.21").AsSlice(), DstIP: netip.MustParseAddr("198.18.180.5").AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: 50123, Seq: seq, ACK: true, PSH: true, FIN: fin, Window: 65535}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	return serialize(t, eth, ip, tcp, gopacket.Payload(payload))
}

// streamEvidence feeds the segments to one Decoder and returns the
// evidence it gave.
func streamEvidence(t *testing.T, frames ...[]byte) []Observation {
	t.Helper()
	var d Decoder
	var out []Observation
	for _, f := range frames {
		for _, o := range d.Decode(f, layers.LinkTypeEthernet, ts0) {
			if o.Evidence != nil {
				out = append(out, o)
			}
		}
	}
	return out
}

// TestDecoder_httpResponseOutOfOrder: a Hikvision NVR's 401 (real:
// testdata/http/hikvision-dnvrs-401-usercheck.txt) cut in three segments,
// the last first, the middle one retransmitted overlapping the first.
func TestDecoder_httpResponseOutOfOrder(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "http", "hikvision-dnvrs-401-usercheck.txt"))
	if err != nil {
		t.Fatal(err)
	}
	const isn = 1000
	a, m := 100, 250
	obs := streamEvidence(t,
		tcpFrame(t, 80, isn, false, b[:a]),
		tcpFrame(t, 80, isn+uint32(m), false, b[m:]),
		tcpFrame(t, 80, isn+uint32(a-20), false, b[a-20:m]),
	)
	if len(obs) != 1 {
		t.Fatalf("%d observations", len(obs))
	}
	f := obs[0].Evidence.Fields
	if f[FieldProto] != "http" || f["http.server"] != "DNVRS-Webs" || f["http.status"] != "401" || obs[0].Evidence.Port != 80 {
		t.Errorf("fields %v", f)
	}
}

func TestDecoder_rtspResponseEndsWithFIN(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "real", "rtsp", "dahua-describe-401-login-to-serial.txt"))
	if err != nil {
		t.Fatal(err)
	}
	obs := streamEvidence(t, tcpFrame(t, 554, 7, false, b[:40]), tcpFrame(t, 554, 47, true, b[40:]))
	if len(obs) != 1 || obs[0].Evidence.Fields["rtsp.realm"] != "Login to D12A163300000656" {
		t.Fatalf("observations %+v", obs)
	}
}

// TestDecoder_tlsServerCertificate: the certificate of a TLS 1.2 server's
// handshake, split across segments, through tlsinfo.
func TestDecoder_tlsServerCertificate(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "PVD4005", Organization: []string{"Lab Camera"}},
		NotBefore: ts0, NotAfter: ts0.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	hs := func(typ byte, body []byte) []byte {
		return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	}
	l3 := func(n int) []byte { return []byte{byte(n >> 16), byte(n >> 8), byte(n)} }
	certMsg := hs(11, append(append(l3(len(der)+3), l3(len(der))...), der...))
	msgs := append(hs(2, make([]byte, 38)), certMsg...)
	rec := append([]byte{22, 3, 3, byte(len(msgs) >> 8), byte(len(msgs))}, msgs...)
	obs := streamEvidence(t, tcpFrame(t, 443, 1, false, rec[:60]), tcpFrame(t, 443, 61, false, rec[60:]))
	if len(obs) != 1 || obs[0].Evidence.Fields[FieldProto] != "tls" || obs[0].Evidence.Fields["tls.subject"] == "" {
		t.Fatalf("observations %+v", obs)
	}
}

// Streams that never end are bounded: the oldest goes for a new one.
func TestDecoder_streamsAreBounded(t *testing.T) {
	var d Decoder
	for i := range 2 * maxStreams {
		d.Decode(tcpFrame(t, 1024+i, 1, false, []byte("HTTP/1.1 200 OK\r\nServer: x\r\n")), layers.LinkTypeEthernet, ts0)
	}
	if len(d.streams) != maxStreams {
		t.Errorf("%d streams held, want %d", len(d.streams), maxStreams)
	}
	d.Decode(tcpFrame(t, 80, 1, false, []byte("HTTP/1.1 200 OK\r\n")), layers.LinkTypeEthernet, ts0.Add(time.Minute))
	if len(d.streams) != 1 {
		t.Errorf("%d streams after the timeout, want 1", len(d.streams))
	}
}

// A web server on the internet answering a user is not a device of the
// site: its response is not kept.
func TestDecoder_internetServersAreNotDevices(t *testing.T) {
	eth := &layers.Ethernet{SrcMAC: pcMAC, DstMAC: camMAC, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 50, Protocol: layers.IPProtocolTCP,
		SrcIP: netip.MustParseAddr("93.184.215.14").AsSlice(), DstIP: netip.MustParseAddr("192.168.1.20").AsSlice()}
	tcp := &layers.TCP{SrcPort: 80, DstPort: 50123, Seq: 1, ACK: true, FIN: true}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	frame := serialize(t, eth, ip, tcp, gopacket.Payload("HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Length: 0\r\n\r\n"))
	if obs := streamEvidence(t, frame); len(obs) != 0 {
		t.Errorf("evidence of an internet server: %+v", obs[0].Evidence)
	}
	for _, a := range []string{"10.1.2.3", "192.168.0.1", "172.16.0.1", "198.18.10.21", "100.64.0.9", "fd00::1", "fe80::1"} {
		if !siteAddr(netip.MustParseAddr(a)) {
			t.Errorf("%s is a site address", a)
		}
	}
}

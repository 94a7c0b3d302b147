package passive

import (
	"fmt"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// BenchmarkCollector_mixed reads a mix of what a mirror port of a camera
// network shows, from 2000 devices: SADP notices (real reply), cloud DNS
// queries, RTP-sized UDP filler and HTTP responses (real reply), each
// device's announcement seen once: the worst case, where every SADP reply
// is parsed (a long capture repeats them, and a Decoder parses a repeat
// once). Run with -bench . -benchmem; MB/s is of frame bytes.
func BenchmarkCollector_mixed(b *testing.B) {
	sadp := readReal(b, "sadp/hikvision-ds-2cd2320d-i.xml")
	http := readReal(b, "../http/hikvision-dnvrs-401-usercheck.txt")
	filler := make([]byte, 1200)
	var frames [][]byte
	size := 0
	for h := range 2000 {
		ip := fmt.Sprintf("198.18.%d.%d", 100+h/250, 1+h%250)
		mac := append([]byte(nil), camMAC...)
		mac[4], mac[5] = byte(h>>8), byte(h)
		for _, f := range [][]byte{
			udpFrame(b, mac, ip, "239.255.255.250", 37020, 37020, 0, sadp),
			dnsQuery(b, mac, ip, "dev.hik-connect.com"),
			udpFrame(b, mac, ip, "198.18.99.9", 40000, 5004, 0, filler),
			udpFrame(b, mac, ip, "198.18.99.9", 40000, 5004, 0, filler),
			tcpFrame(b, 80, uint32(h), true, http),
		} {
			frames = append(frames, f)
			size += len(f)
		}
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for range b.N {
		c := NewCollector(Config{})
		for _, f := range frames {
			c.Add(f, layers.LinkTypeEthernet, ts0)
		}
		if len(c.Hosts()) < 2000 {
			b.Fatal("devices lost")
		}
	}
}

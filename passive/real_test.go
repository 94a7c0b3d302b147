package passive

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/camsweep/camsweep/device"
)

// TestRealCaptures reads the public real captures of testdata/real (see
// its README for where each comes from) and checks what each states: the
// cameras' DHCP requests (host name, udhcpc's vendor class and request
// list), their mDNS and SSDP announcements, a camera's RTSP answers and
// the RTP video it sends interleaved to its viewer, and a software RTSP
// server whose capture holds no video, which gives no RTP roles.
func TestRealCaptures(t *testing.T) {
	type want struct {
		addr   string
		mac    string            // "" : not checked
		fields map[string]string // each in one passive item of the host
	}
	cases := []struct {
		file  string
		hosts []want
		noRTP bool
	}{
		{"iot-sentinel-dlink-dcs-935l-setup-a-1.pcap", []want{
			{"10.10.10.37", "b0:c5:54:25:5b:0e", map[string]string{"dhcp.hostname": "DCS-935L", "dhcp.vendor_class": "udhcp 1.22.1", "dhcp.prl": "1,3,6,12,15,28,42"}},
			{"10.10.10.37", "", map[string]string{"mdns.host": "DCS-935L-B0C554255B0E.local", "mdns.instance": "D-Link HNAP Service"}},
		}, true},
		{"iot-sentinel-dlink-dcs-930lb-setup-a-1.pcap", []want{
			{"10.10.10.58", "b0:c5:54:1c:71:85", map[string]string{"dhcp.hostname": "DCS-930LB", "dhcp.vendor_class": "udhcp 1.12.1"}},
			{"10.10.10.58", "", map[string]string{"ssdp.server": "Cellvision UPnP/1.0", "ssdp.location": "http://10.10.10.58:8614/rootdesc.xml"}},
			{"10.10.10.58", "", map[string]string{"mdns.host": "DCS-930LB1_1C7185.local"}},
		}, true},
		{"iot-sentinel-edimax-ic-3115w-setup-a-1.pcap", []want{
			{"10.10.10.51", "74:da:38:80:7a:08", map[string]string{"dhcp.vendor_class": "udhcp 0.9.8", "dhcp.message_type": "request"}},
			{"10.10.10.51", "", map[string]string{"ssdp.location": "http://10.10.10.51:80/IPCamDesc.xml"}},
			{"10.10.10.51", "", map[string]string{"mdns.host": "localcam.local"}},
		}, true},
		{"iot-sentinel-ednet-cam-setup-a-1.pcap", []want{
			{"10.10.10.186", "3c:49:37:03:17:db", map[string]string{"dhcp.vendor_class": "udhcp 1.12.1", "dhcp.requested_ip": "10.10.10.186"}},
		}, true},
		{"e99-drone-webcam-rtsp-interleaved.pcapng", []want{
			{"192.168.1.1", "c2:fd:59:38:f6:18", map[string]string{"rtsp.server": "gortsplib", "rtsp.sdp.media": "video 0 RTP/AVP 96"}},
			{"192.168.1.1", "", map[string]string{"rtp.role": RoleSource, "rtp.peer": "192.168.1.86", "rtp.transport": "tcp", "rtp.payload_type": "96"}},
			{"192.168.1.86", "", map[string]string{"rtp.role": RoleSink, "rtp.peer": "192.168.1.1"}},
		}, false},
		// Captured on both sides of a router: 10.2.2.2's frames carry two
		// MACs and no ARP, so its record names none.
		{"ndpi-vlc-rtsp-server.pcap", []want{
			{"10.2.2.2", "", map[string]string{"rtsp.server": "VLC/3.0.12"}},
		}, true},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			col := NewCollector(Config{})
			if err := ReadFile(context.Background(), filepath.Join("testdata", "real", c.file), col); err != nil {
				t.Fatal(err)
			}
			hosts := col.Hosts()
			byAddr := map[string]device.Host{}
			for _, h := range hosts {
				byAddr[h.Addr.String()] = h
			}
			for _, w := range c.hosts {
				h, ok := byAddr[w.addr]
				if !ok {
					t.Errorf("no host %s (hosts: %d)", w.addr, len(hosts))
					continue
				}
				if (w.mac != "" || c.file == "ndpi-vlc-rtsp-server.pcap") && h.MAC != w.mac {
					t.Errorf("%s: MAC %q, want %q", w.addr, h.MAC, w.mac)
				}
				if !slices.ContainsFunc(h.Evidence, func(ev device.Evidence) bool {
					if ev.Source != device.SourcePassive {
						return false
					}
					for k, v := range w.fields {
						if ev.Fields[k] != v {
							return false
						}
					}
					return true
				}) {
					t.Errorf("%s: no passive item with %v; items:", w.addr, w.fields)
					for _, ev := range h.Evidence {
						t.Logf("  %v", ev.Fields)
					}
				}
			}
			if c.noRTP {
				for _, h := range hosts {
					for _, ev := range h.Evidence {
						if ev.Fields["rtp.role"] != "" {
							t.Errorf("%s: rtp evidence %v in a capture without video", h.Addr, ev.Fields)
						}
					}
				}
			}
		})
	}
}

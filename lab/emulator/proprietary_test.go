package emulator

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/dvrip"
	"github.com/camsweep/camsweep/scanner/hiksdk"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/scanner/sadp"
)

var nvrDev = Device{Name: "nvr", Profile: ProfileHikvisionNVR, MAC: mac("24:28:fd:40:20:40"),
	Model: "DS-7608NI-K2", Serial: "DS-7608NI-K20820210318CCRRF40204020WCVU", Firmware: "V4.30.085"}

func udpService(t *testing.T, d Device, name string) UDPService {
	t.Helper()
	e, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range e.UDP {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("%s has no UDP service %q: %+v", d.Profile, name, e.UDP)
	return UDPService{}
}

type nopPacer struct{}

func (nopPacer) Wait(ctx context.Context) error { return ctx.Err() }

func TestDahua_DVRIPSearch(t *testing.T) {
	svc := udpService(t, dahuaDev, "dvrip-search")
	if svc.Port != 5050 || svc.Group.IsValid() {
		t.Fatalf("service %+v", svc)
	}
	reps := svc.Handle(dvrip.SearchRequest(), loopFrom)
	if len(reps) != 1 {
		t.Fatalf("%d replies", len(reps))
	}
	r, err := dvrip.ParseSearch(reps[0])
	if err != nil {
		t.Fatal(err)
	}
	f := r.Fields()
	for k, v := range map[string]string{
		"dvrip5050.serial_no":    dahuaDev.Serial,
		"dvrip5050.mac":          "08:ed:ed:61:01:c0",
		"dvrip5050.model":        dahuaDev.Model,
		"dvrip5050.ipv4_address": "127.0.0.1",
		"dvrip5050.tcp_port":     "37777",
		"dvrip5050.version":      "2",
	} {
		if f[k] != v {
			t.Errorf("%s = %q, want %q (%v)", k, f[k], v, f)
		}
	}
	for _, bad := range [][]byte{nil, []byte("garbage"), dvrip.RealmRequest()} {
		if reps := svc.Handle(bad, loopFrom); reps != nil {
			t.Errorf("answered % x", bad)
		}
	}
}

func TestDahua_DVRIPRealm_parses(t *testing.T) {
	addr := netip.MustParseAddrPort(start(t, dahuaDev, 37777))
	p, err := dvrip.New(dvrip.Config{PortConfig: scanner.PortConfig{Ports: []uint16{addr.Port()}, Timeout: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.ProbePort(t.Context(), scanner.At(addr), nopPacer{})
	if err != nil || len(ev) != 1 || ev[0].Fields["dvrip.serial"] != dahuaDev.Serial || ev[0].Fields["dvrip.keys"] != "Realm,Random" {
		t.Errorf("evidence %+v, %v", ev, err)
	}
}

func TestFavicon_served(t *testing.T) {
	for _, d := range []Device{hikDev, dahuaDev, nvrDev} {
		icon := Favicon(d.Profile)
		if len(icon) < 22 || !bytes.HasPrefix(icon, []byte{0, 0, 1, 0, 1, 0}) {
			t.Fatalf("%s: icon % x", d.Profile, icon)
		}
		head, body := dial(t, start(t, d, 80)).do("GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n")
		if !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") || body != string(icon) {
			t.Errorf("%s: %q, %d bytes", d.Profile, head, len(body))
		}
		sum := md5.Sum(icon)
		if got := httpprobe.FaviconFields([]byte(body))["http.favicon_md5"]; got != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: md5 %s", d.Profile, got)
		}
	}
	if !bytes.Equal(Favicon(ProfileHikvision), Favicon(ProfileHikvisionNVR)) || bytes.Equal(Favicon(ProfileHikvision), Favicon(ProfileDahua)) {
		t.Error("Hikvision's recorders and cameras share one icon, Dahua has its own")
	}
	if Favicon(ProfileAxis) != nil {
		t.Error("the Axis profile serves no icon")
	}
}

func TestHikvisionNVR_services(t *testing.T) {
	e, err := New(nvrDev)
	if err != nil {
		t.Fatal(err)
	}
	var ports []int
	for _, s := range e.Services {
		ports = append(ports, s.Port)
	}
	var udp []string
	for _, s := range e.UDP {
		udp = append(udp, s.Name)
	}
	if !slices.Equal(ports, []int{80, 443, 8000}) || !slices.Equal(udp, []string{"sadp"}) {
		t.Errorf("ports %v, UDP %v: want web (HTTP and HTTPS), SDK and SADP only", ports, udp)
	}

	cl := dial(t, start(t, nvrDev, 80))
	head, body := cl.do("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	// nmap's DNVRS-Webs line: HTTP/1.0, Date, Server, ETag, Content-Length,
	// Content-Type, Connection: close, Last-Modified; no X-Frame-Options.
	if !strings.HasPrefix(head, "HTTP/1.0 200 OK\r\nDate: Thu, 14 May 2020 16:45:35 GMT\r\nServer: DNVRS-Webs\r\nETag: \"0-5e0-") ||
		strings.Contains(head, "X-Frame-Options") || !strings.Contains(body, "/doc/page/login.asp?_") || strings.Contains(body, "format-detection") {
		t.Errorf("root %q %q", head, body)
	}
	head, _ = dial(t, start(t, nvrDev, 80)).do("GET /ISAPI/System/deviceInfo HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 401 Unauthorized\r\n") || !strings.Contains(head, "\r\nServer: DNVRS-Webs\r\n") {
		t.Errorf("ISAPI %q", head)
	}
	head, _ = dial(t, start(t, nvrDev, 80)).do("POST /onvif/device_service HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 404 ") {
		t.Errorf("ONVIF on the NVR %q", head)
	}

	reps := udpService(t, nvrDev, "sadp").Handle(sadp.Inquiry("0f1e2d3c-aaaa-4bbb-8ccc-000000000002"), loopFrom)
	m, err := sadp.ParseProbeMatch(reps[0])
	if err != nil {
		t.Fatal(err)
	}
	if f := m.Fields(); f["sadp.device_description"] != "DS-7608NI-K2" || f["sadp.digital_channels"] != "8" || f["sadp.disk_number"] != "1" {
		t.Errorf("SADP %v", f)
	}
}

func TestHikvision_SDKPort_probe(t *testing.T) {
	for _, d := range []Device{hikDev, nvrDev} {
		addr := netip.MustParseAddrPort(start(t, d, 8000))
		p, err := hiksdk.New(hiksdk.Config{PortConfig: scanner.PortConfig{Ports: []uint16{addr.Port()}, Timeout: 2 * time.Second}, BannerWait: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.ProbePort(t.Context(), scanner.At(addr), nopPacer{})
		if err != nil || len(ev) != 1 || ev[0].Fields["hiksdk.frame"] != "000000100000001e0000001e00000000" || ev[0].Fields["hiksdk.trigger"] != "get-request" {
			t.Errorf("%s: evidence %+v, %v", d.Profile, ev, err)
		}
	}
	// The probe's two bytes past 16 are read before the port closes.
	cl := dial(t, start(t, hikDev, 8000))
	io.WriteString(cl.c, hiksdk.Probe)
	got := make([]byte, 16)
	if _, err := io.ReadFull(cl.br, got); err != nil || got[3] != 0x10 {
		t.Errorf("% x, %v", got, err)
	}
}

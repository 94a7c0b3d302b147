package fingerprint

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/camsweep/camsweep/device"
)

func newEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(Config{Catalog: mustCatalog(t)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func host(ev ...device.Evidence) *device.Host {
	return &device.Host{Addr: netip.MustParseAddr("198.18.10.21"), Evidence: ev}
}

func httpEv(port uint16, f map[string]string) device.Evidence {
	return device.Evidence{Source: device.SourceHTTP, Port: port, Fields: f}
}

func rtspEv(f map[string]string) device.Evidence {
	return device.Evidence{Source: device.SourceRTSP, Port: 554, Fields: f}
}

func TestIdentify_hikvisionAgreeing(t *testing.T) {
	h := host(
		httpEv(80, map[string]string{"http.status": "200", "http.server": "App-webs/", "http.redirect": "/doc/page/login.asp?_"}),
		rtspEv(map[string]string{"rtsp.status": "401", "rtsp.realm": "IP Camera(C2875)", "rtsp.date": "  Thu, May 14 2020 16:45:35 GMT"}),
	)
	id := newEngine(t).Identify(h)
	if id.Vendor != "hikvision" || id.DeviceType != device.TypeCamera {
		t.Fatalf("got vendor %q type %q", id.Vendor, id.DeviceType)
	}
	// HTTP counts once (0.8, the stronger of two hits on the same source),
	// RTSP once (0.8): 1-0.2*0.2.
	if id.Confidence < 0.95 || id.Confidence > 1 {
		t.Errorf("confidence %v, want >= 0.95", id.Confidence)
	}
	if len(id.Conflicts) != 0 {
		t.Errorf("conflicts %+v", id.Conflicts)
	}
	rules := map[string]bool{}
	for _, c := range id.Conclusions {
		rules[c.Rule] = true
	}
	for _, r := range []string{"hikvision.http.server.app-webs", "hikvision.http.redirect.login-asp", "hikvision.rtsp.realm.ip-camera", "hikvision.rtsp.date.two-spaces"} {
		if !rules[r] {
			t.Errorf("rule %s did not fire; conclusions %+v", r, id.Conclusions)
		}
	}
}

func TestIdentify_sameSourceNotIndependent(t *testing.T) {
	// Two HTTP rules on one reply: 0.8 and 0.8 must not become 0.96.
	h := host(httpEv(80, map[string]string{"http.server": "App-webs/", "http.redirect": "/doc/page/login.asp?_"}))
	id := newEngine(t).Identify(h)
	if id.Confidence != 0.8 {
		t.Errorf("confidence %v, want 0.8", id.Confidence)
	}
}

func TestIdentify_weakWebsAlone(t *testing.T) {
	id := newEngine(t).Identify(host(httpEv(80, map[string]string{"http.server": "Webs"})))
	if id.Vendor != "hikvision" {
		t.Fatalf("vendor %q", id.Vendor)
	}
	if id.Confidence >= 0.5 {
		t.Errorf("confidence %v from a generic Server header, want < 0.5", id.Confidence)
	}
}

func TestIdentify_axisTitleVersusHikvisionRealm(t *testing.T) {
	h := host(
		httpEv(80, map[string]string{"http.title": "AXIS"}),
		rtspEv(map[string]string{"rtsp.realm": "IP Camera(D1846)"}),
	)
	id := newEngine(t).Identify(h)
	if id.Vendor != "hikvision" {
		t.Errorf("vendor %q, want hikvision (0.8 beats 0.7)", id.Vendor)
	}
	var lost bool
	for _, c := range id.Conflicts {
		if c.Key == "vendor" && c.Value == "axis" && c.Rule == "axis.http.title.axis" && c.Evidence == 0 {
			lost = true
		}
	}
	if !lost {
		t.Errorf("axis not in conflicts: %+v", id.Conflicts)
	}
	if id.Confidence >= 0.8 || id.Confidence <= 0 {
		t.Errorf("confidence %v: want below the uncontested 0.8", id.Confidence)
	}
}

func TestIdentify_microsoftHTTPAPI(t *testing.T) {
	id := newEngine(t).Identify(host(httpEv(80, map[string]string{"http.server": "Microsoft-HTTPAPI/2.0", "http.status": "404"})))
	if id.DeviceType != device.TypeOther || id.DeviceType.IsVideo() {
		t.Errorf("type %q, want other", id.DeviceType)
	}
	if id.Vendor != "" {
		t.Errorf("vendor %q", id.Vendor)
	}
	if id.Confidence >= 0.5 {
		t.Errorf("confidence %v", id.Confidence)
	}
}

func TestIdentify_dahuaSerial(t *testing.T) {
	h := host(
		httpEv(80, map[string]string{"http.header_names": "CONNECTION,CONTENT-LENGTH,CONTENT-TYPE", "http.title": "WEB SERVICE", "http.bom": "true"}),
		rtspEv(map[string]string{"rtsp.realm": "Login to 4M0747EPAA1D284", "rtsp.server": "Rtsp Server/3.0"}),
	)
	id := newEngine(t).Identify(h)
	if id.Vendor != "dahua" || id.Serial != "4M0747EPAA1D284" || id.DeviceType != device.TypeCamera {
		t.Fatalf("got %+v", id)
	}
	if id.Confidence < 0.9 {
		t.Errorf("confidence %v", id.Confidence)
	}
}

func TestIdentify_nothing(t *testing.T) {
	id := newEngine(t).Identify(host(device.Evidence{Source: device.SourceTCP, Port: 22, Fields: map[string]string{"tcp.state": "open"}}))
	if id.DeviceType != device.TypeUnknown || id.Vendor != "" || id.Confidence != 0 || len(id.Conclusions) != 0 {
		t.Errorf("got %+v", id)
	}
}

func TestFuse_losingVendorModelDropped(t *testing.T) {
	ev := []device.Evidence{{Source: device.SourceHTTP}, {Source: device.SourceRTSP}, {Source: device.SourceONVIF}}
	hits := []device.Conclusion{
		{Key: "vendor", Value: "axis", Rule: "a", Evidence: 0, Weight: 0.5},
		{Key: "model", Value: "M1054", Rule: "a", Evidence: 0, Weight: 0.5},
		{Key: "vendor", Value: "hikvision", Rule: "h", Evidence: 1, Weight: 0.8},
		{Key: "vendor", Value: "hikvision", Rule: "h2", Evidence: 2, Weight: 0.5},
	}
	id := Fuse(ev, hits)
	if id.Vendor != "hikvision" || id.Model != "" {
		t.Fatalf("got %+v", id)
	}
	// win 0.9, lose 0.5: 0.9*(1-0.25)
	if d := id.Confidence - 0.675; d > 1e-9 || d < -1e-9 {
		t.Errorf("confidence %v, want 0.675", id.Confidence)
	}
	if len(id.Conflicts) != 2 {
		t.Errorf("conflicts %+v", id.Conflicts)
	}
}

func TestFuse_deterministicTie(t *testing.T) {
	ev := []device.Evidence{{Source: device.SourceHTTP}, {Source: device.SourceRTSP}}
	a := []device.Conclusion{
		{Key: "vendor", Value: "hikvision", Rule: "h", Evidence: 1, Weight: 0.5},
		{Key: "vendor", Value: "dahua", Rule: "d", Evidence: 0, Weight: 0.5},
	}
	b := []device.Conclusion{a[1], a[0]}
	if x, y := Fuse(ev, a).Vendor, Fuse(ev, b).Vendor; x != y || x != "dahua" {
		t.Errorf("tie broken differently: %q, %q", x, y)
	}
}

func TestIdentify_concurrent(t *testing.T) {
	e := newEngine(t)
	h := host(httpEv(80, map[string]string{"http.server": "DNVRS-Webs"}))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if id := e.Identify(h); id.Vendor != "hikvision" {
				t.Errorf("vendor %q", id.Vendor)
			}
		})
	}
	wg.Wait()
}

func BenchmarkIdentify(b *testing.B) {
	e := newEngine(b)
	h := host(
		httpEv(80, map[string]string{"http.status": "200", "http.server": "App-webs/", "http.title": "", "http.header_names": "Date,Server,Content-Length", "http.redirect": "/doc/page/login.asp?_"}),
		rtspEv(map[string]string{"rtsp.status": "401", "rtsp.realm": "IP Camera(C2875)", "rtsp.date": "  Thu, May 14 2020 16:45:35 GMT", "rtsp.public": "OPTIONS, DESCRIBE"}),
	)
	for b.Loop() {
		e.Identify(h)
	}
}

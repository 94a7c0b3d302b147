package onvif

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// soapServer answers the device service with one body per operation,
// picked from the action in the Content-Type; status 0 means 200.
type op struct {
	status int
	body   []byte
}

func soapServer(t *testing.T, ops map[string]op) (netip.AddrPort, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != DefaultPath {
			http.NotFound(w, r)
			return
		}
		ct := r.Header.Get("Content-Type")
		for name, o := range ops {
			if strings.Contains(ct, `action="`+NSDevice+"/"+name+`"`) && strings.Contains(string(body), "<"+name+" ") {
				w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
				if o.status != 0 {
					w.WriteHeader(o.status)
				}
				w.Write(o.body)
				return
			}
		}
		http.Error(w, "no such op", http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	return netip.MustParseAddrPort(srv.Listener.Addr().String()), &n
}

func newProber(t *testing.T, cfg Config) *Prober {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Date(2014, 12, 24, 19, 14, 30, 0, time.UTC) }
	}
	return scantest.Build(t, New, cfg)
}

func TestProber_ProbePort_notAuthorized(t *testing.T) {
	ap, _ := soapServer(t, map[string]op{
		"GetSystemDateAndTime": {body: fixture(t, "gsoap-getsystemdateandtime.xml")},
		"GetDeviceInformation": {status: http.StatusUnauthorized, body: fixture(t, "hikvision-notauthorized-fault.xml")},
	})
	var pace scantest.Pacer
	ev, err := newProber(t, Config{}).ProbePort(t.Context(), scanner.At(ap), &pace)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 {
		t.Fatalf("%d evidence", len(ev))
	}
	f := ev[0].Fields
	for k, want := range map[string]string{
		"onvif.auth": "required", "onvif.utc_time": "2014-12-24T19:14:37Z", "onvif.clock_offset": "7",
		"onvif.fault": "ter:NotAuthorized", "onvif.hint": "hikvision-ns,onvifext-ns", "onvif.tz": "MoroccoStandardTime0",
	} {
		if f[k] != want {
			t.Errorf("%s = %q, want %q", k, f[k], want)
		}
	}
	if _, ok := f["onvif.manufacturer"]; ok {
		t.Error("manufacturer without authorisation")
	}
	if ev[0].Source != "onvif" || ev[0].Port != ap.Port() {
		t.Errorf("evidence %+v", ev[0])
	}
	// GetSystemDateAndTime, GetServices and GetCapabilities (the fake has
	// neither), GetDeviceInformation, GetNetworkInterfaces, GetHostname:
	// the device's budget.
	if pace.N.Load() != MaxRequests {
		t.Errorf("pacer asked %d times, want %d", pace.N.Load(), MaxRequests)
	}
	if f["onvif.access.get_scopes"] != "skipped" || f["onvif.access.get_services"] != "unsupported" {
		t.Errorf("access fields %v", f)
	}
}

func TestProber_ProbePort_anonymous(t *testing.T) {
	ap, _ := soapServer(t, map[string]op{
		"GetSystemDateAndTime": {body: fixture(t, "gsoap-getsystemdateandtime.xml")},
		"GetDeviceInformation": {body: fixture(t, "dahua-ipc-hfw2231s-s-s2-getdeviceinformation.xml")},
	})
	ev, err := newProber(t, Config{}).ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if err != nil || len(ev) != 1 {
		t.Fatalf("%v %v", ev, err)
	}
	f := ev[0].Fields
	for k, want := range map[string]string{
		"onvif.auth": "none", "onvif.manufacturer": "Dahua", "onvif.model": "IPC-HFW2231S-S-S2",
		"onvif.firmware": "2.800.0000018.0.R", "onvif.serial": "4J0186FPAG00123", "onvif.hardware_id": "1.00",
	} {
		if f[k] != want {
			t.Errorf("%s = %q, want %q", k, f[k], want)
		}
	}
}

// TestProber_ProbePort_notONVIF: a web server's 404, and a port that
// closes at once, are no evidence and no error. The 404 costs two
// requests: GetSystemDateAndTime, and GetDeviceInformation, which some
// device services answer when they fail the clock.
func TestProber_ProbePort_notONVIF(t *testing.T) {
	ap, n := soapServer(t, nil)
	ev, err := newProber(t, Config{Path: "/elsewhere"}).ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if ev != nil || err != nil {
		t.Errorf("404: %v %v", ev, err)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests to a non-ONVIF port", n.Load())
	}

	closing := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), scantest.OpenPort(t))
	ev, err = newProber(t, Config{}).ProbePort(t.Context(), scanner.At(closing), &scantest.Pacer{})
	if ev != nil || err != nil {
		t.Errorf("closing port: %v %v", ev, err)
	}
}

// TestProber_ProbePort_neverEnds: a response that trickles forever is cut
// by the timeout, and one bigger than the limit by MaxBytes.
func TestProber_ProbePort_neverEnds(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/soap+xml")
		w.Write([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>`))
		for {
			if _, err := w.Write([]byte("<a>x</a>")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-done:
				return
			case <-r.Context().Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
	}))
	defer srv.Close()
	defer close(done)
	ap := netip.MustParseAddrPort(srv.Listener.Addr().String())

	start := time.Now()
	ev, err := newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 200 * time.Millisecond, MaxBytes: 1 << 30}}).ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if ev != nil || err != nil {
		t.Errorf("trickle: %v %v", ev, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}

	ev, err = newProber(t, Config{PortConfig: scanner.PortConfig{Timeout: 5 * time.Second, MaxBytes: 4 << 10}}).ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if ev != nil || !errors.Is(err, errTooLarge) {
		t.Errorf("oversized: %v %v", ev, err)
	}
}

func TestProber_ProbePort_cancelled(t *testing.T) {
	ap, n := soapServer(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ev, err := newProber(t, Config{}).ProbePort(ctx, scanner.At(ap), &scantest.Pacer{})
	if ev != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("%v %v", ev, err)
	}
	if n.Load() != 0 {
		t.Error("request sent after cancel")
	}
}

func TestNew_validates(t *testing.T) {
	for _, cfg := range []Config{{PortConfig: scanner.PortConfig{Timeout: -1}}, {PortConfig: scanner.PortConfig{MaxBytes: -1}}, {Path: "onvif"}, {Path: "/a b"}, {PortConfig: scanner.PortConfig{UserAgent: "a\nb"}}, {PortConfig: scanner.PortConfig{Ports: []uint16{0}}}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	p := newProber(t, Config{})
	for _, port := range DefaultPorts {
		if !p.Accepts(port) {
			t.Errorf("does not accept %d", port)
		}
	}
	if p.Accepts(554) {
		t.Error("accepts 554")
	}
}

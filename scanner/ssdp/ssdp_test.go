package ssdp

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

func noIfs() ([]net.Interface, error) { return nil, nil }

// device answers M-SEARCH on 127.0.0.1 with the Axis reply pointing at
// desc, and serves desc over HTTP.
func fakeDevice(t *testing.T, desc http.HandlerFunc) uint16 {
	t.Helper()
	srv := httptest.NewServer(desc)
	t.Cleanup(srv.Close)
	reply := strings.Replace(string(readFixture(t, "axis-msearch-response.txt")),
		"http://192.0.2.23:49152/rootdesc1.xml", srv.URL+"/rootdesc1.xml", 1)
	return uint16(scantest.ServeUDP(t, "127.0.0.1", 0, func(req []byte) [][]byte {
		if !strings.HasPrefix(string(req), "M-SEARCH * HTTP/1.1\r\n") {
			return nil
		}
		return [][]byte{[]byte(reply), []byte(strings.Replace(reply, "ST: upnp:rootdevice", "ST: urn:axis-com:service:BasicService:1", 1))}
	}))
}

func sweep(t *testing.T, port uint16, scope scanner.Scope, fetch time.Duration) ([]device.Evidence, int64) {
	t.Helper()
	s := scantest.Build(t, New, Config{Port: port, NoMulticast: true, Window: 300 * time.Millisecond, FetchTimeout: fetch, Interfaces: noIfs})
	var mu sync.Mutex
	var got []device.Evidence
	pace := &scantest.Pacer{}
	if err := s.Sweep(t.Context(), scope, pace, func(ev device.Evidence) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
	}); err != nil {
		t.Fatal(err)
	}
	return got, pace.N.Load()
}

func TestSweeper_Sweep_fetchesDescription(t *testing.T) {
	port := fakeDevice(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rootdesc1.xml" {
			http.NotFound(w, r)
			return
		}
		w.Write(readFixture(t, "axis-rootdesc.xml"))
	})
	got, waits := sweep(t, port, scantest.Scope{netip.MustParseAddr("127.0.0.1")}, time.Second)
	if waits != 2 {
		t.Errorf("pace.Wait %d times, want 2 (one M-SEARCH, one fetch)", waits)
	}
	if len(got) != 2 {
		t.Fatalf("got %d evidence items: %v", len(got), got)
	}
	if got[0].Fields["ssdp.server"] != "Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22" ||
		got[0].Fields["ssdp.st"] != "upnp:rootdevice,urn:axis-com:service:BasicService:1" {
		t.Errorf("message evidence %v", got[0].Fields)
	}
	if got[1].Fields["ssdp.model_name"] != "AXIS M3106-L Mk II" || got[1].Fields["ssdp.manufacturer"] != "AXIS" ||
		got[1].Addr != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("description evidence %+v", got[1])
	}
}

func TestSweeper_Sweep_badDescriptions(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"huge": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<root><device><manufacturer>"))
			w.Write([]byte(strings.Repeat("x", 4*MaxDescription)))
		},
		"slow": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		},
		"not xml": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello")) },
		"404":     http.NotFound,
	} {
		t.Run(name, func(t *testing.T) {
			port := fakeDevice(t, h)
			start := time.Now()
			got, _ := sweep(t, port, scantest.Scope{netip.MustParseAddr("127.0.0.1")}, 300*time.Millisecond)
			if len(got) != 1 || got[0].Fields["ssdp.server"] == "" {
				t.Errorf("got %v", got)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestSweeper_Sweep_outOfScopeLocationNotFetched(t *testing.T) {
	var fetched atomic.Bool
	port := fakeDevice(t, func(w http.ResponseWriter, r *http.Request) { fetched.Store(true) })
	// The responder (127.0.0.1) is asked, but the scope check is on the
	// LOCATION host; a scope without it forbids the fetch.
	scope := onlyIter{scantest.Scope{netip.MustParseAddr("127.0.0.1")}}
	got, _ := sweep(t, port, scope, time.Second)
	if fetched.Load() || len(got) != 1 {
		t.Errorf("fetched %v, got %v", fetched.Load(), got)
	}
}

// onlyIter iterates its list but contains nothing.
type onlyIter struct{ scantest.Scope }

func (onlyIter) Contains(netip.Addr) bool { return false }

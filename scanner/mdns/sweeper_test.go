package mdns

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// responder answers a query that asks for _CGI._tcp with the real
// Hikvision reply, the ID echoed as legacy unicast requires, twice.
func responder(t *testing.T) (uint16, *atomic.Int64) {
	t.Helper()
	var asked atomic.Int64
	port := scantest.ServeUDP(t, "127.0.0.1", 0, func(req []byte) [][]byte {
		var q dns.Msg
		if q.Unpack(req) != nil {
			return nil
		}
		var out [][]byte
		for _, qq := range q.Question {
			if qq.Name == "_CGI._tcp.local." && qq.Qclass&(1<<15) != 0 {
				asked.Add(1)
				r := hikvisionCGI()
				r.Id = q.Id
				b, _ := r.Pack()
				out = append(out, b, b, []byte("garbage")) // answered twice: emitted once
			}
		}
		return out
	})
	return uint16(port), &asked
}

func TestSweeper_Sweep_unicastReply(t *testing.T) {
	port, asked := responder(t)
	s, err := New(Config{Port: port, NoMulticast: true, Window: 300 * time.Millisecond,
		Interfaces: func() ([]net.Interface, error) { return nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []device.Evidence
	pace := &scantest.Pacer{}
	scope := scantest.Scope{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")}
	err = s.Sweep(t.Context(), scope, pace, func(ev device.Evidence) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
	})
	if err != nil {
		t.Fatal(err)
	}
	if pace.N.Load() != 2 {
		t.Errorf("pace.Wait called %d times, want one per target", pace.N.Load())
	}
	if asked.Load() != 1 {
		t.Errorf("responder asked %d times", asked.Load())
	}
	if len(got) != 1 {
		t.Fatalf("got %d evidence items, want 1: %v", len(got), got)
	}
	ev := got[0]
	if ev.Addr != netip.MustParseAddr("127.0.0.1") || ev.Fields["mdns.instance"] != "HIKVISION DS-2CD2722FWD-IZS - 733050075" {
		t.Errorf("evidence %+v", ev)
	}
}

func TestSweeper_Sweep_ctxEnds(t *testing.T) {
	s, err := New(Config{Port: 9, NoMulticast: true, Window: time.Hour,
		Interfaces: func() ([]net.Interface, error) { return nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = s.Sweep(ctx, scantest.Scope{netip.MustParseAddr("127.0.0.1")}, &scantest.Pacer{}, func(device.Evidence) {})
	if time.Since(start) > 2*time.Second {
		t.Errorf("sweep outlived its context")
	}
}

func TestNew_badConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"window":  {Window: -1},
		"group":   {Group: netip.MustParseAddr("198.18.0.1")},
		"service": {Services: []string{"http"}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestSweeper_Sweep_followUp: a responder whose enumeration lists a type the
// first query did not ask (_device-info._tcp) is asked once more, by
// unicast, for that type only, with the instance already heard as a known
// answer; its answer to the follow-up becomes evidence.
func TestSweeper_Sweep_followUp(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	const heard = "Lobby cam v1.2" // a dot inside the label: escaped in the known answer
	type followQ struct {
		questions []string
		known     []string
	}
	follows := make(chan followQ, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 9000)
		for {
			n, src, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var q dns.Msg
			if q.Unpack(buf[:n]) != nil || q.Response {
				continue
			}
			r := new(dns.Msg)
			r.Id, r.Response, r.Authoritative = q.Id, true, true
			ptr := func(owner, target string) dns.RR {
				return &dns.PTR{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 4500}, Ptr: target}
			}
			if q.Question[0].Name == servicesName+".local." {
				r.Answer = append(r.Answer,
					ptr(servicesName+".local.", "_http._tcp.local."),
					ptr(servicesName+".local.", "_device-info._tcp.local."),
					ptr("_device-info._tcp.local.", `Lobby cam v1\.2._device-info._tcp.local.`))
			} else {
				var fq followQ
				for _, qq := range q.Question {
					fq.questions = append(fq.questions, qq.Name)
				}
				for _, rr := range q.Answer {
					if p, ok := rr.(*dns.PTR); ok {
						l := dns.SplitDomainName(p.Ptr)
						fq.known = append(fq.known, l[0])
					}
				}
				follows <- fq
				r.Answer = append(r.Answer, ptr("_device-info._tcp.local.", "Yard cam._device-info._tcp.local."))
				r.Extra = append(r.Extra, &dns.TXT{Hdr: dns.RR_Header{Name: "Yard cam._device-info._tcp.local.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 4500}, Txt: []string{"model=DS-2CD2143G2-I"}})
			}
			b, _ := r.Pack()
			pc.WriteTo(b, src)
		}
	}()
	s, err := New(Config{Port: uint16(pc.LocalAddr().(*net.UDPAddr).Port), NoMulticast: true, Window: 300 * time.Millisecond,
		Interfaces: func() ([]net.Interface, error) { return nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	instances := map[string]map[string]string{}
	err = s.Sweep(t.Context(), scantest.Scope{netip.MustParseAddr("127.0.0.1")}, &scantest.Pacer{}, func(ev device.Evidence) {
		mu.Lock()
		defer mu.Unlock()
		if n := ev.Fields["mdns.instance"]; n != "" {
			instances[n] = ev.Fields
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	pc.Close()
	<-done
	close(follows)
	var got []followQ
	for fq := range follows {
		got = append(got, fq)
	}
	if len(got) != 1 {
		t.Fatalf("%d follow-up queries, want 1", len(got))
	}
	if len(got[0].questions) != 1 || got[0].questions[0] != "_device-info._tcp.local." {
		t.Errorf("follow-up asked %v, want only _device-info._tcp.local.", got[0].questions)
	}
	if len(got[0].known) != 1 || got[0].known[0] != `Lobby\ cam\ v1\.2` {
		t.Errorf("known answers %q, want the instance heard (%q)", got[0].known, heard)
	}
	if instances[heard] == nil || instances["Yard cam"]["mdns.txt.model"] != "DS-2CD2143G2-I" {
		t.Errorf("instances %v", instances)
	}
}

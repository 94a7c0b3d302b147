package mdns

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/camsweep/camsweep/device"
)

func mdnsEv(a netip.Addr, i int) device.Evidence {
	return device.Evidence{Source: device.SourceMDNS, Addr: a, Fields: map[string]string{"mdns.instance": fmt.Sprintf("cam %d", i), "mdns.service": "_http._tcp"}}
}

// TestDedup_floodBoundedPerResponder: a responder flooding distinct
// answers has maxPerResponder of them emitted, each once; its repeats and
// the rest are not, and another responder is not starved (issue 14 item 1).
func TestDedup_floodBoundedPerResponder(t *testing.T) {
	var d dedup
	flood, calm := netip.MustParseAddr("198.18.0.9"), netip.MustParseAddr("198.18.0.10")
	n := 0
	for i := range 5000 {
		for range 2 {
			if d.first(mdnsEv(flood, i)) {
				n++
			}
		}
	}
	if n != maxPerResponder {
		t.Errorf("emitted %d of the flood, want %d", n, maxPerResponder)
	}
	if !d.first(mdnsEv(calm, 0)) || d.first(mdnsEv(calm, 0)) {
		t.Error("the calm responder's answer not emitted exactly once")
	}
	// The drops are counted per responder for the engine (DropCounter).
	if want := 5000 - maxPerResponder; d.byAddr[flood] < want || d.byAddr[calm] != 0 {
		t.Errorf("dropped per responder %v, want at least %d of the flood", d.byAddr, want)
	}
}

// TestDedup_noRepeatsPastMaxSeen: once maxSeen items are remembered, a
// repeat of one of them is still not emitted (it was, before: the engine
// then kept every repeat), and a new item is dropped, not emitted.
func TestDedup_noRepeatsPastMaxSeen(t *testing.T) {
	var d dedup
	base := netip.MustParseAddr("198.18.0.1")
	a := base
	for i := range maxSeen {
		if i%64 == 0 && i > 0 {
			a = a.Next()
		}
		if !d.first(mdnsEv(a, i)) {
			t.Fatalf("item %d not emitted", i)
		}
	}
	if d.first(mdnsEv(base, 0)) {
		t.Error("a repeat emitted past maxSeen")
	}
	if d.first(mdnsEv(a.Next(), 0)) {
		t.Error("a new item emitted past maxSeen")
	}
	if d.dropped != 1 {
		t.Errorf("dropped %d, want 1", d.dropped)
	}
}

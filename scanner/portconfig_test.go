package scanner

import (
	"strings"
	"testing"
	"time"
)

func TestPortConfig_Fill(t *testing.T) {
	d := PortDefaults{Ports: []uint16{554}, Timeout: 4 * time.Second, MaxBytes: 1 << 10, UserAgent: "camsweep"}
	var c PortConfig
	if err := c.Fill("rtsp", d); err != nil {
		t.Fatal(err)
	}
	if c.Timeout != d.Timeout || c.MaxBytes != d.MaxBytes || c.UserAgent != "camsweep" || c.Dial == nil || !c.Accepts(554) || c.Accepts(80) {
		t.Errorf("defaults not filled: %+v", c)
	}
	c.Ports[0] = 1
	if d.Ports[0] != 554 {
		t.Error("Fill shares the defaults' port slice")
	}
	for _, bad := range []PortConfig{{Timeout: -1}, {MaxBytes: -1}, {UserAgent: "a\r\nX: y"}, {Ports: []uint16{80, 0}}} {
		if err := bad.Fill("rtsp", d); err == nil || !strings.HasPrefix(err.Error(), "rtsp: ") {
			t.Errorf("%+v: %v, want an error naming the method", bad, err)
		}
	}
	none := PortConfig{}
	if err := none.Fill("tls", PortDefaults{}); err == nil {
		t.Error("a prober without any timeout accepted")
	}
	given := PortConfig{Ports: []uint16{8554}, Timeout: time.Second}
	if err := given.Fill("rtsp", d); err != nil || given.Timeout != time.Second || !given.Accepts(8554) || given.Accepts(554) {
		t.Errorf("given values lost: %+v %v", given, err)
	}
}

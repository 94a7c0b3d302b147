package syslog

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
)

func TestMessage_Append(t *testing.T) {
	m := Message{Facility: FacilityLocal0, Severity: Severity(device.SeverityHigh),
		Time:     time.Date(2026, 3, 1, 10, 2, 3, 123456789, time.UTC),
		Hostname: "jump 1", AppName: "camsweep", ProcID: "42", MsgID: "device",
		SD:  []Element{{ID: SDID, Params: []Param{{"run_id", `a"b\c]d`}}}},
		Msg: "CEF:0|camsweep|camsweep|1|device-seen|Device seen|8|dst=10.0.0.1"}
	got := string(m.Append(nil))
	want := `<131>1 2026-03-01T10:02:03.123456Z jump_1 camsweep 42 device [camsweep@32473 run_id="a\"b\\c\]d"] CEF:0|camsweep|camsweep|1|device-seen|Device seen|8|dst=10.0.0.1`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	nil5424 := Message{Facility: FacilityLocal0, Severity: SevInformational}
	if got := string(nil5424.Append(nil)); got != "<134>1 - - - - - -" {
		t.Fatalf("nil message: %q", got)
	}
}

func TestMessage_Append_limits(t *testing.T) {
	m := Message{Hostname: strings.Repeat("h", 300), MsgID: strings.Repeat("m", 40) + "\x1b[31m", AppName: "ä"}
	p, err := Parse(m.Append(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Hostname) != maxHostname || len(p.MsgID) != maxMsgID || p.AppName != "__" {
		t.Fatalf("limits not applied: %d %d %q", len(p.Hostname), len(p.MsgID), p.AppName)
	}
}

func TestTruncate(t *testing.T) {
	b, cut := Truncate([]byte("abcdéfgh"), 7)
	if !cut || string(b) != "abcd…" {
		t.Fatalf("%q %v", b, cut)
	}
	if b, cut := Truncate([]byte("abc"), 7); cut || string(b) != "abc" {
		t.Fatalf("%q %v", b, cut)
	}
}

func TestReadFrame(t *testing.T) {
	var b []byte
	b = AppendFrame(b, []byte("one"))
	b = AppendFrame(b, []byte("two\nlines"))
	r := bufio.NewReader(bytes.NewReader(b))
	for _, want := range []string{"one", "two\nlines"} {
		got, err := ReadFrame(r)
		if err != nil || string(got) != want {
			t.Fatalf("got %q %v", got, err)
		}
	}
	if _, err := ReadFrame(r); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	for _, bad := range []string{"0 ", "x ", "12345678 ", "99999999999"} {
		if _, err := ReadFrame(bufio.NewReader(strings.NewReader(bad))); !errors.Is(err, ErrFrame) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := ReadFrame(bufio.NewReader(strings.NewReader("5 ab"))); err != io.ErrUnexpectedEOF {
		t.Errorf("short: %v", err)
	}
}

func FuzzMessage(f *testing.F) {
	f.Add("jump1", "device", "run-1", `CEF:0|camsweep|x|1|a|b|3|msg=a\=b`, 2)
	f.Add("h\x00st", "m sg", "a\"]\\", "{\"a\":1}", 7)
	f.Fuzz(func(t *testing.T, host, msgid, runID, msg string, sev int) {
		m := Message{Facility: FacilityLocal0, Severity: sev & 7, Time: time.Unix(1700000000, 5000).UTC(),
			Hostname: host, AppName: "camsweep", ProcID: "1", MsgID: msgid,
			SD: []Element{{ID: SDID, Params: []Param{{"run_id", runID}}}}, Msg: msg}
		p, err := Parse(m.Append(nil))
		if err != nil {
			t.Fatalf("own output does not parse: %v", err)
		}
		if p.Msg != msg || p.Severity != sev&7 || !p.Time.Equal(m.Time) {
			t.Fatalf("round trip: %+v", p)
		}
		if len(p.SD) != 1 || p.SD[0].Params[0].Value != strings.ToValidUTF8(runID, "\uFFFD") {
			t.Fatalf("SD round trip: %+v", p.SD)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`<131>1 2026-03-01T10:02:03.123456Z h camsweep 42 device [camsweep@32473 run_id="a\"b"] hi`))
	f.Add([]byte(`<0>1 - - - - - -`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		if _, err := Parse(m.Append(nil)); err != nil {
			t.Fatalf("re-encoded message does not parse: %v", err)
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte("3 abc5 hello"))
	f.Add([]byte("0 "))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bufio.NewReader(bytes.NewReader(b))
		var out []byte
		for {
			msg, err := ReadFrame(r)
			if err != nil {
				break
			}
			out = AppendFrame(out, msg)
		}
		if !bytes.HasPrefix(b, out) {
			t.Fatalf("frames re-encode to %q, not a prefix of the input", out)
		}
	})
}

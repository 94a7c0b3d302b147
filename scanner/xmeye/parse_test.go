package xmeye

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// -update rewrites the golden files in testdata/ (scantest.GoldenFields
// reads the flag).
var _ = flag.Bool("update", false, "rewrite the golden files in testdata/")

// readFixture reads testdata/xmeye/<name>.
var readFixture = scantest.Fixtures("xmeye")

var fixtures = []string{"synth-python-dvr-netcommon.bin", "synth-go2rtc-dvr.bin"}

// TestParse_golden: the evidence fields of each fixture, as the scan
// record shows them, against testdata/<fixture>.fields.json.
func TestParse_golden(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			scantest.GoldenFields(t, name, scantest.MustParse(t, Parse, readFixture(t, name)).Fields())
		})
	}
}

func TestParse_pythonDVRKeys(t *testing.T) {
	r := scantest.MustParse(t, Parse, readFixture(t, "synth-python-dvr-netcommon.bin"))
	want := map[string]string{
		"xmeye.msg_id":            "1531",
		"xmeye.ret":               "100",
		"xmeye.mac":               "00:12:41:5a:3c:7e",
		"xmeye.serial":            "c5f2a8e91d7b3046",
		"xmeye.hostname":          "LocalHost",
		"xmeye.ipv4_address":      "192.168.1.10", // "0x0A01A8C0", §10's example
		"xmeye.ipv4_subnet_mask":  "255.255.255.0",
		"xmeye.ipv4_gateway":      "192.168.1.1",
		"xmeye.tcp_port":          "34567",
		"xmeye.http_port":         "80",
		"xmeye.ssl_port":          "8443",
		"xmeye.udp_port":          "34568",
		"xmeye.raw.MaxBps":        "0",
		"xmeye.raw.MonMode":       "TCP",
		"xmeye.raw.TCPMaxConn":    "10",
		"xmeye.raw.TransferPlan":  "Quality",
		"xmeye.raw.UseHSDownLoad": "false",
	}
	scantest.EqualFields(t, r.Fields(), want)
}

func TestParse_go2rtcKeys(t *testing.T) {
	// Header ff 01 00 01 with length 0 and six NULs after the JSON.
	r := scantest.MustParse(t, Parse, readFixture(t, "synth-go2rtc-dvr.bin"))
	f := r.Fields()
	scantest.WantFields(t, f, map[string]string{
		"xmeye.ipv4_address": "198.18.20.70", "xmeye.ipv4_gateway": "198.18.20.1",
		"xmeye.device_type": "0", "xmeye.channels": "8", "xmeye.build_date": "2019-06-17 10:25:06",
		"xmeye.firmware":            "V4.02.R12.A6420029.12201.142300.00000",
		"xmeye.other_function":      "D=2019-06-17 10:25:06 V=c81a720f25e258c",
		"xmeye.raw.NetConnectState": "0", "xmeye.serial": "8d3e61b0f4a29c57",
	})
}

func TestParse_variants(t *testing.T) {
	body := func(nc string) []byte {
		return Frame(MsgSearchReply, []byte(`{"NetWork.NetCommon":{`+nc+`},"Ret":100}`))
	}
	for _, tc := range []struct {
		name string
		in   []byte
		key  string
		want string // "" means absent
	}{
		{"SoftWareVersion when no Version", body(`"SoftWareVersion":"V5.00.R02"`), "xmeye.firmware", "V5.00.R02"},
		{"Version wins", body(`"Version":"V1","SoftWareVersion":"V2"`), "xmeye.firmware", "V1"},
		{"BuildTime", body(`"BuildTime":"2020-01-01"`), "xmeye.build_date", "2020-01-01"},
		{"DeviceType as a class name", body(`"DeviceType":"IPC"`), "xmeye.device_type", "IPC"},
		{"dash MAC upper case", body(`"MAC":"00-12-41-AB-CD-EF"`), "xmeye.mac", "00:12:41:ab:cd:ef"},
		{"malformed MAC", body(`"MAC":"00:12:41"`), "xmeye.mac", ""},
		{"dotted address", body(`"HostIP":"198.18.10.70"`), "xmeye.ipv4_address", "198.18.10.70"},
		{"lower-case hex", body(`"HostIP":"0x460a12c6"`), "xmeye.ipv4_address", "198.18.10.70"},
		{"short hex", body(`"Submask":"0xFFFFFF"`), "xmeye.ipv4_subnet_mask", "255.255.255.0"},
		{"hex too long", body(`"HostIP":"0x1460A12C6"`), "xmeye.ipv4_address", ""},
		{"hex garbage", body(`"HostIP":"0xZZ"`), "xmeye.ipv4_address", ""},
		{"zero address", body(`"GateWay":"0x00000000"`), "xmeye.ipv4_gateway", ""},
		{"IPv6 not an XMEye address", body(`"HostIP":"::1"`), "xmeye.ipv4_address", ""},
		{"object value dropped", body(`"SN":{"x":1}`), "xmeye.serial", ""},
		{"number kept as text", body(`"TCPPort":34567`), "xmeye.tcp_port", "34567"},
		{"unknown scalar kept", body(`"Model":"AHB7008T"`), "xmeye.raw.Model", "AHB7008T"},
		{"unknown object dropped", body(`"Wifi":{"SSID":"x"}`), "xmeye.raw.Wifi", ""},
		{"odd key dropped", body(`"a b":"x"`), "xmeye.raw.a b", ""},
		{"long value dropped", body(`"Note":"` + strings.Repeat("x", maxValue+1) + `"`), "xmeye.raw.Note", ""},
		{"leading NULs", append(Frame(MsgSearchReply, nil), "\x00\x00\n"+`{"NetWork.NetCommon":{"SN":"abc12345"}}`...), "xmeye.serial", "abc12345"},
		{"trailing garbage", append(body(`"SN":"abc12345"`), "\n\x00garbage{}"...), "xmeye.serial", "abc12345"},
	} {
		r, err := Parse(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got, ok := r.Fields()[tc.key]
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: %s = %q (present %v), want %q", tc.name, tc.key, got, ok, tc.want)
		}
	}
}

func TestParse_rawBounded(t *testing.T) {
	var nc []string
	for i := range 3 * MaxRaw {
		nc = append(nc, strconv.Quote("K"+strconv.Itoa(100+i))+`:"v"`)
	}
	r, err := Parse(Frame(MsgSearchReply, []byte(`{"NetWork.NetCommon":{`+strings.Join(nc, ",")+`}}`)))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Raw) != MaxRaw || r.Raw["K100"] != "v" || r.Raw["K"+strconv.Itoa(100+MaxRaw)] != "" {
		t.Errorf("raw %v: want the first %d keys in order", r.Raw, MaxRaw)
	}
}

func TestParse_lyingLength(t *testing.T) {
	real := readFixture(t, "synth-python-dvr-netcommon.bin")
	for _, n := range []uint32{0, 1, 0xffffffff} {
		b := slices.Clone(real)
		b[16], b[17], b[18], b[19] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
		if r, err := Parse(b); err != nil || r.Serial != "c5f2a8e91d7b3046" {
			t.Errorf("length %#x: %+v, %v", n, r, err)
		}
	}
}

func TestParse_notXMEye(t *testing.T) {
	real := readFixture(t, "synth-python-dvr-netcommon.bin")
	wrongHead := slices.Clone(real)
	wrongHead[0] = 0xfe
	for name, in := range map[string][]byte{
		"empty":            nil,
		"short":            real[:19],
		"header only":      real[:HeaderSize],
		"wrong head":       wrongHead,
		"our search":       Search(),
		"login reply 1001": Frame(1001, []byte(`{"NetWork.NetCommon":{},"Ret":100}`)),
		"IP change 1533":   Frame(1533, []byte(`{"Ret":100}`)),
		"truncated JSON":   real[:120],
		"no NetCommon":     Frame(MsgSearchReply, []byte(`{"Ret":100,"SessionID":"0x00000000"}`)),
		"NetCommon null":   Frame(MsgSearchReply, []byte(`{"NetWork.NetCommon":null}`)),
		"NetCommon array":  Frame(MsgSearchReply, []byte(`{"NetWork.NetCommon":[1]}`)),
		"not an object":    Frame(MsgSearchReply, []byte(`[1,2]`)),
		"only NULs":        Frame(MsgSearchReply, []byte("\n\x00\x00")),
		"huge":             Frame(MsgSearchReply, make([]byte, maxMessage)),
		"DHIP frame":       append([]byte("\x20\x00\x00\x00DHIP"), make([]byte, 24)...),
	} {
		if _, err := Parse(in); !errors.Is(err, ErrNotXMEye) {
			t.Errorf("%s: err %v, want ErrNotXMEye", name, err)
		}
	}
}

func TestSearch_bytes(t *testing.T) {
	// python-dvr SearchXM: struct.pack("BBHIIHHI", 255, 0, 0, 0, 0, 0, 1530, 0);
	// docs/protocols/xmeye.md §10: ff 00 00 00 00000000 00000000 0000 fa05 00000000.
	want, _ := hex.DecodeString("ff00000000000000000000000000fa0500000000")
	if got := Search(); !bytes.Equal(got, want) {
		t.Errorf("search % x\nwant   % x", got, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range fixtures {
		f.Add(readFixture(f, name))
	}
	f.Add(Search())
	f.Add(Frame(MsgSearchReply, []byte(`{"NetWork.NetCommon":{"HostIP":"0x","SN":[],"MAC":null,"X":{},"Y":1e999}}`)))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrNotXMEye) {
				t.Fatalf("error %v is not ErrNotXMEye", err)
			}
			return
		}
		if len(r.Raw) > MaxRaw {
			t.Fatalf("%d raw keys", len(r.Raw))
		}
		for k, v := range r.Fields() {
			if v == "" || !strings.HasPrefix(k, "xmeye.") {
				t.Fatalf("field %q=%q", k, v)
			}
		}
	})
}

package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
)

func TestECS_golden(t *testing.T)  { golden(t, "ecs.golden", render(t, "ecs")) }
func TestOCSF_golden(t *testing.T) { golden(t, "ocsf.golden", render(t, "ocsf")) }
func TestCSV_golden(t *testing.T)  { golden(t, "csv.golden", render(t, "csv")) }
func TestCEF_golden(t *testing.T)  { golden(t, "cef.golden", render(t, "cef")) }

func TestNew_everyFormat(t *testing.T) {
	for _, f := range Formats {
		if _, err := New(f, &bytes.Buffer{}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// ecsFieldTypes are the ECS 9.4 field definitions (ecs_flat.yml) of every
// field the ECS writer sets outside its own namespace: the type, and
// whether the field is an array ("normalize: array").
var ecsFieldTypes = map[string]string{
	"@timestamp":           "date",
	"ecs.version":          "keyword",
	"event.id":             "keyword",
	"event.kind":           "keyword",
	"event.category":       "keyword[]",
	"event.type":           "keyword[]",
	"event.action":         "keyword",
	"event.module":         "keyword",
	"event.dataset":        "keyword",
	"event.severity":       "long",
	"event.risk_score":     "float",
	"event.start":          "date",
	"event.end":            "date",
	"event.duration":       "long",
	"event.outcome":        "keyword",
	"message":              "match_only_text",
	"observer.type":        "keyword",
	"observer.vendor":      "keyword",
	"observer.product":     "keyword",
	"observer.version":     "keyword",
	"observer.hostname":    "keyword",
	"host.id":              "keyword",
	"host.ip":              "ip[]",
	"host.mac":             "keyword[]",
	"host.type":            "keyword",
	"device.manufacturer":  "keyword",
	"device.model.name":    "keyword",
	"device.serial_number": "keyword",
	"network.name":         "keyword",
	"network.type":         "keyword",
	"network.vlan.id":      "keyword",
	"rule.id":              "keyword",
	"rule.name":            "keyword",
	"rule.ruleset":         "keyword",
	"rule.description":     "keyword",
	"related.ip":           "ip[]",
}

// ecsAllowed are the allowed values of the categorisation fields used.
// This table and ecsFieldTypes are the check that runs without npm;
// TestECS_fieldList checks the same documents against the field list the
// npm package @elastic/ecs 9.4.0 publishes.
var ecsAllowed = map[string][]string{
	"event.kind":     {"alert", "asset", "enrichment", "event", "metric", "state", "pipeline_error", "signal"},
	"event.category": {"host", "network", "configuration", "vulnerability", "threat", "intrusion_detection"},
	"event.type":     {"access", "change", "end", "info", "start", "allowed", "connection", "denied", "protocol", "creation", "deletion", "indicator"},
	"event.outcome":  {"failure", "success", "unknown"},
}

func TestECS_fieldDefinitions(t *testing.T) {
	out := render(t, "ecs")
	for i, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var doc map[string]any
		if err := json.Unmarshal(line, &doc); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if doc["ecs"].(map[string]any)["version"] != ECSVersion {
			t.Errorf("line %d: no ecs.version", i+1)
		}
		checkECS(t, i+1, "", doc)
	}
}

func checkECS(t *testing.T, line int, prefix string, v map[string]any) {
	for k, val := range v {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		if name == "Camsweep" {
			continue // the custom namespace
		}
		if obj, ok := val.(map[string]any); ok {
			checkECS(t, line, name, obj)
			continue
		}
		typ, ok := ecsFieldTypes[name]
		if !ok {
			t.Errorf("line %d: %s is not an ECS field this test knows", line, name)
			continue
		}
		vals := []any{val}
		if strings.HasSuffix(typ, "[]") {
			arr, ok := val.([]any)
			if !ok {
				t.Errorf("line %d: %s should be an array", line, name)
				continue
			}
			vals, typ = arr, strings.TrimSuffix(typ, "[]")
		}
		for _, x := range vals {
			if err := checkECSValue(typ, x); err != nil {
				t.Errorf("line %d: %s: %v", line, name, err)
			}
			if allowed, ok := ecsAllowed[name]; ok && !contains(allowed, fmt.Sprint(x)) {
				t.Errorf("line %d: %s=%v is not an allowed value", line, name, x)
			}
		}
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func checkECSValue(typ string, x any) error {
	switch typ {
	case "keyword", "match_only_text":
		if _, ok := x.(string); !ok {
			return fmt.Errorf("%v is not a string", x)
		}
	case "date":
		s, _ := x.(string)
		if len(s) < 20 || !strings.HasSuffix(s, "Z") {
			return fmt.Errorf("%v is not an RFC 3339 UTC date", x)
		}
	case "ip":
		s, _ := x.(string)
		if s == "" || strings.Trim(s, "0123456789.:abcdef") != "" {
			return fmt.Errorf("%v is not an IP", x)
		}
	case "long":
		f, ok := x.(float64)
		if !ok || f != float64(int64(f)) {
			return fmt.Errorf("%v is not a long", x)
		}
	case "float":
		if _, ok := x.(float64); !ok {
			return fmt.Errorf("%v is not a float", x)
		}
	default:
		return fmt.Errorf("unknown type %s", typ)
	}
	return nil
}

func hostile() *device.Record {
	recs, _ := sample()
	r := recs[1]
	r.Model = "=cmd|' /C calc'!A0\nCEF:0|forged|x|1|y|z|10|\r\x1b[31mred\x1b[0m a=b \\ |"
	r.Brand = strings.Repeat("M", 10*1024)
	r.Serial = "@SUM(1+1)"
	r.Firmware = "-2+3"
	return r
}

func writeOne(t *testing.T, format string, r *device.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := New(format, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRecord(r); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriters_hostileStrings(t *testing.T) {
	r := hostile()
	for _, f := range []string{"json", "ecs", "ocsf", "csv", "cef"} {
		out := writeOne(t, f, r)
		if bytes.Contains(out, []byte("\x1b")) {
			t.Errorf("%s: an ANSI escape reached the output", f)
		}
		switch f {
		case "json", "ecs", "ocsf":
			for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
				if !json.Valid(line) {
					t.Errorf("%s: a record was split: %q", f, line)
				}
			}
		case "cef":
			lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			if len(lines) != 1+len(r.Findings) {
				t.Fatalf("cef: %d lines, want %d", len(lines), 1+len(r.Findings))
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, "CEF:0|camsweep|camsweep|") || len(l) > 16*1024 {
					t.Errorf("cef: bad line %.200q", l)
				}
				if n := unescapedPipes(l); n != 7 {
					t.Errorf("cef: %d unescaped header pipes, want 7: %.300q", n, l)
				}
			}
			if !strings.Contains(lines[0], `cs3=\=cmd|' /C calc'!A0\nCEF:0|forged|x|1|y|z|10|\r`) {
				t.Errorf("cef: model not escaped as the spec says: %.400s", lines[0])
			}
			if strings.Contains(lines[0], " a=b") {
				t.Error("cef: an injected key=value survived")
			}
		case "csv":
			rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 {
				t.Fatalf("csv: %d rows, want 2", len(rows))
			}
			for i, cell := range rows[1] {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("csv: column %s starts with a formula character: %.40q", CSVHeader[i], cell)
				}
				if len(cell) > maxValue {
					t.Errorf("csv: column %s is %d bytes", CSVHeader[i], len(cell))
				}
			}
		}
	}
}

// unescapedPipes counts the header delimiters of a CEF line, stopping at
// the extension.
func unescapedPipes(l string) int {
	n := 0
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '\\':
			i++
		case '|':
			n++
			if n == 7 {
				return n
			}
		}
	}
	return n
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"plain": "plain", "a=b": "a=b", "": "",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCEFEscaping(t *testing.T) {
	if got := CEFHeader(`a|b\c` + "\nd"); got != `a\|b\\c d` {
		t.Errorf("header: %q", got)
	}
	if got := CEFValue(`a=b\c` + "\r\n|"); got != `a\=b\\c\r\n|` {
		t.Errorf("value: %q", got)
	}
}

func TestScore(t *testing.T) {
	want := map[device.Severity]int{0: 0, device.SeverityInfo: 1, device.SeverityLow: 3, device.SeverityMedium: 5, device.SeverityHigh: 8, device.SeverityCritical: 10}
	for s, w := range want {
		if got := Score(s); got != w {
			t.Errorf("Score(%v) = %d, want %d", s, got, w)
		}
	}
}

package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/device"
)

// ecsPackageDir is the npm package @elastic/ecs, pinned to 9.4.0 by
// testdata/ecs/package-lock.json and installed by make deps (npm ci).
var ecsPackageDir = filepath.Join("testdata", "ecs", "node_modules", "@elastic", "ecs")

// ecsFieldDef is one entry of the package's flat field list (EcsFlat, the
// ecs_flat.yml of the ECS release, as the package exports it).
type ecsFieldDef struct {
	Type          string   `json:"type"`
	Normalize     []string `json:"normalize"`
	Pattern       string   `json:"pattern"`
	Required      bool     `json:"required"`
	Beta          string   `json:"beta"`
	AllowedValues []struct {
		Name               string   `json:"name"`
		ExpectedEventTypes []string `json:"expected_event_types"`
	} `json:"allowed_values"`
}

// loadECSFlat reads the flat field list through the package's own entry
// point (package.json "main": build/commonjs/index.js), which is what the
// package publishes as EcsFlat and EcsVersion. Not generated/ecs_flat.js:
// in 9.4.0 that file is a stale build (its index says 8.12.0-dev) and
// lacks the fields added since, device.serial_number among them. The
// list is JavaScript, so node turns it into JSON; node is installed with
// npm by make deps. With CI set, a missing package or node fails the test.
func loadECSFlat(t *testing.T) (string, map[string]ecsFieldDef) {
	t.Helper()
	missing := func(format string, a ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, a...) + " (make deps installs it: npm ci --prefix report/testdata/ecs)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if _, err := os.Stat(filepath.Join(ecsPackageDir, "package.json")); err != nil {
		missing("the npm package @elastic/ecs is not installed: %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed: %v", err)
	}
	abs, err := filepath.Abs(ecsPackageDir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "-e", `const e = require(process.argv[1]); process.stdout.write(JSON.stringify({version: e.EcsVersion, flat: e.EcsFlat}))`, abs)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node reading %s: %v: %s", abs, err, stderr.String())
	}
	var doc struct {
		Version string                 `json:"version"`
		Flat    map[string]ecsFieldDef `json:"flat"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("%s: EcsFlat: %v", abs, err)
	}
	if len(doc.Flat) < 1000 {
		t.Fatalf("%s: only %d fields in EcsFlat", abs, len(doc.Flat))
	}
	return doc.Version, doc.Flat
}

// ecsDocs is every kind of document the ECS writer writes: assets and
// alerts (with a serial, a model and a vendor, and without), every change
// kind, and the run event finished, failed and interrupted.
func ecsDocs(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	add := func(b []byte) {
		for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			if len(l) > 0 {
				out = append(out, l)
			}
		}
	}
	add(render(t, "ecs"))
	add(renderChanges(t, "ecs"))
	recs, rr := reportSample()
	var buf bytes.Buffer
	e := NewECS(&buf, Options{Version: "test", Hostname: "scanner-1"})
	for _, r := range recs {
		if err := e.WriteRecord(r); err != nil {
			t.Fatal(err)
		}
	}
	for _, mod := range []func(*device.RunRecord){
		func(r *device.RunRecord) {},
		func(r *device.RunRecord) { r.ExitStatus = 1 },
		func(r *device.RunRecord) { r.Interrupted, r.ExitStatus = true, 130 },
	} {
		r := *rr
		r.Start = recs[0].Time
		r.End, r.DurationMS = r.Start.Add(90*time.Second), 90000
		mod(&r)
		if err := e.WriteRun(&r); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	add(buf.Bytes())
	return out
}

// TestECS_fieldList checks every field the ECS writer emits outside its
// own namespace against the flat field list of ECS 9.4.0 as the npm
// package @elastic/ecs 9.4.0 publishes it (issue 14 item 15): the field
// exists, its value has the field's type (an array only where the field
// is normalised to one), a field with allowed values has one of them,
// event.type is one the event.category values expect, host.mac matches
// the field's pattern, and the required fields are present. The custom
// namespace "Camsweep" must not be an ECS field set.
func TestECS_fieldList(t *testing.T) {
	version, flat := loadECSFlat(t)
	if version != ECSVersion {
		t.Fatalf("the installed @elastic/ecs is ECS %s, the writer says %s", version, ECSVersion)
	}
	for name := range flat {
		if strings.EqualFold(strings.SplitN(name, ".", 2)[0], "camsweep") {
			t.Errorf("ECS defines %s: the custom namespace would collide", name)
		}
	}
	seen := map[string]bool{}
	docs := ecsDocs(t)
	for i, line := range docs {
		var doc map[string]any
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("document %d: %v", i+1, err)
		}
		if _, ok := doc["Camsweep"].(map[string]any); !ok {
			t.Errorf("document %d: no Camsweep namespace", i+1)
		}
		leaves := map[string]any{}
		flattenECS("", doc, flat, leaves)
		for name, v := range leaves {
			seen[name] = true
			def, ok := flat[name]
			if !ok {
				t.Errorf("document %d: %s is not an ECS %s field; custom fields belong under Camsweep", i+1, name, ECSVersion)
				continue
			}
			for _, err := range checkECSField(name, def, v) {
				t.Errorf("document %d: %s: %v", i+1, name, err)
			}
		}
		for name, def := range flat {
			if def.Required {
				if _, ok := leaves[name]; !ok {
					t.Errorf("document %d: required ECS field %s missing", i+1, name)
				}
			}
		}
		checkEventTypes(t, i+1, flat, leaves)
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	var beta []string
	for _, n := range names {
		if flat[n].Beta != "" {
			beta = append(beta, n)
		}
	}
	t.Logf("%d documents, %d ECS fields checked against @elastic/ecs %s; beta fields used: %s", len(docs), len(names), version, strings.Join(beta, ", "))
	// The writer's ECS homes must all have been exercised, so a field
	// added to the writer is checked too.
	for _, want := range []string{"device.serial_number", "device.model.name", "device.manufacturer", "host.mac", "event.duration", "event.risk_score", "rule.ruleset", "observer.hostname"} {
		if !seen[want] {
			t.Errorf("no document sets %s: the test misses part of the writer", want)
		}
	}
}

// flattenECS writes the leaves of v under their dotted names, skipping the
// custom namespace. An object ECS defines as a field (type object or
// flattened) is a leaf.
func flattenECS(prefix string, v map[string]any, flat map[string]ecsFieldDef, out map[string]any) {
	for k, val := range v {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		if name == "Camsweep" {
			continue
		}
		if obj, ok := val.(map[string]any); ok {
			if def, ok := flat[name]; !ok || (def.Type != "object" && def.Type != "flattened") {
				flattenECS(name, obj, flat, out)
				continue
			}
		}
		out[name] = val
	}
}

// checkECSField checks one value against its ECS definition.
func checkECSField(name string, def ecsFieldDef, v any) []error {
	vals := []any{v}
	if arr, ok := v.([]any); ok {
		if !slices.Contains(def.Normalize, "array") {
			return []error{fmt.Errorf("an array, but ECS does not normalise it to one")}
		}
		vals = arr
	}
	var errs []error
	for _, x := range vals {
		if err := checkECSType(def.Type, x); err != nil {
			errs = append(errs, err)
			continue
		}
		if len(def.AllowedValues) > 0 && !slices.ContainsFunc(def.AllowedValues, func(a struct {
			Name               string   `json:"name"`
			ExpectedEventTypes []string `json:"expected_event_types"`
		}) bool {
			return a.Name == x
		}) {
			errs = append(errs, fmt.Errorf("%v is not one of its allowed values", x))
		}
		if def.Pattern != "" {
			if s, _ := x.(string); !regexp.MustCompile(def.Pattern).MatchString(s) {
				errs = append(errs, fmt.Errorf("%q does not match %s", s, def.Pattern))
			}
		}
	}
	return errs
}

// checkECSType checks a JSON value (decoded with UseNumber) against an ECS
// field type.
func checkECSType(typ string, x any) error {
	switch typ {
	case "keyword", "constant_keyword", "wildcard", "text", "match_only_text":
		if _, ok := x.(string); !ok {
			return fmt.Errorf("%v (%T) is not a string for a %s field", x, x, typ)
		}
	case "date":
		s, _ := x.(string)
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return fmt.Errorf("%v is not an ISO 8601 date: %v", x, err)
		}
	case "ip":
		s, _ := x.(string)
		if _, err := netip.ParseAddr(s); err != nil {
			return fmt.Errorf("%v is not an IP address", x)
		}
	case "long", "integer", "short", "byte", "unsigned_long":
		n, ok := x.(json.Number)
		if !ok {
			return fmt.Errorf("%v is not a number for a %s field", x, typ)
		}
		if _, err := n.Int64(); err != nil {
			return fmt.Errorf("%v is not an integer for a %s field", x, typ)
		}
	case "float", "half_float", "scaled_float", "double":
		n, ok := x.(json.Number)
		if !ok {
			return fmt.Errorf("%v is not a number for a %s field", x, typ)
		}
		if f, err := n.Float64(); err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("%v is not a %s", x, typ)
		}
	case "boolean":
		if _, ok := x.(bool); !ok {
			return fmt.Errorf("%v is not a boolean", x)
		}
	default:
		return fmt.Errorf("type %s not known to this test", typ)
	}
	return nil
}

// checkEventTypes: each event.type value is one that every event.category
// value of the document lists as expected ("expected_event_types").
func checkEventTypes(t *testing.T, doc int, flat map[string]ecsFieldDef, leaves map[string]any) {
	t.Helper()
	cats, _ := leaves["event.category"].([]any)
	types, _ := leaves["event.type"].([]any)
	for _, c := range cats {
		var expected []string
		for _, a := range flat["event.category"].AllowedValues {
			if a.Name == c {
				expected = a.ExpectedEventTypes
			}
		}
		for _, ty := range types {
			if s, _ := ty.(string); !slices.Contains(expected, s) {
				t.Errorf("document %d: event.type %v is not expected with event.category %v (expected: %s)", doc, ty, c, strings.Join(expected, ", "))
			}
		}
	}
}

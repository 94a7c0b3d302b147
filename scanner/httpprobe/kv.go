package httpprobe

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
)

// ErrNotKV reports a body that is not a list of key=value lines.
var ErrNotKV = errors.New("not a key=value list")

// Bounds on a key=value body: a parameter list of a camera is a few
// hundred lines at most.
const (
	maxKVLines = 1024 // lines looked at
	maxKVKey   = 128  // longest key taken
	maxKVKept  = 24   // identity pairs kept
)

// KV is one key=value pair of a parameter-list body, key as sent.
type KV struct{ Key, Value string }

// ParseKeyValues reads a plain-text parameter list, one key=value per line:
// the shape of several makers' unauthenticated or read-only CGI answers
// (Axis param.cgi "root.Brand.ProdNbr=M1065-LW", Dahua magicBox.cgi
// "serialNumber=…", AVTECH Machine.cgi "Firmware.Version=…", Vivotek
// getparam.cgi "system_info_modelname='IP7160'"). CRLF or LF, blank lines
// and quotes around a value (single or double) are tolerated; a line that
// is no pair continues the one before (AVTECH wraps long values) and is
// dropped. The first non-blank line must be a pair and pairs must be at
// least half of the non-blank lines, else ErrNotKV: an HTML page or a
// "Not Found" text is no list.
func ParseKeyValues(b []byte) ([]KV, error) {
	b = bytes.TrimPrefix(b, bom)
	var (
		out         []KV
		lines, bad  int
		sawAnything bool
	)
	for line := range bytes.Lines(b) {
		if lines++; lines > maxKVLines {
			break
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		k, v, ok := bytes.Cut(line, []byte("="))
		key := string(bytes.TrimSpace(k))
		if !ok || !kvKey(key) {
			if !sawAnything {
				return nil, ErrNotKV
			}
			bad++
			continue
		}
		sawAnything = true
		out = append(out, KV{Key: key, Value: clean(unquote(string(bytes.TrimSpace(v))))})
	}
	if len(out) == 0 || bad > len(out) {
		return nil, ErrNotKV
	}
	return out, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func kvKey(k string) bool {
	if k == "" || len(k) > maxKVKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// identityKey reports whether a parameter key names the device itself: its
// brand, product, model, firmware, serial, hardware or kind. Only these
// become evidence; a list holds hundreds of settings that say nothing of
// who made the device, and evidence ends up in records. The test is on the
// key's last segment (after the last "." or "_"), lower-cased, so it stays
// the same for every maker's spelling of the list; "version" and "type"
// count only alone or after "firmware" / "product", because API and codec
// versions are everywhere in those lists.
func identityKey(k string) bool {
	k = strings.ToLower(k)
	segs := strings.FieldsFunc(k, func(r rune) bool { return r == '.' || r == '_' })
	if len(segs) == 0 {
		return false
	}
	last := segs[len(segs)-1]
	switch last {
	case "brand", "prodnbr", "prodfullname", "prodshortname", "prodtype", "serialnumber", "hardwareid",
		"devicetype", "vendor", "updateserial", "hardwareversion", "modelname", "extendedmodelname",
		"firmwareversion", "machinename", "processor":
		return true
	case "version", "type", "name":
		if len(segs) == 1 {
			return true
		}
		prev := segs[len(segs)-2]
		return prev == "firmware" || prev == "product"
	}
	return false
}

// KVFields are the http.kv.<key> evidence fields of a parameter list: the
// identity pairs (identityKey) with a value, key lower-cased, first of each
// key, at most maxKVKept.
func KVFields(kvs []KV) map[string]string {
	f := map[string]string{}
	for _, kv := range kvs {
		if len(f) >= maxKVKept {
			break
		}
		if kv.Value == "" || !identityKey(kv.Key) {
			continue
		}
		k := "http.kv." + strings.ToLower(kv.Key)
		if _, dup := f[k]; !dup {
			f[k] = kv.Value
		}
	}
	return f
}

// propertyListFields reads a JSON answer that carries its properties as
// data.propertyList (Axis basicdeviceinfo.cgi getAllUnrestrictedProperties,
// answered without credentials by AXIS OS: {"apiVersion": "1.3", "data":
// {"propertyList": {"ProdNbr": "M3058", "Version": "10.12.228", …}}}) and
// gives the identity properties as http.kv.<key>, like a parameter list.
// nil when the body has no such object.
func propertyListFields(b []byte) map[string]string {
	var raw struct {
		Data *struct {
			PropertyList map[string]json.RawMessage `json:"propertyList"`
		} `json:"data"`
	}
	if json.Unmarshal(b, &raw) != nil || raw.Data == nil || len(raw.Data.PropertyList) == 0 {
		return nil
	}
	var kvs []KV
	for k, v := range raw.Data.PropertyList {
		if kvKey(k) {
			kvs = append(kvs, KV{Key: k, Value: scalar(v)})
		}
	}
	// Map order is random: sort, so that the maxKVKept cut is stable.
	slices.SortFunc(kvs, func(a, b KV) int { return strings.Compare(a.Key, b.Key) })
	f := KVFields(kvs)
	if len(f) == 0 {
		return nil
	}
	return f
}

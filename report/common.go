package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/camsweep/camsweep/device"
)

// Producer names used by every SIEM format.
const (
	productName = "camsweep"
	vendorName  = "camsweep"
)

// maxValue bounds one string value in the flat formats (CSV, CEF): a
// hostile device can put 10 KB in its model name, and a SIEM truncates or
// drops such lines unpredictably. JSON formats keep values whole.
const maxValue = 1024

// Score maps a severity onto the 0–10 scale of CEF, ECS event.severity and
// event.risk_score: 0 none, info 1, low 3, medium 5, high 8, critical 10.
// Decoders read 0–3 Low, 4–6 Medium, 7–8 High, 9–10 Very-High.
func Score(s device.Severity) int {
	switch s {
	case device.SeverityInfo:
		return 1
	case device.SeverityLow:
		return 3
	case device.SeverityMedium:
		return 5
	case device.SeverityHigh:
		return 8
	case device.SeverityCritical:
		return 10
	}
	return 0
}

// eventID is a deterministic unique id for one emitted record, so a record
// written twice (spool replay) deduplicates in the SIEM.
func eventID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// printable replaces control characters other than those the caller
// escapes itself (keep) and invalid UTF-8 with U+FFFD, so ANSI escape
// sequences from a device cannot reach a terminal or a log viewer.
func printable(s string, keep string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || (isControl(r) && !strings.ContainsRune(keep, r)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || (isControl(r) && !strings.ContainsRune(keep, r)) {
			b.WriteRune('\uFFFD')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// vendorOf is the record's vendor or "".
func vendorOf(r *device.Record) string {
	if r.Vendor != nil {
		return *r.Vendor
	}
	return ""
}

// topFinding is the finding of highest severity, the first one on a tie.
func topFinding(r *device.Record) (device.Finding, bool) {
	if len(r.Findings) == 0 {
		return device.Finding{}, false
	}
	top := r.Findings[0]
	for _, f := range r.Findings[1:] {
		if f.Severity > top.Severity {
			top = f
		}
	}
	return top, true
}

// summary is a one-line human description of a device record.
func summary(r *device.Record) string {
	if f, ok := topFinding(r); ok {
		return f.Summary
	}
	what := string(r.DeviceType)
	if v := vendorOf(r); v != "" {
		what = v + " " + what
	}
	return what + " at " + r.IP + " in zone " + r.Zone.Name
}

func findingIDs(r *device.Record) []string {
	ids := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		ids[i] = f.ID
	}
	return ids
}

func runSummary(rr *device.RunRecord) string {
	state := "finished"
	if rr.Interrupted {
		state = "interrupted"
	}
	return fmt.Sprintf("scan %s: %d addresses probed, %d hosts up, %d cameras, %d flagged, exit status %d",
		state, rr.Probed, rr.HostsUp, rr.Cameras, rr.Flagged, rr.ExitStatus)
}

// switchPortText is where a device hangs, "access-1 Gi1/0/7 (VLAN 99)",
// empty when no switch placed it.
func switchPortText(sp *device.SwitchPort) string {
	if sp == nil {
		return ""
	}
	s := sp.Name + " " + sp.Port
	if sp.VLAN != 0 {
		s += " (VLAN " + strconv.Itoa(sp.VLAN) + ")"
	}
	return s
}

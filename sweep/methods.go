package sweep

import (
	"strings"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/scanner/onvif"
	"github.com/camsweep/camsweep/scanner/protocols"
)

// A scan's discovery methods are the list of scanner/protocols: adding a
// protocol adds one entry there and nothing here
// (docs/ARCHITECTURE.md §Adding a protocol). This file hands that list
// what only sweep can make of the options and describes it for users.

// Kind says when the engine runs a method.
type Kind = protocols.Kind

// The kinds of method.
const (
	KindSweeper = protocols.KindSweeper
	KindHost    = protocols.KindHost
	KindPort    = protocols.KindPort
)

// Method describes one discovery method of a scan for a user: its name
// (the evidence source and the run record's methods entry), its kind and
// what it sends.
type Method struct {
	Name string
	Kind Kind
	Help string
}

// wireOpts is what the constructors get: the shared scanner.WireConfig,
// and what only sweep can make of the options (the credentials file,
// read once, the HTTP follow-up guess of the fingerprint rules).
type wireOpts struct {
	scanner.WireConfig
	creds onvif.Credentials
	guess func(root map[string]string) string
}

// Methods lists every discovery method of a scan in the engine's order,
// for help texts and documentation.
func Methods() []Method {
	var out []Method
	for _, p := range protocols.All() {
		out = append(out, Method{Name: string(p.Source), Kind: p.Kind, Help: p.Help})
	}
	return out
}

// MethodsHelp is the methods' part of `camsweep scan --help`: one entry
// per method, its name and kind, then its help line wrapped to width
// columns under them.
func MethodsHelp(width int) string {
	var b strings.Builder
	for _, m := range Methods() {
		b.WriteString("  " + m.Name + " (" + string(m.Kind) + "):\n")
		line := "    "
		for _, word := range strings.Fields(m.Help) {
			if len(line) > 4 && len(line)+1+len(word) > width {
				b.WriteString(line + "\n")
				line = "    "
			}
			if len(line) > 4 {
				line += " "
			}
			line += word
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// build makes every method of the list, by kind, in the list's order.
func build(w wireOpts) ([]scanner.Sweeper, []scanner.HostProber, []scanner.PortProber, error) {
	return protocols.Build(protocols.Config{WireConfig: w.WireConfig, Credentials: w.creds, Guess: w.guess})
}

// httpGuess is the HTTP prober's follow-up guess: follow-up requests go
// only to the makers whose devices answer them, as the rules judge the
// root page.
func httpGuess(fp *fingerprint.Engine) func(root map[string]string) string {
	return func(root map[string]string) string {
		if g := fp.GuessMaker(device.SourceHTTP, root); g != fingerprint.NotACamera {
			return g
		}
		return httpprobe.NotACamera
	}
}

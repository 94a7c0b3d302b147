package sweep

import (
	"strings"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/fingerprint"
	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/arp"
	"github.com/camsweep/camsweep/scanner/dhip"
	"github.com/camsweep/camsweep/scanner/dvrip"
	"github.com/camsweep/camsweep/scanner/hiksdk"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/scanner/mdns"
	"github.com/camsweep/camsweep/scanner/onvif"
	"github.com/camsweep/camsweep/scanner/rtspprobe"
	"github.com/camsweep/camsweep/scanner/sadp"
	"github.com/camsweep/camsweep/scanner/ssdp"
	"github.com/camsweep/camsweep/scanner/tcpprobe"
	"github.com/camsweep/camsweep/scanner/tlsinfo"
	"github.com/camsweep/camsweep/scanner/wsd"
	"github.com/camsweep/camsweep/scanner/xmeye"
)

// methods is the one list of a scan's discovery methods: adding a
// protocol adds one line here and nothing else outside its package and
// the data files (docs/ARCHITECTURE.md §Adding a protocol). Each line
// names the method by the package's own Source (the method name, the
// evidence source and the prefix of its fields in vendors/FIELDS.md: one
// spelling), says when the engine runs it, gives the line of
// `camsweep scan --help` and the constructor, the package's Wire where
// scanner.WireConfig is all it needs.
//
// Within a kind the order is the engine's: sweepers start in this order,
// port probers run in this order on a port, and the run record's methods
// list them so. The liveness stage is no method of this list: it decides
// which addresses the methods see (see (*Scan).liveness).
var methods = []method{
	sweeper(wsd.Source, wsd.Wire,
		"ONVIF WS-Discovery, UDP 3702: typed probes multicast on each interface and unicast to every target; Hellos heard meanwhile"),
	sweeper(sadp.Source, sadp.Wire,
		"Hikvision SADP, UDP 37020: one probe multicast on each interface and one unicast to every target"),
	sweeper(dhip.Source, dhip.Wire,
		"Dahua DHIP, UDP 37810: one probe multicast on each interface and one unicast to every target"),
	sweeper(dvrip.SearchSource, dvrip.WireSearch,
		"Dahua's legacy search, UDP 5050: by unicast to every target only"),
	sweeper(xmeye.Source, xmeye.Wire,
		"Xiongmai XMEye, UDP 34569: one broadcast to 255.255.255.255 pinned to each interface instead of a multicast, and one unicast to every target"),
	sweeper(mdns.Source, mdns.Wire,
		"mDNS/DNS-SD, UDP 5353: to 224.0.0.251 and, on interfaces with an IPv6 link-local address, to ff02::fb; one unicast to every target"),
	sweeper(ssdp.Source, ssdp.Wire,
		"SSDP, UDP 1900: one M-SEARCH multicast on each interface and one unicast to every target; the device description at LOCATION is fetched only from in-scope addresses"),
	sweeper(arp.Source, arp.Wire,
		"with CAP_NET_RAW, an ARP request to every target on a directly connected subnet; a target there that does not answer is absent and gets nothing more"),
	{Method: Method{Name: string(tcpprobe.Source), Kind: KindHost,
		Help: "a TCP connect to each of --ports; an address silent on the first three ports that no discovery reply came from counts as absent and is not tried further"},
		host: func(w wireOpts) (scanner.HostProber, error) {
			p, err := tcpprobe.Wire(w.WireConfig)
			if err != nil {
				return nil, exitcode.Usagef("%v", err)
			}
			return p, nil
		}},
	{Method: Method{Name: string(device.SourceHTTP), Kind: KindPort,
		Help: `on open web ports one "GET /" (TLS on 443/8443, certificates not verified: this is fingerprinting, not trust), then a few unauthenticated follow-ups (maker pages, /favicon.ico unless the page is clearly no camera's); with a --credentials entry for the address whose protocols include http, one login (HTTP Digest; Basic only inside TLS) after a 401, carried by the later follow-ups`},
		port: func(w wireOpts) (scanner.PortProber, error) {
			return httpprobe.New(httpprobe.Config{PortConfig: scanner.PortConfig{Timeout: w.Timeout, Dial: w.Dial, UserAgent: w.UserAgent}, Guess: w.guess, Login: httpLogin(w.creds)})
		}},
	portProber(rtspprobe.Source, rtspprobe.Wire,
		"on open RTSP ports one OPTIONS and, when that shows no authentication realm, one DESCRIBE without credentials"),
	{Method: Method{Name: string(device.SourceONVIF), Kind: KindPort,
		Help: "on 80, 8080, 8899 and 2000 (and the port of an XAddr WS-Discovery announced for the address) the ONVIF device service, at most 6 SOAP requests per device: clock, services, identity, interfaces, host name, scopes, anonymously; with a --credentials entry for the address, one login (WS-Security, or HTTP Digest when the device asks for it) after an anonymous refusal"},
		port: onvifProber},
	portProber(tlsinfo.Source, tlsinfo.Wire,
		"on 443 and 8443 one TLS handshake for the certificate: no SNI, no verification"),
	portProber(dvrip.Source, dvrip.Wire,
		"on 37777 the Dahua DVRIP realm request that precedes a login (no login follows)"),
	portProber(hiksdk.Source, hiksdk.Wire,
		`on 8000, after a second of listening, nmap's "GET / HTTP/1.0"`),
}

// Kind says when the engine runs a method.
type Kind string

// The kinds of method.
const (
	// KindSweeper runs once for the whole run, for all targets at once
	// (multicast, broadcast, stateless unicast UDP, ARP).
	KindSweeper Kind = "sweeper"
	// KindHost runs once per live target.
	KindHost Kind = "host prober"
	// KindPort runs on each open TCP port it accepts.
	KindPort Kind = "port prober"
)

// Method describes one discovery method of a scan for a user: its name
// (the evidence source and the run record's methods entry), its kind and
// what it sends.
type Method struct {
	Name string
	Kind Kind
	Help string
}

// method is a list entry: the description and the constructor of its
// kind. A constructor may return nil and no error for a method the
// process cannot run (ARP without raw sockets): it is left out.
type method struct {
	Method
	sweeper func(wireOpts) (scanner.Sweeper, error)
	host    func(wireOpts) (scanner.HostProber, error)
	port    func(wireOpts) (scanner.PortProber, error)
}

// wireOpts is what the constructors get: the shared scanner.WireConfig,
// and what only sweep can make of the options (the credentials file,
// read once, the HTTP follow-up guess of the fingerprint rules).
type wireOpts struct {
	scanner.WireConfig
	creds onvif.Credentials
	guess func(root map[string]string) string
}

func sweeper(src device.Source, mk func(scanner.WireConfig) (scanner.Sweeper, error), help string) method {
	return method{Method: Method{Name: string(src), Kind: KindSweeper, Help: help},
		sweeper: func(w wireOpts) (scanner.Sweeper, error) { return mk(w.WireConfig) }}
}

func portProber(src device.Source, mk func(scanner.WireConfig) (scanner.PortProber, error), help string) method {
	return method{Method: Method{Name: string(src), Kind: KindPort, Help: help},
		port: func(w wireOpts) (scanner.PortProber, error) { return mk(w.WireConfig) }}
}

// Methods lists every discovery method of a scan in the engine's order,
// for help texts and documentation.
func Methods() []Method {
	out := make([]Method, len(methods))
	for i, m := range methods {
		out[i] = m.Method
	}
	return out
}

// MethodsHelp is the methods' part of `camsweep scan --help`: one entry
// per method, its name and kind, then its help line wrapped to width
// columns under them.
func MethodsHelp(width int) string {
	var b strings.Builder
	for _, m := range methods {
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
func build(w wireOpts) (sws []scanner.Sweeper, hps []scanner.HostProber, pps []scanner.PortProber, err error) {
	for _, m := range methods {
		switch {
		case m.sweeper != nil:
			s, err := m.sweeper(w)
			if err != nil {
				return nil, nil, nil, err
			}
			if s != nil {
				sws = append(sws, s)
			}
		case m.host != nil:
			p, err := m.host(w)
			if err != nil {
				return nil, nil, nil, err
			}
			if p != nil {
				hps = append(hps, p)
			}
		case m.port != nil:
			p, err := m.port(w)
			if err != nil {
				return nil, nil, nil, err
			}
			if p != nil {
				pps = append(pps, p)
			}
		}
	}
	return sws, hps, pps, nil
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

// Package protocols is the one list of camsweep's discovery protocols:
// for each, the method a scan runs (its name, kind, help line and
// constructor), how its datagrams are read without a probe of ours (passive
// listening, the corpus replay) and which of its fields name other
// addresses of the device (the policy's zone review). Adding a protocol
// is its package, one entry here and the data files
// (docs/ARCHITECTURE.md §Adding a protocol): sweep, passive, corpus and
// policy read this list instead of a per-protocol switch of their own.
//
// The package sits below them all: it imports only the protocol packages,
// so passive and corpus, which sweep imports, can read the list too.
package protocols

import (
	"net/netip"
	"slices"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/arp"
	"github.com/camsweep/camsweep/scanner/dhip"
	"github.com/camsweep/camsweep/scanner/dvrip"
	"github.com/camsweep/camsweep/scanner/hiksdk"
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

// list is the one list. Each entry names the method by the package's own
// Source (the method name, the evidence source and the prefix of its
// fields in vendors/FIELDS.md: one spelling), says when the engine runs
// it, gives the line of `camsweep scan --help` and the constructor, and,
// where the protocol has them, its datagram reader and address fields.
//
// Within a kind the order is the engine's: sweepers start in this order,
// port probers run in this order on a port, and the run record's methods
// list them so. The liveness stage is no entry of this list: it decides
// which addresses the methods see (sweep's (*Scan).liveness).
var list = []Protocol{
	{Source: wsd.Source, Kind: KindSweeper, Sweeper: wire(wsd.Wire),
		Help:     "ONVIF WS-Discovery, UDP 3702: typed probes multicast on each interface and unicast to every target; Hellos heard meanwhile",
		Datagram: &Datagram{Port: wsd.Port, Decode: wsd.Decode, Passive: true}, AddressFields: wsd.AddressFields},
	{Source: sadp.Source, Kind: KindSweeper, Sweeper: wire(sadp.Wire),
		Help:     "Hikvision SADP, UDP 37020: one probe multicast on each interface and one unicast to every target",
		Datagram: &Datagram{Port: sadp.Port, Decode: sadp.Decode, Passive: true}, AddressFields: sadp.AddressFields},
	{Source: dhip.Source, Kind: KindSweeper, Sweeper: wire(dhip.Wire),
		Help:     "Dahua DHIP, UDP 37810: one probe multicast on each interface and one unicast to every target",
		Datagram: &Datagram{Port: dhip.Port, Decode: dhip.Decode, Excerpt: dhip.Frame, Passive: true}, AddressFields: dhip.AddressFields},
	// Not read from captures: its parser takes any 120-byte datagram that
	// starts with b3, which RTP on an even port such as 5050 can be.
	{Source: dvrip.SearchSource, Kind: KindSweeper, Sweeper: wire(dvrip.WireSearch),
		Help:     "Dahua's legacy search, UDP 5050: by unicast to every target only",
		Datagram: &Datagram{Port: dvrip.SearchPort, Decode: dvrip.DecodeSearch}},
	{Source: xmeye.Source, Kind: KindSweeper, Sweeper: wire(xmeye.Wire),
		Help:     "Xiongmai XMEye, UDP 34569: one broadcast to 255.255.255.255 pinned to each interface instead of a multicast, and one unicast to every target",
		Datagram: &Datagram{Port: xmeye.Port, Decode: xmeye.Decode, Excerpt: xmeye.FrameReply, Passive: true}, AddressFields: xmeye.AddressFields},
	{Source: mdns.Source, Kind: KindSweeper, Sweeper: wire(mdns.Wire),
		Help:     "mDNS/DNS-SD, UDP 5353: to 224.0.0.251 and, on interfaces with an IPv6 link-local address, to ff02::fb; one unicast to every target",
		Datagram: &Datagram{Port: mdns.Port, Decode: mdns.Decode, Passive: true}, AddressFields: mdns.AddressFields},
	{Source: ssdp.Source, Kind: KindSweeper, Sweeper: wire(ssdp.Wire),
		Help:     "SSDP, UDP 1900: one M-SEARCH multicast on each interface and one unicast to every target; the device description at LOCATION is fetched only from in-scope addresses",
		Datagram: &Datagram{Port: ssdp.Port, Decode: ssdp.Decode, Passive: true}},
	{Source: arp.Source, Kind: KindSweeper, Sweeper: wire(arp.Wire),
		Help: "with CAP_NET_RAW, an ARP request to every target on a directly connected subnet; a target there that does not answer is absent and gets nothing more"},
	{Source: tcpprobe.Source, Kind: KindHost, Host: tcpHost,
		Help: "a TCP connect to each of --ports; an address silent on the first three ports that no discovery reply came from counts as absent and is not tried further"},
	{Source: device.SourceHTTP, Kind: KindPort, Port: httpProber,
		Help: `on open web ports one "GET /" (TLS on 443/8443, certificates not verified: this is fingerprinting, not trust), then a few unauthenticated follow-ups (maker pages, /favicon.ico unless the page is clearly no camera's); with a --credentials entry for the address whose protocols include http, one login (HTTP Digest; Basic only inside TLS) after a 401, carried by the later follow-ups`},
	{Source: rtspprobe.Source, Kind: KindPort, Port: wire(rtspprobe.Wire),
		Help: "on open RTSP ports one OPTIONS and, when that shows no authentication realm, one DESCRIBE without credentials"},
	{Source: onvif.Source, Kind: KindPort, Port: onvifProber, AddressFields: onvif.AddressFields,
		Help: "on 80, 8080, 8899 and 2000 (and the port of an XAddr WS-Discovery announced for the address) the ONVIF device service, at most 6 SOAP requests per device: clock, services, identity, interfaces, host name, scopes, anonymously; with a --credentials entry for the address, one login (WS-Security, or HTTP Digest when the device asks for it) after an anonymous refusal"},
	{Source: tlsinfo.Source, Kind: KindPort, Port: wire(tlsinfo.Wire),
		Help: "on 443 and 8443 one TLS handshake for the certificate: no SNI, no verification"},
	{Source: dvrip.Source, Kind: KindPort, Port: wire(dvrip.Wire),
		Help: "on 37777 the Dahua DVRIP realm request that precedes a login (no login follows)"},
	{Source: hiksdk.Source, Kind: KindPort, Port: wire(hiksdk.Wire),
		Help: `on 8000, after a second of listening, nmap's "GET / HTTP/1.0"`},
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

// Protocol is one entry of the list. Exactly one constructor is set, the
// one of Kind. A constructor may return nil and no error for a method the
// process cannot run (ARP without raw sockets): Build leaves it out.
type Protocol struct {
	Source device.Source
	Kind   Kind
	// Help is the method's line of `camsweep scan --help`: what it sends.
	Help    string
	Sweeper func(Config) (scanner.Sweeper, error)
	Host    func(Config) (scanner.HostProber, error)
	Port    func(Config) (scanner.PortProber, error)
	// Datagram reads the protocol's replies without a probe of ours; nil
	// for a protocol that needs a conversation.
	Datagram *Datagram
	// AddressFields are the evidence fields that name another address of
	// the device itself (vendors/FIELDS.md): the policy's zone review
	// looks them up in the zones.
	AddressFields []string
}

// Decoder reads one datagram from `from` received at ts as the protocol's
// sweep files a reply. how says how it was provoked: "multicast",
// "unicast" or "passive" (WS-Discovery records it as wsd.via). A
// datagram that is a client's question gives no evidence and no error.
type Decoder func(payload []byte, from netip.AddrPort, how string, ts time.Time) ([]device.Evidence, error)

// Datagram is how a UDP discovery protocol's replies are read from a
// capture or a recording.
type Datagram struct {
	// Port is the protocol's UDP port; passive listening tells the
	// protocol of a datagram by its source or destination port.
	Port   uint16
	Decode Decoder
	// Excerpt frames a reply body published without its binary header
	// (the corpus's excerpt form) so that Decode reads it; nil for a
	// protocol whose datagram is all text.
	Excerpt func(body []byte) []byte
	// Passive says passive listening reads the protocol from captured
	// traffic; the corpus replays every Datagram protocol.
	Passive bool
}

// Config is what the constructors get: the shared scanner.WireConfig, and
// what only the caller can make of its options: the credentials file,
// read once (ONVIF's logins, the web follow-ups' of entries with
// protocols [onvif, http]), and the HTTP follow-up guess of the
// fingerprint rules.
type Config struct {
	scanner.WireConfig
	Credentials onvif.Credentials
	Guess       func(root map[string]string) string
}

// All returns the list in the engine's order. The entries are copies;
// their slices are shared and not to be changed.
func All() []Protocol { return slices.Clone(list) }

// Lookup returns the entry whose Source is name.
func Lookup(name string) (Protocol, bool) {
	for _, p := range list {
		if string(p.Source) == name {
			return p, true
		}
	}
	return Protocol{}, false
}

// AddressFields returns every protocol's AddressFields, in the list's
// order.
func AddressFields() []string {
	var out []string
	for _, p := range list {
		out = append(out, p.AddressFields...)
	}
	return out
}

// Build makes every method of the list, by kind, in the list's order.
func Build(c Config) (sws []scanner.Sweeper, hps []scanner.HostProber, pps []scanner.PortProber, err error) {
	for _, p := range list {
		switch {
		case p.Sweeper != nil:
			s, err := p.Sweeper(c)
			if err != nil {
				return nil, nil, nil, err
			}
			if s != nil {
				sws = append(sws, s)
			}
		case p.Host != nil:
			h, err := p.Host(c)
			if err != nil {
				return nil, nil, nil, err
			}
			if h != nil {
				hps = append(hps, h)
			}
		case p.Port != nil:
			x, err := p.Port(c)
			if err != nil {
				return nil, nil, nil, err
			}
			if x != nil {
				pps = append(pps, x)
			}
		}
	}
	return sws, hps, pps, nil
}

// wire adapts a package's Wire, which needs scanner.WireConfig only.
func wire[M any](mk func(scanner.WireConfig) (M, error)) func(Config) (M, error) {
	return func(c Config) (M, error) { return mk(c.WireConfig) }
}

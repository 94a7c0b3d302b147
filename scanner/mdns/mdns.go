// Package mdns finds devices by multicast DNS and DNS-SD (RFC 6762, RFC
// 6763), the way docs/protocols/mdns.md §7.1 records cameras advertising themselves.
//
// Sent: one DNS query (ID 0, no recursion) with a PTR question for the
// service type enumeration _services._dns-sd._udp.local and one for each
// camera (and printer) service type, every question with the QU bit set
// (RFC 6762 §5.4). It goes to 224.0.0.251:5353 on each interface, to
// [ff02::fb%iface]:5353 (hop limit 255, RFC 6762 §11) on each of those
// that has an IPv6 link-local address, and by unicast to UDP 5353 of every
// in-scope target: devices on routed segments answer such direct queries
// (RFC 6762 §6.7 legacy unicast; nmap's dns-service-discovery does the
// same). Targets are IPv4: nothing is sent to an IPv6 unicast address, and
// a host without IPv6 skips that query quietly. The first query carries no
// known answers: the sweeper knows nothing before it asks.
//
// Follow-up: a responder whose _services._dns-sd._udp answer lists service
// types the first query did not ask for (a device-info, a vendor type) is
// asked once more, by unicast and only it, for those types (at most
// maxFollowTypes). That query carries, as known answers (RFC 6762 §7.1),
// the instances of those types already heard, so responders do not repeat
// them.
//
// Back: DNS responses. Hikvision answers _CGI._tcp with the instance
// "HIKVISION <model> - <serial tail>", an SRV to "<full serial>.local" and
// A/AAAA additionals (§7.1, 128keaton/hikvision-mdns cameras.json); Axis
// answers _axis-video._tcp with "AXIS <model> - <MAC>" and TXT
// macaddress=<MAC>. Any DNS response with the QR bit from an address is a
// match and evidence of that address; unsolicited announcements that reach
// the group port (IPv4 or IPv6) during the window are collected too. A
// response heard over IPv6 comes from a link-local address: its evidence,
// marked mdns.via=ipv6, goes to the in-scope IPv4 addresses its A records
// give, else to the in-scope IPv4 responder whose answer gave the sender
// as an AAAA address, else to the IPv6 sender (outside the scope, so the
// engine reports it as a stray). The sweeper concludes nothing: rules in
// vendors/rules/mdns.yaml do.
//
// Parse is pure and bounded: it relies on miekg/dns to reject compression
// loops and pointers out of range, and caps what it keeps itself.
package mdns

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Transport facts of RFC 6762.
const (
	Port          = 5353
	DefaultWindow = 2 * time.Second
)

// Group is the IPv4 mDNS group.
var Group = netip.MustParseAddr("224.0.0.251")

// Group6 is the IPv6 mDNS group, of link-local scope.
var Group6 = netip.MustParseAddr("ff02::fb")

// HopLimit6 is the hop limit of the IPv6 query: RFC 6762 §11 has mDNS
// packets sent with 255 so that a receiver can tell they never crossed a
// router (a link-local group is never forwarded anyway).
const HopLimit6 = 255

// DefaultServices are the service types asked for besides the enumeration:
// the camera types of docs/protocols/mdns.md §7.1 and the printer types, so that a
// printer says what it is.
var DefaultServices = []string{
	"_CGI._tcp",        // Hikvision
	"_psia._tcp",       // Hikvision (PSIA), per discovery tools
	"_axis-video._tcp", // Axis cameras
	"_axis-nvr._tcp",   // Axis recorders
	"_arec._tcp",       // Arecont
	"_onvif._tcp",
	"_rtsp._tcp",
	"_http._tcp",
	"_ipp._tcp",
	"_printer._tcp",
	"_pdl-datastream._tcp",
}

// Config configures a Sweeper. Zero values take the defaults.
type Config struct {
	// Iface restricts the sweep to one interface; empty means all.
	Iface string
	// Window is how long replies are awaited after the last query.
	Window time.Duration
	// Services overrides DefaultServices ("_CGI._tcp" form).
	Services []string
	// NoMulticast sends unicast only and never joins a group, IPv4 or
	// IPv6.
	NoMulticast bool
	// Port and Group are seams for tests; zero means 5353 and the group.
	Port  uint16
	Group netip.Addr
	// ListenPacket, Interfaces and Interfaces6 are the socket seams of
	// udpsweep.Config.
	ListenPacket func(ctx context.Context, network, address string) (net.PacketConn, error)
	Interfaces   func() ([]net.Interface, error)
	Interfaces6  func() ([]net.Interface, error)
	// Log receives debug messages, such as why no IPv6 query went out.
	Log zerolog.Logger
}

// Sweeper is the "mdns" scanner.Sweeper.
type Sweeper struct {
	cfg   Config
	query []byte

	mu      sync.Mutex
	dropped map[netip.Addr]int // of the last Sweep, per responder
}

// Dropped implements scanner.DropCounter: the answers of each responder
// that the last Sweep dropped past maxPerResponder.
func (s *Sweeper) Dropped() map[netip.Addr]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.dropped)
}

var _ scanner.Sweeper = (*Sweeper)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Sweeper, error) {
	if cfg.Window < 0 {
		return nil, errors.New("mdns: negative window")
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Port == 0 {
		cfg.Port = Port
	}
	if !cfg.Group.IsValid() {
		cfg.Group = Group
	}
	if !cfg.Group.Is4() || !cfg.Group.IsMulticast() {
		return nil, fmt.Errorf("mdns: group %s is not an IPv4 multicast address", cfg.Group)
	}
	if cfg.Services == nil {
		cfg.Services = DefaultServices
	}
	q, err := Query(cfg.Services)
	if err != nil {
		return nil, err
	}
	return &Sweeper{cfg: cfg, query: q}, nil
}

// Name implements scanner.Sweeper.
func (s *Sweeper) Name() string { return "mdns" }

// Query builds the DNS-SD query: the enumeration and a PTR question per
// service type, all in .local with the QU bit.
func Query(services []string) ([]byte, error) {
	m := new(dns.Msg)
	names := append([]string{servicesName}, services...)
	for _, n := range names {
		ls := labels(n)
		if len(ls) < 2 || !isServiceLabel(ls[len(ls)-2]) || !isProtoLabel(ls[len(ls)-1]) {
			return nil, fmt.Errorf("mdns: %q is not a service type like _http._tcp", n)
		}
		m.Question = append(m.Question, dns.Question{
			Name:   dns.Fqdn(n + ".local"),
			Qtype:  dns.TypePTR,
			Qclass: dns.ClassINET | 1<<15, // QU: unicast response wanted
		})
	}
	return m.Pack()
}

// Sweep implements scanner.Sweeper: one query by multicast and one per
// in-scope target; every response's evidence is emitted once per address.
func (s *Sweeper) Sweep(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, emit func(device.Evidence)) error {
	ucfg := udpsweep.Config{
		Port:         s.cfg.Port,
		Iface:        s.cfg.Iface,
		Window:       s.cfg.Window,
		ListenGroup:  !s.cfg.NoMulticast,
		ListenPacket: s.cfg.ListenPacket,
		Interfaces:   s.cfg.Interfaces,
		Interfaces6:  s.cfg.Interfaces6,
		Log:          s.cfg.Log,
	}
	if !s.cfg.NoMulticast {
		ucfg.Group = s.cfg.Group
		ucfg.Group6, ucfg.HopLimit6 = Group6, HopLimit6
	}
	w := &sweep{scope: scope, emit: emit, f: newFollow(s.cfg.Services)}
	// What was heard over IPv6 from an address no A record ties to the
	// scope waits for the end, when every IPv4 answer is in.
	defer func() { // after flush, which emits too
		w.d.mu.Lock()
		n := w.d.dropped
		byAddr := maps.Clone(w.d.byAddr)
		w.d.mu.Unlock()
		s.mu.Lock()
		s.dropped = byAddr
		s.mu.Unlock()
		if n > 0 {
			s.cfg.Log.Warn().Int("dropped", n).Int("per_responder", maxPerResponder).Msg("mdns: answers beyond the per-responder bound were dropped")
		}
	}()
	defer w.flush()
	if err := udpsweep.Run(ctx, ucfg, scope, pace, s.query, w.handle); err != nil {
		return err
	}
	targets, q, err := w.f.query()
	if err != nil || len(targets) == 0 || ctx.Err() != nil {
		return err
	}
	// Unicast to responders that just answered: a shorter window will do.
	ucfg.Group, ucfg.Group6, ucfg.ListenGroup = netip.Addr{}, netip.Addr{}, false
	ucfg.Window = min(ucfg.Window, followWindow)
	return udpsweep.Run(ctx, ucfg, targets, pace, q, w.handle)
}

// sweep is the state of one Sweep: what the follow-up needs, what was
// emitted, and what was heard over IPv6.
type sweep struct {
	scope scanner.Scope
	emit  func(device.Evidence)
	f     *follow
	d     dedup
	v6    heard6
}

// handle judges one datagram: a DNS response becomes evidence of its
// sender (IPv4) or of the addresses its A records give (IPv6, handle6).
func (w *sweep) handle(r udpsweep.Reply) {
	m, err := Parse(r.Payload)
	if err != nil || !m.Response {
		return // not DNS, or another querier's question
	}
	from := r.From.Addr()
	if from.Is6() {
		w.handle6(r.From, m)
		return
	}
	if w.scope.Contains(from) {
		w.f.heard(from, m)
		w.v6.link(from, m)
	}
	for _, ev := range m.Evidence(r.From) {
		w.once(ev)
	}
}

func (w *sweep) once(ev device.Evidence) {
	if w.d.first(ev) {
		w.emit(ev)
	}
}

// Bounds of the follow-up round.
const (
	maxFollowTypes = 16  // service types asked in the follow-up query
	maxFollowHosts = 256 // responders asked again
	maxKnown       = 64  // known answers carried

	followWindow = time.Second
)

// follow gathers, during the first round, the service types responders
// listed and the instances heard, for the follow-up query.
type follow struct {
	mu     sync.Mutex
	asked  map[string]bool
	types  []string              // listed, not asked, in first-heard order
	hosts  []netip.Addr          // responders that listed one of types
	known  map[string][]Instance // service type -> instances heard
	listed map[netip.Addr]bool
}

func newFollow(asked []string) *follow {
	f := &follow{asked: map[string]bool{}, known: map[string][]Instance{}, listed: map[netip.Addr]bool{}}
	for _, s := range asked {
		f.asked[strings.ToLower(s)] = true
	}
	return f
}

func (f *follow) heard(from netip.Addr, m Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range m.Types {
		if f.asked[strings.ToLower(t)] {
			continue
		}
		if !slices.Contains(f.types, t) && len(f.types) < maxFollowTypes {
			f.types = append(f.types, t)
		}
		if slices.Contains(f.types, t) && !f.listed[from] && len(f.hosts) < maxFollowHosts {
			f.listed[from] = true
			f.hosts = append(f.hosts, from)
		}
	}
	for _, in := range m.Instances {
		k := strings.ToLower(in.Service)
		if len(f.known[k]) < maxKnown && !slices.ContainsFunc(f.known[k], func(x Instance) bool { return x.Name == in.Name }) {
			f.known[k] = append(f.known[k], in)
		}
	}
}

// query returns the responders to ask again and the follow-up query;
// none when no responder listed a type the first query missed.
func (f *follow) query() (scanner.AddrList, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.hosts) == 0 {
		return nil, nil, nil
	}
	var known []Instance
	for _, t := range f.types {
		known = append(known, f.known[strings.ToLower(t)]...)
	}
	q, err := QueryKnown(f.types, known[:min(len(known), maxKnown)])
	return scanner.AddrList(slices.Clone(f.hosts)), q, err
}

// QueryKnown is Query for services with known answers: a PTR per instance
// already heard (RFC 6762 §7.1), so that responders leave those out.
func QueryKnown(services []string, known []Instance) ([]byte, error) {
	b, err := Query(services)
	if err != nil || len(known) == 0 {
		return b, err
	}
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		return nil, err
	}
	m.Question = m.Question[1:] // the enumeration was asked already
	for _, in := range known {
		svc := dns.Fqdn(in.Service + ".local")
		m.Answer = append(m.Answer, &dns.PTR{
			Hdr: dns.RR_Header{Name: svc, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 4500},
			Ptr: escapeLabel(in.Name) + "." + svc,
		})
	}
	return m.Pack()
}

// escapeLabel writes an instance label in miekg/dns's presentation form:
// dots and backslashes inside the label are escaped.
func escapeLabel(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ".", `\.`)
	return r.Replace(s)
}

// dedup drops evidence already emitted for the same address: a responder
// answers the multicast and the unicast query, and announces again. It
// keeps hashes of the items, by address, at most maxPerResponder an
// address and maxSeen in all: a responder flooding distinct answers
// (issue 14: 100,288 items from one device) has its first maxPerResponder
// emitted — more than the engine keeps of one source for one host
// (scanner.DefaultBudgetPerSource), so the record still counts that the
// engine dropped some — and the rest dropped here, counted in dropped.
// Past a bound nothing is emitted: a repeat can no longer be told from a
// new item, and emitting both is what let the flood through.
type dedup struct {
	mu      sync.Mutex
	seen    map[netip.Addr]map[uint64]bool
	keys    int
	dropped int
	// byAddr counts the drops of responders that reached their own bound
	// (only addresses with an entry in seen, so it is bounded as seen is).
	byAddr map[netip.Addr]int
}

// Bounds of dedup.
const (
	maxPerResponder = 2 * scanner.DefaultBudgetPerSource
	maxSeen         = 1 << 16
)

var seed = maphash.MakeSeed()

func (d *dedup) first(ev device.Evidence) bool {
	keys := make([]string, 0, len(ev.Fields))
	for k := range ev.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var h maphash.Hash
	h.SetSeed(seed)
	for _, k := range keys {
		h.WriteString(k)
		h.WriteByte(0)
		h.WriteString(ev.Fields[k])
		h.WriteByte(0)
	}
	k := h.Sum64()
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.seen[ev.Addr]
	switch {
	case m[k]:
		return false
	case len(m) >= maxPerResponder, d.keys >= maxSeen:
		d.dropped++
		if m != nil {
			if d.byAddr == nil {
				d.byAddr = map[netip.Addr]int{}
			}
			d.byAddr[ev.Addr]++
		}
		return false
	}
	if m == nil {
		if d.seen == nil {
			d.seen = map[netip.Addr]map[uint64]bool{}
		}
		m = map[uint64]bool{}
		d.seen[ev.Addr] = m
	}
	m[k] = true
	d.keys++
	return true
}

// Package ssdp finds UPnP devices by SSDP (UPnP Device Architecture 2.0 §1)
// and reads their device descriptions (§2), following docs/protocols/ssdp-upnp.md §7.2.
//
// Sent: M-SEARCH * HTTP/1.1 with ST ssdp:all to 239.255.255.250:1900 on each
// interface and by unicast to UDP 1900 of every in-scope target, and a
// second multicast M-SEARCH with ST upnp:rootdevice for stacks that answer
// only that. Back: HTTPU "HTTP/1.1 200 OK" replies with SERVER, LOCATION,
// ST and USN; NOTIFY announcements that reach the group port during the
// window are kept too. Any such message from an address is a match and
// evidence of that address. Then the LOCATION of each responder is fetched
// (HTTP GET, bounded in size and time, no redirects) when its host is the
// responder's own address and in scope, and the root device's
// manufacturer, modelName, modelNumber, serialNumber, friendlyName and
// presentationURL become a second evidence item.
//
// A LOCATION naming another address is not fetched: a responder must not
// send the scan to another host (twenty responders pointing at one camera
// made twenty connections to it in 5 ms, issue 14) nor take on that host's
// identity. Its message evidence keeps the LOCATION, and the engine
// records the other address as a conflict on the responder
// (device.ConflictLocation). Each host's description is fetched at most
// once a run, paced by that host's own budget (scanner.HostPacer), which
// its probes spend again in their turn. Hikvision and Dahua implement UPnP but no capture
// of their replies was found (§7.2), so SSDP evidence is a weak signal.
//
// Parse and ParseDescription are pure and bounded.
package ssdp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/udpsweep"
)

// Transport facts and defaults.
const (
	Port          = 1900
	DefaultWindow = 3 * time.Second // MX 2 plus the network
	DefaultFetch  = 3 * time.Second // one description fetch
	maxFetching   = 8               // description fetches at once
	maxSTs        = 16              // ST/NT values kept per responder
)

// Group is the SSDP multicast group.
var Group = netip.MustParseAddr("239.255.255.250")

// MSearch returns the M-SEARCH request for st.
func MSearch(st string) []byte {
	return []byte("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: " + st + "\r\n\r\n")
}

// Config configures a Sweeper. Zero values take the defaults.
type Config struct {
	Iface  string
	Window time.Duration
	// FetchTimeout bounds one description fetch.
	FetchTimeout time.Duration
	UserAgent    string
	NoMulticast  bool
	// Port and Group are seams for tests.
	Port  uint16
	Group netip.Addr
	// Dial opens the description fetch's TCP connection; nil uses
	// net.Dialer.
	Dial         scanner.DialFunc
	ListenPacket func(ctx context.Context, network, address string) (net.PacketConn, error)
	Interfaces   func() ([]net.Interface, error)
}

// Sweeper is the "ssdp" scanner.Sweeper.
type Sweeper struct {
	cfg    Config
	client *http.Client
}

var _ scanner.Sweeper = (*Sweeper)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Sweeper, error) {
	if cfg.Window < 0 || cfg.FetchTimeout < 0 {
		return nil, errors.New("ssdp: negative window or timeout")
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.FetchTimeout == 0 {
		cfg.FetchTimeout = DefaultFetch
	}
	if cfg.Port == 0 {
		cfg.Port = Port
	}
	if !cfg.Group.IsValid() {
		cfg.Group = Group
	}
	if !cfg.Group.Is4() || !cfg.Group.IsMulticast() {
		return nil, fmt.Errorf("ssdp: group %s is not an IPv4 multicast address", cfg.Group)
	}
	if cfg.Dial == nil {
		d := &net.Dialer{}
		cfg.Dial = d.DialContext
	}
	tr := &http.Transport{
		DialContext:            cfg.Dial,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		ResponseHeaderTimeout:  cfg.FetchTimeout,
		MaxResponseHeaderBytes: 16 << 10,
	}
	c := &http.Client{
		Transport:     tr,
		Timeout:       cfg.FetchTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Sweeper{cfg: cfg, client: c}, nil
}

// Name implements scanner.Sweeper.
func (s *Sweeper) Name() string { return "ssdp" }

// responder is what the sweep heard from one address.
type responder struct {
	from      netip.AddrPort
	server    string
	usn       string
	sts       []string
	locations []string
}

func (r *responder) add(m Message) {
	if r.server == "" {
		r.server = m.Server
	}
	if r.usn == "" {
		r.usn = m.USN
	}
	if m.Location != "" && !slices.Contains(r.locations, m.Location) && len(r.locations) < 4 {
		r.locations = append(r.locations, m.Location)
	}
	if m.ST != "" && !slices.Contains(r.sts, m.ST) && len(r.sts) < maxSTs {
		r.sts = append(r.sts, m.ST)
	}
}

func (r *responder) evidence() device.Evidence {
	f := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			f["ssdp."+k] = v
		}
	}
	set("server", r.server)
	set("usn", r.usn)
	if len(r.locations) > 0 {
		set("location", r.locations[0])
	}
	st := slices.Clone(r.sts)
	slices.Sort(st)
	set("st", strings.Join(st, ","))
	return device.Evidence{Source: device.SourceSSDP, Addr: r.from.Addr(), Port: r.from.Port(), Fields: f}
}

// emptyScope has no targets: the second M-SEARCH is multicast only.
type emptyScope struct{}

type noAddrs struct{}

func (noAddrs) Next() (netip.Addr, bool)    { return netip.Addr{}, false }
func (emptyScope) Iter() scanner.AddrSource { return noAddrs{} }
func (emptyScope) Contains(netip.Addr) bool { return false }

// Sweep implements scanner.Sweeper.
func (s *Sweeper) Sweep(ctx context.Context, scope scanner.Scope, pace scanner.Pacer, emit func(device.Evidence)) error {
	var mu sync.Mutex
	byAddr := map[netip.Addr]*responder{}
	var order []netip.Addr
	handle := func(r udpsweep.Reply) {
		m, err := Parse(r.Payload)
		if err != nil || m.Kind == KindSearch {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		a := r.From.Addr()
		rs := byAddr[a]
		if rs == nil {
			if len(byAddr) >= 1<<16 {
				return
			}
			rs = &responder{from: r.From}
			byAddr[a] = rs
			order = append(order, a)
		}
		rs.add(m)
	}
	base := udpsweep.Config{
		Port:         s.cfg.Port,
		Iface:        s.cfg.Iface,
		Window:       s.cfg.Window,
		ListenPacket: s.cfg.ListenPacket,
		Interfaces:   s.cfg.Interfaces,
	}
	all := base
	if !s.cfg.NoMulticast {
		all.Group = s.cfg.Group
		all.ListenGroup = true // NOTIFY announcements
	}
	var errs [2]error
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = udpsweep.Run(ctx, all, scope, pace, MSearch("ssdp:all"), handle) })
	if !s.cfg.NoMulticast {
		root := base
		root.Group = s.cfg.Group
		wg.Go(func() { errs[1] = udpsweep.Run(ctx, root, emptyScope{}, pace, MSearch("upnp:rootdevice"), handle) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}

	sem := make(chan struct{}, maxFetching)
	var fwg sync.WaitGroup
	fetched := map[netip.Addr]bool{}
	for _, a := range order {
		rs := byAddr[a]
		emit(rs.evidence())
		if len(rs.locations) == 0 {
			continue
		}
		loc := rs.locations[0]
		host, ok := fetchable(loc, scope)
		if !ok || host != a.Unmap() || fetched[host] {
			continue // elsewhere: the engine notes the LOCATION as a conflict
		}
		fetched[host] = true
		hostPace := pace
		if hp, ok := pace.(scanner.HostPacer); ok {
			hostPace = hp.ForHost(host)
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			fwg.Wait()
			return ctx.Err()
		}
		fwg.Go(func() {
			defer func() { <-sem }()
			d, err := s.Describe(ctx, loc, hostPace)
			if err != nil {
				return // the responder's evidence stands without it
			}
			f := d.Fields()
			f["ssdp.location"] = loc
			emit(device.Evidence{Source: device.SourceSSDP, Addr: a, Port: rs.from.Port(), Fields: f})
		})
	}
	fwg.Wait()
	return errors.Join(errs[0], errs[1])
}

// fetchable returns the host of loc when loc is an http URL whose host is
// an in-scope IP literal: the sweeper never resolves names and never
// touches an address the user did not give.
func fetchable(loc string, scope scanner.Scope) (netip.Addr, bool) {
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "http" {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(u.Hostname())
	if err != nil || !scope.Contains(a.Unmap()) {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// Describe fetches and parses one device description.
func (s *Sweeper) Describe(ctx context.Context, loc string, pace scanner.Pacer) (Description, error) {
	if err := pace.Wait(ctx); err != nil {
		return Description{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return Description{}, err
	}
	if s.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", s.cfg.UserAgent)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return Description{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Description{}, fmt.Errorf("ssdp: %s: status %d", loc, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxDescription+1))
	if err != nil {
		return Description{}, fmt.Errorf("ssdp: %s: %w", loc, err)
	}
	return ParseDescription(b)
}

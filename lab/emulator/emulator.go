// Package emulator answers on TCP the way real IP cameras and the devices
// around them do, so that camsweep's probes and rules meet the same bytes in
// the lab as on a real network.
//
// Each profile (hikvision-camera, dahua-camera, axis-camera, web-server,
// office-pc) is a set of services, one per TCP port. HTTP and RTSP replies are
// rendered from templates embedded under templates/<profile>/, copied from the
// real transcripts in docs/protocols/http.md §5 (HTTP) and §6 (RTSP) with their quirks:
// Hikvision's HTTP/1.0 status line and UTF-8 BOM, Dahua's upper-case header
// names, the two spaces after Hikvision's RTSP "Date:". The binary ports follow
// §10: Hikvision 8000 answers the 16-byte nmap signature once the client has
// sent 16 bytes; Dahua 37777 answers a DVRIP realm request with the realm text
// and UDP 5050 the legacy DVRIP search (§4.2). Hikvision and Dahua web servers
// serve a favicon of arbitrary bytes (Favicon). Dahua and Axis cameras and the
// Hikvision NVR serve their web routes over TLS on 443 too, behind the
// vendor's default certificate (§8, tls.go). The hikvision-nvr profile is a
// recorder on the same platform: DNVRS-Webs web server, SADP, port 8000; no
// ONVIF, WS-Discovery or RTSP, whose NVR replies were not captured.
//
// Listeners use raw TCP rather than net/http because net/http canonicalises
// header names, which would erase the quirks the scanner's rules look for.
// Every connection has read deadlines and bounded reads: a half request or
// garbage closes the connection, never hangs or crashes the emulator.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Profile names.
const (
	ProfileHikvision = "hikvision-camera"
	ProfileDahua     = "dahua-camera"
	ProfileAxis      = "axis-camera"
	ProfileWeb       = "web-server"
	ProfilePC        = "office-pc"
	ProfilePrinter   = "printer"
	ProfileUniview   = "uniview-camera"
	// ProfileHikvisionRTSP is a Hikvision-platform device that exposes only
	// RTSP on 554 (no web UI, no SDK port, no discovery responder): the
	// hikvision-camera RTSP replies and nothing else.
	ProfileHikvisionRTSP = "hikvision-rtsp"
	// ProfileARPOnly is a device that answers nothing but ARP: its
	// emulator serves nothing, and the lab blackholes every reply its
	// kernel would send (TCP RSTs, ICMP), so only ARP, which the kernel
	// answers without consulting routes, gets out (lab/lab.go).
	ProfileARPOnly = "arp-only"
	// ProfileSilent is a host that listens on no port and lets its kernel
	// answer as any host's does: a RST to every SYN, an echo reply to a
	// ping (issue 16: a live host on a routed range that no camera
	// probe names). Unlike arp-only, nothing is blackholed.
	ProfileSilent = "silent-host"
	// ProfileHikvisionNVR is a Hikvision-platform NVR: the hikvision-camera
	// web replies with Server DNVRS-Webs (§5.1), SADP with the recorder's
	// model and channel count, and the SDK port 8000.
	ProfileHikvisionNVR = "hikvision-nvr"
	// ProfileXiongmai is a Xiongmai NETSurveillance/XMEye DVR: XMEye
	// discovery on UDP 34569 (broadcast and unicast), the Sofia port
	// 34567 and the uc-httpd web page (lab/emulator/xmeye.go).
	ProfileXiongmai = "xiongmai-dvr"
)

// Profiles lists the profile names a spec may use.
func Profiles() []string {
	return append([]string{ProfileHikvision, ProfileHikvisionRTSP, ProfileHikvisionNVR, ProfileDahua, ProfileAxis, ProfileUniview, ProfileWeb, ProfilePC, ProfilePrinter, ProfileARPOnly, ProfileSilent, ProfileXiongmai, ProfileReplay},
		HostileProfiles()...)
}

// KnownProfile reports whether name is a profile.
func KnownProfile(name string) bool { return slices.Contains(Profiles(), name) }

// Device is what an emulator pretends to be. Fields a profile does not use
// are ignored.
type Device struct {
	Name     string
	Profile  string
	MAC      net.HardwareAddr
	Model    string
	Serial   string
	Firmware string
	// Realm is the Hikvision RTSP realm token: "C2875" in `IP Camera(C2875)`.
	Realm string
	// Server is the HTTP Server header of profiles with a choice
	// (hikvision-camera: "webserver" or "App-webs/").
	Server string
	// Password, when set, is the admin password the RTSP digest check
	// accepts; empty means no credentials are ever accepted.
	Password string
	// Brand is the OEM label of a relabelled Hikvision- or Dahua-platform
	// device ("Amcrest", "LTS"); empty means the maker's own firmware. It
	// goes where real OEM firmware puts its label: the WS-Discovery name
	// scope and, on Dahua, the DHIP Vendor/Manufacturer.
	Brand string
	// ONVIFAuth is how the ONVIF device service checks credentials: empty
	// for WS-Security and HTTP Digest both, ONVIFAuthDigest for HTTP Digest
	// only, WS-Security tokens ignored (onvif.go).
	ONVIFAuth string
	// ReplayDir and ReplayKey name the corpus directory and the device
	// key of a replay device (ProfileReplay).
	ReplayDir, ReplayKey string
	// Claims and ClaimMACs are the ARP forger's (ProfileHostileARP): the
	// addresses it answers ARP for (its own excepted) and the size of its
	// pool of forged MACs (0: DefaultClaimMACs).
	Claims    netip.Prefix
	ClaimMACs int
	// Peers are other hosts a hostile device names: the scope widener's
	// XAddrs, the SSDP hijacker's LOCATIONs.
	Peers []netip.Addr
	// Announce makes the device talk unasked (DHCP, its maker's cloud in
	// DNS, its discovery notice): announce.go. An announcing device
	// with an RTSP service also streams to a recorder that asks
	// (stream.go).
	Announce bool
	// Records are the cameras an announcing recorder pulls RTSP/RTP
	// from, with Password as the cameras' admin password (stream.go).
	Records []netip.Addr
	// StreamKbps is an announcing camera's RTP bit rate (0:
	// DefaultStreamKbps).
	StreamKbps int
}

// Timeouts bound every connection.
type Timeouts struct {
	Read time.Duration // for each request (head and body)
	Idle time.Duration // between requests on a kept-alive connection
}

// DefaultTimeouts are generous for a scanner, short for a stuck client.
var DefaultTimeouts = Timeouts{Read: 5 * time.Second, Idle: 10 * time.Second}

// Service is one TCP port of a device.
type Service struct {
	Port   int
	Name   string // "http", "https", "rtsp", "hik-sdk", "dvrip"
	Handle func(ctx context.Context, c net.Conn)
}

// Emulator is one device's set of services.
type Emulator struct {
	Device   Device
	Services []Service
	// UDP lists the device's UDP (discovery) services.
	UDP []UDPService
	// Now is the clock for Date headers; a seam for tests.
	Now      func() time.Time
	Timeouts Timeouts
	// NetInterfaces, when set, replaces the namespace's interfaces in the
	// ONVIF GetNetworkInterfaces answer (Interfaces); a seam for tests.
	NetInterfaces func() []NetInterface
	// Raw, when set, is a link-layer responder (the ARP forger): Listen
	// opens it, Serve runs it.
	Raw RawService

	tpl *templates
}

// New builds the emulator of d's profile.
func New(d Device) (*Emulator, error) {
	if !KnownProfile(d.Profile) {
		return nil, fmt.Errorf("emulator: unknown profile %q", d.Profile)
	}
	if d.Profile == ProfileARPOnly || d.Profile == ProfileSilent {
		return &Emulator{Device: d, Now: time.Now, Timeouts: DefaultTimeouts}, nil
	}
	if d.Profile == ProfileReplay {
		return newReplay(d)
	}
	if IsHostile(d.Profile) {
		return newHostile(d)
	}
	tplDir := d.Profile
	switch d.Profile {
	case ProfileHikvisionRTSP, ProfileHikvisionNVR:
		tplDir = ProfileHikvision
	}
	if d.Profile == ProfileHikvisionNVR && d.Server == "" {
		d.Server = "DNVRS-Webs"
	}
	tpl, err := loadTemplates(tplDir)
	if err != nil {
		return nil, err
	}
	e := &Emulator{Device: d, Now: time.Now, Timeouts: DefaultTimeouts, tpl: tpl}
	switch d.Profile {
	case ProfileHikvision:
		e.Services = []Service{
			{Port: 80, Name: "http", Handle: e.httpHandler(e.withONVIF(e.hikvisionHTTP))},
			{Port: 554, Name: "rtsp", Handle: e.rtspHandler(e.hikvisionRTSP)},
			{Port: 8000, Name: "hik-sdk", Handle: e.hikvisionSDK},
		}
		e.UDP = append(e.UDP, e.sadpService())
	case ProfileHikvisionRTSP:
		e.Services = []Service{
			{Port: 554, Name: "rtsp", Handle: e.rtspHandler(e.hikvisionRTSP)},
		}
	case ProfileHikvisionNVR:
		web := e.httpHandler(e.hikvisionHTTP)
		e.Services = []Service{
			{Port: 80, Name: "http", Handle: web},
			{Port: 443, Name: "https", Handle: e.httpsHandler(web)},
			{Port: 8000, Name: "hik-sdk", Handle: e.hikvisionSDK},
		}
		e.UDP = append(e.UDP, e.sadpService())
	case ProfileDahua:
		web := e.httpHandler(e.withONVIF(e.dahuaHTTP))
		e.Services = []Service{
			{Port: 80, Name: "http", Handle: web},
			{Port: 443, Name: "https", Handle: e.httpsHandler(web)},
			{Port: 554, Name: "rtsp", Handle: e.rtspHandler(e.dahuaRTSP)},
			{Port: 37777, Name: "dvrip", Handle: e.dahuaDVRIP},
		}
		e.UDP = append(e.UDP, e.dhipService())
		e.UDP = append(e.UDP, e.dvripSearchService())
	case ProfileAxis:
		web := e.httpHandler(e.withONVIF(e.axisHTTP))
		e.Services = []Service{
			{Port: 80, Name: "http", Handle: web},
			{Port: 443, Name: "https", Handle: e.httpsHandler(web)},
			{Port: 554, Name: "rtsp", Handle: e.rtspHandler(e.axisRTSP)},
		}
	case ProfileUniview:
		e.Services = []Service{
			{Port: 80, Name: "http", Handle: e.httpHandler(e.univiewHTTP)},
			{Port: 554, Name: "rtsp", Handle: e.rtspHandler(e.univiewRTSP)},
		}
	case ProfileXiongmai:
		e.Services = []Service{
			{Port: 80, Name: "http", Handle: e.httpHandler(e.xiongmaiHTTP)},
			{Port: 34567, Name: "sofia", Handle: e.xmeyeSofia},
		}
		e.UDP = append(e.UDP, e.xmeyeService())
	case ProfileWeb:
		e.Services = []Service{
			{Port: 80, Name: "http", Handle: e.httpHandler(e.nginxHTTP)},
		}
	case ProfilePC:
		e.Services = []Service{
			{Port: 5000, Name: "http", Handle: e.httpHandler(e.httpAPI)},
			{Port: 8080, Name: "http", Handle: e.httpHandler(e.httpAPI)},
		}
	case ProfilePrinter:
		e.Services = []Service{
			{Port: 631, Name: "ipp", Handle: e.httpHandler(e.httpAPI)},
		}
	}
	e.UDP = append(e.UDP, e.wsdServices()...)
	e.UDP = append(e.UDP, e.mdnsServices()...)
	e.UDP = append(e.UDP, e.ssdpServices()...)
	e.Services = append(e.Services, e.upnpServices()...)
	if d.Announce {
		e.Raw = &announcer{e: e}
		e.enableStreaming()
	}
	return e, nil
}

// Service returns the service on port, if any.
func (e *Emulator) Service(port int) (Service, bool) {
	for _, s := range e.Services {
		if s.Port == port {
			return s, true
		}
	}
	return Service{}, false
}

// Listen binds every service on addr (the device's address, or the
// unspecified address inside the device's namespace).
func (e *Emulator) Listen(addr netip.Addr) ([]net.Listener, error) {
	var lns []net.Listener
	for _, s := range e.Services {
		ln, err := net.Listen("tcp", net.JoinHostPort(addr.String(), strconv.Itoa(s.Port)))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("emulator %s: %w", e.Device.Name, err)
		}
		lns = append(lns, ln)
	}
	if e.Raw != nil {
		if err := e.Raw.Open(addr); err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("emulator %s: %w", e.Device.Name, err)
		}
	}
	return lns, nil
}

// Serve accepts on lns[i] for e.Services[i] until ctx ends, then closes the
// listeners and waits for open connections to finish.
func (e *Emulator) Serve(ctx context.Context, lns []net.Listener) error {
	if len(lns) != len(e.Services) {
		return errors.New("emulator: one listener per service needed")
	}
	var wg sync.WaitGroup
	for i, ln := range lns {
		wg.Go(func() { ServeListener(ctx, ln, e.Services[i].Handle) })
	}
	if e.Raw != nil {
		wg.Go(func() { e.Raw.Serve(ctx) })
	}
	wg.Wait()
	return nil
}

// ServeListener accepts connections on ln and runs h on each until ctx ends.
// It closes ln and every open connection when ctx ends.
func ServeListener(ctx context.Context, ln net.Listener, h func(context.Context, net.Conn)) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				break
			}
			// Transient (EMFILE and the like): back off, never spin.
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		wg.Go(func() {
			defer c.Close()
			done := context.AfterFunc(ctx, func() { c.Close() })
			defer done()
			h(ctx, c)
		})
	}
	ln.Close()
	wg.Wait()
}

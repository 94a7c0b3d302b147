// Package onvif asks the ONVIF device service of a camera who it is.
//
// Sent, to POST /onvif/device_service (PROTOCOLS.md §2.1) as SOAP 1.2 with
// the action in the Content-Type: GetSystemDateAndTime, which the ONVIF
// default access policy allows before authentication (§2.2), then
// GetDeviceInformation without credentials. Back: the device clock, and
// either Manufacturer/Model/FirmwareVersion/SerialNumber/HardwareId or — on
// most current firmware — a SOAP fault with subcode ter:NotAuthorized, which
// is a normal answer recorded as onvif.auth=required, not an error. Only
// then, and only when Config.Credentials holds one scoped by CIDR to the
// probed address, one GetDeviceInformation with a WS-Security UsernameToken
// PasswordDigest follows, its Created shifted by the device clock offset
// (onvif.login=accepted or rejected).
//
// A match is a SOAP envelope holding a device-service response or fault to
// either request. Anything else on the port (a web server's 404 page, a
// refusal, silence) is "no ONVIF here": no evidence and no error, because
// the engine hands the prober every open web port, not only ONVIF ones.
// Answers are bounded by Config.MaxBytes and Config.Timeout per request.
//
// The parsers (ParseGetDeviceInformation, ParseGetSystemDateAndTime,
// ParseFault) look at namespaces and local names, never at prefixes, since
// devices bind env:, s:, SOAP-ENV: or none. Fixtures in testdata/onvif carry
// the real values of §2.3 and §2.5; fields emitted are in vendors/FIELDS.md.
package onvif

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout   = 4 * time.Second
	DefaultMaxBytes  = MaxResponse
	DefaultPath      = "/onvif/device_service"
	DefaultUserAgent = "camsweep"
)

// DefaultPorts are the ports Accepts takes when Config leaves them empty:
// 80 for almost every camera, 8080/8899/2000 for the ONVIF servers of
// cheaper and OEM firmware.
var DefaultPorts = []uint16{80, 8080, 8899, 2000}

// Config configures a Prober. Zero values take the defaults.
type Config struct {
	// Dial opens the TCP connection; nil uses a net.Dialer.
	Dial scanner.DialFunc
	// Ports the prober Accepts.
	Ports []uint16
	// Path of the device service.
	Path string
	// Timeout bounds one request: connect, send and reading the answer.
	Timeout time.Duration
	// MaxBytes bounds the answer's body.
	MaxBytes int
	// UserAgent is sent as is.
	UserAgent string
	// Now is the local clock the device clock is compared with.
	Now func() time.Time
	// Credentials, when one is scoped to the probed address, are tried
	// once with WS-Security after an anonymous refusal.
	Credentials Credentials
	// Rand supplies WS-Security nonces; nil uses crypto/rand.
	Rand io.Reader
}

// Prober is the "onvif" PortProber.
type Prober struct {
	cfg Config
}

var _ scanner.PortProber = (*Prober)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Prober, error) {
	if cfg.Timeout < 0 || cfg.MaxBytes < 0 {
		return nil, errors.New("onvif: negative timeout or byte limit")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	if !strings.HasPrefix(cfg.Path, "/") || strings.ContainsAny(cfg.Path, " \r\n\t?#") {
		return nil, fmt.Errorf("onvif: bad path %q", cfg.Path)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	for _, c := range cfg.UserAgent {
		if c < ' ' || c == 0x7f {
			return nil, fmt.Errorf("onvif: control character in user agent %q", cfg.UserAgent)
		}
	}
	if cfg.Ports == nil {
		cfg.Ports = slices.Clone(DefaultPorts)
	}
	if slices.Contains(cfg.Ports, 0) {
		return nil, errors.New("onvif: port 0")
	}
	if cfg.Dial == nil {
		cfg.Dial = (&net.Dialer{}).DialContext
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &Prober{cfg: cfg}, nil
}

// Name is the evidence source.
func (p *Prober) Name() string { return string(device.SourceONVIF) }

// Accepts reports whether port is one of the configured ports.
func (p *Prober) Accepts(port uint16) bool { return slices.Contains(p.cfg.Ports, port) }

// ProbePort asks GetSystemDateAndTime, and when that proves a device
// service, GetDeviceInformation, and returns one Evidence for both. A port
// that is not ONVIF gives no evidence and no error; a device service whose
// second answer fails gives the evidence of the first with the error.
func (p *Prober) ProbePort(ctx context.Context, ap netip.AddrPort, pace scanner.Pacer) ([]device.Evidence, error) {
	f := map[string]string{}
	var hints []string

	body, status, err := p.call(ctx, ap, pace, "GetSystemDateAndTime", Request("GetSystemDateAndTime"))
	if err != nil {
		return nil, p.quiet(ctx, ap, err)
	}
	dt, derr := ParseGetSystemDateAndTime(body)
	var (
		fault  *Fault
		offset time.Duration
	)
	switch {
	case derr == nil:
		hints = dt.Hints
		f["onvif.datetime_type"] = dt.DateTimeType
		f["onvif.tz"] = dt.TZ
		if !dt.UTC.IsZero() {
			f["onvif.utc_time"] = dt.UTC.Format(time.RFC3339)
			offset = dt.UTC.Sub(p.cfg.Now().UTC()).Round(time.Second)
			f["onvif.clock_offset"] = strconv.FormatInt(int64(offset/time.Second), 10)
		}
	case errors.As(derr, &fault):
		// Some firmware guards even the pre-auth calls; the fault still
		// proves a device service.
		hints = fault.Hints
		noteFault(f, fault, status)
	default:
		// Not ONVIF: a web page, a 404, a 401 with no SOAP body.
		return nil, nil
	}

	body, status, err = p.call(ctx, ap, pace, "GetDeviceInformation", Request("GetDeviceInformation"))
	var errs []error
	if err != nil {
		if err = p.quiet(ctx, ap, err); err != nil {
			errs = append(errs, err)
		}
	} else {
		di, ierr := ParseGetDeviceInformation(body)
		switch {
		case ierr == nil:
			hints = di.Hints
			f["onvif.auth"] = "none"
			noteInfo(f, di)
		case errors.As(ierr, &fault):
			hints = fault.Hints
			noteFault(f, fault, status)
		case status == http.StatusUnauthorized:
			// HTTP-level refusal (digest only) without a SOAP fault.
			f["onvif.auth"] = "required"
		default:
			errs = append(errs, fmt.Errorf("onvif %s: GetDeviceInformation: %w", ap, ierr))
		}
		if cred, ok := p.cfg.Credentials.For(ap.Addr()); ok && f["onvif.auth"] == "required" {
			if err := p.login(ctx, ap, pace, cred, offset, f); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(hints) > 0 {
		f["onvif.hint"] = strings.Join(hints, ",")
	}
	for k, v := range f {
		if v == "" {
			delete(f, k)
		}
	}
	ev := []device.Evidence{{Source: device.SourceONVIF, Addr: ap.Addr(), Port: ap.Port(), Fields: f, Time: p.cfg.Now()}}
	return ev, errors.Join(errs...)
}

// login makes the one authenticated attempt per probe: a second try could
// count towards the device's lockout (PROTOCOLS.md §2.2, Hikvision locks
// after a few wrong passwords). The credential appears nowhere in the
// evidence or the errors.
func (p *Prober) login(ctx context.Context, ap netip.AddrPort, pace scanner.Pacer, cred Credential, offset time.Duration, f map[string]string) error {
	nonce := make([]byte, 16)
	if _, err := io.ReadFull(p.cfg.Rand, nonce); err != nil {
		return fmt.Errorf("onvif %s: nonce: %w", ap, err)
	}
	created := p.cfg.Now().Add(offset)
	body, _, err := p.call(ctx, ap, pace, "GetDeviceInformation", SecureRequest("GetDeviceInformation", cred, nonce, created))
	if err != nil {
		if err = p.quiet(ctx, ap, err); err != nil {
			return fmt.Errorf("%w (with credentials)", err)
		}
		return nil
	}
	di, err := ParseGetDeviceInformation(body)
	switch {
	case err == nil:
		f["onvif.login"] = "accepted"
		noteInfo(f, di)
	case errors.Is(err, ErrNotAuthorized):
		f["onvif.login"] = "rejected"
	default:
		return fmt.Errorf("onvif %s: GetDeviceInformation with credentials: %w", ap, err)
	}
	return nil
}

func noteInfo(f map[string]string, di *DeviceInformation) {
	set(f, "onvif.manufacturer", di.Manufacturer)
	set(f, "onvif.model", di.Model)
	set(f, "onvif.firmware", di.FirmwareVersion)
	set(f, "onvif.serial", di.SerialNumber)
	set(f, "onvif.hardware_id", di.HardwareID)
}

func set(f map[string]string, k, v string) {
	if v != "" {
		f[k] = v
	}
}

func noteFault(f map[string]string, fault *Fault, status int) {
	f["onvif.fault"] = fault.Subcode()
	if f["onvif.fault"] == "" {
		f["onvif.fault"] = fault.Code
	}
	f["onvif.fault_reason"] = fault.Reason
	if errors.Is(fault, ErrNotAuthorized) || status == http.StatusUnauthorized {
		f["onvif.auth"] = "required"
	}
}

// quiet turns the ways a port says nothing into no error, and keeps the
// rest wrapped with the address.
func (p *Prober) quiet(ctx context.Context, ap netip.AddrPort, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("onvif %s: %w", ap, ctx.Err())
	}
	if errors.Is(err, errTooLarge) {
		return fmt.Errorf("onvif %s: %w", ap, err)
	}
	return nil
}

var errTooLarge = errors.New("answer larger than the byte limit")

// call POSTs one bodiless device-service request and returns the answer's
// body and HTTP status. Every request waits for the pacer first.
func (p *Prober) call(ctx context.Context, ap netip.AddrPort, pace scanner.Pacer, op string, soap []byte) ([]byte, int, error) {
	if err := pace.Wait(ctx); err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	host := ap.String()
	if ap.Port() == 80 {
		host = ap.Addr().String()
		if ap.Addr().Is6() {
			host = "[" + host + "]"
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+ap.String()+p.cfg.Path, bytes.NewReader(soap))
	if err != nil {
		return nil, 0, err
	}
	req.Host = host
	req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8; action="`+NSDevice+"/"+op+`"`)
	req.Header.Set("User-Agent", p.cfg.UserAgent)
	req.Close = true
	tr := &http.Transport{
		DialContext:            p.cfg.Dial,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 16 << 10,
		Proxy:                  nil,
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}).Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(p.cfg.MaxBytes)+1))
	if err != nil {
		return nil, resp.StatusCode, err
	}
	if len(body) > p.cfg.MaxBytes {
		return nil, resp.StatusCode, fmt.Errorf("%s: %w (%d)", op, errTooLarge, p.cfg.MaxBytes)
	}
	return body, resp.StatusCode, nil
}

// Request is the SOAP 1.2 envelope of a bodiless device-service operation
// ("GetDeviceInformation"), in the minimal form of PROTOCOLS.md §2.1.
func Request(op string) []byte {
	return []byte(`<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="` + NSSOAP12 + `"><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><` +
		op + ` xmlns="` + NSDevice + `"/></s:Body></s:Envelope>`)
}

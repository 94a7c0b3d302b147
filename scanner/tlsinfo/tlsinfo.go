// Package tlsinfo reads the certificate a TLS port presents and turns it
// into evidence.
//
// Sent: a TLS ClientHello with no SNI, every cipher suite Go knows
// (including the insecure ones old cameras need) and versions from TLS 1.0
// up; the chain is not verified. Read: the handshake only, within
// Config.Timeout; the connection is closed right after it. A match is a
// completed handshake with a leaf certificate; a port that does not speak
// TLS gives ErrNotTLS. Nothing is sent over the secured connection.
//
// Cameras ship with vendor default certificates (docs/protocols/tls.md §8): Hikvision
// "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION", Dahua issuers "Dahua Device
// XVR CA" and "O=ZheJiang Dahua Technology CO.,LTD.", Axis "CN=axis-<mac>".
// The package knows nothing about vendors: it reports subject, issuer,
// validity, serial, fingerprint and the self-signed flag (vendors/FIELDS.md)
// and vendors/rules/tls.yaml draws the conclusions.
package tlsinfo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/probeconn"
)

// DefaultTimeout bounds one handshake when Config.Timeout is zero.
const DefaultTimeout = 4 * time.Second

// DefaultPorts are the ports Accepts takes when Config.Ports is nil.
var DefaultPorts = []uint16{443, 8443}

// ErrNotTLS reports a port that answered the ClientHello with something
// other than a TLS handshake.
var ErrNotTLS error = scanner.Mismatch("not a TLS server")

// ErrNoCertificate reports a handshake that completed without a server
// certificate (anonymous or PSK suites).
var ErrNoCertificate = errors.New("TLS server sent no certificate")

// Config configures a Prober. Zero values take the defaults; Ports are
// the ports to shake hands on, Timeout bounds connect and handshake.
type Config struct {
	scanner.PortConfig
}

// Prober is the "tls" PortProber.
type Prober struct {
	cfg Config
}

var _ scanner.PortProber = (*Prober)(nil)

// New validates cfg and fills in the defaults.
func New(cfg Config) (*Prober, error) {
	if err := cfg.Fill(device.SourceTLS, scanner.PortDefaults{Ports: DefaultPorts, Timeout: DefaultTimeout}); err != nil {
		return nil, err
	}
	return &Prober{cfg: cfg}, nil
}

// Name is the evidence source.
func (p *Prober) Name() string { return string(device.SourceTLS) }

// Accepts reports whether port is one of Config.Ports.
func (p *Prober) Accepts(port uint16) bool { return p.cfg.Accepts(port) }

// ProbePort shakes hands once and returns one Evidence describing the leaf
// certificate. Silence, refusal and resets give no evidence and no error.
func (p *Prober) ProbePort(ctx context.Context, t scanner.Target, pace scanner.Pacer) ([]device.Evidence, error) {
	ap := t.AddrPort()
	c, err := probeconn.Dial(ctx, "tls", p.cfg.Dial, ap, p.cfg.Timeout, pace)
	if c == nil {
		return nil, err
	}
	defer c.Close()
	ctx, fail := c.Ctx, c.Err
	// We read the certificate, we do not trust it: camera certificates are
	// self-signed for whatever address the device had at first boot. No
	// ServerName means no SNI, as a client that only knows the address.
	tc := tls.Client(c, &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // fingerprinting, see above
		MinVersion:         tls.VersionTLS10,
		CipherSuites:       allSuites(),
	})
	if err := tc.HandshakeContext(ctx); err != nil {
		var rh tls.RecordHeaderError
		if errors.As(err, &rh) {
			return nil, fmt.Errorf("tls %s: %w", ap, ErrNotTLS)
		}
		return nil, fail("handshake", err)
	}
	st := tc.ConnectionState()
	if len(st.PeerCertificates) == 0 {
		return nil, fmt.Errorf("tls %s: %w", ap, ErrNoCertificate)
	}
	f := CertFields(st.PeerCertificates[0])
	f["tls.version"] = tls.VersionName(st.Version)
	f["tls.cipher"] = tls.CipherSuiteName(st.CipherSuite)
	return []device.Evidence{{Source: device.SourceTLS, Addr: ap.Addr(), Port: ap.Port(), Fields: f}}, nil
}

// ParseCertificate parses a DER certificate into evidence fields.
func ParseCertificate(der []byte) (map[string]string, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tlsinfo: %w", err)
	}
	return CertFields(c), nil
}

// CertFields turns a certificate into tls.* fields (vendors/FIELDS.md);
// only non-empty values are set.
func CertFields(c *x509.Certificate) map[string]string {
	sum := sha256.Sum256(c.Raw)
	f := map[string]string{
		"tls.subject":     clean(c.Subject.String()),
		"tls.subject_cn":  clean(c.Subject.CommonName),
		"tls.subject_org": clean(strings.Join(c.Subject.Organization, ",")),
		"tls.issuer":      clean(c.Issuer.String()),
		"tls.issuer_cn":   clean(c.Issuer.CommonName),
		"tls.issuer_org":  clean(strings.Join(c.Issuer.Organization, ",")),
		"tls.not_before":  c.NotBefore.UTC().Format(time.RFC3339),
		"tls.not_after":   c.NotAfter.UTC().Format(time.RFC3339),
		"tls.self_signed": strconv.FormatBool(SelfSigned(c)),
		"tls.sha256":      hex.EncodeToString(sum[:]),
	}
	if c.SerialNumber != nil {
		f["tls.serial"] = c.SerialNumber.Text(16)
	}
	if d := c.NotAfter.Sub(c.NotBefore); d > 0 {
		f["tls.validity_days"] = strconv.FormatInt(int64(d/(24*time.Hour)), 10)
	}
	var san []string
	san = append(san, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		san = append(san, ip.String())
	}
	f["tls.san"] = clean(strings.Join(san, ","))
	for k, v := range f {
		if v == "" {
			delete(f, k)
		}
	}
	return f
}

// SelfSigned reports whether c names itself as issuer and its own key
// verifies its signature.
func SelfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawSubject, c.RawIssuer) {
		return false
	}
	return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// maxValue bounds one field: certificate names are attacker-chosen.
const maxValue = 512

func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > maxValue {
		s = strings.ToValidUTF8(s[:maxValue], "")
	}
	return s
}

func allSuites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	// Older cameras offer only RSA key exchange or CBC-SHA1; the handshake
	// carries no secret, so the certificate is worth more than the cipher.
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}

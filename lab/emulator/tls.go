package emulator

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"sync"
	"time"
)

// HTTPS on 443 (docs/protocols/tls.md §8): the device's web routes behind a default
// certificate whose subject, issuer and validity are the vendor's:
//
//   - dahua-camera: subject "CN=<device IP>, C=CN" issued by
//     "CN=NVR, C=CN, ST=Zhejiang, L=Hangzhou, O=ZheJiang Dahua Technology
//     CO.,LTD., OU=NVR" (the REAL camera certificate of rroller/dahua issue
//     #647, names in the order curl printed them, which is the DER order),
//     valid 10950 days (30×365: the REAL XVR certificate's 2026-06-27 →
//     2056-06-20);
//   - axis-camera: "CN=axis-<12 hex MAC>, O=Axis Communications AB" (recog
//     x509_subjects), self-signed;
//   - hikvision-nvr: "CN=www.hikvision.com, OU=DVRNVR, O=HIKVISION,
//     L=HangZhou, ST=ZheJiang, C=CN" (recog x509_subjects), self-signed.
//
// SYNTH: the keys (ECDSA P-256, about 0.35 ms for the Dahua CA and leaf
// together; the real Dahua certificate is RSA, which no rule reads, and an
// RSA 2048 key costs about 100 ms), the serials, the Axis and Hikvision
// validity (10 years) and the Axis issuer (taken to be the subject). A
// certificate is made at the first handshake, for the local address the
// client reached, as a device makes its own at first boot for the address it
// has then, and kept for the emulator's life: starting a lab costs nothing.

// Validity of the default certificates.
const (
	dahuaCertValidity   = 10950 * 24 * time.Hour
	defaultCertValidity = 3650 * 24 * time.Hour // SYNTH
)

var (
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidCountry      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidLocality     = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidProvince     = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidOrganization = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit      = asn1.ObjectIdentifier{2, 5, 4, 11}
)

// orderedName is a distinguished name whose attributes are encoded in the
// order given: pkix.Name's own fields always come out C, ST, L, O, OU, CN,
// while the Dahua certificates put CN first.
func orderedName(atvs ...pkix.AttributeTypeAndValue) pkix.Name {
	return pkix.Name{ExtraNames: atvs}
}

func atv(oid asn1.ObjectIdentifier, v string) pkix.AttributeTypeAndValue {
	return pkix.AttributeTypeAndValue{Type: oid, Value: v}
}

// certSpec is what a profile's default certificate says.
type certSpec struct {
	subject pkix.Name
	// issuer, when set, is a device CA that signs the certificate; nil
	// means self-signed.
	issuer   *pkix.Name
	validity time.Duration
}

// certSpec returns the default certificate of e's profile for a device
// reached at ip.
func (e *Emulator) certSpec(ip netip.Addr) (certSpec, error) {
	switch e.Device.Profile {
	case ProfileDahua:
		issuer := orderedName(
			atv(oidCommonName, "NVR"),
			atv(oidCountry, "CN"),
			atv(oidProvince, "Zhejiang"),
			atv(oidLocality, "Hangzhou"),
			atv(oidOrganization, "ZheJiang Dahua Technology CO.,LTD."),
			atv(oidOrgUnit, "NVR"),
		)
		return certSpec{
			subject:  orderedName(atv(oidCommonName, ip.String()), atv(oidCountry, "CN")),
			issuer:   &issuer,
			validity: dahuaCertValidity,
		}, nil
	case ProfileAxis:
		return certSpec{
			subject:  pkix.Name{CommonName: "axis-" + hex.EncodeToString(e.Device.MAC), Organization: []string{"Axis Communications AB"}},
			validity: defaultCertValidity,
		}, nil
	case ProfileHikvisionNVR:
		return certSpec{
			subject: pkix.Name{CommonName: "www.hikvision.com", OrganizationalUnit: []string{"DVRNVR"},
				Organization: []string{"HIKVISION"}, Locality: []string{"HangZhou"}, Province: []string{"ZheJiang"}, Country: []string{"CN"}},
			validity: defaultCertValidity,
		}, nil
	}
	return certSpec{}, fmt.Errorf("emulator: profile %s has no TLS certificate", e.Device.Profile)
}

// makeCertificate creates the certificate s describes, valid from now.
func makeCertificate(s certSpec, now time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	from := now.UTC().Truncate(time.Second)
	leaf := &x509.Certificate{
		SerialNumber: serialNumber(),
		Subject:      s.subject,
		NotBefore:    from,
		NotAfter:     from.Add(s.validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	parent, signer := leaf, key
	if s.issuer != nil {
		caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		parent = &x509.Certificate{
			SerialNumber:          serialNumber(),
			Subject:               *s.issuer,
			NotBefore:             from,
			NotAfter:              from.Add(s.validity),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign,
		}
		signer = caKey
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func serialNumber() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	return n.Add(n, big.NewInt(1))
}

// deviceCert is an emulator's one certificate, made on first use.
type deviceCert struct {
	mu   sync.Mutex
	cert *tls.Certificate
}

func (dc *deviceCert) get(e *Emulator, local net.Addr) (*tls.Certificate, error) {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if dc.cert != nil {
		return dc.cert, nil
	}
	ip := netip.IPv4Unspecified()
	if ap, err := netip.ParseAddrPort(local.String()); err == nil {
		ip = ap.Addr().Unmap()
	}
	s, err := e.certSpec(ip)
	if err != nil {
		return nil, err
	}
	c, err := makeCertificate(s, e.Now())
	if err != nil {
		return nil, fmt.Errorf("emulator %s: certificate: %w", e.Device.Name, err)
	}
	dc.cert = c
	return c, nil
}

// httpsHandler runs h over TLS with the profile's default certificate. The
// handshake is bounded by Timeouts.Read; a client that does not speak TLS
// is dropped.
func (e *Emulator) httpsHandler(h func(context.Context, net.Conn)) func(context.Context, net.Conn) {
	dc := &deviceCert{}
	cfg := &tls.Config{
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if hello.Conn == nil {
				return nil, errors.New("emulator: handshake without a connection")
			}
			return dc.get(e, hello.Conn.LocalAddr())
		},
	}
	return func(ctx context.Context, c net.Conn) {
		c.SetDeadline(time.Now().Add(e.Timeouts.Read))
		tc := tls.Server(c, cfg)
		defer tc.Close()
		if err := tc.HandshakeContext(ctx); err != nil {
			return
		}
		c.SetDeadline(time.Time{})
		h(ctx, tc)
	}
}

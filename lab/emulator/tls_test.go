package emulator

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestHTTPS_defaultCertificates: the devices with a TLS port present the
// vendor default certificate of docs/protocols/tls.md §8 on 443, in the DER order
// the real certificates have, and keep it across connections.
func TestHTTPS_defaultCertificates(t *testing.T) {
	tests := []struct {
		d          Device
		subject    string // as Go (and so the scanner) prints it
		issuer     string
		subjectDER []asn1.ObjectIdentifier
		selfSigned bool
		days       int
	}{
		{
			d:          dahuaDev,
			subject:    "CN=127.0.0.1,C=CN",
			issuer:     `CN=NVR,OU=NVR,O=ZheJiang Dahua Technology CO.\,LTD.,L=Hangzhou,ST=Zhejiang,C=CN`,
			subjectDER: []asn1.ObjectIdentifier{oidCommonName, oidCountry},
			days:       10950,
		},
		{
			d:          axisDev,
			subject:    "CN=axis-accc8e123456,O=Axis Communications AB",
			issuer:     "CN=axis-accc8e123456,O=Axis Communications AB",
			subjectDER: []asn1.ObjectIdentifier{oidOrganization, oidCommonName},
			selfSigned: true,
			days:       3650,
		},
		{
			d:          nvrDev,
			subject:    "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN",
			issuer:     "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN",
			subjectDER: []asn1.ObjectIdentifier{oidCountry, oidProvince, oidLocality, oidOrganization, oidOrgUnit, oidCommonName},
			selfSigned: true,
			days:       3650,
		},
	}
	for _, tt := range tests {
		t.Run(tt.d.Profile, func(t *testing.T) {
			addr := start(t, tt.d, 443)
			c1 := handshake(t, addr)
			c2 := handshake(t, addr)
			if !bytes.Equal(c1.Raw, c2.Raw) {
				t.Error("a new certificate for the second connection")
			}
			if got := c1.Subject.String(); got != tt.subject {
				t.Errorf("subject %q, want %q", got, tt.subject)
			}
			if got := c1.Issuer.String(); got != tt.issuer {
				t.Errorf("issuer %q, want %q", got, tt.issuer)
			}
			var der []asn1.ObjectIdentifier
			for _, n := range c1.Subject.Names {
				der = append(der, n.Type)
			}
			if !equalOIDs(der, tt.subjectDER) {
				t.Errorf("subject DER order %v, want %v", der, tt.subjectDER)
			}
			selfSigned := bytes.Equal(c1.RawSubject, c1.RawIssuer) &&
				c1.CheckSignature(c1.SignatureAlgorithm, c1.RawTBSCertificate, c1.Signature) == nil
			if selfSigned != tt.selfSigned {
				t.Errorf("self-signed %v, want %v", selfSigned, tt.selfSigned)
			}
			if !c1.NotBefore.Equal(fixedNow) {
				t.Errorf("not before %v, want the emulator's clock %v", c1.NotBefore, fixedNow)
			}
			if got := c1.NotAfter.Sub(c1.NotBefore); got != time.Duration(tt.days)*24*time.Hour {
				t.Errorf("validity %v, want %d days", got, tt.days)
			}
		})
	}
}

// TestHTTPS_dahuaIssuerOrder: the Dahua issuer keeps the order curl printed
// for the real certificate (rroller/dahua issue #647): CN, C, ST, L, O, OU.
func TestHTTPS_dahuaIssuerOrder(t *testing.T) {
	c := handshake(t, start(t, dahuaDev, 443))
	var got []asn1.ObjectIdentifier
	for _, n := range c.Issuer.Names {
		got = append(got, n.Type)
	}
	want := []asn1.ObjectIdentifier{oidCommonName, oidCountry, oidProvince, oidLocality, oidOrganization, oidOrgUnit}
	if !equalOIDs(got, want) {
		t.Errorf("issuer DER order %v, want %v", got, want)
	}
}

// TestHTTPS_sameRoutesAsHTTP: port 443 answers byte for byte what port 80
// answers.
func TestHTTPS_sameRoutesAsHTTP(t *testing.T) {
	for _, d := range []Device{dahuaDev, axisDev, nvrDev} {
		for _, req := range []string{
			"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			"GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		} {
			plain := exchange(t, start(t, d, 80), req, false)
			secure := exchange(t, start(t, d, 443), req, true)
			if len(plain) == 0 || !bytes.Equal(plain, secure) {
				t.Errorf("%s %q:\nport 80:  %q\nport 443: %q", d.Profile, req, plain, secure)
			}
		}
	}
}

func TestHTTPS_onlyWhereTheVendorHasACertificate(t *testing.T) {
	for _, d := range []Device{hikDev, webDev, pcDev} {
		e, err := New(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := e.Service(443); ok {
			t.Errorf("%s serves 443: no default certificate is known", d.Profile)
		}
	}
}

func handshake(t *testing.T, addr string) *x509.Certificate {
	t.Helper()
	d := &net.Dialer{Timeout: 3 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	certs := c.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		t.Fatal("no certificate")
	}
	return certs[0]
}

func exchange(t *testing.T, addr, req string, overTLS bool) []byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if overTLS {
		c = tls.Client(c, &tls.Config{InsecureSkipVerify: true})
	}
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("%s: %v", addr, err)
	}
	return b
}

func equalOIDs(a, b []asn1.ObjectIdentifier) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// BenchmarkMakeCertificate is the cost a TLS device adds to its first
// handshake (the lab makes certificates lazily, never at start).
func BenchmarkMakeCertificate(b *testing.B) {
	e, err := New(dahuaDev)
	if err != nil {
		b.Fatal(err)
	}
	s, err := e.certSpec(netip.MustParseAddr("198.18.10.22"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := makeCertificate(s, fixedNow); err != nil {
			b.Fatal(err)
		}
	}
}

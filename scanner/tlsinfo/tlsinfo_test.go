package tlsinfo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/scantest"
)

// Subjects and issuers of docs/protocols/tls.md §8, generated fresh for each test:
// the shapes are from recog x509_subjects.xml and real curl/field notes,
// the keys and serials are ours.
var (
	hikvisionName = pkix.Name{CommonName: "www.hikvision.com", OrganizationalUnit: []string{"DVRNVR"},
		Organization: []string{"HIKVISION"}, Locality: []string{"HangZhou"}, Province: []string{"ZheJiang"}, Country: []string{"CN"}}
	dahuaXVRCA = pkix.Name{CommonName: "Dahua Device XVR CA", Organization: []string{"Zhejiang Dahua Technology Co.,Ltd."}}
	dahuaNVR   = pkix.Name{CommonName: "NVR", Country: []string{"CN"}, Province: []string{"Zhejiang"}, Locality: []string{"Hangzhou"},
		Organization: []string{"ZheJiang Dahua Technology CO.,LTD."}, OrganizationalUnit: []string{"NVR"}}
	axisName = pkix.Name{CommonName: "axis-accc8ea31abf", Organization: []string{"Axis Communications AB"}}
)

type certSpec struct {
	subject, issuer pkix.Name
	notBefore       time.Time
	years           int
	ips             []net.IP
}

// makeCert returns a leaf for spec, self-signed when issuer equals subject,
// else signed by a throwaway CA carrying issuer.
func makeCert(t testing.TB, s certSpec) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x5eed1234),
		Subject:      s.subject,
		NotBefore:    s.notBefore,
		NotAfter:     s.notBefore.AddDate(s.years, 0, 0),
		IPAddresses:  s.ips,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	parent, signer := tmpl, key
	if s.issuer.String() != s.subject.String() {
		caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		parent = &x509.Certificate{SerialNumber: big.NewInt(1), Subject: s.issuer, NotBefore: s.notBefore,
			NotAfter: s.notBefore.AddDate(s.years, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
		signer = caKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsServer serves cert on 127.0.0.1:0 and completes handshakes.
func tlsServer(t *testing.T, cert tls.Certificate) netip.AddrPort {
	t.Helper()
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	return scantest.ServeTCP(t, func(c net.Conn, _ <-chan struct{}) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		tc := tls.Server(c, cfg)
		_ = tc.Handshake()
		var b [1]byte
		tc.Read(b[:])
	})
}

func newProber(t *testing.T, port uint16) *Prober {
	t.Helper()
	return scantest.Build(t, New, Config{PortConfig: scanner.PortConfig{Ports: []uint16{port}, Timeout: 3 * time.Second}})
}

func TestProber_ProbePort_vendorCertificates(t *testing.T) {
	start := time.Date(2026, 6, 27, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		spec certSpec
		want map[string]string
	}{
		{"hikvision self-signed", certSpec{subject: hikvisionName, issuer: hikvisionName, notBefore: start, years: 10},
			map[string]string{
				"tls.subject":     "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN",
				"tls.subject_org": "HIKVISION",
				"tls.self_signed": "true",
			}},
		{"dahua XVR", certSpec{subject: pkix.Name{CommonName: "198.18.10.21", Country: []string{"CN"}}, issuer: dahuaXVRCA,
			notBefore: start, years: 30, ips: []net.IP{net.ParseIP("198.18.10.21")}},
			map[string]string{
				"tls.subject":       "CN=198.18.10.21,C=CN",
				"tls.issuer_cn":     "Dahua Device XVR CA",
				"tls.issuer_org":    "Zhejiang Dahua Technology Co.,Ltd.",
				"tls.self_signed":   "false",
				"tls.not_before":    "2026-06-27T00:00:00Z",
				"tls.not_after":     "2056-06-27T00:00:00Z",
				"tls.validity_days": "10958",
				"tls.san":           "198.18.10.21",
			}},
		{"dahua NVR-issued", certSpec{subject: pkix.Name{CommonName: "192.168.20.92", Country: []string{"CN"}}, issuer: dahuaNVR, notBefore: start, years: 30},
			map[string]string{"tls.issuer": `CN=NVR,OU=NVR,O=ZheJiang Dahua Technology CO.\,LTD.,L=Hangzhou,ST=Zhejiang,C=CN`}},
		{"axis", certSpec{subject: axisName, issuer: axisName, notBefore: start, years: 5},
			map[string]string{"tls.subject_cn": "axis-accc8ea31abf", "tls.serial": "5eed1234"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cert := makeCert(t, tt.spec)
			ap := tlsServer(t, cert)
			pace := &scantest.Pacer{}
			ev, err := newProber(t, ap.Port()).ProbePort(t.Context(), scanner.At(ap), pace)
			if err != nil {
				t.Fatal(err)
			}
			if len(ev) != 1 || ev[0].Source != "tls" || ev[0].Port != ap.Port() {
				t.Fatalf("evidence %v", ev)
			}
			f := ev[0].Fields
			scantest.WantFields(t, f, tt.want)
			if len(f["tls.sha256"]) != 64 || f["tls.version"] == "" || f["tls.cipher"] == "" {
				t.Errorf("fields %q", f)
			}
			if pace.N.Load() != 1 {
				t.Errorf("pace.Wait %d times", pace.N.Load())
			}
		})
	}
}

func TestProber_ProbePort_noSNI(t *testing.T) {
	cert := makeCert(t, certSpec{subject: axisName, issuer: axisName, notBefore: time.Now(), years: 1})
	sni := make(chan string, 1)
	cfg := &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		select {
		case sni <- h.ServerName:
		default: // only the first handshake's is checked
		}
		return &cert, nil
	}}
	ap := scantest.ServeTCP(t, func(c net.Conn, _ <-chan struct{}) {
		tls.Server(c, cfg).Handshake()
	})
	if _, err := newProber(t, ap.Port()).ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{}); err != nil {
		t.Fatal(err)
	}
	if s := <-sni; s != "" {
		t.Errorf("sent SNI %q", s)
	}
}

func TestProber_ProbePort_notTLS(t *testing.T) {
	ap := scantest.ServeTCP(t, func(c net.Conn, _ <-chan struct{}) {
		c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
		time.Sleep(100 * time.Millisecond)
	})
	ev, err := newProber(t, ap.Port()).ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if !errors.Is(err, ErrNotTLS) || ev != nil {
		t.Errorf("ev %v err %v, want ErrNotTLS", ev, err)
	}
}

func TestProber_ProbePort_silentAndRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			<-done // never answers the ClientHello
			c.Close()
		}
	}()
	ap := netip.MustParseAddrPort(ln.Addr().String())
	p, _ := New(Config{PortConfig: scanner.PortConfig{Ports: []uint16{ap.Port()}, Timeout: 200 * time.Millisecond}})
	start := time.Now()
	ev, err := p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if ev != nil || err != nil || time.Since(start) > 2*time.Second {
		t.Errorf("silent: ev %v err %v after %v", ev, err, time.Since(start))
	}
	ln.Close()
	ev, err = p.ProbePort(t.Context(), scanner.At(ap), &scantest.Pacer{})
	if ev != nil || err != nil {
		t.Errorf("refused: ev %v err %v", ev, err)
	}
}

func TestProber_ProbePort_cancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	p, _ := New(Config{})
	_, err := p.ProbePort(ctx, scanner.At(netip.MustParseAddrPort("127.0.0.1:1")), &scantest.Pacer{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Config{PortConfig: scanner.PortConfig{Timeout: -1}}); err == nil {
		t.Error("negative timeout accepted")
	}
	if _, err := New(Config{PortConfig: scanner.PortConfig{Ports: []uint16{0}}}); err == nil {
		t.Error("port 0 accepted")
	}
	p, err := New(Config{})
	if err != nil || !p.Accepts(443) || !p.Accepts(8443) || p.Accepts(80) || p.Name() != "tls" {
		t.Errorf("defaults: %v %v", p, err)
	}
}

func FuzzParseCertificate(f *testing.F) {
	for _, n := range []pkix.Name{hikvisionName, dahuaNVR, axisName} {
		f.Add(makeCert(f, certSpec{subject: n, issuer: n, notBefore: time.Unix(1e9, 0), years: 30}).Certificate[0])
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		fields, err := ParseCertificate(der)
		if err != nil {
			return
		}
		for k, v := range fields {
			if v == "" || len(v) > maxValue || strings.ContainsAny(v, "\r\n\x00") {
				t.Fatalf("%s = %q", k, v)
			}
		}
	})
}

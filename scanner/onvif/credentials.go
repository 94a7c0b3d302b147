package onvif

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Credential is one login, usable only for addresses inside Prefixes. Its
// formatting verbs never show the password, so it can sit in logged structs.
type Credential struct {
	Prefixes []netip.Prefix
	Username string
	password string
}

// NewCredential builds a Credential; prefixes must be non-empty.
func NewCredential(prefixes []netip.Prefix, username, password string) (Credential, error) {
	if len(prefixes) == 0 {
		return Credential{}, errors.New("onvif: credential without CIDR scope")
	}
	if username == "" || password == "" {
		return Credential{}, errors.New("onvif: credential without username or password")
	}
	if strings.ContainsAny(username, "<>&\"'\\") {
		return Credential{}, errors.New("onvif: markup character in username")
	}
	for _, c := range username {
		if c < ' ' || c == 0x7f {
			return Credential{}, errors.New("onvif: control character in username")
		}
	}
	for _, p := range prefixes {
		if !p.IsValid() {
			return Credential{}, fmt.Errorf("onvif: bad CIDR %v", p)
		}
	}
	return Credential{Prefixes: prefixes, Username: username, password: password}, nil
}

// String and GoString redact the password.
func (c Credential) String() string {
	return fmt.Sprintf("onvif.Credential{user %q for %v, password redacted}", c.Username, c.Prefixes)
}

// GoString redacts the password under %#v too.
func (c Credential) GoString() string { return c.String() }

// Credentials are tried in order; the first whose scope holds the address
// is the one used.
type Credentials []Credential

// For returns the credential scoped to addr.
func (cs Credentials) For(addr netip.Addr) (Credential, bool) {
	addr = addr.Unmap()
	for _, c := range cs {
		for _, p := range c.Prefixes {
			if p.Contains(addr) {
				return c, true
			}
		}
	}
	return Credential{}, false
}

// LoadCredentials reads the credentials file:
//
//	credentials:
//	  - cidrs: [198.18.10.0/24]
//	    username: admin
//	    password: secret
//
// Errors name the entry, never the password.
func LoadCredentials(r io.Reader) (Credentials, error) {
	var doc struct {
		Credentials []struct {
			CIDRs    []string `yaml:"cidrs"`
			Username string   `yaml:"username"`
			Password string   `yaml:"password"`
		} `yaml:"credentials"`
	}
	d := yaml.NewDecoder(io.LimitReader(r, 1<<20))
	d.KnownFields(true)
	if err := d.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	var out Credentials
	for i, e := range doc.Credentials {
		var ps []netip.Prefix
		for _, s := range e.CIDRs {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				if a, aerr := netip.ParseAddr(s); aerr == nil {
					p = netip.PrefixFrom(a, a.BitLen())
				} else {
					return nil, fmt.Errorf("credentials: entry %d: %w", i+1, err)
				}
			}
			ps = append(ps, p.Masked())
		}
		c, err := NewCredential(ps, e.Username, e.Password)
		if err != nil {
			return nil, fmt.Errorf("credentials: entry %d: %w", i+1, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// PasswordDigest is WS-Security UsernameToken Profile 1.0's digest:
// Base64(SHA1(nonce || created || password)).
func PasswordDigest(nonce []byte, created, password string) string {
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(created))
	h.Write([]byte(password))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// SecureRequest is Request(op) with a WS-Security UsernameToken header in
// the shape of PROTOCOLS.md §2.2; created is the device's clock, not ours.
func SecureRequest(op string, c Credential, nonce []byte, created time.Time) []byte {
	return secureRequest(op, "", c, nonce, created)
}

// secureRequest is soapRequest(op, inner) with the UsernameToken header.
func secureRequest(op, inner string, c Credential, nonce []byte, created time.Time) []byte {
	ts := created.UTC().Format("2006-01-02T15:04:05.000Z")
	header := `<s:Header>` +
		`<Security s:mustUnderstand="1" xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><UsernameToken>` +
		`<Username>` + c.Username + `</Username>` +
		`<Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">` + PasswordDigest(nonce, ts, c.password) + `</Password>` +
		`<Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">` + base64.StdEncoding.EncodeToString(nonce) + `</Nonce>` +
		`<Created xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">` + ts + `</Created>` +
		`</UsernameToken></Security></s:Header>`
	return soapRequest(header, op, inner)
}

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
	// HTTP allows the web follow-ups' one Digest login with this
	// credential (protocols: [onvif, http]); ONVIF alone is the default,
	// so that a device sees one login per scan unless the user asks for
	// two.
	HTTP bool
}

// Password is the secret, for the prober that logs in with it. Never log
// or store it.
func (c Credential) Password() string { return c.password }

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

// MaxCredentialsFile bounds the credentials file. A file over it is an
// error: reading only its first MiB once cut a password that straddled the
// bound and logged in with the shortened one.
const MaxCredentialsFile = 1 << 20

// LoadCredentials reads the credentials file:
//
//	credentials:
//	  - cidrs: [198.18.10.0/24]
//	    username: admin
//	    password: secret
//	    protocols: [onvif, http]   # optional; [onvif] when absent
//
// Errors name the entry, line and field, never a value: a secret typed into
// the wrong field must not reach a log. See ParseCredentials for warnings.
func LoadCredentials(r io.Reader) (Credentials, error) {
	cs, _, err := ParseCredentials(r)
	return cs, err
}

// ParseCredentials is LoadCredentials that also returns warnings about
// entries that are valid but risky: a scope of /0 (or wider than an IPv4 /8
// or an IPv6 /32) hands the password to any device that answers anywhere.
func ParseCredentials(r io.Reader) (Credentials, []string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCredentialsFile+1))
	if err != nil {
		return nil, nil, fmt.Errorf("credentials: %w", err)
	}
	if len(data) > MaxCredentialsFile {
		return nil, nil, fmt.Errorf("credentials: file larger than %d bytes (1 MiB); it is not a credentials file", MaxCredentialsFile)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		// yaml's syntax errors name a line and the problem, not the text.
		return nil, nil, fmt.Errorf("credentials: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, nil, nil
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("credentials: line %d: want a mapping with the key credentials", doc.Line)
	}
	var list *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k := doc.Content[i]
		if k.Value != "credentials" {
			return nil, nil, fmt.Errorf("credentials: line %d: unknown key (want credentials)", k.Line)
		}
		list = doc.Content[i+1]
	}
	if list == nil || list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return nil, nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, nil, fmt.Errorf("credentials: line %d: credentials: want a list of entries", list.Line)
	}
	var out Credentials
	var warns []string
	for i, e := range list.Content {
		where := fmt.Sprintf("entry %d (line %d)", i+1, e.Line)
		if e.Kind != yaml.MappingNode {
			return nil, nil, fmt.Errorf("credentials: %s: want a mapping of cidrs, username and password", where)
		}
		var ps []netip.Prefix
		var user, pass string
		useHTTP := false
		seen := map[string]bool{}
		for j := 0; j+1 < len(e.Content); j += 2 {
			k, v := e.Content[j], e.Content[j+1]
			if seen[k.Value] {
				return nil, nil, fmt.Errorf("credentials: %s: line %d: duplicate key %s", where, k.Line, safeKey(k.Value))
			}
			seen[k.Value] = true
			switch k.Value {
			case "cidrs":
				if v.Kind != yaml.SequenceNode {
					return nil, nil, fmt.Errorf("credentials: %s: line %d: cidrs: want a list of CIDRs or addresses", where, v.Line)
				}
				for n, c := range v.Content {
					p, ok := parseScope(c)
					if !ok {
						// Never the value: it may be a password in the wrong field.
						return nil, nil, fmt.Errorf("credentials: %s: line %d: cidrs item %d is not a CIDR or an address", where, c.Line, n+1)
					}
					if wide(p) {
						warns = append(warns, fmt.Sprintf("credentials %s: scope %s covers %s: the password goes to any device there that asks for a login", where, p, wideText(p)))
					}
					ps = append(ps, p)
				}
			case "username", "password":
				if v.Kind != yaml.ScalarNode || v.Tag != "!!str" && v.Tag != "!!int" && v.Tag != "!!float" && v.Tag != "!!bool" {
					return nil, nil, fmt.Errorf("credentials: %s: line %d: %s: want a string", where, v.Line, k.Value)
				}
				if k.Value == "username" {
					user = v.Value
				} else {
					pass = v.Value
				}
			case "protocols":
				if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
					return nil, nil, fmt.Errorf("credentials: %s: line %d: protocols: want a list of onvif and http", where, v.Line)
				}
				onvifToo := false
				for _, pn := range v.Content {
					switch {
					case pn.Kind == yaml.ScalarNode && pn.Value == "onvif":
						onvifToo = true
					case pn.Kind == yaml.ScalarNode && pn.Value == "http":
						useHTTP = true
					default:
						return nil, nil, fmt.Errorf("credentials: %s: line %d: protocols: %s is not onvif or http", where, pn.Line, safeKey(pn.Value))
					}
				}
				if !onvifToo {
					// The ONVIF prober reads the same file; a credential
					// for http only is a later need, not a silent one.
					return nil, nil, fmt.Errorf("credentials: %s: line %d: protocols: onvif is required (http adds the web login)", where, v.Line)
				}
			default:
				return nil, nil, fmt.Errorf("credentials: %s: line %d: unknown key %s (want cidrs, username, password, protocols)", where, k.Line, safeKey(k.Value))
			}
		}
		c, err := NewCredential(ps, user, pass)
		if err != nil {
			return nil, nil, fmt.Errorf("credentials: %s: %w", where, err)
		}
		c.HTTP = useHTTP
		out = append(out, c)
	}
	return out, warns, nil
}

// parseScope reads one cidrs item: a CIDR or a single address.
func parseScope(n *yaml.Node) (netip.Prefix, bool) {
	if n.Kind != yaml.ScalarNode {
		return netip.Prefix{}, false
	}
	s := strings.TrimSpace(n.Value)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// wide reports whether a scope is wider than an IPv4 /8 or an IPv6 /32:
// no camera subnet is, and /0 means every address.
func wide(p netip.Prefix) bool {
	if p.Addr().Is4() {
		return p.Bits() < 8
	}
	return p.Bits() < 32
}

func wideText(p netip.Prefix) string {
	if p.Bits() == 0 {
		return "every address"
	}
	return "more than a /8 or an IPv6 /32"
}

// safeKey quotes a key of the file when it looks like a key name, and
// hides it otherwise: a password pasted on a line of its own is a key.
func safeKey(k string) string {
	if len(k) <= 20 && strings.IndexFunc(k, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '_') }) < 0 {
		return fmt.Sprintf("%q", k)
	}
	return "(not shown)"
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
// the shape of docs/protocols/wsd-onvif.md §2.2; created is the device's clock, not ours.
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

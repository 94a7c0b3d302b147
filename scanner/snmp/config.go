// Package snmp reads switches' and routers' own tables over SNMP, read-only:
// which MAC sits behind which bridge port and VLAN (BRIDGE-MIB, Q-BRIDGE-MIB),
// what the port is called (IF-MIB), which ports face other switches
// (LLDP-MIB) and which IP a MAC had (IP-MIB ARP tables). The switches and
// their secrets come from a file (ParseSwitches); the table decoders
// (decode.go) are pure and bounded; Collect walks one switch with bulk
// requests, paced and bounded in rows and time; Place tells edge ports from
// uplinks and places each MAC on the access port it hangs on.
package snmp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxSwitchesFile bounds the switches file, like the credentials file: it
// holds secrets, and a mistaken large file is an error, not a cut.
const MaxSwitchesFile = 1 << 20

// Switch is one agent to read: where it is, what to call it, and the
// credential of the file's credentials whose scope holds its address.
type Switch struct {
	Name    string // as the file names it; else the agent's sysName; else Address
	Address string // host:port
	Addr    netip.Addr
	Line    int // line of the entry in the file, for messages
	Cred    Credential
}

// Credential is one SNMP credential scoped to CIDRs. Its formatting verbs
// never show a secret (community, auth and priv passphrases), so it can sit
// in logged structs and errors.
type Credential struct {
	Prefixes  []netip.Prefix
	Version   string // "v2c" or "v3"
	User      string // v3 security name (not a secret: it is on the wire in clear)
	Auth      string // v3: "SHA" or "SHA-256"
	Priv      string // v3: "AES" or "" (authNoPriv)
	community string
	authPass  string
	privPass  string
}

// String redacts every secret.
func (c Credential) String() string {
	if c.Version == "v3" {
		return fmt.Sprintf("snmp.Credential{v3 user %q auth %s priv %s for %v, secrets redacted}", c.User, c.Auth, c.Priv, c.Prefixes)
	}
	return fmt.Sprintf("snmp.Credential{v2c for %v, community redacted}", c.Prefixes)
}

// GoString redacts under %#v too.
func (c Credential) GoString() string { return c.String() }

// Config is a parsed switches file.
type Config struct {
	Switches []Switch
}

// Getenv looks up environment variables for *_env keys; tests pass their own.
type Getenv func(string) string

// ParseSwitches reads a switches file:
//
//	switches:
//	  - address: 198.18.30.2        # address or address:port (161)
//	    name: access-1              # optional; else the agent's sysName
//	credentials:
//	  - cidrs: [198.18.30.0/24]
//	    version: v2c
//	    community_env: SW_COMMUNITY # or community: ...
//	  - cidrs: [10.20.0.0/16]
//	    version: v3
//	    user: camsweep
//	    auth: SHA-256               # SHA or SHA-256
//	    auth_password_env: SW_AUTH  # or auth_password: ...
//	    priv: AES                   # AES (128) or absent (authNoPriv)
//	    priv_password_env: SW_PRIV  # or priv_password: ...
//
// Each switch gets the first credential whose scope holds its address; a
// switch no credential covers is an error, so a secret never goes to an
// agent the file did not scope it to. Errors name file:line and the field,
// never a value: a secret typed into the wrong field must not reach a log.
func ParseSwitches(name string, data []byte, getenv Getenv) (Config, error) {
	if len(data) > MaxSwitchesFile {
		return Config{}, fmt.Errorf("%s: larger than %d bytes (1 MiB); not a switches file", name, MaxSwitchesFile)
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		// yaml's syntax errors name a line and the problem, not the text.
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	if len(root.Content) == 0 {
		return Config{}, fmt.Errorf("%s: empty file: no switches", name)
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return Config{}, fmt.Errorf("%s:%d: want a mapping with the keys switches and credentials", name, doc.Line)
	}
	var swNode, credNode *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k := doc.Content[i]
		switch k.Value {
		case "switches":
			swNode = doc.Content[i+1]
		case "credentials":
			credNode = doc.Content[i+1]
		default:
			return Config{}, fmt.Errorf("%s:%d: unknown key %s (want switches, credentials)", name, k.Line, safeKey(k.Value))
		}
	}
	creds, err := parseCreds(name, credNode, getenv)
	if err != nil {
		return Config{}, err
	}
	if swNode == nil || swNode.Kind != yaml.SequenceNode || len(swNode.Content) == 0 {
		line := doc.Line
		if swNode != nil {
			line = swNode.Line
		}
		return Config{}, fmt.Errorf("%s:%d: switches: want a non-empty list of entries", name, line)
	}
	var cfg Config
	seen := map[string]int{}
	for _, e := range swNode.Content {
		sw, err := parseSwitch(name, e)
		if err != nil {
			return Config{}, err
		}
		if prev, dup := seen[sw.Address]; dup {
			return Config{}, fmt.Errorf("%s:%d: switch %s already listed on line %d", name, e.Line, sw.Address, prev)
		}
		seen[sw.Address] = e.Line
		c, ok := creds.forAddr(sw.Addr)
		if !ok {
			return Config{}, fmt.Errorf("%s:%d: no credential's cidrs hold switch %s", name, e.Line, sw.Address)
		}
		sw.Cred = c
		cfg.Switches = append(cfg.Switches, sw)
	}
	return cfg, nil
}

func parseSwitch(name string, e *yaml.Node) (Switch, error) {
	if e.Kind != yaml.MappingNode {
		return Switch{}, fmt.Errorf("%s:%d: switch: want a mapping of address and name", name, e.Line)
	}
	sw := Switch{Line: e.Line}
	for j := 0; j+1 < len(e.Content); j += 2 {
		k, v := e.Content[j], e.Content[j+1]
		if v.Kind != yaml.ScalarNode {
			return Switch{}, fmt.Errorf("%s:%d: %s: want a string", name, v.Line, safeKey(k.Value))
		}
		switch k.Value {
		case "address":
			host, port := v.Value, "161"
			if h, p, err := net.SplitHostPort(v.Value); err == nil {
				host, port = h, p
			}
			a, err := netip.ParseAddr(strings.TrimSpace(host))
			pn, perr := strconv.ParseUint(port, 10, 16)
			if err != nil || a.Zone() != "" || perr != nil || pn == 0 {
				return Switch{}, fmt.Errorf("%s:%d: address: want an IP address, optionally with :port", name, v.Line)
			}
			sw.Addr = a.Unmap()
			sw.Address = net.JoinHostPort(sw.Addr.String(), port)
		case "name":
			if len(v.Value) > 255 || strings.ContainsFunc(v.Value, func(r rune) bool { return r < ' ' || r == 0x7f }) {
				return Switch{}, fmt.Errorf("%s:%d: name: at most 255 printable characters", name, v.Line)
			}
			sw.Name = v.Value
		default:
			return Switch{}, fmt.Errorf("%s:%d: unknown key %s (want address, name)", name, k.Line, safeKey(k.Value))
		}
	}
	if !sw.Addr.IsValid() {
		return Switch{}, fmt.Errorf("%s:%d: switch without address", name, e.Line)
	}
	return sw, nil
}

type credList []Credential

func (cs credList) forAddr(a netip.Addr) (Credential, bool) {
	for _, c := range cs {
		for _, p := range c.Prefixes {
			if p.Contains(a) {
				return c, true
			}
		}
	}
	return Credential{}, false
}

func parseCreds(name string, list *yaml.Node, getenv Getenv) (credList, error) {
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		line := 1
		if list != nil {
			line = list.Line
		}
		return nil, fmt.Errorf("%s:%d: credentials: want a non-empty list of entries", name, line)
	}
	var out credList
	for _, e := range list.Content {
		c, err := parseCred(name, e, getenv)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// secretKeys are the keys whose values are secrets; each has an _env twin
// naming an environment variable instead.
var secretKeys = map[string]bool{"community": true, "auth_password": true, "priv_password": true}

func parseCred(name string, e *yaml.Node, getenv Getenv) (Credential, error) {
	if e.Kind != yaml.MappingNode {
		return Credential{}, fmt.Errorf("%s:%d: credential: want a mapping", name, e.Line)
	}
	var c Credential
	secrets := map[string]string{}
	seen := map[string]bool{}
	for j := 0; j+1 < len(e.Content); j += 2 {
		k, v := e.Content[j], e.Content[j+1]
		key := k.Value
		if seen[key] {
			return Credential{}, fmt.Errorf("%s:%d: duplicate key %s", name, k.Line, safeKey(key))
		}
		seen[key] = true
		if key == "cidrs" {
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				return Credential{}, fmt.Errorf("%s:%d: cidrs: want a list of CIDRs or addresses", name, v.Line)
			}
			for n, s := range v.Content {
				p, ok := parseScope(s)
				if !ok {
					// Never the value: it may be a secret in the wrong field.
					return Credential{}, fmt.Errorf("%s:%d: cidrs item %d is not a CIDR or an address", name, s.Line, n+1)
				}
				c.Prefixes = append(c.Prefixes, p)
			}
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return Credential{}, fmt.Errorf("%s:%d: %s: want a string", name, v.Line, safeKey(key))
		}
		switch {
		case key == "version":
			if v.Value != "v2c" && v.Value != "v3" {
				return Credential{}, fmt.Errorf("%s:%d: version: want v2c or v3", name, v.Line)
			}
			c.Version = v.Value
		case key == "user":
			c.User = v.Value
		case key == "auth":
			if v.Value != "SHA" && v.Value != "SHA-256" {
				return Credential{}, fmt.Errorf("%s:%d: auth: want SHA or SHA-256", name, v.Line)
			}
			c.Auth = v.Value
		case key == "priv":
			if v.Value != "AES" {
				return Credential{}, fmt.Errorf("%s:%d: priv: want AES", name, v.Line)
			}
			c.Priv = v.Value
		case secretKeys[key]:
			if _, dup := secrets[key]; dup {
				return Credential{}, fmt.Errorf("%s:%d: both %s and %s_env", name, k.Line, key, key)
			}
			secrets[key] = v.Value
		case strings.HasSuffix(key, "_env") && secretKeys[strings.TrimSuffix(key, "_env")]:
			base := strings.TrimSuffix(key, "_env")
			if _, dup := secrets[base]; dup {
				return Credential{}, fmt.Errorf("%s:%d: both %s and %s", name, k.Line, base, key)
			}
			val := getenv(v.Value)
			if val == "" {
				// The variable's name is not a secret; its value would be.
				return Credential{}, fmt.Errorf("%s:%d: %s: environment variable %s is empty or unset", name, v.Line, key, envName(v.Value))
			}
			secrets[base] = val
		default:
			return Credential{}, fmt.Errorf("%s:%d: unknown key %s (want cidrs, version, community, user, auth, auth_password, priv, priv_password, or a secret's _env)", name, k.Line, safeKey(key))
		}
	}
	c.community, c.authPass, c.privPass = secrets["community"], secrets["auth_password"], secrets["priv_password"]
	if err := c.check(); err != nil {
		return Credential{}, fmt.Errorf("%s:%d: %w", name, e.Line, err)
	}
	return c, nil
}

// check makes sure the credential is complete for its version and holds no
// secret a version does not use (a v2c community left in a v3 entry would
// otherwise sit unused and unnoticed).
func (c Credential) check() error {
	if len(c.Prefixes) == 0 {
		return errors.New("credential without cidrs")
	}
	switch c.Version {
	case "v2c":
		if c.community == "" {
			return errors.New("v2c credential without community (or community_env)")
		}
		if c.User != "" || c.Auth != "" || c.Priv != "" || c.authPass != "" || c.privPass != "" {
			return errors.New("v2c credential with v3 keys")
		}
	case "v3":
		if c.community != "" {
			return errors.New("v3 credential with a community")
		}
		if c.User == "" || c.Auth == "" || c.authPass == "" {
			return errors.New("v3 credential needs user, auth and auth_password (or auth_password_env)")
		}
		// RFC 3414 §11.2: passphrases shorter than 8 characters are refused
		// by agents (net-snmp among them), so the error comes here, once.
		if len(c.authPass) < 8 {
			return errors.New("auth_password shorter than 8 characters")
		}
		if (c.Priv == "") != (c.privPass == "") {
			return errors.New("priv and priv_password go together")
		}
		if c.Priv != "" && len(c.privPass) < 8 {
			return errors.New("priv_password shorter than 8 characters")
		}
	default:
		return errors.New("credential without version (v2c or v3)")
	}
	return nil
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
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), true
	}
	return netip.Prefix{}, false
}

// safeKey quotes a key for a message only when it looks like a key (short,
// lower-case letters, digits and underscores): a key may be a secret pasted
// at the wrong indentation, and such a one is not shown.
func safeKey(k string) string {
	if k == "" || len(k) > 24 || strings.ContainsFunc(k, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') }) {
		return "(a key not shown)"
	}
	return strconv.Quote(k)
}

// envName quotes an environment variable's name when it looks like one
// (letters, digits, underscores, at most 64).
func envName(k string) string {
	if k == "" || len(k) > 64 || strings.ContainsFunc(k, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	}) {
		return "(a name not shown)"
	}
	return strconv.Quote(k)
}

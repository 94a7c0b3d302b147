package snmp

import (
	"fmt"
	"strings"
	"testing"
)

const goodFile = `switches:
  - address: 198.18.30.2
    name: access-1
  - address: "[2001:db8::2]:1161"
  - address: 10.20.0.9
credentials:
  - cidrs: [198.18.30.0/24, 2001:db8::/64]
    version: v2c
    community_env: SW_COMMUNITY
  - cidrs: [10.20.0.0/16]
    version: v3
    user: camsweep
    auth: SHA-256
    auth_password: Auth-Secret-1
    priv: AES
    priv_password_env: SW_PRIV
`

func env(k string) string {
	return map[string]string{"SW_COMMUNITY": "Comm-Secret-0", "SW_PRIV": "Priv-Secret-2"}[k]
}

func TestParseSwitches(t *testing.T) {
	cfg, err := ParseSwitches("sw.yaml", []byte(goodFile), env)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Switches) != 3 {
		t.Fatalf("%d switches", len(cfg.Switches))
	}
	s0, s1, s2 := cfg.Switches[0], cfg.Switches[1], cfg.Switches[2]
	if s0.Address != "198.18.30.2:161" || s0.Name != "access-1" || s0.Cred.Version != "v2c" || s0.Cred.community != "Comm-Secret-0" || s0.Line != 2 {
		t.Errorf("switch 0 %+v", s0)
	}
	if s1.Address != "[2001:db8::2]:1161" || s1.Cred.Version != "v2c" {
		t.Errorf("switch 1 %+v", s1)
	}
	if c := s2.Cred; c.Version != "v3" || c.User != "camsweep" || c.Auth != "SHA-256" || c.authPass != "Auth-Secret-1" || c.Priv != "AES" || c.privPass != "Priv-Secret-2" {
		t.Errorf("switch 2 %v", c)
	}
	// No secret in any formatting of the parsed config.
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprint(s2.Cred)} {
		for _, secret := range []string{"Comm-Secret-0", "Auth-Secret-1", "Priv-Secret-2"} {
			if strings.Contains(s, secret) {
				t.Errorf("secret %s in %q", secret, s)
			}
		}
	}
}

// TestParseSwitchesErrors: every bad file is an error naming file:line,
// and none shows a secret, even one typed into the wrong field.
func TestParseSwitchesErrors(t *testing.T) {
	cred := "credentials:\n  - cidrs: [198.18.30.0/24]\n    version: v2c\n    community: Comm-Secret-0\n"
	for _, tt := range []struct{ file, want string }{
		{"", "empty file"},
		{"- a\n", "sw.yaml:1: want a mapping"},
		{"switches: [{address: 198.18.30.2}]\n", "sw.yaml:1: credentials: want"},
		{cred + "switches:\n  - address: 203.0.113.1\n", "sw.yaml:6: no credential's cidrs hold switch 203.0.113.1:161"},
		{cred + "switches:\n  - address: Comm-Secret-0\n", "sw.yaml:6: address: want an IP address"},
		{cred + "switches:\n  - address: 198.18.30.2\n    Comm-Secret-0: x\n", "sw.yaml:7: unknown key (a key not shown)"},
		{cred + "switches:\n  - address: 198.18.30.2\n  - address: 198.18.30.2:161\n", "sw.yaml:7: switch 198.18.30.2:161 already listed on line 6"},
		{"credentials:\n  - cidrs: [Comm-Secret-0]\n    version: v2c\n    community: x\nswitches: [{address: 1.2.3.4}]\n", "sw.yaml:2: cidrs item 1 is not a CIDR"},
		{"credentials:\n  - cidrs: [1.2.3.0/24]\n    version: v2\n", "sw.yaml:3: version: want v2c or v3"},
		{"credentials:\n  - cidrs: [1.2.3.0/24]\n    version: v2c\n", "sw.yaml:2: v2c credential without community"},
		{"credentials:\n  - cidrs: [1.2.3.0/24]\n    version: v2c\n    community_env: NOPE_UNSET\n", "sw.yaml:4: community_env: environment variable \"NOPE_UNSET\" is empty or unset"},
		{"credentials:\n  - cidrs: [1.2.3.0/24]\n    version: v2c\n    community: Comm-Secret-0\n    community_env: SW_COMMUNITY\n", "sw.yaml:5: both community and community_env"},
		{"credentials:\n  - cidrs: [1.2.3.0/24]\n    version: v3\n    user: u\n    auth: MD5\n", "sw.yaml:5: auth: want SHA or SHA-256"},
		{"credentials:\n  - cidrs: [1.2.3.0/24]\n    version: v3\n    user: u\n    auth: SHA\n    auth_password: short\n", "sw.yaml:2: auth_password shorter than 8"},
		{"credentials:\n  - cidrs: [1.2.3.0/24]\n    version: v3\n    user: u\n    auth: SHA\n    auth_password: Auth-Secret-1\n    priv: AES\n", "sw.yaml:2: priv and priv_password go together"},
		{"credentials:\n  - cidrs: [1.2.3.0/24]\n    version: v3\n    community: Comm-Secret-0\n", "sw.yaml:2: v3 credential with a community"},
		{"credentials: [\n", "sw.yaml: yaml: line"},
		{strings.Repeat("#", MaxSwitchesFile+1), "larger than"},
	} {
		_, err := ParseSwitches("sw.yaml", []byte(tt.file), env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("file %.60q: error %v, want %q", tt.file, err, tt.want)
			continue
		}
		for _, secret := range []string{"Comm-Secret-0", "Auth-Secret-1"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("secret in error %q", err)
			}
		}
	}
}

package passive

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"
	"go.yaml.in/yaml/v3"

	"github.com/camsweep/camsweep/device"
)

//go:embed clouds.yaml
var cloudsYAML []byte

// Cloud is one maker's cloud or update domain (clouds.yaml).
type Cloud struct {
	Suffix  string `yaml:"suffix"`
	Maker   string `yaml:"maker"`
	Service string `yaml:"service"`
	Source  string `yaml:"source"`
}

var (
	cloudsOnce sync.Once
	clouds     []Cloud
	cloudsErr  error
)

// Clouds returns the embedded cloud domains; an error names clouds.yaml
// and the line of the bad entry.
func Clouds() ([]Cloud, error) {
	cloudsOnce.Do(func() { clouds, cloudsErr = parseClouds("clouds.yaml", cloudsYAML) })
	return clouds, cloudsErr
}

func parseClouds(name string, b []byte) ([]Cloud, error) {
	var doc struct {
		Domains yaml.Node `yaml:"domains"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []Cloud
	for _, n := range doc.Domains.Content {
		var c Cloud
		if err := n.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n.Line, err)
		}
		c.Suffix = strings.ToLower(strings.TrimSuffix(c.Suffix, "."))
		if c.Suffix == "" || c.Maker == "" || c.Source == "" {
			return nil, fmt.Errorf("%s:%d: a domain needs suffix, maker and source", name, n.Line)
		}
		out = append(out, c)
	}
	return out, nil
}

// maxDNSQuery bounds the datagram read as a DNS query (RFC 1035 §2.3.4
// limits UDP messages to 512 bytes without EDNS).
const maxDNSQuery = 4096

// dnsEvidence reads a DNS query a device sent: the first question naming a
// maker's cloud domain becomes evidence of the asker. Other queries say
// nothing about who made the asker and are not kept.
func dnsEvidence(b []byte) (device.Evidence, bool) {
	if len(b) > maxDNSQuery || len(b) < 12 {
		return device.Evidence{}, false
	}
	var m dns.Msg
	if m.Unpack(b) != nil || m.Response {
		return device.Evidence{}, false
	}
	cs, err := Clouds()
	if err != nil {
		return device.Evidence{}, false
	}
	for _, q := range m.Question {
		name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
		for _, c := range cs {
			if name == c.Suffix || strings.HasSuffix(name, "."+c.Suffix) {
				return device.Evidence{Port: portDNS, Fields: map[string]string{
					"dns.query":       name,
					"dns.cloud_maker": c.Maker,
				}}, true
			}
		}
	}
	return device.Evidence{}, false
}

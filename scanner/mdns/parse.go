package mdns

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// ErrNotMDNS is returned for bytes that are not a DNS message.
var ErrNotMDNS = errors.New("mdns: not a DNS message")

// Bounds on what one message may make us keep. A real reply has a handful
// of records; miekg/dns already refuses compression loops and pointers out
// of range, and never trusts the header counts, but a 9 KiB datagram of
// empty TXT records is still thousands of records.
const (
	maxMessage    = 64 << 10
	maxRecords    = 256 // records looked at, all sections together
	maxInstances  = 32
	maxTypes      = 64
	maxHosts      = 32
	maxAddrs      = 16 // per host name
	maxTXT        = 32 // key=value strings kept per instance
	maxTXTKey     = 64
	maxLabelBytes = 255
)

// servicesName is the DNS-SD service type enumeration name (RFC 6763 §9).
const servicesName = "_services._dns-sd._udp"

// Message is what one mDNS or DNS-SD message says, in the shape of RFC 6763:
// service instances (PTR → SRV, TXT), the service types a responder lists,
// and the addresses of host names. Names are unescaped and have no trailing
// dot ("HIKVISION DS-2CD2722FWD-IZS - 733050075", "_CGI._tcp",
// "DS-2CD2722FWD-IZS20170321BBWR733050075.local").
type Message struct {
	ID       uint16
	Response bool
	// Partial is true when a section could not be decoded (a truncated
	// datagram); what came before it is kept.
	Partial   bool
	Questions []string // question names, as asked
	Instances []Instance
	// Types lists the service types of _services._dns-sd._udp PTRs.
	Types []string
	Hosts []Host
}

// Instance is one DNS-SD service instance.
type Instance struct {
	Name    string // the instance label: "AXIS M5014 - ACCC8E3C0419"
	Service string // "_axis-video._tcp"
	Domain  string // "local"
	Host    string // SRV target, "" when the message has no SRV
	Port    uint16
	// TXT holds the TXT strings as sent, at most maxTXT of them.
	TXT []string
}

// Host is a host name with every address the message gives it.
type Host struct {
	Name  string
	Addrs []netip.Addr
}

// Parse decodes one mDNS datagram. Bytes that are not a DNS message at all
// are ErrNotMDNS; a message cut short keeps what was decoded and sets
// Partial. Queries parse too (Response false): the caller decides.
func Parse(b []byte) (Message, error) {
	if len(b) > maxMessage {
		return Message{}, fmt.Errorf("%w: %d bytes", ErrNotMDNS, len(b))
	}
	var m dns.Msg
	err := m.Unpack(b)
	if err != nil && (len(b) < 12 || len(m.Question)+len(m.Answer) == 0) {
		return Message{}, fmt.Errorf("%w: %v", ErrNotMDNS, err)
	}
	if m.Opcode != dns.OpcodeQuery {
		return Message{}, fmt.Errorf("%w: opcode %d", ErrNotMDNS, m.Opcode)
	}
	out := Message{ID: m.Id, Response: m.Response, Partial: err != nil}
	for i, q := range m.Question {
		if i >= maxTypes {
			break
		}
		out.Questions = append(out.Questions, strings.Join(labels(q.Name), "."))
	}
	b2 := builder{msg: &out}
	n := 0
	for _, sec := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			if n++; n > maxRecords {
				out.Partial = true
				break
			}
			b2.add(rr)
		}
	}
	return out, nil
}

type builder struct {
	msg *Message
}

// instance finds or adds the instance of a full service instance name.
func (b *builder) instance(name string) *Instance {
	ls := labels(name)
	// <instance>.<_service>.<_tcp|_udp>.<domain...>
	if len(ls) < 4 || !isServiceLabel(ls[1]) || !isProtoLabel(ls[2]) {
		return nil
	}
	inst := Instance{Name: ls[0], Service: ls[1] + "." + ls[2], Domain: strings.Join(ls[3:], ".")}
	for i := range b.msg.Instances {
		x := &b.msg.Instances[i]
		if strings.EqualFold(x.Name, inst.Name) && strings.EqualFold(x.Service, inst.Service) && strings.EqualFold(x.Domain, inst.Domain) {
			return x
		}
	}
	if len(b.msg.Instances) >= maxInstances {
		return nil
	}
	b.msg.Instances = append(b.msg.Instances, inst)
	return &b.msg.Instances[len(b.msg.Instances)-1]
}

func (b *builder) host(name string) *Host {
	n := strings.Join(labels(name), ".")
	if n == "" {
		return nil
	}
	for i := range b.msg.Hosts {
		if strings.EqualFold(b.msg.Hosts[i].Name, n) {
			return &b.msg.Hosts[i]
		}
	}
	if len(b.msg.Hosts) >= maxHosts {
		return nil
	}
	b.msg.Hosts = append(b.msg.Hosts, Host{Name: n})
	return &b.msg.Hosts[len(b.msg.Hosts)-1]
}

func (b *builder) addr(name string, a netip.Addr) {
	h := b.host(name)
	if h == nil || !a.IsValid() || slices.Contains(h.Addrs, a) || len(h.Addrs) >= maxAddrs {
		return
	}
	h.Addrs = append(h.Addrs, a)
}

func (b *builder) add(rr dns.RR) {
	switch r := rr.(type) {
	case *dns.PTR:
		owner := labels(r.Hdr.Name)
		if isEnumeration(owner) {
			t := labels(r.Ptr)
			if len(t) >= 2 && isServiceLabel(t[0]) && isProtoLabel(t[1]) {
				s := t[0] + "." + t[1]
				if !slices.Contains(b.msg.Types, s) && len(b.msg.Types) < maxTypes {
					b.msg.Types = append(b.msg.Types, s)
				}
			}
			return
		}
		b.instance(r.Ptr)
	case *dns.SRV:
		if in := b.instance(r.Hdr.Name); in != nil {
			in.Host = strings.Join(labels(r.Target), ".")
			in.Port = r.Port
		}
	case *dns.TXT:
		in := b.instance(r.Hdr.Name)
		if in == nil {
			return
		}
		for _, s := range r.Txt {
			if len(in.TXT) >= maxTXT {
				break
			}
			s = unescapeTXT(s)
			if s != "" && !slices.Contains(in.TXT, s) {
				in.TXT = append(in.TXT, s)
			}
		}
	case *dns.A:
		if a, ok := netip.AddrFromSlice(r.A.To4()); ok {
			b.addr(r.Hdr.Name, a)
		}
	case *dns.AAAA:
		if a, ok := netip.AddrFromSlice(r.AAAA.To16()); ok {
			b.addr(r.Hdr.Name, a)
		}
	}
}

func isEnumeration(ls []string) bool {
	return len(ls) >= 3 && strings.EqualFold(strings.Join(ls[:3], "."), servicesName)
}

// isServiceLabel: "_" and a name (RFC 6763 §7: at most 15 characters, but
// real types are longer, so only the underscore is required).
func isServiceLabel(s string) bool { return len(s) > 1 && s[0] == '_' }

func isProtoLabel(s string) bool {
	return strings.EqualFold(s, "_tcp") || strings.EqualFold(s, "_udp")
}

// labels splits a miekg/dns presentation name into unescaped labels,
// without the root. miekg escapes the special characters of a label with a
// backslash and non-printable bytes as \DDD; an instance name may contain
// dots and spaces.
func labels(name string) []string {
	var out []string
	var cur []byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '\\' && i+3 < len(name) && isDigit(name[i+1]) && isDigit(name[i+2]) && isDigit(name[i+3]):
			v, _ := strconv.Atoi(name[i+1 : i+4])
			cur = append(cur, byte(v))
			i += 3
		case c == '\\' && i+1 < len(name):
			cur = append(cur, name[i+1])
			i++
		case c == '.':
			out = append(out, string(cur))
			cur = cur[:0]
		default:
			cur = append(cur, c)
		}
		if len(cur) > maxLabelBytes {
			cur = cur[:maxLabelBytes]
		}
	}
	if len(cur) > 0 {
		out = append(out, string(cur))
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// unescapeTXT undoes miekg/dns's presentation escaping of a character
// string (\" \\ and \DDD).
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	ls := labels(strings.ReplaceAll(s, ".", `\.`))
	return strings.Join(ls, "")
}

// TXTKeys splits TXT strings into lower-case keys and values (RFC 6763
// §6.3-6.4: keys are case-insensitive, the first occurrence wins, a key
// without "=" is a boolean attribute whose value is empty). Keys are kept
// only when they make a sane field name.
func TXTKeys(txt []string) map[string]string {
	out := map[string]string{}
	for _, s := range txt {
		k, v, _ := strings.Cut(s, "=")
		k = strings.ToLower(k)
		if !fieldKey(k) {
			continue
		}
		if _, dup := out[k]; !dup {
			out[k] = v
		}
	}
	return out
}

// maxTXTText bounds the free-text TXT strings kept in mdns.txt_text.
const maxTXTText = 4

// TXTText returns the TXT strings that are free text rather than
// attributes: no "=" and not the shape of a key (Edimax IC-3115W sends
// "IC-3115W Network Camera"), at most maxTXTText of them, joined with
// ", ". RFC 6763 would read such a string as a boolean key; a string with
// spaces makes no key, and dropping it would lose the model it states.
func TXTText(txt []string) string {
	var out []string
	for _, s := range txt {
		if strings.Contains(s, "=") || fieldKey(strings.ToLower(s)) || strings.TrimSpace(s) == "" {
			continue
		}
		if out = append(out, strings.TrimSpace(s)); len(out) == maxTXTText {
			break
		}
	}
	return strings.Join(out, ", ")
}

func fieldKey(k string) bool {
	if k == "" || len(k) > maxTXTKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

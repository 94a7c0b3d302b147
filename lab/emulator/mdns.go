package emulator

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// mDNS / DNS-SD (docs/protocols/mdns.md §7.1). Hikvision cameras answer _CGI._tcp
// with one packet: a PTR to "HIKVISION <model> - <last 9 of serial>", and as
// additionals TXT path=/, SRV 0 0 80 to "<serial>.local", the host's
// addresses and NSEC records (128keaton/hikvision-mdns cameras.json). Axis
// cameras answer _axis-video._tcp with "AXIS <model> - <MAC>" and TXT
// macaddress=<MAC> (UniversalScanner Axis.selftest). The printer answers
// _ipp._tcp with the TXT keys of the IPP Everywhere / AirPrint convention.
// Every device lists its types under _services._dns-sd._udp.
//
// A query from a port other than 5353 is legacy unicast (RFC 6762 §6.7):
// the answer echoes the ID and the questions, has TTLs of at most 10 s and
// no cache-flush bits. The emulator always answers the sender, by unicast;
// devices on a routed segment answer direct unicast queries the same way.

const mdnsPort = 5353

var mdnsGroup = netip.AddrFrom4([4]byte{224, 0, 0, 251})

// mdnsService is one DNS-SD service a profile advertises.
type mdnsService struct {
	typ      string // "_CGI._tcp"
	instance string
	host     string // without ".local"
	port     uint16
	txt      []string
}

func (e *Emulator) mdnsAdvertised() []mdnsService {
	d := e.Device
	mac := strings.ToUpper(strings.ReplaceAll(d.MAC.String(), ":", ""))
	switch d.Profile {
	case ProfileHikvision:
		tail := d.Serial
		if len(tail) > 9 {
			tail = tail[len(tail)-9:]
		}
		return []mdnsService{{typ: "_CGI._tcp", instance: "HIKVISION " + d.Model + " - " + tail, host: d.Serial, port: 80, txt: []string{"path=/"}}}
	case ProfileAxis:
		return []mdnsService{{typ: "_axis-video._tcp", instance: "AXIS " + d.Model + " - " + mac, host: "axis-" + strings.ToLower(mac), port: 80, txt: []string{"macaddress=" + mac}}}
	case ProfilePrinter:
		return []mdnsService{{typ: "_ipp._tcp", instance: d.Model, host: "printer-" + strings.ToLower(mac[6:]), port: 631, txt: []string{
			"txtvers=1", "qtotal=1", "rp=ipp/print", "ty=" + d.Model, "product=(" + d.Model + ")",
			"pdl=application/pdf,image/urf,image/pwg-raster", "Color=F", "Duplex=T", "UUID=" + fmt.Sprintf("e3248000-80ce-11db-8000-%s", strings.ToLower(mac)),
		}}}
	}
	return nil
}

// mdnsServices returns the mDNS responder of profiles that advertise.
func (e *Emulator) mdnsServices() []UDPService {
	if len(e.mdnsAdvertised()) == 0 {
		return nil
	}
	return []UDPService{{Port: mdnsPort, Name: "mdns", Group: mdnsGroup, Handle: e.mdnsHandler(hostAddrs)}}
}

func (e *Emulator) mdnsHandler(addrs func() []netip.Addr) func([]byte, netip.AddrPort) [][]byte {
	return func(req []byte, from netip.AddrPort) [][]byte {
		var q dns.Msg
		if q.Unpack(req) != nil || q.Response || q.Opcode != dns.OpcodeQuery || len(q.Question) == 0 {
			return nil
		}
		legacy := from.Port() != mdnsPort
		r := e.mdnsAnswer(q.Question, addrs(), legacy)
		if r == nil {
			return nil
		}
		if legacy {
			r.Id = q.Id
			r.Question = q.Question
			for i := range r.Question {
				r.Question[i].Qclass &^= 1 << 15
			}
		}
		r.Compress = true
		b, err := r.Pack()
		if err != nil {
			return nil
		}
		return [][]byte{b}
	}
}

// mdnsAnswer builds the response to questions, nil when none is ours.
func (e *Emulator) mdnsAnswer(qs []dns.Question, addrs []netip.Addr, legacy bool) *dns.Msg {
	svcs := e.mdnsAdvertised()
	r := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}}
	ttl := func(t uint32) uint32 {
		if legacy {
			return min(t, 10)
		}
		return t
	}
	class := func(flush bool) uint16 {
		if flush && !legacy {
			return dns.ClassINET | 1<<15
		}
		return dns.ClassINET
	}
	for _, q := range qs {
		if q.Qtype != dns.TypePTR && q.Qtype != dns.TypeANY {
			continue
		}
		name := strings.ToLower(q.Name)
		if name == "_services._dns-sd._udp.local." {
			for _, s := range svcs {
				r.Answer = append(r.Answer, &dns.PTR{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypePTR, Class: class(false), Ttl: ttl(4500)}, Ptr: s.typ + ".local."})
			}
			continue
		}
		for _, s := range svcs {
			if name != strings.ToLower(s.typ)+".local." {
				continue
			}
			inst := escapeLabel(s.instance) + "." + s.typ + ".local."
			host := escapeLabel(s.host) + ".local."
			r.Answer = append(r.Answer, &dns.PTR{Hdr: dns.RR_Header{Name: s.typ + ".local.", Rrtype: dns.TypePTR, Class: class(false), Ttl: ttl(4500)}, Ptr: inst})
			r.Extra = append(r.Extra,
				&dns.TXT{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeTXT, Class: class(true), Ttl: ttl(4500)}, Txt: s.txt},
				&dns.SRV{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeSRV, Class: class(true), Ttl: ttl(120)}, Port: s.port, Target: host},
			)
			for _, a := range addrs {
				if a.Is4() {
					r.Extra = append(r.Extra, &dns.A{Hdr: dns.RR_Header{Name: host, Rrtype: dns.TypeA, Class: class(true), Ttl: ttl(120)}, A: net.IP(a.AsSlice())})
				}
			}
			if !legacy {
				r.Extra = append(r.Extra,
					&dns.NSEC{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeNSEC, Class: class(true), Ttl: ttl(4500)}, NextDomain: inst, TypeBitMap: []uint16{dns.TypeTXT, dns.TypeSRV}},
					&dns.NSEC{Hdr: dns.RR_Header{Name: host, Rrtype: dns.TypeNSEC, Class: class(true), Ttl: ttl(120)}, NextDomain: host, TypeBitMap: []uint16{dns.TypeA}},
				)
			}
		}
	}
	if len(r.Answer) == 0 {
		return nil
	}
	return r
}

// escapeLabel writes s as one label in miekg/dns presentation form.
func escapeLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte(`. '@;()"\`, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

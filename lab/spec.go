package lab

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/camsweep/camsweep/corpus"
	"github.com/camsweep/camsweep/lab/emulator"
)

//go:embed default.yaml
var defaultSpec []byte

// LabRange is the only range the lab ever uses (RFC 2544 benchmarking).
var LabRange = netip.MustParsePrefix("198.18.0.0/15")

// Spec describes a lab: its segments, the jump host and the devices.
type Spec struct {
	// Prefix starts every namespace name ("csw-"; tests use "cswt-").
	Prefix   string    `yaml:"prefix"`
	Segments []Segment `yaml:"segments"`
	Jump     Jump      `yaml:"jump"`
	Devices  []Device  `yaml:"devices"`
	// Corpus is the directory of the corpus of real replies that replay
	// devices come from (testdata/real); relative to the spec file.
	Corpus string `yaml:"corpus,omitempty"`
}

// Segment is one layer-2 network: a bridge in its own switch namespace and a
// router interface at Gateway.
type Segment struct {
	Name    string `yaml:"name"`
	CIDR    string `yaml:"cidr"`
	Gateway string `yaml:"gateway"`
	Zone    Zone   `yaml:"zone"`
}

// Zone is the segment's entry in the zones file the scanner reads.
type Zone struct {
	Name string `yaml:"name"`
	Kind string `yaml:"kind"` // primary | isolated
}

// Jump is the scanner's host.
type Jump struct {
	Segment string `yaml:"segment"`
	Address string `yaml:"address"`
}

// Device is one emulated device. Model, Serial, Firmware, Realm, Server and
// Password parameterise the profile's replies (see lab/emulator).
type Device struct {
	Name     string `yaml:"name"`
	Segment  string `yaml:"segment"`
	Profile  string `yaml:"profile"`
	Address  string `yaml:"address"`
	MAC      string `yaml:"mac"`
	Model    string `yaml:"model,omitempty"`
	Serial   string `yaml:"serial,omitempty"`
	Firmware string `yaml:"firmware,omitempty"`
	Realm    string `yaml:"realm,omitempty"`
	Server   string `yaml:"server,omitempty"`
	Password string `yaml:"password,omitempty"`
	// Brand is the OEM label of a relabelled Hikvision- or Dahua-platform
	// device ("Amcrest", "LTS"); empty for the maker's own firmware.
	Brand string `yaml:"brand,omitempty"`
	// Host, when set, puts the device in a namespace shared with the other
	// devices of that host, on its own macvlan interface (see multi.go).
	Host string `yaml:"host,omitempty"`
	// Also, when set, gives the device a second interface on another
	// segment: a dual-homed camera (see dualhome.go).
	Also *Leg `yaml:"also,omitempty"`
	// Avahi, when set, also runs Debian's avahi-daemon in the device's
	// namespace, publishing AvahiInstance (see avahi.go).
	Avahi bool `yaml:"avahi,omitempty"`
	// ONVIFAuth "digest" makes the ONVIF device service take HTTP Digest
	// only and ignore WS-Security tokens; empty takes both, as Hikvision
	// and Dahua firmware do (lab/emulator/onvif.go).
	ONVIFAuth string `yaml:"onvif_auth,omitempty"`
	// Replay is the corpus device key a replay device serves the recorded
	// replies of (profile replay, lab/emulator/replay.go).
	Replay string `yaml:"replay,omitempty"`
	// Claims is the prefix of addresses an ARP forger (hostile-arp)
	// answers for, with ClaimMACs forged MACs (0: the emulator's
	// default); Peers are the hosts a scope widener or SSDP hijacker
	// names (lab/emulator/hostile.go).
	// Announce makes the device's emulator send what real devices send
	// unasked (lab/emulator/announce.go): a DHCP request, a DNS query for
	// its maker's cloud, its discovery notice, every few seconds.
	Announce  bool     `yaml:"announce,omitempty"`
	Claims    string   `yaml:"claims,omitempty"`
	ClaimMACs int      `yaml:"claim_macs,omitempty"`
	Peers     []string `yaml:"peers,omitempty,flow"`

	// Records are the cameras an announcing recorder pulls RTSP/RTP from
	// with its password; StreamKbps is an announcing camera's RTP bit
	// rate (lab/emulator/stream.go).
	Records    []string `yaml:"records,omitempty,flow"`
	StreamKbps int      `yaml:"stream_kbps,omitempty"`

	replayDir string // the spec's corpus, set by validation
}

// SpecError is a problem at one line of a spec file.
type SpecError struct {
	File string
	Line int
	Msg  string
}

func (e *SpecError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// DefaultSpec returns the spec embedded in the binary (lab/default.yaml).
func DefaultSpec() (*Spec, error) { return ParseSpec("default.yaml", defaultSpec) }

// LoadSpec reads and validates a spec file.
func LoadSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lab spec: %w", err)
	}
	return ParseSpec(path, data)
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// ParseSpec parses and validates a spec; name is used in errors, which are
// *SpecError naming the line and the offending token.
func ParseSpec(name string, data []byte) (*Spec, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlErr(name, err)
	}
	if len(root.Content) == 0 {
		return nil, &SpecError{name, 1, "empty spec"}
	}
	var s Spec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, yamlErr(name, err)
	}
	if s.Corpus != "" && !filepath.IsAbs(s.Corpus) {
		s.Corpus = filepath.Join(filepath.Dir(name), s.Corpus)
	}
	v := validator{file: name, root: root.Content[0]}
	if err := v.validate(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

func yamlErr(name string, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n")
	msg = strings.TrimSpace(strings.SplitN(msg, "\n", 2)[0])
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		text := m[2]
		if f, ok := strings.CutPrefix(text, "field "); ok {
			if fname, _, ok := strings.Cut(f, " not found in type"); ok {
				text = fmt.Sprintf("unknown field %q", fname)
			}
		}
		return &SpecError{name, line, text}
	}
	return &SpecError{name, 1, strings.TrimPrefix(msg, "yaml: ")}
}

// Name limits: namespace names stay short for `ip netns list` and logs;
// device and segment names are kept within an interface name (15 bytes).
var (
	prefixRe = regexp.MustCompile(`^[a-z][a-z0-9]{1,6}-$`)
	nameRe   = regexp.MustCompile(`^[a-z][a-z0-9-]{0,14}$`)
	segRe    = regexp.MustCompile(`^[a-z][a-z0-9]{0,9}$`)
	realmRe  = regexp.MustCompile(`^[A-Z0-9]{5}$`)
	// Values that go into replies stay printable and free of quotes.
	valueRe = regexp.MustCompile(`^[A-Za-z0-9 ._/()+-]{1,64}$`)
)

type validator struct {
	file   string
	root   *yaml.Node
	corpus map[string]bool // device keys of the spec's corpus, once loaded
}

// at returns the line of the node at path (mapping keys and sequence
// indexes); a missing node gives the line of its nearest parent.
func (v *validator) at(path ...any) int {
	n := v.root
	for _, p := range path {
		var next *yaml.Node
		switch k := p.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return n.Line
}

func (v *validator) errf(line int, format string, a ...any) error {
	return &SpecError{v.file, line, fmt.Sprintf(format, a...)}
}

func (v *validator) validate(s *Spec) error {
	if !prefixRe.MatchString(s.Prefix) {
		return v.errf(v.at("prefix"), "prefix %q: want 2 to 7 lower-case letters or digits and a final \"-\" (e.g. \"csw-\")", s.Prefix)
	}
	if len(s.Segments) == 0 {
		return v.errf(v.at("segments"), "no segments")
	}
	used := map[netip.Addr]string{}
	segs := map[string]netip.Prefix{}
	zones := map[string]bool{}
	for i, sg := range s.Segments {
		if !segRe.MatchString(sg.Name) {
			return v.errf(v.at("segments", i, "name"), "segment name %q: want 1 to 10 lower-case letters or digits", sg.Name)
		}
		if _, dup := segs[sg.Name]; dup {
			return v.errf(v.at("segments", i, "name"), "duplicate segment name %q", sg.Name)
		}
		p, err := netip.ParsePrefix(sg.CIDR)
		if err != nil || !p.Addr().Is4() || p != p.Masked() {
			return v.errf(v.at("segments", i, "cidr"), "cidr %q: want an IPv4 network such as 198.18.10.0/24", sg.CIDR)
		}
		if !LabRange.Contains(p.Addr()) || p.Bits() < LabRange.Bits() {
			return v.errf(v.at("segments", i, "cidr"), "cidr %q is outside %s", sg.CIDR, LabRange)
		}
		if p.Bits() > 29 {
			return v.errf(v.at("segments", i, "cidr"), "cidr %q is too small", sg.CIDR)
		}
		for other, q := range segs {
			if q.Overlaps(p) {
				return v.errf(v.at("segments", i, "cidr"), "cidr %q overlaps segment %q", sg.CIDR, other)
			}
		}
		segs[sg.Name] = p
		if err := v.hostAddr(sg.Gateway, p, used, "gateway of "+sg.Name, "segments", i, "gateway"); err != nil {
			return err
		}
		if sg.Zone.Name == "" || !valueRe.MatchString(sg.Zone.Name) || zones[sg.Zone.Name] {
			return v.errf(v.at("segments", i, "zone", "name"), "zone name %q: want a unique, non-empty name", sg.Zone.Name)
		}
		zones[sg.Zone.Name] = true
		if sg.Zone.Kind != "primary" && sg.Zone.Kind != "isolated" {
			return v.errf(v.at("segments", i, "zone", "kind"), "zone kind %q: want primary or isolated", sg.Zone.Kind)
		}
	}
	jp, ok := segs[s.Jump.Segment]
	if !ok {
		return v.errf(v.at("jump", "segment"), "jump segment %q is not a segment", s.Jump.Segment)
	}
	if err := v.hostAddr(s.Jump.Address, jp, used, "jump", "jump", "address"); err != nil {
		return err
	}
	names := map[string]bool{}
	macs := map[string]string{}
	for i, d := range s.Devices {
		if !nameRe.MatchString(d.Name) {
			return v.errf(v.at("devices", i, "name"), "device name %q: want 1 to 15 lower-case letters, digits or \"-\", starting with a letter", d.Name)
		}
		if names[d.Name] {
			return v.errf(v.at("devices", i, "name"), "duplicate device name %q", d.Name)
		}
		names[d.Name] = true
		p, ok := segs[d.Segment]
		if !ok {
			return v.errf(v.at("devices", i, "segment"), "segment %q of device %q is not a segment", d.Segment, d.Name)
		}
		if !emulator.KnownProfile(d.Profile) {
			return v.errf(v.at("devices", i, "profile"), "unknown profile %q (want one of %s)", d.Profile, strings.Join(emulator.Profiles(), ", "))
		}
		if err := v.hostAddr(d.Address, p, used, "device "+d.Name, "devices", i, "address"); err != nil {
			return err
		}
		hw, err := net.ParseMAC(d.MAC)
		if err != nil || len(hw) != 6 {
			return v.errf(v.at("devices", i, "mac"), "mac %q: want six colon-separated hex bytes", d.MAC)
		}
		if hw[0]&1 != 0 || bytes.Equal(hw, make([]byte, 6)) {
			return v.errf(v.at("devices", i, "mac"), "mac %q is not a unicast address", d.MAC)
		}
		if other, dup := macs[hw.String()]; dup {
			return v.errf(v.at("devices", i, "mac"), "duplicate mac %q (also device %q)", d.MAC, other)
		}
		macs[hw.String()] = d.Name
		for _, f := range []struct{ key, val string }{
			{"model", d.Model}, {"serial", d.Serial}, {"firmware", d.Firmware}, {"server", d.Server}, {"password", d.Password}, {"brand", d.Brand},
		} {
			if f.val != "" && !valueRe.MatchString(f.val) {
				return v.errf(v.at("devices", i, f.key), "%s %q: want up to 64 letters, digits, spaces or ._/()+-", f.key, f.val)
			}
		}
		switch d.Profile {
		case emulator.ProfileHikvisionRTSP:
			if !realmRe.MatchString(d.Realm) {
				return v.errf(v.at("devices", i, "realm"), "realm %q of device %q: want the 5-character token of \"IP Camera(XXXXX)\"", d.Realm, d.Name)
			}
		case emulator.ProfileHikvision:
			if !realmRe.MatchString(d.Realm) {
				return v.errf(v.at("devices", i, "realm"), "realm %q of device %q: want the 5-character token of \"IP Camera(XXXXX)\"", d.Realm, d.Name)
			}
			if d.Server != "webserver" && d.Server != "App-webs/" {
				return v.errf(v.at("devices", i, "server"), "server %q of device %q: want webserver or App-webs/", d.Server, d.Name)
			}
			if d.Serial == "" {
				return v.errf(v.at("devices", i), "device %q needs a serial", d.Name)
			}
		case emulator.ProfileHikvisionNVR:
			if d.Server != "" && d.Server != "DNVRS-Webs" {
				return v.errf(v.at("devices", i, "server"), "server %q of device %q: a Hikvision NVR's web server is DNVRS-Webs (or leave it out)", d.Server, d.Name)
			}
			if d.Serial == "" || d.Model == "" {
				return v.errf(v.at("devices", i), "device %q needs a model and a serial (SADP reports both)", d.Name)
			}
		case emulator.ProfileDahua:
			if d.Serial == "" || strings.Contains(d.Serial, " ") {
				return v.errf(v.at("devices", i, "serial"), "serial %q of device %q: Dahua realms are \"Login to <serial>\"", d.Serial, d.Name)
			}
		case emulator.ProfileXiongmai:
			if d.Serial == "" || strings.Contains(d.Serial, " ") {
				return v.errf(v.at("devices", i, "serial"), "serial %q of device %q: the XMEye reply's SN needs one, without spaces", d.Serial, d.Name)
			}
		}
		if d.Realm != "" && d.Profile != emulator.ProfileHikvision && d.Profile != emulator.ProfileHikvisionRTSP {
			return v.errf(v.at("devices", i, "realm"), "realm %q: only hikvision-camera devices take a realm", d.Realm)
		}
		if d.ONVIFAuth != "" {
			switch {
			case d.ONVIFAuth != emulator.ONVIFAuthDigest:
				return v.errf(v.at("devices", i, "onvif_auth"), "onvif_auth %q of device %q: want %q or nothing", d.ONVIFAuth, d.Name, emulator.ONVIFAuthDigest)
			case d.Profile != emulator.ProfileHikvision && d.Profile != emulator.ProfileDahua && d.Profile != emulator.ProfileAxis:
				return v.errf(v.at("devices", i, "onvif_auth"), "onvif_auth: device %q (%s) has no ONVIF device service", d.Name, d.Profile)
			case d.Password == "":
				return v.errf(v.at("devices", i, "onvif_auth"), "onvif_auth: device %q needs a password for HTTP Digest to accept", d.Name)
			}
		}
		if err := v.validateReplay(s, i); err != nil {
			return err
		}
		if d.Brand != "" && d.Profile != emulator.ProfileHikvision && d.Profile != emulator.ProfileDahua {
			return v.errf(v.at("devices", i, "brand"), "brand %q: only hikvision-camera and dahua-camera devices take an OEM brand", d.Brand)
		}
		if (len(d.Records) > 0 || d.StreamKbps != 0) && !d.Announce {
			return v.errf(v.at("devices", i), "device %q: records and stream_kbps need announce: true", d.Name)
		}
		if d.StreamKbps < 0 || d.StreamKbps > 1000000 {
			return v.errf(v.at("devices", i, "stream_kbps"), "stream_kbps %d of device %q: want 1 to 1000000", d.StreamKbps, d.Name)
		}
		for _, r := range d.Records {
			if a, err := netip.ParseAddr(r); err != nil || !a.Is4() || !LabRange.Contains(a) || len(d.Records) > 16 {
				return v.errf(v.at("devices", i, "records"), "records %q of device %q: want at most 16 IPv4 addresses in %s", r, d.Name, LabRange)
			}
		}
	}
	if err := v.validateHostile(s, used); err != nil {
		return err
	}
	for i, d := range s.Devices {
		if d.Profile == emulator.ProfileARPOnly && (d.Host != "" || d.Also != nil || d.Avahi) {
			return v.errf(v.at("devices", i, "profile"), "device %q: an arp-only device needs a namespace of its own, with one interface and nothing else running", d.Name)
		}
		if d.Avahi && d.Host != "" {
			return v.errf(v.at("devices", i, "avahi"), "device %q: avahi needs a namespace of its own, not host %q", d.Name, d.Host)
		}
	}
	if err := v.validateAlso(s); err != nil {
		return err
	}
	return v.validateHosts(s)
}

// validateReplay checks a replay device: its corpus key names a device of
// the spec's corpus, and only replay devices take one.
func (v *validator) validateReplay(s *Spec, i int) error {
	d := &s.Devices[i]
	switch {
	case d.Profile != emulator.ProfileReplay && d.Replay != "":
		return v.errf(v.at("devices", i, "replay"), "replay %q: only replay devices serve a corpus device", d.Replay)
	case d.Profile != emulator.ProfileReplay:
		return nil
	case d.Replay == "":
		return v.errf(v.at("devices", i), "device %q needs replay: a device key of the corpus", d.Name)
	case s.Corpus == "":
		return v.errf(v.at("devices", i, "replay"), "device %q replays the corpus, but the spec names no corpus directory", d.Name)
	}
	if v.corpus == nil {
		devs, err := corpus.Load(s.Corpus)
		if err != nil {
			return v.errf(v.at("corpus"), "corpus %s: %v", s.Corpus, err)
		}
		v.corpus = map[string]bool{}
		for _, cd := range devs {
			v.corpus[cd.Key] = true
		}
	}
	if !v.corpus[d.Replay] {
		return v.errf(v.at("devices", i, "replay"), "replay %q: no such device in the corpus at %s", d.Replay, s.Corpus)
	}
	d.replayDir = s.Corpus
	return nil
}

// maxClaims bounds what one ARP forger claims: a /23.
const maxClaims = 512

// validateHostile checks the fields of hostile devices: each in a
// namespace of its own (the forger's raw socket and the others' ports must
// not meet another device's), an ARP forger's claims inside its segment and
// clear of every address the spec gives out (so "no record for an address
// nobody owns" stays a fair test), peers in the lab range, and no hostile
// field on another profile.
func (v *validator) validateHostile(s *Spec, used map[netip.Addr]string) error {
	for i, d := range s.Devices {
		hostile := emulator.IsHostile(d.Profile)
		if !hostile {
			switch {
			case d.Claims != "":
				return v.errf(v.at("devices", i, "claims"), "claims %q: only hostile-arp devices claim addresses", d.Claims)
			case d.ClaimMACs != 0:
				return v.errf(v.at("devices", i, "claim_macs"), "claim_macs: only hostile-arp devices forge MACs")
			case len(d.Peers) > 0:
				return v.errf(v.at("devices", i, "peers"), "peers: only hostile-widener and hostile-ssdp devices name peers")
			}
			continue
		}
		if d.Host != "" || d.Also != nil || d.Avahi {
			return v.errf(v.at("devices", i, "profile"), "device %q: a hostile device needs a namespace of its own, with one interface and nothing else running", d.Name)
		}
		if d.Profile == emulator.ProfileHostileARP {
			p, err := netip.ParsePrefix(d.Claims)
			seg := netip.MustParsePrefix(s.segment(d.Segment).CIDR)
			switch {
			case err != nil || !p.Addr().Is4() || p != p.Masked():
				return v.errf(v.at("devices", i, "claims"), "claims %q of device %q: want an IPv4 prefix such as 198.18.160.192/26", d.Claims, d.Name)
			case !seg.Contains(p.Addr()) || p.Bits() < seg.Bits():
				return v.errf(v.at("devices", i, "claims"), "claims %q of device %q: outside its segment %s", d.Claims, d.Name, seg)
			case p.Bits() < 32-9:
				return v.errf(v.at("devices", i, "claims"), "claims %q of device %q: more than %d addresses", d.Claims, d.Name, maxClaims)
			}
			// The lowest address held, so the error is the same every run.
			var held netip.Addr
			for a, who := range used {
				if p.Contains(a) && who != "device "+d.Name && (!held.IsValid() || a.Less(held)) {
					held = a
				}
			}
			if held.IsValid() {
				return v.errf(v.at("devices", i, "claims"), "claims %q of device %q: holds %s of %s (claim unused addresses only)", d.Claims, d.Name, held, used[held])
			}
			if d.ClaimMACs < 0 || d.ClaimMACs > 64 {
				return v.errf(v.at("devices", i, "claim_macs"), "claim_macs %d of device %q: want 1 to 64 (or leave it out)", d.ClaimMACs, d.Name)
			}
		} else if d.Claims != "" || d.ClaimMACs != 0 {
			return v.errf(v.at("devices", i, "claims"), "device %q: only hostile-arp devices claim addresses", d.Name)
		}
		switch {
		case d.Profile == emulator.ProfileHostileSSDP && len(d.Peers) == 0:
			return v.errf(v.at("devices", i), "device %q needs peers: the hosts its LOCATIONs name", d.Name)
		case len(d.Peers) > 0 && d.Profile != emulator.ProfileHostileSSDP && d.Profile != emulator.ProfileHostileWidener:
			return v.errf(v.at("devices", i, "peers"), "peers: only hostile-widener and hostile-ssdp devices name peers")
		case len(d.Peers) > 16:
			return v.errf(v.at("devices", i, "peers"), "device %q: %d peers, at most 16", d.Name, len(d.Peers))
		}
		for _, ps := range d.Peers {
			a, err := netip.ParseAddr(ps)
			if err != nil || !a.Is4() || !LabRange.Contains(a) {
				return v.errf(v.at("devices", i, "peers"), "peer %q of device %q: want an IPv4 address in %s", ps, d.Name, LabRange)
			}
		}
	}
	return nil
}

// hostAddr checks that s is an address of p, in the lab range, not yet used.
func (v *validator) hostAddr(s string, p netip.Prefix, used map[netip.Addr]string, who string, path ...any) error {
	line := v.at(path...)
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return v.errf(line, "address %q: want an IPv4 address", s)
	}
	if !LabRange.Contains(a) {
		return v.errf(line, "address %q is outside %s", s, LabRange)
	}
	if !p.Contains(a) {
		return v.errf(line, "address %q is outside its segment %s", s, p)
	}
	last := lastAddr(p)
	if a == p.Addr() || a == last {
		return v.errf(line, "address %q is the network or broadcast address of %s", s, p)
	}
	if other, dup := used[a]; dup {
		return v.errf(line, "duplicate address %q (also %s)", s, other)
	}
	used[a] = who
	return nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// Marshal returns the spec as YAML that ParseSpec reads back.
func (s *Spec) Marshal() ([]byte, error) { return yaml.Marshal(s) }

// Names of the lab's namespaces.
func (s *Spec) JumpNS() string                 { return s.Prefix + "jump" }
func (s *Spec) RouterNS() string               { return s.Prefix + "router" }
func (s *Spec) SwitchNS(segment string) string { return s.Prefix + "sw-" + segment }
func (s *Spec) DeviceNS(device string) string  { return s.Prefix + "d-" + device }

// Namespaces lists every namespace the lab builds.
func (s *Spec) Namespaces() []string {
	ns := []string{s.RouterNS(), s.JumpNS()}
	for _, sg := range s.Segments {
		ns = append(ns, s.SwitchNS(sg.Name))
	}
	for _, u := range s.serveUnits() {
		ns = append(ns, u.NS)
	}
	return ns
}

// Device returns the device called name.
func (s *Spec) Device(name string) (Device, bool) {
	for _, d := range s.Devices {
		if d.Name == name {
			return d, true
		}
	}
	return Device{}, false
}

func (s *Spec) segment(name string) Segment {
	for _, sg := range s.Segments {
		if sg.Name == name {
			return sg
		}
	}
	return Segment{}
}

// prefixLen returns the mask length of segment name (validated specs only).
func (s *Spec) prefixLen(segment string) int {
	return netip.MustParsePrefix(s.segment(segment).CIDR).Bits()
}

// Zones returns the zones file for the scanner:
//
//	zones:
//	  - {name: lab-primary, kind: primary, cidrs: [198.18.10.0/24]}
func Zones(s *Spec) ([]byte, error) {
	type zone struct {
		Name  string   `yaml:"name"`
		Kind  string   `yaml:"kind"`
		CIDRs []string `yaml:"cidrs,flow"`
	}
	var out struct {
		Zones []zone `yaml:"zones"`
	}
	for _, sg := range s.Segments {
		out.Zones = append(out.Zones, zone{Name: sg.Zone.Name, Kind: sg.Zone.Kind, CIDRs: []string{sg.CIDR}})
	}
	if len(out.Zones) == 0 {
		return nil, errors.New("lab: spec has no segments")
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&out); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// emulatorDevice converts a validated device for the emulator.
func (d Device) emulatorDevice() emulator.Device {
	hw, _ := net.ParseMAC(d.MAC)
	claims, _ := netip.ParsePrefix(d.Claims)
	var peers []netip.Addr
	for _, p := range d.Peers {
		if a, err := netip.ParseAddr(p); err == nil {
			peers = append(peers, a)
		}
	}
	var records []netip.Addr
	for _, r := range d.Records {
		if a, err := netip.ParseAddr(r); err == nil {
			records = append(records, a)
		}
	}
	return emulator.Device{
		Claims: claims, ClaimMACs: d.ClaimMACs, Peers: peers,
		Name: d.Name, Profile: d.Profile, MAC: hw, Model: d.Model, Serial: d.Serial,
		Firmware: d.Firmware, Realm: d.Realm, Server: d.Server, Password: d.Password,
		Brand: d.Brand, ONVIFAuth: d.ONVIFAuth, ReplayDir: d.replayDir, ReplayKey: d.Replay,
		Announce: d.Announce, Records: records, StreamKbps: d.StreamKbps,
	}
}

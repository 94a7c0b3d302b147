// Package corpus loads the corpus of real replies (testdata/real: replies
// that real devices sent, recorded and published by others), replays each
// recorded device through camsweep's own probers and parsers, and scores the
// identity camsweep concludes against what the device states.
//
// A replayed device is a device.Host built exactly as a scan builds one: the
// UDP discovery replies go through their protocol's parser and evidence
// function, and the TCP replies (ONVIF, HTTP, RTSP) are served to the real
// probers over in-memory connections, so that the session logic (which
// request follows which answer) is exercised as well as the parsers. No
// socket is opened.
package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Source is the provenance of one reply.
type Source struct {
	Repo   string `yaml:"repo"`
	Path   string `yaml:"path"`
	Commit string `yaml:"commit"`
	URL    string `yaml:"url"`
	Date   string `yaml:"date"`
	// Index is the id of a file in a public code index that does not name
	// the file's repository: weaker provenance, counted apart.
	Index string `yaml:"index"`
	Note  string `yaml:"note"`
}

// Kind names how a reply's provenance is known: "repo", "url", or "index"
// (a code index's file id, with the note saying what the file is).
func (s Source) Kind() string {
	switch {
	case s.Repo != "":
		return "repo"
	case s.URL != "":
		return "url"
	}
	return "index"
}

// Expect is what a device states about itself (or, for the maker of a
// relabel, what its replies prove). An empty field is not scored.
type Expect struct {
	Maker      string `yaml:"maker"`
	Brand      string `yaml:"brand"`
	Model      string `yaml:"model"`
	Firmware   string `yaml:"firmware"`
	Serial     string `yaml:"serial"`
	DeviceType string `yaml:"device_type"`
}

// Entry is one recorded reply of a manifest.
type Entry struct {
	File     string `yaml:"file"`
	Protocol string `yaml:"protocol"`
	Device   string `yaml:"device"`
	Form     string `yaml:"form"`
	Source   Source `yaml:"source"`
	Expect   Expect `yaml:"expect"`
	// Auth is "login" when the source read the reply with a login (an
	// integration or a browser that signed in): a replay serves it only
	// to a request that logs in with the corpus credential (Login), and
	// answers any other with a Digest challenge, as the device would.
	Auth string `yaml:"auth"`

	// Manifest and Line say where the entry is written, for messages.
	Manifest string `yaml:"-"`
	Line     int    `yaml:"-"`
	// Data is the reply's bytes as recorded.
	Data []byte `yaml:"-"`
}

func (e *Entry) pos() string { return fmt.Sprintf("%s:%d", e.Manifest, e.Line) }

// Device is every reply of one recorded device, with the union of their
// expectations.
type Device struct {
	Key     string
	Entries []*Entry
	Expect  Expect
}

// Makers returns the distinct expected makers of the devices.
func Makers(devs []*Device) []string {
	var out []string
	for _, d := range devs {
		if d.Expect.Maker != "" && !slices.Contains(out, d.Expect.Maker) {
			out = append(out, d.Expect.Maker)
		}
	}
	slices.Sort(out)
	return out
}

var (
	fileRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)+$`)
	commitRe = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
	dateRe   = regexp.MustCompile(`^\d{4}(-\d{2}){0,2}$`)
)

// Load reads every *.yaml manifest in dir and the files they name. Every
// problem is returned, each as manifest:line.
func Load(dir string) ([]*Device, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var errs []error
	byKey := map[string]*Device{}
	var devs []*Device
	files := map[string]string{}
	for _, name := range names {
		entries, err := parseManifest(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			if err := e.check(); err != nil {
				errs = append(errs, err)
				continue
			}
			if first, dup := files[e.File]; dup {
				errs = append(errs, fmt.Errorf("%s: file %s is listed twice (first at %s)", e.pos(), e.File, first))
				continue
			}
			files[e.File] = e.pos()
			data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.File)))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", e.pos(), err))
				continue
			}
			e.Data = data
			d := byKey[e.Device]
			if d == nil {
				d = &Device{Key: e.Device}
				byKey[e.Device] = d
				devs = append(devs, d)
			}
			d.Entries = append(d.Entries, e)
			if err := merge(&d.Expect, e.Expect); err != nil {
				errs = append(errs, fmt.Errorf("%s: device %s: %w", e.pos(), e.Device, err))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return devs, nil
}

func parseManifest(name string) ([]*Entry, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(name)
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", base, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:1: want a mapping with a replies list", base)
	}
	top := doc.Content[0]
	var list *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		if k := top.Content[i]; k.Value != "replies" {
			return nil, fmt.Errorf("%s:%d: unknown key %q (want replies)", base, k.Line, k.Value)
		}
		list = top.Content[i+1]
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: want a replies list", base, top.Line)
	}
	var out []*Entry
	var errs []error
	for _, it := range list.Content {
		var e Entry
		// Re-encode the item and decode it strictly so that a misspelt
		// key is an error, not an unscored field.
		raw, err := yaml.Marshal(it)
		if err == nil {
			d := yaml.NewDecoder(bytes.NewReader(raw))
			d.KnownFields(true)
			err = d.Decode(&e)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %v", base, it.Line, err))
			continue
		}
		e.Manifest, e.Line = base, it.Line
		out = append(out, &e)
	}
	return out, errors.Join(errs...)
}

func (e *Entry) check() error {
	var bad []string
	if !fileRe.MatchString(e.File) || strings.Contains(e.File, "..") {
		bad = append(bad, fmt.Sprintf("file %q (want <protocol>/<name>, lower-case [a-z0-9._-])", e.File))
	}
	if !knownProtocol(e.Protocol) {
		bad = append(bad, fmt.Sprintf("protocol %q (want one of testdata/real/README.md)", e.Protocol))
	}
	if strings.TrimSpace(e.Device) == "" {
		bad = append(bad, "no device key")
	}
	switch e.Form {
	case "", "verbatim", "excerpt":
	default:
		bad = append(bad, fmt.Sprintf("form %q (want verbatim or excerpt)", e.Form))
	}
	s := e.Source
	switch {
	case s.Repo == "" && s.URL == "" && s.Index == "" && len(s.Note) < 40:
		bad = append(bad, "no source repo, url or index, and no note saying where the reply comes from")
	case s.Repo != "" && s.Commit == "" && s.Date == "":
		bad = append(bad, "source repo without commit or date")
	}
	if s.Commit != "" && !commitRe.MatchString(s.Commit) {
		bad = append(bad, fmt.Sprintf("source commit %q", s.Commit))
	}
	if s.Date != "" && !dateRe.MatchString(s.Date) {
		bad = append(bad, fmt.Sprintf("source date %q (want YYYY[-MM[-DD]])", s.Date))
	}
	switch {
	case e.Auth == "":
	case e.Auth != "login":
		bad = append(bad, fmt.Sprintf("auth %q (want login or nothing)", e.Auth))
	case !strings.HasPrefix(e.Protocol, "http:"):
		bad = append(bad, fmt.Sprintf("auth login on protocol %q (only http:<path> replies are served behind a login)", e.Protocol))
	}
	switch e.Expect.DeviceType {
	case "", "camera", "nvr", "dvr", "encoder", "intercom", "other":
	default:
		bad = append(bad, fmt.Sprintf("expect device_type %q", e.Expect.DeviceType))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s: %s", e.pos(), strings.Join(bad, "; "))
	}
	return nil
}

// merge adds one entry's expectations to its device's; two replies of one
// device may not state different values.
func merge(dst *Expect, src Expect) error {
	pairs := []struct {
		name     string
		dst      *string
		src      string
		caseFold bool
	}{
		{"maker", &dst.Maker, src.Maker, true},
		{"brand", &dst.Brand, src.Brand, true},
		{"model", &dst.Model, src.Model, false},
		{"firmware", &dst.Firmware, src.Firmware, false},
		{"serial", &dst.Serial, src.Serial, false},
		{"device_type", &dst.DeviceType, src.DeviceType, false},
	}
	for _, p := range pairs {
		switch {
		case p.src == "":
		case *p.dst == "":
			*p.dst = p.src
		case *p.dst != p.src && !(p.caseFold && strings.EqualFold(*p.dst, p.src)):
			return fmt.Errorf("expect %s %q contradicts %q of another reply", p.name, p.src, *p.dst)
		}
	}
	return nil
}

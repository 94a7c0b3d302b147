// Package authhdr parses the challenges of a WWW-Authenticate header as HTTP
// (RFC 9110 §11.6.1, RFC 7616, RFC 7617) and RTSP (RFC 2326 §12.44) servers
// send them. Cameras bend the grammar: Hikvision's DVRs send two challenges,
// some firmwares leave out the commas between parameters or leave values
// unquoted, and realms carry spaces, parentheses and slashes. The parser
// keeps what it could read and says where it gave up, because a half-read
// realm is still evidence.
package authhdr

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax reports input that is not a challenge list; the challenges read
// before the fault are returned with it.
var ErrSyntax = errors.New("authhdr: malformed challenge")

// Param is one auth-param; Value is unquoted with its escapes resolved.
type Param struct {
	Name  string
	Value string
}

// Challenge is one auth-scheme with its token68 or its parameters, in the
// order sent.
type Challenge struct {
	Scheme  string
	Token68 string
	Params  []Param
}

// Get returns the first parameter called name (case-insensitively).
func (c Challenge) Get(name string) (string, bool) {
	for _, p := range c.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return "", false
}

// Realm is the realm parameter, empty when absent.
func (c Challenge) Realm() string {
	v, _ := c.Get("realm")
	return v
}

// Parse reads every challenge in s, the value of one WWW-Authenticate header.
func Parse(s string) ([]Challenge, error) {
	p := parser{s: s}
	var out []Challenge
	for {
		p.skipListSep()
		if p.eof() {
			return out, nil
		}
		scheme := p.token()
		if scheme == "" {
			return out, p.errf("expected an auth-scheme")
		}
		ch := Challenge{Scheme: scheme}
		if p.skipOWS() > 0 {
			if t, ok := p.token68(); ok {
				ch.Token68 = t
				out = append(out, ch)
				continue
			}
		}
		for {
			save := p.i
			p.skipListSep()
			if p.eof() {
				break
			}
			name := p.token()
			if name == "" {
				return append(out, ch), p.errf("expected an auth-param")
			}
			p.skipOWS()
			if p.eof() || p.s[p.i] != '=' {
				// A token without "=" is the scheme of the next challenge.
				p.i = save
				break
			}
			p.i++
			p.skipOWS()
			v, err := p.value()
			ch.Params = append(ch.Params, Param{Name: name, Value: v})
			if err != nil {
				return append(out, ch), err
			}
		}
		out = append(out, ch)
	}
}

type parser struct {
	s string
	i int
}

func (p *parser) eof() bool { return p.i >= len(p.s) }

func (p *parser) errf(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, what, p.i)
}

func (p *parser) skipOWS() int {
	start := p.i
	for !p.eof() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
	return p.i - start
}

func (p *parser) skipListSep() {
	for !p.eof() && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
}

func (p *parser) token() string {
	start := p.i
	for !p.eof() && isTchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// token68 reads a token68 (RFC 9110 §11.2) when that is what follows: one
// run of token68 characters and padding, then the end or a comma. Otherwise
// it leaves the position alone.
func (p *parser) token68() (string, bool) {
	j := p.i
	for j < len(p.s) && isToken68(p.s[j]) {
		j++
	}
	if j == p.i {
		return "", false
	}
	for j < len(p.s) && p.s[j] == '=' {
		j++
	}
	k := j
	for k < len(p.s) && (p.s[k] == ' ' || p.s[k] == '\t') {
		k++
	}
	if k < len(p.s) && p.s[k] != ',' {
		return "", false
	}
	t := p.s[p.i:j]
	p.i = j
	return t, true
}

// value reads a quoted-string or, leniently, anything up to the next comma
// or blank.
func (p *parser) value() (string, error) {
	if p.eof() {
		return "", nil
	}
	if p.s[p.i] != '"' {
		start := p.i
		for !p.eof() && p.s[p.i] != ',' && p.s[p.i] != ' ' && p.s[p.i] != '\t' {
			p.i++
		}
		return p.s[start:p.i], nil
	}
	p.i++
	var b strings.Builder
	for !p.eof() {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '"':
			return b.String(), nil
		case c == '\\' && !p.eof():
			b.WriteByte(p.s[p.i])
			p.i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), p.errf("unterminated quoted-string")
}

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isToken68(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", c) >= 0
}

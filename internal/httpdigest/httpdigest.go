// Package httpdigest checks HTTP Digest Authorization headers (RFC 7616,
// and RFC 2617's form without qop) on the server side, for the replayed and
// fake devices of the corpus, the lab and the tests: the scanner answers challenges
// (scanner/internal/authhdr), these check the answers as a device would.
package httpdigest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
)

// Check reports whether authz answers a Digest challenge of realm for
// method with user and password: MD5 or SHA-256, qop "auth" or none. Any
// nonce is taken, as a device that keeps no nonce state would.
func Check(authz, method, user, realm, password string) bool {
	if password == "" {
		return false
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(authz), " ")
	if !strings.EqualFold(scheme, "Digest") {
		return false
	}
	params, ok := parseParams(rest)
	if !ok {
		return false
	}
	get := func(k string) string { return params[k] }
	if get("username") != user || get("realm") != realm {
		return false
	}
	var h func() hash.Hash
	switch strings.ToUpper(get("algorithm")) {
	case "", "MD5":
		h = md5.New
	case "SHA-256":
		h = sha256.New
	default:
		return false
	}
	sum := func(parts ...string) string {
		x := h()
		x.Write([]byte(strings.Join(parts, ":")))
		return hex.EncodeToString(x.Sum(nil))
	}
	ha1 := sum(user, realm, password)
	ha2 := sum(method, get("uri"))
	switch get("qop") {
	case "":
		return get("response") == sum(ha1, get("nonce"), ha2)
	case "auth":
		return get("response") == sum(ha1, get("nonce"), get("nc"), get("cnonce"), "auth", ha2)
	}
	return false
}

// parseParams reads an auth-param list (name=token or name="quoted", comma
// separated); names are lower-cased. False on anything else.
func parseParams(s string) (map[string]string, bool) {
	out := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return out, true
		}
		name, rest, ok := strings.Cut(s, "=")
		if !ok {
			return nil, false
		}
		name = strings.ToLower(strings.TrimSpace(name))
		rest = strings.TrimLeft(rest, " \t")
		var val strings.Builder
		if strings.HasPrefix(rest, `"`) {
			i, closed := 1, false
			for ; i < len(rest); i++ {
				c := rest[i]
				if c == '\\' && i+1 < len(rest) {
					i++
					val.WriteByte(rest[i])
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				val.WriteByte(c)
			}
			if !closed {
				return nil, false
			}
			s = rest[i+1:]
		} else {
			v, after, _ := strings.Cut(rest, ",")
			val.WriteString(strings.TrimSpace(v))
			s = after
		}
		out[name] = val.String()
	}
}

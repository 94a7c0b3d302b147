package authhdr

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// Digest answers an HTTP Digest challenge (RFC 7616, and RFC 2617's form
// without qop) as cameras send it: the ONVIF device service's fallback
// (ONVIF Core §5.9.1, a device that wants HTTP authentication answers 401
// with WWW-Authenticate: Digest) and the makers' CGIs.
// Only qop "auth" (or none) and the MD5 and SHA-256 algorithms are spoken;
// "-sess" variants and auth-int, which cameras do not ask for alone, are
// not. The nonce is reused for later requests of the same probe with the
// count increased, as RFC 7616 §3.4 allows.
type Digest struct {
	realm, nonce, opaque string
	algorithm            string // as sent, "" when absent (MD5)
	sha256               bool
	qop                  bool // qop=auth
	stale                bool
	nc                   int
}

// NewDigest picks the challenge among WWW-Authenticate values that it can
// answer, SHA-256 over MD5 when a device offers both (Hikvision sends two
// challenges on newer firmware).
func NewDigest(values []string) (*Digest, bool) {
	var best *Digest
	for _, v := range values {
		chs, _ := Parse(v) // a half-read list still holds whole challenges
		for _, ch := range chs {
			if !strings.EqualFold(ch.Scheme, "Digest") {
				continue
			}
			d := &Digest{realm: ch.Realm()}
			d.nonce, _ = ch.Get("nonce")
			d.opaque, _ = ch.Get("opaque")
			d.algorithm, _ = ch.Get("algorithm")
			if s, _ := ch.Get("stale"); strings.EqualFold(s, "true") {
				d.stale = true
			}
			switch strings.ToUpper(d.algorithm) {
			case "", "MD5":
			case "SHA-256":
				d.sha256 = true
			default:
				continue
			}
			if q, ok := ch.Get("qop"); ok {
				for o := range strings.SplitSeq(q, ",") {
					if strings.EqualFold(strings.TrimSpace(o), "auth") {
						d.qop = true
					}
				}
				if !d.qop {
					continue // auth-int alone
				}
			}
			if d.nonce == "" {
				continue
			}
			if best == nil || (d.sha256 && !best.sha256) {
				best = d
			}
		}
	}
	return best, best != nil
}

func (d *Digest) hash(parts ...string) string {
	var h hash.Hash
	if d.sha256 {
		h = sha256.New()
	} else {
		h = md5.New()
	}
	h.Write([]byte(strings.Join(parts, ":")))
	return hex.EncodeToString(h.Sum(nil))
}

// Stale reports the challenge's stale flag: the nonce expired, not the
// password, and one fresh answer is due.
func (d *Digest) Stale() bool { return d.stale }

// SHA256 reports whether the SHA-256 challenge was chosen.
func (d *Digest) SHA256() bool { return d.sha256 }

// Authorization is the Authorization header for one request; cnonce is the
// client's fresh random value. Each call counts one more use of the nonce.
func (d *Digest) Authorization(user, password, method, uri, cnonce string) string {
	d.nc++
	ha1 := d.hash(user, d.realm, password)
	ha2 := d.hash(method, uri)
	nc := fmt.Sprintf("%08x", d.nc)
	var resp string
	if d.qop {
		resp = d.hash(ha1, d.nonce, nc, cnonce, "auth", ha2)
	} else {
		resp = d.hash(ha1, d.nonce, ha2)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username=%s, realm=%s, nonce=%s, uri=%s`, quote(user), quote(d.realm), quote(d.nonce), quote(uri))
	if d.algorithm != "" {
		fmt.Fprintf(&b, ", algorithm=%s", d.algorithm)
	}
	if d.qop {
		fmt.Fprintf(&b, `, qop=auth, nc=%s, cnonce=%s`, nc, quote(cnonce))
	}
	fmt.Fprintf(&b, ", response=%s", quote(resp))
	if d.opaque != "" {
		fmt.Fprintf(&b, ", opaque=%s", quote(d.opaque))
	}
	return b.String()
}

// quote makes an RFC 9110 quoted-string; header values never carry CR or
// LF, which the callers keep out of paths and usernames.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

package httpprobe

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/camsweep/camsweep/scanner/internal/authhdr"
)

// Login is a credential the user supplied for a range, as Config.Login
// hands it out. Its formatting verbs never show the password.
type Login struct {
	Username string
	Password string
}

// String redacts the password.
func (l Login) String() string {
	return fmt.Sprintf("httpprobe.Login{user %q, password redacted}", l.Username)
}

// GoString redacts the password under %#v too.
func (l Login) GoString() string { return l.String() }

// Values of the http.login field of a follow-up's evidence.
const (
	LoginAccepted = "accepted" // the authenticated request was answered
	LoginRefused  = "refused"  // the device answered it 401 again
)

// logins remembers, per address, that the host's one authenticated attempt
// was spent. The scan's rule is one login with the user's credential per
// device and never a second guess (README, "Credentials"): a device that
// refuses the credential is not asked again on another port or path, and a
// device that takes it is not logged in to twice.
type logins struct {
	mu    sync.Mutex
	spent map[netip.Addr]bool
}

// spend marks addr's attempt spent; false when it already was.
func (l *logins) spend(addr netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.spent == nil {
		l.spent = map[netip.Addr]bool{}
	}
	if l.spent[addr] {
		return false
	}
	l.spent[addr] = true
	return true
}

// authState is one probe's use of the host's login: the challenge being
// answered and whether the device took it.
type authState struct {
	login  Login
	digest *authhdr.Digest
	basic  bool
	failed bool
}

// challenge chooses how to answer a 401's challenges: Digest when offered
// (SHA-256 over MD5), Basic only inside TLS, where the password does not
// cross the network in clear. False when neither can be answered.
func (a *authState) challenge(r *Response, overTLS bool) bool {
	var values []string
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, "WWW-Authenticate") {
			values = append(values, h.Value)
		}
	}
	if d, ok := authhdr.NewDigest(values); ok {
		a.digest, a.basic = d, false
		return true
	}
	if !overTLS {
		return false
	}
	for _, v := range values {
		chs, _ := authhdr.Parse(v)
		for _, ch := range chs {
			if strings.EqualFold(ch.Scheme, "Basic") {
				a.basic = true
				return true
			}
		}
	}
	return false
}

// header is the Authorization line for one request, "" when the probe
// holds no accepted challenge.
func (a *authState) header(f FollowUp) string {
	if a == nil || a.failed {
		return ""
	}
	switch {
	case a.digest != nil:
		var cnonce [8]byte
		_, _ = rand.Read(cnonce[:])
		return "Authorization: " + a.digest.Authorization(a.login.Username, a.login.Password, f.Method, f.Path, fmt.Sprintf("%x", cnonce)) + "\r\n"
	case a.basic:
		return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(a.login.Username+":"+a.login.Password)) + "\r\n"
	}
	return ""
}

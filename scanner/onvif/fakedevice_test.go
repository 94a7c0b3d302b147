package onvif

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsweep/camsweep/scanner/internal/authhdr"
)

// fakeDevice is a device service with an access policy: ops answer their
// body to anyone (open) or only with the admin password, by WS-Security
// (wsse) and/or HTTP Digest (digest). A refused anonymous or WS-Security
// request gets what the device's style says: Hikvision-like 401 with a
// Digest challenge and a NotAuthorized fault, or ONVIF Core §5.9.1's 400
// with the fault for a bad token.
type fakeDevice struct {
	t        testing.TB
	open     map[string][]byte // op → answer without credentials
	locked   map[string][]byte // op → answer with credentials
	password string
	wsse     bool // accepts a WS-Security token
	digest   bool // accepts HTTP Digest
	// anon401 answers anonymous refusals with 401 and a Digest challenge
	// (Hikvision); else 400.
	anon401 bool
	path    string // "" is DefaultPath
	// broken answers op with something other than its SOAP body, whatever
	// the credentials: a 404, a page that is not SOAP, a bare challenge,
	// or silence until the client gives up.
	broken map[string]fakeBroken

	mu   sync.Mutex
	reqs []fakeReq
}

type fakeBroken struct {
	status    int    // 0 is 200
	body      []byte // sent as is
	challenge string // a WWW-Authenticate value
	hang      bool   // no answer until the client closes the connection
}

type fakeReq struct {
	op, auth string // auth: "", "wsse", "digest"
	ok       bool   // authorised (when auth != "")
	status   int
	body     []byte
}

var fakeAction = regexp.MustCompile(`action="http://www\.onvif\.org/ver10/device/wsdl/(\w+)"`)

const fakeRealm = "IP Camera(C2875)"

func (d *fakeDevice) start() netip.AddrPort {
	srv := httptest.NewServer(d)
	d.t.Cleanup(srv.Close)
	return netip.MustParseAddrPort(srv.Listener.Addr().String())
}

func (d *fakeDevice) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := d.path
	if path == "" {
		path = DefaultPath
	}
	if r.Method != http.MethodPost || r.URL.Path != path {
		http.NotFound(w, r)
		return
	}
	op := ""
	if m := fakeAction.FindStringSubmatch(r.Header.Get("Content-Type")); m != nil {
		op = m[1]
	}
	rq := fakeReq{op: op, body: body}
	if b, ok := d.broken[op]; ok {
		d.mu.Lock()
		d.reqs = append(d.reqs, rq)
		d.mu.Unlock()
		if b.hang {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		if b.challenge != "" {
			w.Header().Set("WWW-Authenticate", b.challenge)
		}
		if b.status != 0 {
			w.WriteHeader(b.status)
		}
		w.Write(b.body)
		return
	}
	switch {
	case r.Header.Get("Authorization") != "":
		rq.auth = "digest"
		rq.ok = d.digest && d.digestOK(r.Header.Get("Authorization"), path)
	case bytes.Contains(body, []byte("UsernameToken")):
		rq.auth = "wsse"
		rq.ok = d.wsse && d.wsseOK(body)
	}
	status, out := d.answer(op, rq)
	rq.status = status
	d.mu.Lock()
	d.reqs = append(d.reqs, rq)
	d.mu.Unlock()
	if status == http.StatusUnauthorized && d.digest {
		w.Header().Add("WWW-Authenticate", `Digest qop="auth", realm="`+fakeRealm+`", nonce="6e6f6e6365", stale="FALSE"`)
	}
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	w.WriteHeader(status)
	w.Write(out)
}

func (d *fakeDevice) answer(op string, rq fakeReq) (int, []byte) {
	fault := fixture(d.t, "hikvision-notauthorized-fault.xml")
	if b, ok := d.open[op]; ok {
		return http.StatusOK, b
	}
	b, ok := d.locked[op]
	if !ok {
		return http.StatusInternalServerError, []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>ter:ActionNotSupported</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">Optional Action Not Implemented</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`)
	}
	switch {
	case rq.ok:
		return http.StatusOK, b
	case rq.auth == "wsse" && d.wsse:
		return http.StatusBadRequest, fault // a bad token, §5.9.1
	case rq.auth == "digest" || d.anon401 || !d.wsse:
		return http.StatusUnauthorized, fault
	}
	return http.StatusBadRequest, fault
}

func (d *fakeDevice) wsseOK(body []byte) bool {
	get := func(tag string) string {
		re := regexp.MustCompile(`<` + tag + `[ >]`)
		loc := re.FindIndex(body)
		if loc == nil {
			return ""
		}
		_, v, _ := bytes.Cut(body[loc[0]:], []byte(">"))
		v, _, _ = bytes.Cut(v, []byte("<"))
		return string(v)
	}
	nonce, err := base64.StdEncoding.DecodeString(get("Nonce"))
	if err != nil || get("Username") != "admin" {
		return false
	}
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(get("Created")))
	h.Write([]byte(d.password))
	return get("Password") == base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func (d *fakeDevice) digestOK(authz, path string) bool {
	chs, err := authhdr.Parse(authz)
	if err != nil || len(chs) != 1 || !strings.EqualFold(chs[0].Scheme, "Digest") {
		return false
	}
	g := func(k string) string { v, _ := chs[0].Get(k); return v }
	md := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	if g("username") != "admin" || g("realm") != fakeRealm || g("uri") != path || g("qop") != "auth" {
		return false
	}
	ha1 := md("admin:" + fakeRealm + ":" + d.password)
	ha2 := md("POST:" + path)
	return g("response") == md(strings.Join([]string{ha1, g("nonce"), g("nc"), g("cnonce"), "auth", ha2}, ":"))
}

// log returns the requests as "op/auth" ("GetScopes/", "GetHostname/digest").
func (d *fakeDevice) log() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, r := range d.reqs {
		out = append(out, r.op+"/"+r.auth)
	}
	return out
}

// sent reports whether any request carried s.
func (d *fakeDevice) sent(s string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range d.reqs {
		if bytes.Contains(r.body, []byte(s)) {
			return true
		}
	}
	return false
}

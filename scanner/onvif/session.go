package onvif

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/internal/authhdr"
)

// authMode is how a request proves who sends it.
type authMode int

const (
	authNone authMode = iota
	authWSSE
	authDigest
)

// session is one ProbePort.
type session struct {
	p      *Prober
	ap     netip.AddrPort
	pace   scanner.Pacer
	host   *hostState
	path   string
	f      map[string]string
	hints  []string
	errs   []error
	offset time.Duration
	stop   bool // the context ended: send nothing more
	// soap is true once any answer was a SOAP envelope: a device service
	// is there, not just a web server on the port.
	soap bool

	cred    Credential
	hasCred bool
	mode    authMode // how later requests go once a login was accepted
	digest  *authhdr.Digest
}

// answer is one HTTP exchange.
type answer struct {
	body       []byte
	status     int
	challenges []string // WWW-Authenticate values
	connected  bool     // the TCP connection was made (the answer may still have failed)
}

// errBudget says the device's MaxRequests are spent.
var errBudget = errors.New("request budget spent")

func (s *session) hint(h []string) {
	for _, x := range h {
		if !slices.Contains(s.hints, x) {
			s.hints = append(s.hints, x)
		}
	}
}

func (s *session) malformed(op string, err error) {
	s.errs = append(s.errs, fmt.Errorf("onvif %s: %s: %w", s.ap, op, err))
}

// send makes one request of op (inner is the body element's content) in
// the given mode, after taking one from the device's budget.
func (s *session) send(ctx context.Context, op, inner string, mode authMode) (answer, error) {
	if !s.p.take(s.host) {
		return answer{}, errBudget
	}
	var (
		soap  []byte
		authz string
	)
	switch mode {
	case authWSSE:
		nonce := make([]byte, 16)
		if _, err := io.ReadFull(s.p.cfg.Rand, nonce); err != nil {
			return answer{}, fmt.Errorf("nonce: %w", err)
		}
		soap = secureRequest(op, inner, s.cred, nonce, s.p.cfg.Now().Add(s.offset))
	case authDigest:
		cnonce := make([]byte, 8)
		if _, err := io.ReadFull(s.p.cfg.Rand, cnonce); err != nil {
			return answer{}, fmt.Errorf("cnonce: %w", err)
		}
		soap = soapRequest("", op, inner)
		authz = s.digest.Authorization(s.cred.Username, s.cred.password, http.MethodPost, s.path, fmt.Sprintf("%x", cnonce))
	default:
		soap = soapRequest("", op, inner)
	}
	a, err := s.p.call(ctx, s.ap, s.pace, s.path, op, soap, authz)
	if err == nil {
		if _, perr := parseEnvelope(a.body); perr == nil {
			s.soap = true
		}
		if mode == authNone && a.status == http.StatusUnauthorized && len(a.challenges) > 0 {
			noteChallenge(s.f, a.challenges[0])
		}
	}
	return a, err
}

// outcome is what an answer says, before parsing it as op's response.
type outcome int

const (
	answered    outcome = iota // no fault: parse it
	refused                    // ter:NotAuthorized, or HTTP 401
	unsupported                // ter:ActionNotSupported, or an HTTP error without a SOAP fault
	faulted                    // any other SOAP fault
)

func classify(a answer) (outcome, *Fault) {
	if f, err := ParseFault(a.body); err == nil {
		switch {
		case errors.Is(f, ErrNotAuthorized) || a.status == http.StatusUnauthorized:
			return refused, f
		case slices.ContainsFunc(f.Subcodes, func(c string) bool { return localPart(c) == "ActionNotSupported" }):
			return unsupported, f
		}
		return faulted, f
	}
	switch {
	case a.status == http.StatusUnauthorized:
		return refused, nil
	case a.status >= 300:
		return unsupported, nil
	}
	return answered, nil
}

// result is what run made of one operation.
type result struct {
	body   []byte // the answer to parse, when access is none or credential
	access string // the onvif.access.<op> value
	// The anonymous answer's fault and status, when it was asked
	// anonymously, and whether that answer was a refusal.
	anonFault   *Fault
	anonStatus  int
	anonRefused bool
}

// run sends op and records onvif.access.<op>. ok is false when there is
// nothing to parse.
func (s *session) run(ctx context.Context, op, inner string) (result, bool) {
	key := "onvif.access." + snake(op)
	if s.stop {
		return result{}, false
	}
	r, err := s.exec(ctx, op, inner)
	switch {
	case errors.Is(err, errBudget):
		s.f[key] = "skipped"
		return r, false
	case err != nil:
		if ctx.Err() != nil {
			s.stop = true
		}
		if err = s.p.quiet(ctx, s.ap, err); err != nil {
			s.errs = append(s.errs, err)
		}
		return r, false
	}
	s.f[key] = r.access
	return r, r.body != nil
}

// exec sends op with the accepted credential, or anonymously and then, on
// a refusal, as the device's one login attempt when a credential applies.
func (s *session) exec(ctx context.Context, op, inner string) (result, error) {
	if s.mode != authNone {
		a, err := s.sendAuthed(ctx, op, inner)
		if err != nil {
			return result{}, err
		}
		k, f := classify(a)
		if f != nil {
			s.hint(f.Hints)
		}
		switch k {
		case answered:
			return result{body: a.body, access: "credential"}, nil
		case refused:
			// A refusal with the credential ends its use: the next try
			// could count towards the device's lockout.
			s.mode = authNone
			return result{access: "rejected"}, nil
		case unsupported:
			return result{access: "unsupported"}, nil
		}
		return result{access: "fault"}, nil
	}
	a, err := s.send(ctx, op, inner, authNone)
	if err != nil {
		return result{}, err
	}
	k, f := classify(a)
	if f != nil {
		s.hint(f.Hints)
	}
	r := result{anonFault: f, anonStatus: a.status}
	switch k {
	case answered:
		r.body, r.access = a.body, "none"
		return r, nil
	case unsupported:
		r.access = "unsupported"
		return r, nil
	case faulted:
		r.access = "fault"
		return r, nil
	}
	r.access, r.anonRefused = "required", true
	// Two requests must fit: the token, and the Digest answer a device may
	// ask for instead. A port that never spoke SOAP (only an HTTP
	// challenge) gets no credential: the device's one login attempt is
	// kept for its device service.
	if !s.hasCred || !s.soap || s.p.left(s.host) < 2 || !s.p.spendLogin(s.host) {
		return r, nil
	}
	a, mode, err := s.login(ctx, op, inner)
	if err != nil {
		return r, err
	}
	s.f["onvif.login_method"] = map[authMode]string{authWSSE: "ws-security", authDigest: "http-digest"}[mode]
	k, f = classify(a)
	if f != nil {
		s.hint(f.Hints)
	}
	switch k {
	case answered:
		s.mode = mode
		s.f["onvif.login"] = "accepted"
		r.body, r.access = a.body, "credential"
	case refused:
		s.f["onvif.login"] = "rejected"
		r.access = "rejected"
	default:
		s.f["onvif.login"] = "fault"
		r.access = "fault"
	}
	return r, nil
}

// login sends op with the credential: a WS-Security token, and when the
// device answers that with HTTP 401 and a Digest challenge (ONVIF Core
// §5.9.1: HTTP authentication wanted), the same request with HTTP Digest.
// The credential appears nowhere in the evidence or the errors.
func (s *session) login(ctx context.Context, op, inner string) (answer, authMode, error) {
	a, err := s.send(ctx, op, inner, authWSSE)
	if err != nil {
		return a, authWSSE, err
	}
	if a.status != http.StatusUnauthorized {
		return a, authWSSE, nil
	}
	d, ok := authhdr.NewDigest(a.challenges)
	if !ok {
		return a, authWSSE, nil
	}
	s.digest = d
	a, err = s.send(ctx, op, inner, authDigest)
	return a, authDigest, err
}

// sendAuthed sends op in the accepted mode. A Digest nonce the device
// declares stale is answered afresh once: the nonce expired, not the
// password.
func (s *session) sendAuthed(ctx context.Context, op, inner string) (answer, error) {
	a, err := s.send(ctx, op, inner, s.mode)
	if err != nil || s.mode != authDigest || a.status != http.StatusUnauthorized {
		return a, err
	}
	if d, ok := authhdr.NewDigest(a.challenges); ok && d.Stale() {
		s.digest = d
		return s.send(ctx, op, inner, authDigest)
	}
	return a, nil
}

// services asks GetServices, and GetCapabilities when the device does not
// implement it.
func (s *session) services(ctx context.Context) {
	r, ok := s.run(ctx, "GetServices", "<IncludeCapability>false</IncludeCapability>")
	if ok {
		sv, err := ParseGetServices(r.body)
		if err == nil {
			s.hint(sv.Hints)
			noteServices(s.f, sv)
			return
		}
		s.malformed("GetServices", err)
	}
	switch s.f["onvif.access.get_services"] {
	case "unsupported", "fault":
	default:
		return // refused, answered or not sent: GetCapabilities would fare no better
	}
	if r, ok := s.run(ctx, "GetCapabilities", "<Category>All</Category>"); ok {
		sv, err := ParseGetCapabilities(r.body)
		if err != nil {
			s.malformed("GetCapabilities", err)
			return
		}
		s.hint(sv.Hints)
		noteServices(s.f, sv)
	}
}

// deviceInformation asks GetDeviceInformation; onvif.auth says how its
// anonymous try fared.
func (s *session) deviceInformation(ctx context.Context) {
	anonymous := s.mode == authNone
	r, ok := s.run(ctx, "GetDeviceInformation", "")
	if anonymous {
		switch {
		case r.access == "none":
			s.f["onvif.auth"] = "none"
		case r.anonRefused:
			s.f["onvif.auth"] = "required"
		}
		if r.anonFault != nil {
			noteFault(s.f, r.anonFault, r.anonStatus)
		}
	}
	if !ok {
		return
	}
	di, err := ParseGetDeviceInformation(r.body)
	if err != nil {
		s.malformed("GetDeviceInformation", err)
		return
	}
	s.hint(di.Hints)
	noteInfo(s.f, di)
}

package protocols

import (
	"net/netip"
	"slices"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/scanner/onvif"
	"github.com/camsweep/camsweep/scanner/tcpprobe"
)

// tcpHost is the connect sweep. Its only errors are the --ports given:
// a usage error, not a failure of the run.
func tcpHost(c Config) (scanner.HostProber, error) {
	p, err := tcpprobe.Wire(c.WireConfig)
	if err != nil {
		return nil, exitcode.Usagef("%v", err)
	}
	return p, nil
}

// httpProber is the web prober, with the fingerprint rules' follow-up
// guess and the login of credentials entries that allow http.
func httpProber(c Config) (scanner.PortProber, error) {
	return httpprobe.New(httpprobe.Config{PortConfig: scanner.PortConfig{Timeout: c.Timeout, Dial: c.Dial, UserAgent: c.UserAgent}, Guess: c.Guess, Login: httpLogin(c.Credentials)})
}

// onvifProber asks the ONVIF device service on the web ports (and on the
// port of an XAddr WS-Discovery announced for the address): the device
// clock, services, identity, network interfaces, host name and scopes, at
// most onvif.MaxRequests per device, anonymously, and one login where a
// credential of the credentials file (c.Credentials) covers the address.
func onvifProber(c Config) (scanner.PortProber, error) {
	return onvif.New(onvif.Config{PortConfig: scanner.PortConfig{Timeout: c.Timeout, Dial: c.Dial, UserAgent: c.UserAgent}, Credentials: c.Credentials})
}

// httpLogin hands the web follow-ups the credential of an address whose
// credentials entry allows it (protocols: [onvif, http]); nil when no
// entry does, so that the prober never considers a login.
func httpLogin(creds onvif.Credentials) func(netip.Addr) (httpprobe.Login, bool) {
	if !slices.ContainsFunc(creds, func(c onvif.Credential) bool { return c.HTTP }) {
		return nil
	}
	return func(a netip.Addr) (httpprobe.Login, bool) {
		c, ok := creds.For(a)
		if !ok || !c.HTTP {
			return httpprobe.Login{}, false
		}
		return httpprobe.Login{Username: c.Username, Password: c.Password()}, true
	}
}

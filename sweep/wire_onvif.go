package sweep

import (
	"fmt"
	"net/netip"
	"os"
	"slices"

	"github.com/camsweep/camsweep/internal/exitcode"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/httpprobe"
	"github.com/camsweep/camsweep/scanner/onvif"
)

// CredentialsEnv names the ONVIF credentials file when --credentials does
// not (YAML, entries scoped by CIDR; see onvif.ParseCredentials). Only the
// file's name may be on the command line: secrets never come from argv,
// where every user of the machine can read them.
const CredentialsEnv = "CAMSWEEP_CREDENTIALS"

// onvifProber asks the ONVIF device service on the web ports (and on the
// port of an XAddr WS-Discovery announced for the address): the device
// clock, services, identity, network interfaces, host name and scopes, at
// most onvif.MaxRequests per device, anonymously, and one login where a
// credential of the credentials file (o.creds) covers the address.
func onvifProber(o wireOpts) (scanner.PortProber, error) {
	return onvif.New(onvif.Config{PortConfig: scanner.PortConfig{Timeout: o.Timeout, Dial: o.Dial, UserAgent: o.UserAgent}, Credentials: o.creds})
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

// loadCredentials reads the credentials file named by --credentials or
// $CAMSWEEP_CREDENTIALS (none: no credentials), warning of a file others
// can read and of scopes that hand the password to too many addresses.
func loadCredentials(o wireOpts, credsPath string) (onvif.Credentials, error) {
	var creds onvif.Credentials
	what := "--credentials"
	if credsPath == "" {
		credsPath, what = os.Getenv(CredentialsEnv), "$"+CredentialsEnv
	}
	if credsPath != "" {
		f, err := os.Open(credsPath)
		if err != nil {
			return nil, exitcode.Usagef("%s: %v", what, err)
		}
		defer f.Close()
		// Passwords in a file others can read are everyone's passwords.
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 {
			o.Log.Warn().Str("file", credsPath).Str("mode", fmt.Sprintf("%#o", fi.Mode().Perm())).
				Msg("credentials file is readable by group or others; chmod 600 it")
		}
		var warns []string
		if creds, warns, err = onvif.ParseCredentials(f); err != nil {
			return nil, exitcode.Usagef("%s: %s: %v", what, credsPath, err)
		}
		for _, w := range warns {
			o.Log.Warn().Str("file", credsPath).Msg(w)
		}
	}
	return creds, nil
}

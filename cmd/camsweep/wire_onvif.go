package main

import (
	"os"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/onvif"
)

// credentialsEnv names the ONVIF credentials file when --credentials does
// not (YAML, entries scoped by CIDR; see onvif.LoadCredentials). Only the
// file's name may be on the command line: secrets never come from argv,
// where every user of the machine can read them.
const credentialsEnv = "CAMSWEEP_CREDENTIALS"

// onvifProber asks the ONVIF device service on the web ports (and on the
// port of an XAddr WS-Discovery announced for the address): the device
// clock, services, identity, network interfaces, host name and scopes, at
// most onvif.MaxRequests per device, anonymously, and one login where a
// credential of the credentials file covers the address.
func onvifProber(o wireOpts, credsPath string) (scanner.PortProber, error) {
	var creds onvif.Credentials
	what := "--credentials"
	if credsPath == "" {
		credsPath, what = os.Getenv(credentialsEnv), "$"+credentialsEnv
	}
	if credsPath != "" {
		f, err := os.Open(credsPath)
		if err != nil {
			return nil, usageErr("%s: %v", what, err)
		}
		defer f.Close()
		if creds, err = onvif.LoadCredentials(f); err != nil {
			return nil, usageErr("%s: %s: %v", what, credsPath, err)
		}
	}
	return onvif.New(onvif.Config{Timeout: o.Timeout, Dial: o.Dial, UserAgent: o.UserAgent, Credentials: creds})
}

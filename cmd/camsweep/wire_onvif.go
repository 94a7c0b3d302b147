package main

import (
	"fmt"
	"os"

	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/onvif"
)

// credentialsEnv names the ONVIF credentials file (YAML, entries scoped by
// CIDR; see onvif.LoadCredentials). Secrets never come from argv, where
// every user of the machine can read them.
const credentialsEnv = "CAMSWEEP_CREDENTIALS"

// onvifProber asks the ONVIF device service on the web ports: the device
// clock, GetDeviceInformation without credentials, and one login where a
// credential of $CAMSWEEP_CREDENTIALS covers the address.
func onvifProber(o wireOpts) (scanner.PortProber, error) {
	var creds onvif.Credentials
	if path := os.Getenv(credentialsEnv); path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("$%s: %w", credentialsEnv, err)
		}
		defer f.Close()
		if creds, err = onvif.LoadCredentials(f); err != nil {
			return nil, fmt.Errorf("$%s: %w", credentialsEnv, err)
		}
	}
	return onvif.New(onvif.Config{Timeout: o.Timeout, Dial: o.Dial, UserAgent: o.UserAgent, Credentials: creds})
}

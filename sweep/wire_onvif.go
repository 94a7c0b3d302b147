package sweep

import (
	"fmt"
	"os"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/scanner/onvif"
)

// CredentialsEnv names the ONVIF credentials file when --credentials does
// not (YAML, entries scoped by CIDR; see onvif.ParseCredentials). Only the
// file's name may be on the command line: secrets never come from argv,
// where every user of the machine can read them.
const CredentialsEnv = "CAMSWEEP_CREDENTIALS"

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

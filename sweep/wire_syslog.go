package sweep

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"github.com/camsweep/camsweep/internal/exitcode"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/report"
	"github.com/camsweep/camsweep/report/syslog"
	"github.com/camsweep/camsweep/store"
)

// syslogWriter builds the --syslog writer: scheme://host:port, payload
// cef or json, an optional spool directory and CA file.
func syslogWriter(ctx context.Context, target, format, spool, caFile, hostname string, ro report.Options, log zerolog.Logger) (*syslog.Writer, error) {
	network, addr, err := syslog.ParseURL(target)
	if err != nil {
		return nil, exitcode.Usagef("--syslog: %v", err)
	}
	cfg := syslog.Config{Network: network, Addr: addr, SpoolDir: spool, Log: log.With().Str("output", "syslog").Logger()}
	if caFile != "" {
		if network != "tls" {
			return nil, exitcode.Usagef("--syslog-ca needs a tls:// address")
		}
		pem, err := readConfigFile(caFile)
		if err != nil {
			return nil, exitcode.Usagef("--syslog-ca: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, exitcode.Usagef("--syslog-ca: no PEM certificate in %s", caFile)
		}
		cfg.TLS = &tls.Config{RootCAs: pool}
	}
	s, err := syslog.New(ctx, cfg)
	if err != nil {
		return nil, exitcode.Usagef("--syslog: %v", err)
	}
	w, err := syslog.NewWriter(ctx, s, syslog.WriterOptions{Format: format, Report: ro, Hostname: hostname})
	if err != nil {
		s.Close(ctx)
		return nil, exitcode.Usagef("--syslog-format: %v", err)
	}
	return w, nil
}

// tee writes to the syslog writer (sys) first, so the run record it adds
// its losses to reaches the main output too. Changes go to main only when
// main can write them.
type tee struct {
	sys  report.ChangeWriter
	main report.Writer
}

var _ report.ChangeWriter = (*tee)(nil)

func (t *tee) WriteRecord(r *device.Record) error {
	return errors.Join(t.sys.WriteRecord(r), t.main.WriteRecord(r))
}

func (t *tee) WriteRun(r *device.RunRecord) error {
	return errors.Join(t.sys.WriteRun(r), t.main.WriteRun(r))
}

func (t *tee) WriteChange(c *store.Change) error {
	err := t.sys.WriteChange(c)
	if cw, ok := t.main.(report.ChangeWriter); ok {
		err = errors.Join(err, cw.WriteChange(c))
	}
	return err
}

func (t *tee) Close() error {
	if err := t.sys.Close(); err != nil {
		return errors.Join(err, t.main.Close()) // the error names syslog already
	}
	return t.main.Close()
}

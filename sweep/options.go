package sweep

import (
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/device"
	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/report/syslog"
)

// Options is everything one scan is told: "camsweep scan" maps its flags
// onto it field by field, and Open turns it into a ready Scan. Zero values
// of the numeric fields are not defaults: Validate refuses them, so a
// library caller states what it wants (Defaults gives the command's).
// Every error names the command-line flag the field maps to, so the CLI
// passes it on as it is.
type Options struct {
	// Targets given as arguments, target list files ("-" is Stdin),
	// excluded targets and exclude files (--list, --exclude, --exclude-file).
	Args, Lists, Excludes, ExcludeFiles []string
	// Stdin is read for a list named "-".
	Stdin io.Reader

	Interface   string        // --interface: send only through it
	Rate        float64       // --rate: global packets per second
	HostRate    float64       // --host-rate: per-host packets per second
	ARPRate     float64       // --arp-rate: the ARP sweep's frames per second
	Concurrency int           // --concurrency: hosts probed at once
	Timeout     time.Duration // --timeout: one service exchange
	ConnTimeout time.Duration // --connect-timeout: one TCP connect
	HostTimeout time.Duration // --host-timeout: one host
	Ports       []uint        // --ports
	ARPRetries  int           // --arp-retries
	ARPWait     time.Duration // --arp-wait
	NoLiveness  bool          // --no-liveness: no liveness stage
	NewRate     float64       // --new-rate: new addresses per second per /16

	Shuffle bool   // --shuffle
	Seed    uint64 // --seed
	Shard   string // --shard K/N

	Zones       string   // --zones FILE; empty: every address is primary
	StrictZones bool     // --strict-zones
	Policy      string   // --policy
	Catalog     string   // --catalog FILE; empty: the built-in catalog
	RulesDirs   []string // --rules DIR
	Credentials string   // --credentials FILE; empty: $CAMSWEEP_CREDENTIALS
	Switches    string   // --switches FILE: switches to read over SNMP (switches.go)
	Pcap        []string // --pcap FILE: capture files whose evidence joins the records (passive_merge.go)
	OUIFile     string   // --oui-file
	FailOn      string   // --fail-on severity or "none"

	// Output goes to Output (a file appended to) or, when empty, to Stdout,
	// in Format ("": table on a terminal, json otherwise).
	Format string
	Output string
	Stdout io.Writer
	// Emit is EmitRecords, EmitChanges or EmitAll (--emit; --changes is
	// EmitAll).
	Emit         string
	State        string // --state PATH or postgres://...; empty: the default path
	NoState      bool   // --no-state
	MissingAfter int    // --missing-after
	// The shared history (issue 19; history.go): the connection string from
	// a file or $CAMSWEEP_STATE_DSN when it holds a password, and where
	// this run stands among the organisation's scanners.
	StateFile string // --state-file FILE
	SweepName string // --sweep NAME
	Site      string // --site NAME
	SweepSize int    // --sweep-size N: runs one sweep expects (default: N of --shard K/N)

	Syslog       string // --syslog scheme://host:port
	SyslogFormat string // --syslog-format
	SyslogSpool  string // --syslog-spool DIR
	SyslogCA     string // --syslog-ca FILE

	// Progress, when set, receives the status line (a terminal's standard
	// error; never a pipe or a file).
	Progress io.Writer
	// Log receives the run's log lines.
	Log zerolog.Logger
	// Version is camsweep's version: the run record and the User-Agent.
	Version string
	// LookupHost resolves the --syslog host before the scan; nil is the
	// system resolver (tests set it, so that no test sends a DNS query).
	LookupHost func(ctx context.Context, host string) ([]string, error)
}

// What a scan writes (Options.Emit).
const (
	EmitRecords = "records" // every device record and the run record
	EmitChanges = "changes" // only the transitions since the last run
	EmitAll     = "all"     // the records, then the changes
)

// Bounds of the numeric options. Every one is checked before a target list
// is read or a packet leaves: NaN and +Inf once switched pacing off (float
// comparisons with NaN are all false), and --concurrency 2000000 started
// that many goroutines for one target. The upper bounds are far above any
// sane setting and only stop a typo from becoming a flood.
const (
	maxRate         = 100_000 // --rate, --arp-rate: packets per second
	maxHostRate     = 100     // --host-rate: packets per second to one device
	maxConcurrency  = 4096
	maxTimeout      = 5 * time.Minute // --timeout, --connect-timeout
	maxHostTimeout  = time.Hour
	maxARPWait      = time.Minute
	maxARPRetries   = 10
	maxMissingAfter = 10_000
)

// Validate checks every option that needs no file, socket or name lookup.
// The first problem is returned, as a usage error (exit 2) naming the flag
// and the value.
func (o *Options) Validate() error {
	if err := o.validateNumbers(); err != nil {
		return err
	}
	if _, err := o.failOn(); err != nil {
		return err
	}
	switch o.Emit {
	case EmitRecords, EmitChanges, EmitAll:
	default:
		return exitcode.Usagef("--emit: %q (want records, changes or all)", o.Emit)
	}
	if o.Emit != EmitRecords && o.NoState {
		return exitcode.Usagef("--emit %s and --changes need the history; drop --no-state", o.Emit)
	}
	if err := o.validateHistory(); err != nil {
		return err
	}
	if o.Syslog != "" {
		if _, _, err := syslogHostPort(o.Syslog); err != nil {
			return err
		}
	}
	return nil
}

func (o *Options) validateNumbers() error {
	rate := func(name string, v, hi float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 || v > hi {
			return exitcode.Usagef("%s %v: want a number above 0 and at most %v", name, v, hi)
		}
		return nil
	}
	dur := func(name string, v, hi time.Duration) error {
		if v <= 0 || v > hi {
			return exitcode.Usagef("%s %v: want a duration above 0 and at most %v", name, v, hi)
		}
		return nil
	}
	ints := func(name string, v, lo, hi int) error {
		if v < lo || v > hi {
			return exitcode.Usagef("%s %d: want an integer from %d to %d", name, v, lo, hi)
		}
		return nil
	}
	errs := []error{
		rate("--rate", o.Rate, maxRate),
		rate("--host-rate", o.HostRate, maxHostRate),
		rate("--arp-rate", o.ARPRate, maxRate),
		ints("--concurrency", o.Concurrency, 1, maxConcurrency),
		dur("--timeout", o.Timeout, maxTimeout),
		dur("--connect-timeout", o.ConnTimeout, maxTimeout),
		dur("--host-timeout", o.HostTimeout, maxHostTimeout),
		ints("--arp-retries", o.ARPRetries, 0, maxARPRetries),
		ints("--missing-after", o.MissingAfter, 1, maxMissingAfter),
	}
	if o.ARPWait < 0 || o.ARPWait > maxARPWait {
		errs = append(errs, exitcode.Usagef("--arp-wait %v: want a duration from 0 to %v", o.ARPWait, maxARPWait))
	}
	if len(o.Ports) == 0 {
		errs = append(errs, exitcode.Usagef("--ports: give at least one port"))
	}
	for _, p := range o.Ports {
		if p == 0 || p > 65535 {
			errs = append(errs, exitcode.Usagef("--ports: %d is not a TCP port (want 1-65535)", p))
			break
		}
	}
	// The first problem is the one reported: it carries the exit code.
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// failOn is the severity at or above which the run exits 3.
func (o *Options) failOn() (device.Severity, error) {
	s, err := device.ParseSeverity(o.FailOn)
	if err != nil {
		return 0, exitcode.Usagef("--fail-on: %v", err)
	}
	return s, nil
}

// syslogHostPort checks the --syslog scheme and port (1-65535) and returns
// the host and the address.
func syslogHostPort(target string) (host, addr string, err error) {
	_, addr, err = syslog.ParseURL(target)
	if err != nil {
		return "", "", exitcode.Usagef("--syslog: %v", err)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "", exitcode.Usagef("--syslog %s: %v", target, err)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return "", "", exitcode.Usagef("--syslog %s: port %q is not 1-65535", target, port)
	}
	return host, addr, nil
}

// checkSyslogHost resolves the --syslog host before the scan. A receiver
// that is down is no error (messages wait in the spool), but an address
// that can never work is, and it must not wait until the whole scan has
// run.
func (o *Options) checkSyslogHost(ctx context.Context) error {
	if o.Syslog == "" {
		return nil
	}
	host, _, err := syslogHostPort(o.Syslog)
	if err != nil {
		return err
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	lookup := o.LookupHost
	if lookup == nil {
		lookup = net.DefaultResolver.LookupHost
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	addrs, err := lookup(ctx, host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no address")
	}
	if err != nil {
		return exitcode.Usagef("--syslog %s: host %q does not resolve: %v", o.Syslog, host, err)
	}
	return nil
}

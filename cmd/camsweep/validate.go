package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/camsweep/camsweep/report/syslog"
	"github.com/camsweep/camsweep/scanner/targets"
)

// Bounds of the numeric scan flags. Every one is checked before a target
// list is read or a packet leaves: NaN and +Inf once switched pacing off
// (float comparisons with NaN are all false), and --concurrency 2000000
// started that many goroutines for one target. The upper bounds are far
// above any sane setting and only stop a typo from becoming a flood.
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

// maxConfigFile bounds every file camsweep reads whole (catalog, OUI
// registry, --syslog-ca): a mistaken /dev/zero or log file is an error,
// not an out-of-memory kill. The zones and rule loaders apply the same
// bound themselves, the credentials loader a tighter one (1 MiB).
const maxConfigFile = 16 << 20

// validateScanFlags checks every numeric flag of scan. Errors are usage
// errors naming the flag and the value.
func validateScanFlags(f *scanFlags) error {
	rate := func(name string, v, hi float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 || v > hi {
			return usageErr("%s %v: want a number above 0 and at most %v", name, v, hi)
		}
		return nil
	}
	dur := func(name string, v, hi time.Duration) error {
		if v <= 0 || v > hi {
			return usageErr("%s %v: want a duration above 0 and at most %v", name, v, hi)
		}
		return nil
	}
	ints := func(name string, v, lo, hi int) error {
		if v < lo || v > hi {
			return usageErr("%s %d: want an integer from %d to %d", name, v, lo, hi)
		}
		return nil
	}
	errs := []error{
		rate("--rate", f.rate, maxRate),
		rate("--host-rate", f.hostRate, maxHostRate),
		rate("--arp-rate", f.arpRate, maxRate),
		ints("--concurrency", f.concurrency, 1, maxConcurrency),
		dur("--timeout", f.timeout, maxTimeout),
		dur("--connect-timeout", f.connTimeout, maxTimeout),
		dur("--host-timeout", f.hostTimeout, maxHostTimeout),
		ints("--arp-retries", f.arpRetries, 0, maxARPRetries),
		ints("--missing-after", f.missingAfter, 1, maxMissingAfter),
	}
	if f.arpWait < 0 || f.arpWait > maxARPWait {
		errs = append(errs, usageErr("--arp-wait %v: want a duration from 0 to %v", f.arpWait, maxARPWait))
	}
	if len(f.ports) == 0 {
		errs = append(errs, usageErr("--ports: give at least one port"))
	}
	for _, p := range f.ports {
		if p == 0 || p > 65535 {
			errs = append(errs, usageErr("--ports: %d is not a TCP port (want 1-65535)", p))
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

// lookupHost resolves the --syslog host; tests replace it, so that no test
// sends a DNS query.
var lookupHost = net.DefaultResolver.LookupHost

// checkSyslogTarget checks --syslog before the scan: the scheme, a port of
// 1-65535 and a host that resolves. A receiver that is down is no error
// (messages wait in the spool), but an address that can never work is, and
// it must not wait until the whole scan has run.
func checkSyslogTarget(ctx context.Context, target string) error {
	if target == "" {
		return nil
	}
	_, addr, err := syslog.ParseURL(target)
	if err != nil {
		return usageErr("--syslog: %v", err)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErr("--syslog %s: %v", target, err)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return usageErr("--syslog %s: port %q is not 1-65535", target, port)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	addrs, err := lookupHost(ctx, host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no address")
	}
	if err != nil {
		return usageErr("--syslog %s: host %q does not resolve: %v", target, host, err)
	}
	return nil
}

// errTooLarge is returned by a limitedReader past its bound.
var errTooLarge = errors.New("file too large")

// limitedReader reads at most n bytes and then fails with errTooLarge,
// instead of io.LimitReader's silent end of file: a file cut short could
// parse as a smaller, wrong file.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	// One byte more than the bound tells a file of exactly n bytes from a
	// larger one.
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	k, err := l.r.Read(p)
	if int64(k) > l.n {
		k = int(l.n)
		l.n = 0
		return k, fmt.Errorf("%w: over %d MiB", errTooLarge, maxConfigFile>>20)
	}
	l.n -= int64(k)
	return k, err
}

// readConfigFile reads a whole file of at most maxConfigFile bytes.
func readConfigFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxConfigFile {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, maxConfigFile>>20)
	}
	return data, nil
}

// readTargets reads a target list, giving up when ctx ends: with -l - the
// read blocks until standard input ends, and an interrupt must still stop
// camsweep (the reader is left to the process's exit).
func readTargets(ctx context.Context, r io.Reader, name string) ([]targets.Token, error) {
	type result struct {
		toks []targets.Token
		err  error
	}
	done := make(chan result, 1)
	go func() {
		toks, err := targets.ReadList(r, name)
		done <- result{toks, err}
	}()
	select {
	case res := <-done:
		return res.toks, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// capTargets is the run record's copy of the targets: the first
// maxRecordTargets, so that a list of a million targets does not make a
// 16 MB run record; the record's targets_total says how many there were.
func capTargets(toks []targets.Token) []string {
	return tokenTexts(toks[:min(len(toks), maxRecordTargets)])
}

const maxRecordTargets = 100

// nothingToProbe is a usage error (exit 2) when no address is left to
// probe: a scan that probes nothing and exits 0 reads as "no cameras here".
// The message names every rule that removed the targets.
func nothingToProbe(set *targets.Set, it *targets.Iterator, o targets.IterOptions) error {
	if set.Count() == 0 {
		var why []string
		for _, s := range set.Skipped() {
			if s.Kind == targets.SkipTarget {
				why = append(why, s.String())
			}
		}
		if len(why) == 0 {
			for _, s := range set.Skipped() {
				why = append(why, s.String())
			}
		}
		return usageErr("nothing to probe: no address is left of the targets\n  %s", strings.Join(why, "\n  "))
	}
	if it.Len() == 0 {
		return usageErr("nothing to probe: shard %d/%d holds none of the %d addresses (use fewer shards)", o.Shard, o.Shards, set.Count())
	}
	return nil
}

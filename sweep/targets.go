package sweep

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/rs/zerolog"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/targets"
)

// targetPlan is what the target options come to: the tokens as given (for
// the run record), the address set and the order it is visited in.
type targetPlan struct {
	incl, excl []targets.Token
	set        *targets.Set
	iterOpts   targets.IterOptions
	it         *targets.Iterator
}

// planTargets reads the target lists, builds the set and its iterator, and
// logs the targets that will not be probed. No address left to probe is a
// usage error.
func planTargets(ctx context.Context, o *Options) (*targetPlan, error) {
	p := &targetPlan{}
	for i, a := range o.Args {
		p.incl = append(p.incl, targets.Token{Text: a, Where: fmt.Sprintf("argument %d", i+1)})
	}
	for _, l := range o.Lists {
		toks, err := readTargetFile(ctx, o.Stdin, l)
		if err != nil {
			return nil, err
		}
		p.incl = append(p.incl, toks...)
	}
	for _, e := range o.Excludes {
		p.excl = append(p.excl, targets.Token{Text: e, Where: "--exclude"})
	}
	for _, l := range o.ExcludeFiles {
		toks, err := readTargetFile(ctx, o.Stdin, l)
		if err != nil {
			return nil, err
		}
		p.excl = append(p.excl, toks...)
	}
	if len(p.incl) == 0 {
		return nil, exitcode.Usagef("no targets: give addresses, CIDRs or ranges as arguments or with -l FILE")
	}
	var err error
	if p.set, err = targets.Build(p.incl, p.excl); err != nil {
		return nil, exitcode.Usagef("%v", err)
	}
	logSkipped(p.set, o.Log)
	p.iterOpts = targets.IterOptions{Shuffle: o.Shuffle, Seed: o.Seed}
	if o.Shard != "" {
		k, n, err := targets.ParseShard(o.Shard)
		if err != nil {
			return nil, exitcode.Usagef("--shard: %v", err)
		}
		p.iterOpts.Shard, p.iterOpts.Shards = k, n
	}
	if p.it, err = p.set.Iter(p.iterOpts); err != nil {
		return nil, exitcode.Usagef("%v", err)
	}
	if err := nothingToProbe(p.set, p.it, p.iterOpts); err != nil {
		return nil, err
	}
	return p, nil
}

// logSkipped names the targets that will not be probed.
func logSkipped(set *targets.Set, log zerolog.Logger) {
	for _, s := range set.Skipped() {
		if set.Count() == 0 {
			break // nothingToProbe names them all in its error
		}
		// A target the user named that will not be probed at all deserves a
		// warning; the routine removals (network/broadcast) are information.
		if s.Kind == targets.SkipTarget {
			log.Warn().Msg(s.String())
		} else {
			log.Info().Msg(s.String())
		}
	}
}

// inScope reports whether a device of the history belongs to this run's
// targets. A sharded run sees only its share of the targets: it cannot
// tell a missing device from another shard's.
func (p *targetPlan) inScope(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && p.iterOpts.Shards <= 1 && p.set.Contains(a)
}

// readTargetFile reads a target list file, or stdin for "-".
func readTargetFile(ctx context.Context, stdin io.Reader, name string) ([]targets.Token, error) {
	var r io.Reader
	display := name
	if name == "-" {
		r, display = stdin, "stdin"
		if r == nil {
			r = strings.NewReader("")
		}
	} else {
		file, err := os.Open(name)
		if err != nil {
			return nil, exitcode.Usagef("%v", err)
		}
		defer file.Close()
		r = file
	}
	toks, err := readTargets(ctx, r, display)
	if ctx.Err() != nil {
		return nil, exitcode.With(exitcode.Interrupted, fmt.Errorf("interrupted while reading %s", display))
	}
	if err != nil {
		return nil, exitcode.Usagef("%v", err)
	}
	return toks, nil
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
	toks = toks[:min(len(toks), maxRecordTargets)]
	s := make([]string, len(toks))
	for i, t := range toks {
		s[i] = strings.TrimSpace(t.Text)
	}
	return s
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
		return exitcode.Usagef("nothing to probe: no address is left of the targets\n  %s", strings.Join(why, "\n  "))
	}
	if it.Len() == 0 {
		return exitcode.Usagef("nothing to probe: shard %d/%d holds none of the %d addresses (use fewer shards)", o.Shard, o.Shards, set.Count())
	}
	return nil
}

// targetScope adapts a target set to the engine's Scope. Its options were
// accepted by set.Iter when the plan was made (planTargets), and Iter
// depends on nothing else, so its error cannot happen here; were it to,
// the scope is empty rather than a panic.
type targetScope struct {
	set  *targets.Set
	opts targets.IterOptions
}

func (s targetScope) Iter() scanner.AddrSource {
	it, err := s.set.Iter(s.opts)
	if err != nil {
		return emptySource{}
	}
	return it
}

func (s targetScope) Contains(a netip.Addr) bool { return s.set.Contains(a) }

// emptySource yields no address.
type emptySource struct{}

func (emptySource) Next() (netip.Addr, bool) { return netip.Addr{}, false }

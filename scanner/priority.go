package scanner

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Priority of the stages' datagrams over the hosts' connects (issue 16).
//
// The liveness stage and the discovery sweeps end one listening window
// after their last packet, and with the phases pipelined the hosts'
// connects draw on the same global budget meanwhile: on the office /22,
// 250 hosts' connects (9 each at 2.9/s, some 730 a second) left the
// sweeps a quarter of it and stretched them from 4.6 to 6.9 s. So while a
// stage is sending, a host's packet takes only a token the stages left
// unused (the liveness stage, paced by new addresses, leaves about a
// quarter), or one of its HostShare, whichever comes first; the moment
// the stages stop (idle for prioIdle), hosts wait on the budget as usual,
// and the waiting ones are let go at once.
const (
	// HostShare is the part of the global budget the hosts' probes get
	// even while a stage sends all it may, so that hosts started early
	// still progress (the demo lab's ten early hosts take 29 connects a
	// second).
	HostShare = 0.1
	// prioIdle is how long after a stage's last packet it counts as done
	// sending. A sweeper sending under the global budget waits at most a
	// few milliseconds between packets; a gap this long means it is
	// listening.
	prioIdle = 50 * time.Millisecond
	// prioPoll is how often the first waiting host looks for a token the
	// stages left: at 1000 packets a second, one token in two.
	prioPoll = 2 * time.Millisecond
)

// priority tracks whether a stage is sending.
type priority struct {
	share *rate.Limiter // the hosts' share while busy
	now   func() time.Time
	gate  chan struct{} // one host at a time looks for spare tokens

	mu      sync.Mutex
	waiting int                // stage packets waiting for the budget
	last    time.Time          // the stages' last packet
	busy    context.Context    // non-nil while sending; ends when they stop
	end     context.CancelFunc // ends busy
}

func newPriority(global float64, now func() time.Time) *priority {
	r := max(global*HostShare, 1)
	return &priority{share: rate.NewLimiter(rate.Limit(r), 1), now: now, gate: make(chan struct{}, 1)}
}

// begin notes that a stage's packet waits for the global budget; done,
// that it left. A stage waiting for its token is sending.
func (p *priority) begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waiting++
	if p.busy == nil {
		p.busy, p.end = context.WithCancel(context.Background())
		time.AfterFunc(prioIdle, p.check)
	}
}

func (p *priority) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waiting--
	p.last = p.now()
}

// check ends the busy period once no stage packet is waiting and none
// left for prioIdle, else checks again when that could be.
func (p *priority) check() {
	p.mu.Lock()
	defer p.mu.Unlock()
	quiet := p.now().Sub(p.last)
	if p.waiting == 0 && quiet >= prioIdle {
		p.end()
		p.busy, p.end = nil, nil
		return
	}
	time.AfterFunc(max(prioIdle-quiet, prioPoll), p.check)
}

// take is a host's turn at the global budget while the stages send. It
// returns true with a global token taken (one the stages left unused),
// false when the caller is to wait on the global budget as usual (no stage
// sending, the stages stopped meanwhile, or the host's share came due),
// or ctx's error.
func (p *priority) take(ctx context.Context, global *rate.Limiter) (bool, error) {
	p.mu.Lock()
	busy := p.busy
	p.mu.Unlock()
	if busy == nil {
		return false, nil
	}
	select {
	case p.gate <- struct{}{}:
	case <-busy.Done():
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-p.gate }()
	tick := time.NewTicker(prioPoll)
	defer tick.Stop()
	for {
		if global.Allow() {
			return true, nil
		}
		if p.share.Allow() {
			return false, nil
		}
		select {
		case <-tick.C:
		case <-busy.Done():
			return false, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

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
// stage is sending, the hosts get only HostShare of the budget; the
// moment it stops (idle for prioIdle), they get all of it, and their
// waiters are woken at once instead of sleeping out slots taken at the
// share's pace.
const (
	// HostShare is the part of the global budget the hosts' probes may use
	// while a stage sends: enough that hosts started early still progress
	// (the demo lab's ten early hosts take 29 connects a second), little
	// enough that the sweeps' datagrams are barely delayed.
	HostShare = 0.1
	// prioIdle is how long after a stage's last packet it counts as done
	// sending. A sweeper sending under the global budget waits at most a
	// few milliseconds between packets; a gap this long means it is
	// listening.
	prioIdle = 50 * time.Millisecond
)

// priority tracks whether a stage is sending.
type priority struct {
	share *rate.Limiter // the hosts' share while busy
	now   func() time.Time

	mu   sync.Mutex
	last time.Time          // the stages' last packet
	busy context.Context    // non-nil while sending; ends when they stop
	end  context.CancelFunc // ends busy
}

func newPriority(global float64, now func() time.Time) *priority {
	r := max(global*HostShare, 1)
	return &priority{share: rate.NewLimiter(rate.Limit(r), 1), now: now}
}

// mark notes a stage's packet.
func (p *priority) mark() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = p.now()
	if p.busy == nil {
		p.busy, p.end = context.WithCancel(context.Background())
		time.AfterFunc(prioIdle, p.check)
	}
}

// check ends the busy period once the stages have been quiet for
// prioIdle, else checks again when they would have been.
func (p *priority) check() {
	p.mu.Lock()
	defer p.mu.Unlock()
	quiet := p.now().Sub(p.last)
	if quiet >= prioIdle {
		p.end()
		p.busy, p.end = nil, nil
		return
	}
	time.AfterFunc(prioIdle-quiet, p.check)
}

// yield returns when a host's packet may draw on the global budget: at
// once when no stage is sending, else when it got a token of the hosts'
// share or the stages stopped sending, whichever is first. An error is
// ctx's (or the share limiter refusing to wait past ctx's deadline).
func (p *priority) yield(ctx context.Context) error {
	p.mu.Lock()
	busy := p.busy
	p.mu.Unlock()
	if busy == nil {
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(busy, cancel)
	defer stop()
	err := p.share.Wait(wctx)
	if err != nil && ctx.Err() == nil && busy.Err() != nil {
		return nil // the stages stopped sending: the whole budget is free
	}
	return err
}

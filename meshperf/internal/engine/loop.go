package engine

import (
	"math"
	"time"

	"github.com/meshperf/meshperf/meshperf/internal/transport"
)

// loopPolicy runs the load of one Run on a transport's event loop
// (Config.Loop): the same schedule and accounting as the workers of the
// goroutine path, with connection c standing for worker c. Every method
// runs on the loop's goroutine, so the one shard it records into needs no
// lock.
type loopPolicy struct {
	r       *run
	s       *shard
	started bool
	conns   []loopSlot

	// Open loop: the next slot to claim, and the free connections, oldest
	// first, in a ring of len(conns).
	slot   int64
	free   []int
	head   int
	nfree  int
	issued int64 // closed loop: measured requests started
}

// loopSlot is the request in flight on one connection.
type loopSlot struct {
	busy     bool
	measured bool
	late     bool          // the slot was due before a connection was free: backlog is charged
	start    time.Duration // when the request left
	backlog  time.Duration
	lag      time.Duration
	freeAt   time.Duration // open loop: when the connection last became free
}

// runLoop runs the load on cfg.Loop and returns the loop's error: nil, or
// ctx's when the run was interrupted, or a failure of the loop itself.
func (r *run) runLoop() error {
	p := &loopPolicy{r: r, s: r.shards[0], conns: make([]loopSlot, r.cfg.Workers), slot: 0}
	err := r.cfg.Loop.Loop(r.ctx, r.cfg.Workers, r.base, p)
	for _, c := range p.conns {
		if c.busy {
			r.interrupted(p.s, c.measured)
		}
	}
	return err
}

// Wake implements transport.LoopHandler.
func (p *loopPolicy) Wake(l transport.LoopControl, now time.Duration) {
	if p.r.stopped.Load() {
		return
	}
	if !p.started {
		p.started = true
		if p.r.cfg.QPS > 0 {
			p.free = make([]int, len(p.conns))
			for c := range p.conns {
				p.conns[c].freeAt = math.MinInt64
				p.release(c)
			}
		} else {
			for c := range p.conns {
				p.next(l, c, now)
			}
		}
	}
	if p.r.cfg.QPS > 0 {
		p.pump(l, now)
	}
}

// Done implements transport.LoopHandler.
func (p *loopPolicy) Done(l transport.LoopControl, c int, status int, err error, now time.Duration) {
	r, q := p.r, &p.conns[c]
	q.busy = false
	if r.cancelled(err) {
		r.interrupted(p.s, q.measured)
		return
	}
	service := now - q.start
	switch {
	case !q.measured:
		p.s.warmup++
	case q.late:
		p.s.record(status, err, q.backlog+service, service, now)
		p.s.late++
	default:
		p.s.record(status, err, service, service, now)
		if r.cfg.QPS > 0 {
			p.s.sendLag.Record(q.lag)
		}
	}
	if r.cfg.QPS > 0 {
		q.freeAt = now
		p.release(c)
		return
	}
	p.next(l, c, now)
}

// next starts connection c's next closed-loop request, unless the window
// is over.
func (p *loopPolicy) next(l transport.LoopControl, c int, now time.Duration) {
	r := p.r
	measured := now >= r.winStart
	if measured {
		if r.cfg.Count > 0 {
			if p.issued >= r.cfg.Count {
				return
			}
			p.issued++
		} else if now >= r.winEnd {
			return
		}
	}
	p.conns[c] = loopSlot{busy: true, measured: measured, start: now}
	l.Send(c, now)
}

// release puts connection c at the end of the free ring.
func (p *loopPolicy) release(c int) {
	p.free[(p.head+p.nfree)%len(p.free)] = c
	p.nfree++
}

// pump hands every due slot to a free connection, oldest free first, and
// arms the wake-up for the next slot. A slot whose connection was free
// when it fell due is sent with send lag now - intended; one that waited
// for a connection is late, its backlog charged.
func (p *loopPolicy) pump(l transport.LoopControl, now time.Duration) {
	r := p.r
	for range len(p.conns) {
		if p.nfree == 0 || p.slot >= r.end {
			return
		}
		i := p.slot
		measured := i >= r.measure0
		if measured && r.cfg.Count == 0 && now >= r.closeAt {
			// The window closed before a connection was free for this
			// slot and those after it.
			p.s.unsent += r.end - i
			p.slot = r.end
			return
		}
		intended := r.sched.Offset(i)
		if now < intended {
			l.WakeAt(intended)
			return
		}
		c := p.free[p.head]
		p.head = (p.head + 1) % len(p.free)
		p.nfree--
		p.slot++
		q := &p.conns[c]
		*q = loopSlot{busy: true, measured: measured, start: now, freeAt: q.freeAt}
		if q.freeAt <= intended {
			q.lag = now - intended
		} else {
			q.backlog, q.late = now-intended, true
		}
		l.Send(c, now)
	}
}

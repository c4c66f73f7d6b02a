package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/meshperf/meshperf/meshperf/internal/pace"
	"github.com/meshperf/meshperf/meshperf/internal/transport"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// Config is a validated description of one load run. The caller validates
// user input; Run only rejects configurations it cannot execute.
type Config struct {
	Open     transport.Opener
	QPS      float64       // requests per second; 0 runs closed loop
	Workers  int           // concurrent workers, each with its own connection
	Duration time.Duration // length of the measured window; 0 when Count is set
	Count    int64         // exact number of measured requests; 0 when Duration is set
	Warmup   time.Duration // discarded lead-in before the measured window
	Timeout  time.Duration // per-request timeout, used to size histograms

	// Loop, when set, runs the Workers connections on this event loop
	// instead of one goroutine per worker with a Conn from Open: the same
	// schedule and accounting, at a fraction of the CPU per request. Open
	// must still be set; it serves the transports and platforms that have
	// no event loop.
	Loop transport.Looper
}

// MinStatus and MaxStatus bound the HTTP status codes a transport may
// return: any three-digit code. Each is counted under its own value (a 999
// stays 999). A status outside the range is no valid answer and is counted
// as a protocol error.
const (
	MinStatus = 100
	MaxStatus = 999
)

// MaxExample bounds the length in bytes of an error example.
const MaxExample = 512

// Outcome is everything a run measured. Histograms hold nanoseconds.
type Outcome struct {
	Start time.Time // start of the measured window (wall clock)
	End   time.Time // the window's close or last measured completion, or the interruption

	Response *latency.Histogram // backlog + service time, per answered measured request
	Service  *latency.Histogram // send to response complete
	SendLag  *latency.Histogram // generator wake-up lateness (open loop only)

	Requests       int64                      // measured requests that completed or failed
	Statuses       [MaxStatus + 1]int64       // responses by status code
	Errors         [transport.NumKinds]int64  // failures by kind
	ErrorExamples  [transport.NumKinds]string // the first measured failure's message of each kind, at most MaxExample bytes
	Late           int64                      // measured sends that left after their intended time
	Unsent         int64                      // measured slots never sent before the window closed, or due before the interruption
	WarmupRequests int64                      // requests sent during the warm-up

	Interrupted bool  // ctx was cancelled before the run finished
	InFlight    int64 // measured requests sent but not complete when the run was interrupted
}

// shard holds the histograms and counters of up to a few workers. Workers
// of one shard record under its mutex; with at most maxShards shards, a run
// with few workers has one shard per worker and an uncontended lock.
type shard struct {
	mu                         sync.Mutex
	response, service, sendLag *latency.Histogram
	requests, late, warmup     int64
	unsent, inFlight           int64
	statuses                   [MaxStatus + 1]int64
	errors                     [transport.NumKinds]int64
	examples                   [transport.NumKinds]string        // first message of each kind
	exampleAt                  [transport.NumKinds]time.Duration // when it was recorded
	lastDone                   time.Duration
}

// maxShards bounds histogram memory: each shard holds three histograms of
// roughly 200 KiB.
const maxShards = 16

// run is the shared state of one Run.
type run struct {
	cfg      Config
	ctx      context.Context
	base     pace.Instant
	sched    pace.Schedule
	measure0 int64         // first measured slot (open loop)
	end      int64         // one past the last slot (open loop)
	closeAt  time.Duration // the window closes at this offset (open loop)
	winStart time.Duration // measured window start offset
	winEnd   time.Duration // measured window end offset (closed loop, duration mode)
	next     atomic.Int64  // next slot (open loop) or measured request (closed loop)
	stopped  atomic.Bool   // ctx is done; cheaper to poll per request than ctx.Err
	stopAt   time.Duration // when ctx was done; read after the stop callback returned
	shards   []*shard
}

// Run executes the load and returns what it measured. When ctx is cancelled
// mid-run it returns the partial outcome, marked Interrupted, together with
// ctx's error; a ctx done before the run starts returns its error alone.
func Run(ctx context.Context, cfg Config) (*Outcome, error) {
	if err := check(cfg); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, ctx: ctx, winStart: cfg.Warmup}
	if cfg.QPS > 0 {
		s, err := pace.NewSchedule(cfg.QPS)
		if err != nil {
			return nil, err
		}
		r.sched = s
		r.measure0 = s.Slots(cfg.Warmup)
		r.winStart = s.Offset(r.measure0)
		if cfg.Count > 0 {
			r.end = r.measure0 + cfg.Count
		} else {
			r.end = r.measure0 + s.Slots(cfg.Duration)
		}
		if r.end <= r.measure0 {
			return nil, fmt.Errorf("engine: at %g requests per second no slot falls in the %v window", cfg.QPS, cfg.Duration)
		}
		r.closeAt = s.Offset(r.end)
	} else if cfg.Duration > 0 {
		r.winEnd = cfg.Warmup + cfg.Duration
	}
	highest := histHighest(cfg, r.closeAt)
	n := min(cfg.Workers, maxShards)
	if cfg.Loop != nil {
		n = 1 // one goroutine records every request
	}
	r.shards = make([]*shard, n)
	for i := range r.shards {
		s := &shard{}
		var err error
		if s.response, err = latency.New(highest); err != nil {
			return nil, err
		}
		s.service, _ = latency.New(highest)
		s.sendLag, _ = latency.New(highest)
		r.shards[i] = s
	}

	r.base = pace.Now()
	stopDone := make(chan struct{})
	stopWatch := context.AfterFunc(ctx, func() {
		r.stopAt = r.now()
		r.stopped.Store(true)
		close(stopDone)
	})
	if cfg.Loop != nil {
		if err := r.runLoop(); err != nil && ctx.Err() == nil {
			stopWatch()
			return nil, fmt.Errorf("engine: %w", err)
		}
	} else {
		var wg sync.WaitGroup
		for w := range cfg.Workers {
			wg.Go(func() { r.work(r.shards[w%n]) })
		}
		wg.Wait()
	}
	// The run was interrupted when ctx ended before every worker finished;
	// a ctx that ends now finds a complete run.
	if stopWatch() {
		return r.outcome(false), nil
	}
	<-stopDone
	return r.outcome(true), ctx.Err()
}

// histHighest is the largest latency the run's histograms must hold: the
// run's planned length plus two timeouts, and for a count, whose window
// does not close, the backlog of every request timing out in turn on each
// worker. It is at most latency.MaxHighest.
func histHighest(cfg Config, closeAt time.Duration) time.Duration {
	highest := addSat(cfg.Warmup+cfg.Duration, 2*cfg.Timeout)
	if cfg.QPS > 0 {
		highest = addSat(closeAt, 2*cfg.Timeout)
	}
	if cfg.Count > 0 {
		backlog := float64(cfg.Count) / float64(cfg.Workers) * float64(cfg.Timeout)
		if backlog >= float64(latency.MaxHighest) {
			return latency.MaxHighest
		}
		highest = addSat(highest, time.Duration(backlog))
	}
	return min(highest, latency.MaxHighest)
}

// addSat adds two non-negative durations, saturating at the largest one.
func addSat(a, b time.Duration) time.Duration {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxInt64
}

func check(cfg Config) error {
	switch {
	case cfg.Open == nil:
		return errors.New("engine: no transport")
	case cfg.Workers < 1:
		return fmt.Errorf("engine: %d workers; need at least 1", cfg.Workers)
	case cfg.QPS < 0:
		return fmt.Errorf("engine: rate %v is negative", cfg.QPS)
	case (cfg.Duration > 0) == (cfg.Count > 0):
		return fmt.Errorf("engine: exactly one of duration (%v) and count (%d) must be set", cfg.Duration, cfg.Count)
	case cfg.Warmup < 0:
		return fmt.Errorf("engine: warm-up %v is negative", cfg.Warmup)
	case cfg.Timeout <= 0:
		return fmt.Errorf("engine: timeout %v must be positive", cfg.Timeout)
	}
	return nil
}

func (r *run) now() time.Duration { return time.Since(r.base.Time) }

func (r *run) work(s *shard) {
	conn := r.cfg.Open()
	defer conn.Close()
	if r.cfg.QPS > 0 {
		w := pace.NewWaiter(r.ctx)
		defer w.Close()
		r.openLoop(s, conn, w)
		return
	}
	r.closedLoop(s, conn)
}

func (r *run) openLoop(s *shard, conn transport.Conn, w pace.Waiter) {
	for !r.stopped.Load() {
		i := r.next.Add(1) - 1
		if i >= r.end {
			return
		}
		intended := r.sched.Offset(i)
		now := r.now()
		measured := i >= r.measure0
		if measured && r.cfg.Count == 0 && now >= r.closeAt {
			// The window closed before any worker was free for this slot.
			r.unsent(s, i)
			return
		}
		var backlog, lag time.Duration
		late := false
		if now < intended {
			w.WaitUntil(r.base, intended)
			if r.stopped.Load() {
				return
			}
			now = r.now()
			lag = max(now-intended, 0)
		} else {
			backlog = now - intended
			late = true
		}
		status, err := conn.Do(r.ctx)
		done := r.now()
		if r.cancelled(err) {
			r.interrupted(s, measured)
			return
		}
		service := done - now
		s.mu.Lock()
		if measured {
			s.record(status, err, backlog+service, service, done)
			if late {
				s.late++
			} else {
				s.sendLag.Record(lag)
			}
		} else {
			s.warmup++
		}
		s.mu.Unlock()
	}
}

// unsent counts slot i, which this worker claimed after the window closed,
// and, for the first worker to get here, every slot nobody claimed. Each
// slot is counted once: by its claimer, or by the worker whose Swap found it
// unclaimed; later claims all land past the end.
func (r *run) unsent(s *shard, i int64) {
	n := int64(1)
	if prev := r.next.Swap(r.end); prev < r.end {
		n += r.end - prev
	}
	s.mu.Lock()
	s.unsent += n
	s.mu.Unlock()
}

func (r *run) closedLoop(s *shard, conn transport.Conn) {
	for !r.stopped.Load() {
		start := r.now()
		measured := start >= r.winStart
		if measured {
			if r.cfg.Count > 0 {
				if r.next.Add(1) > r.cfg.Count {
					return
				}
			} else if start >= r.winEnd {
				return
			}
		}
		status, err := conn.Do(r.ctx)
		done := r.now()
		if r.cancelled(err) {
			r.interrupted(s, measured)
			return
		}
		s.mu.Lock()
		if measured {
			s.record(status, err, done-start, done-start, done)
		} else {
			s.warmup++
		}
		s.mu.Unlock()
	}
}

// cancelled reports whether the run was cancelled, so that the request
// that just ended is no outcome of the target. The flag set by
// context.AfterFunc can trail ctx by a moment; a failed request also
// consults ctx itself.
func (r *run) cancelled(err error) bool {
	return r.stopped.Load() || err != nil && r.ctx.Err() != nil
}

// interrupted counts a request whose outcome the interruption took: it was
// in flight when the run was interrupted (or completed after it, outside the
// window that ends there).
func (r *run) interrupted(s *shard, measured bool) {
	if !measured {
		return
	}
	s.mu.Lock()
	s.inFlight++
	s.mu.Unlock()
}

// record adds one measured request: answered requests are timed and
// counted by status, failed ones counted by kind. The caller holds s.mu.
func (s *shard) record(status int, err error, response, service, done time.Duration) {
	s.requests++
	s.lastDone = max(s.lastDone, done)
	if err == nil && (status < MinStatus || status > MaxStatus) {
		err = &transport.Error{Kind: transport.KindProtocol,
			Err: fmt.Errorf("status %d is not a three-digit HTTP status code", status)}
	}
	if err != nil {
		// Failed requests are counted, not timed: a refused connection
		// would otherwise read as a very fast response.
		k := transport.KindOf(err)
		if s.errors[k] == 0 {
			s.examples[k], s.exampleAt[k] = example(err), done
		}
		s.errors[k]++
		return
	}
	s.statuses[status]++
	s.response.Record(response)
	s.service.Record(service)
}

// outcome merges the shards. It runs after every worker has returned.
func (r *run) outcome(interrupted bool) *Outcome {
	o := &Outcome{Start: r.base.Time.Add(r.winStart), Interrupted: interrupted}
	var lastDone time.Duration
	var firstAt [transport.NumKinds]time.Duration
	for i, s := range r.shards {
		if i == 0 {
			o.Response, o.Service, o.SendLag = s.response, s.service, s.sendLag
		} else {
			o.Response.Merge(s.response)
			o.Service.Merge(s.service)
			o.SendLag.Merge(s.sendLag)
		}
		o.Requests += s.requests
		o.Late += s.late
		o.Unsent += s.unsent
		o.WarmupRequests += s.warmup
		o.InFlight += s.inFlight
		for c, n := range s.statuses {
			o.Statuses[c] += n
		}
		for k, n := range s.errors {
			if n == 0 {
				continue
			}
			// The earliest example of a kind across shards is the first.
			if o.Errors[k] == 0 || s.exampleAt[k] < firstAt[k] {
				o.ErrorExamples[k], firstAt[k] = s.examples[k], s.exampleAt[k]
			}
			o.Errors[k] += n
		}
		lastDone = max(lastDone, s.lastDone)
	}
	if interrupted {
		// The window ends at the interruption. Every measured slot that
		// fell due before it was either answered, failed, in flight, or
		// never sent.
		o.End = r.base.Time.Add(max(r.stopAt, r.winStart))
		o.Unsent = 0
		if r.cfg.QPS > 0 {
			due := min(max(r.sched.Slots(r.stopAt), r.measure0), r.end) - r.measure0
			o.Unsent = max(due-o.Requests-o.InFlight, 0)
		}
		return o
	}
	// An open-loop window lasts until it closes even when the last response
	// came back sooner; a closed-loop window ends with its last response.
	o.End = r.base.Time.Add(max(lastDone, r.winStart, r.closeAt))
	return o
}

// example returns err's message, cut to at most MaxExample bytes on a
// character boundary and marked "…" when cut.
func example(err error) string {
	msg := err.Error()
	if len(msg) <= MaxExample {
		return msg
	}
	const ellipsis = "…"
	cut := MaxExample - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + ellipsis
}

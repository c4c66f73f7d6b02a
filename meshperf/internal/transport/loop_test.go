package transport

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf/internal/pace"
)

// seqLoop is a LoopHandler that sends n requests one after another on
// connection 0, as a worker calls Do. Ahead of request i > 0 it calls
// before(i), then lets the loop wait once, so that the loop sees what
// arrived while the connection was idle.
type seqLoop struct {
	n       int
	before  func(i int)
	got     []loopResult
	started bool
	pending bool          // the next request leaves at the next wake-up
	wakeAt  time.Duration // when the pending request leaves
	sentAt  time.Duration
}

// loopResult is one request's outcome on an event loop.
type loopResult struct {
	status  int
	err     error
	elapsed time.Duration
}

func (h *seqLoop) Wake(l LoopControl, now time.Duration) {
	if !h.started || h.pending && now >= h.wakeAt {
		h.started, h.pending = true, false
		h.sentAt = now
		l.Send(0, now)
	}
}

func (h *seqLoop) Done(l LoopControl, _ int, status int, err error, now time.Duration) {
	h.got = append(h.got, loopResult{status: status, err: err, elapsed: now - h.sentAt})
	if len(h.got) == h.n {
		return
	}
	if h.before != nil {
		h.before(len(h.got))
	}
	h.pending, h.wakeAt = true, now+time.Nanosecond
	l.WakeAt(h.wakeAt) // after one wait of the loop
}

// runSeqLoop sends n requests of spec one after another on one connection
// of an event loop and returns their outcomes.
func runSeqLoop(tb testing.TB, spec Spec, n int, before func(i int)) []loopResult {
	tb.Helper()
	lp, err := NewHTTP1Loop(spec)
	if err != nil && runtime.GOOS != "linux" {
		testenv.Need(tb, "event loop", err)
	}
	if err != nil {
		tb.Fatalf("NewHTTP1Loop: %v", err)
	}
	h := &seqLoop{n: n, before: before}
	if err := lp.Loop(tb.Context(), 1, pace.Now(), h); err != nil {
		tb.Fatalf("Loop: %v", err)
	}
	if len(h.got) != n {
		tb.Fatalf("Loop ended after %d requests; want %d", len(h.got), n)
	}
	return h.got
}

// checkLoopOutcomes compares an event loop's outcomes with the ones a Conn
// must give.
func checkLoopOutcomes(t *testing.T, got []loopResult, want []h1Outcome) {
	t.Helper()
	for i, w := range want {
		g := got[i]
		if g.status != w.status || KindOf(g.err) != w.kind {
			t.Fatalf("request %d: %d, %v (kind %v); want %d, kind %v", i, g.status, g.err, KindOf(g.err), w.status, w.kind)
		}
		var te *Error
		if g.err != nil && !errors.As(g.err, &te) {
			t.Errorf("request %d: error %v is not an *Error", i, g.err)
		}
	}
}

package pace

import (
	"context"
	"time"
)

// Waiter blocks a single goroutine until a deadline. Each load worker owns
// one; a Waiter is not safe for concurrent use, except Interrupt.
type Waiter interface {
	// WaitUntil blocks until the monotonic clock reaches base + offset, or
	// until the Waiter is interrupted. base is the start of the run as
	// returned by Now.
	WaitUntil(base Instant, offset time.Duration)
	// Interrupt makes a current or future WaitUntil return at once. It is
	// safe to call from any goroutine, any number of times.
	Interrupt()
	// Close releases the Waiter's resources. It is idempotent.
	Close() error
}

// Instant is a reading of the clock Waiters wait on, paired with the Go
// monotonic reading taken at the same moment.
type Instant struct {
	mono int64     // CLOCK_MONOTONIC nanoseconds where available, else 0
	Time time.Time // carries Go's monotonic reading
}

// Precise reports whether NewWaiter returns an OS-timer Waiter (timerfd) on
// this platform. When it is false, waits use the runtime's timers and send
// lag is larger.
func Precise() bool { return precise() }

// NewWaiter returns the most precise Waiter the platform offers. ctx bounds
// every wait: when it is done, waits return at once.
func NewWaiter(ctx context.Context) Waiter {
	if w, err := newOSWaiter(ctx); err == nil {
		return w
	}
	return NewTimerWaiter(ctx)
}

// timerWaiter is the portable Waiter on runtime timers.
type timerWaiter struct {
	ctx  context.Context
	stop chan struct{}
	t    *time.Timer
}

// NewTimerWaiter returns a Waiter built on the Go runtime's timers. It is
// the fallback where no OS timer is available, and it lets tests compare the
// two.
func NewTimerWaiter(ctx context.Context) Waiter {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timerWaiter{ctx: ctx, stop: make(chan struct{}), t: t}
}

func (w *timerWaiter) WaitUntil(base Instant, offset time.Duration) {
	d := time.Until(base.Time.Add(offset))
	if d <= 0 {
		return
	}
	w.t.Reset(d)
	select {
	case <-w.t.C:
	case <-w.ctx.Done():
		w.t.Stop()
	case <-w.stop:
		w.t.Stop()
	}
}

func (w *timerWaiter) Interrupt() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
}

func (w *timerWaiter) Close() error {
	w.t.Stop()
	return nil
}

//go:build linux

package pace

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

func precise() bool { return true }

// Now returns the current instant on CLOCK_MONOTONIC and Go's clock.
func Now() Instant {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return Instant{mono: ts.Nano(), Time: time.Now()}
}

// osWaiter blocks its thread in read(2) on a timerfd armed with an absolute
// CLOCK_MONOTONIC deadline.
type osWaiter struct {
	mu          sync.Mutex // guards fd against Close racing Interrupt
	fd          int
	interrupted atomic.Bool
	stopCtx     func() bool
}

func newOSWaiter(ctx context.Context) (*osWaiter, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timerfd_create: %w", err)
	}
	w := &osWaiter{fd: fd}
	w.stopCtx = context.AfterFunc(ctx, w.Interrupt)
	return w, nil
}

func (w *osWaiter) WaitUntil(base Instant, offset time.Duration) {
	if w.interrupted.Load() {
		return
	}
	deadline := base.mono + int64(offset)
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(deadline)}
	if err := unix.TimerfdSettime(w.fd, unix.TFD_TIMER_ABSTIME, &spec, nil); err != nil {
		fallbackWait(base, offset)
		return
	}
	// Interrupt arms the timer to fire at once. Checking the flag after
	// arming closes the race with an Interrupt that ran before the arming.
	if w.interrupted.Load() {
		return
	}
	var buf [8]byte
	for {
		_, err := unix.Read(w.fd, buf[:])
		if err != unix.EINTR {
			return
		}
	}
}

func (w *osWaiter) Interrupt() {
	w.interrupted.Store(true)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fd < 0 {
		return
	}
	// An absolute deadline of 1 ns has passed: the timer fires now.
	spec := unix.ItimerSpec{Value: unix.Timespec{Nsec: 1}}
	_ = unix.TimerfdSettime(w.fd, unix.TFD_TIMER_ABSTIME, &spec, nil)
}

func (w *osWaiter) Close() error {
	w.stopCtx()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fd < 0 {
		return nil
	}
	err := unix.Close(w.fd)
	w.fd = -1
	return err
}

func fallbackWait(base Instant, offset time.Duration) {
	if d := time.Until(base.Time.Add(offset)); d > 0 {
		time.Sleep(d)
	}
}

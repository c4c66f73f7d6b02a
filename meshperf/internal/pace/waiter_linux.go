//go:build linux

package pace

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
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

// osWaiter waits on a non-blocking timerfd armed with an absolute
// CLOCK_MONOTONIC deadline, read through the runtime's network poller.
//
// A blocking read(2) would be simpler but holds its P for the whole wait:
// with GOMAXPROCS=2 two sleeping workers then starve the goroutines whose
// responses have arrived until sysmon retakes a P, which adds 2–10 ms of
// fake service time. Through the poller a waiting worker holds no P, and
// the kernel's timer still decides when it wakes.
type osWaiter struct {
	f           *os.File
	fd          int
	interrupted atomic.Bool
	stopCtx     func() bool
	stop        chan struct{} // closed by the first Interrupt; ends a fallback wait
	stopOnce    sync.Once
}

func newOSWaiter(ctx context.Context) (*osWaiter, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC|unix.TFD_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("timerfd_create: %w", err)
	}
	w := &osWaiter{f: os.NewFile(uintptr(fd), "timerfd"), fd: fd, stop: make(chan struct{})}
	w.stopCtx = context.AfterFunc(ctx, w.Interrupt)
	return w, nil
}

func (w *osWaiter) WaitUntil(base Instant, offset time.Duration) {
	if w.interrupted.Load() {
		return
	}
	deadline := base.mono + int64(offset)
	if offset > 0 && deadline < base.mono { // beyond the clock's range
		deadline = math.MaxInt64
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(deadline)}
	if err := unix.TimerfdSettime(w.fd, unix.TFD_TIMER_ABSTIME, &spec, nil); err != nil {
		w.fallbackWait(base, offset)
		return
	}
	var buf [8]byte
	// Read returns when the timer has expired (at once if it already has),
	// or with an error after Interrupt set a past read deadline or Close.
	_, _ = w.f.Read(buf[:])
}

// Interrupt makes the current and every later wait return at once.
func (w *osWaiter) Interrupt() {
	w.interrupted.Store(true)
	w.stopOnce.Do(func() { close(w.stop) })
	_ = w.f.SetReadDeadline(time.Unix(1, 0)) // an error after Close is fine
}

func (w *osWaiter) Close() error {
	w.stopCtx()
	w.interrupted.Store(true)
	if err := w.f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}

// fallbackWait waits on the runtime's timers when the timerfd cannot be
// armed; Interrupt still ends it.
func (w *osWaiter) fallbackWait(base Instant, offset time.Duration) {
	d := time.Until(base.Time.Add(offset))
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-w.stop:
	}
}

//go:build linux

package transport

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/meshperf/meshperf/meshperf/internal/pace"
)

// h1Looper is NewHTTP1Loop's Looper on Linux.
type h1Looper struct{ t *h1Target }

func newH1Looper(t *h1Target) (Looper, error) { return &h1Looper{t: t}, nil }

// Tags of the epoll entries that are no connection; a connection's tag is
// its index.
const (
	tagWake  = -1 // the eventfd: ctx ended or a dial finished
	tagTimer = -2 // the timerfd: the armed wake-up
)

// maxEvents bounds the events taken from epoll per wait.
const maxEvents = 512

// h1Loop is the state of one Loop call. Everything but the fields under mu
// belongs to the loop's goroutine.
type h1Loop struct {
	t       *h1Target
	h       LoopHandler
	ctx     context.Context
	base    pace.Instant
	timeout error // every timed-out request's error

	epfd, wakefd, timerfd int
	conns                 []loopConn
	first, last           int32 // the connections in flight by deadline; -1 when none
	busy                  int   // connections not idle
	finished              []int // connections whose failure Done has yet to hear, in order
	armed                 bool  // the wake-up is armed for armedAt
	armedAt               time.Duration
	events                []unix.EpollEvent
	raw                   bool // waits may keep the P (see wait)
	dialsOut              int  // dials started and not yet taken

	stopped     atomic.Bool // ctx ended
	stopWatch   func() bool
	dialCtx     context.Context
	cancelDials context.CancelFunc
	dialing     sync.WaitGroup

	mu     sync.Mutex
	dials  []dialResult // finished dials the loop has yet to take
	closed bool         // wakefd is closed: nobody may poke it
}

// dialResult is a finished dial: a non-blocking socket the loop now owns,
// or a classified error.
type dialResult struct {
	c   int
	fd  int
	err error
}

// Loop implements Looper. A panic in the loop or its handler is returned
// as an error, after every descriptor the loop opened is closed.
func (lp *h1Looper) Loop(ctx context.Context, conns int, base pace.Instant, h LoopHandler) (err error) {
	if conns < 1 {
		return fmt.Errorf("transport: event loop with %d connections; want at least 1", conns)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	l, err := newH1Loop(ctx, lp.t, conns, base, h)
	if err != nil {
		return err
	}
	defer l.close()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("transport: event loop panicked: %v", p)
		}
	}()
	return l.run()
}

func newH1Loop(ctx context.Context, t *h1Target, conns int, base pace.Instant, h LoopHandler) (*h1Loop, error) {
	l := &h1Loop{t: t, h: h, ctx: ctx, base: base, epfd: -1, wakefd: -1, timerfd: -1, first: -1, last: -1,
		timeout:  &Error{Kind: KindTimeout, Err: fmt.Errorf("http1: %s: no complete response within %v: %w", t.addr, t.timeout, os.ErrDeadlineExceeded)},
		conns:    make([]loopConn, conns),
		finished: make([]int, 0, conns),
		events:   make([]unix.EpollEvent, min(conns+2, maxEvents)),
	}
	for i := range l.conns {
		l.conns[i] = loopConn{fd: -1, prev: -1, next: -1}
	}
	l.raw = runtime.GOMAXPROCS(0) > 1
	l.dialCtx, l.cancelDials = context.WithCancel(ctx)
	l.stopWatch = func() bool { return true }
	var err error
	if l.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		l.close()
		return nil, fmt.Errorf("transport: epoll_create1: %w", err)
	}
	if l.wakefd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err == nil {
		err = l.watch(l.wakefd, tagWake, unix.EPOLLIN)
	}
	if err == nil {
		l.timerfd, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	}
	if err == nil {
		// Edge-triggered: re-arming the timer clears its expiry, so the
		// loop never reads it.
		err = l.watch(l.timerfd, tagTimer, unix.EPOLLIN|unix.EPOLLET)
	}
	if err != nil {
		l.close()
		return nil, fmt.Errorf("transport: event loop setup: %w", err)
	}
	l.stopWatch = context.AfterFunc(ctx, func() {
		l.stopped.Store(true)
		l.poke()
	})
	return l, nil
}

// watch adds fd to the epoll set under tag.
func (l *h1Loop) watch(fd, tag int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(tag)}
	return unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

// run is the loop: wait, handle every event, expire timed-out requests,
// tell the handler. It ends when nothing is in flight, pending or armed.
func (l *h1Loop) run() error {
	l.h.Wake(l, l.now())
	for l.busy > 0 || l.armed || len(l.finished) > 0 {
		if l.stopped.Load() {
			return l.ctx.Err()
		}
		n, err := l.wait(l.waitMillis())
		if err != nil && err != unix.EINTR {
			return fmt.Errorf("transport: epoll_wait: %w", err)
		}
		now := l.now()
		for _, ev := range l.events[:max(n, 0)] {
			switch ev.Fd {
			case tagWake:
				l.takeDials(now)
			case tagTimer:
			default:
				l.ready(int(ev.Fd), ev.Events, now)
			}
		}
		l.expire(now)
		l.deliver(now)
		if l.stopped.Load() {
			return l.ctx.Err()
		}
		if l.armed && l.armedAt <= now {
			l.armed = false
		}
		l.h.Wake(l, now)
	}
	return nil
}

func (l *h1Loop) now() time.Duration { return time.Since(l.base.Time) }

// waitMillis returns how long epoll may wait: until the earliest request
// deadline or the wake-up (the timerfd wakes it at the exact time; this is
// a backstop), rounded up to the millisecond; 0 when failures wait to be
// delivered; -1 without either.
func (l *h1Loop) waitMillis() int {
	if len(l.finished) > 0 {
		return 0
	}
	next := time.Duration(math.MaxInt64)
	if l.first >= 0 {
		next = l.conns[l.first].deadline
	}
	if l.armed {
		next = min(next, l.armedAt)
	}
	if next == math.MaxInt64 {
		return -1
	}
	d := next - l.now()
	if d <= 0 {
		return 0
	}
	return int(min((d+time.Millisecond-1)/time.Millisecond, math.MaxInt32))
}

// maxWaitMillis bounds each wait of the loop in milliseconds; see wait.
const maxWaitMillis = 10

// wait waits for events, at most msec milliseconds (all of maxWaitMillis
// when msec is negative), and returns how many it stored in l.events.
//
// The system call is made raw, without telling the runtime: its P stays
// with the loop's goroutine. Told, as syscall.Syscall does, the runtime's
// monitor thread takes the P away after 20 µs of waiting and hands it to
// another thread, and the loop has to win one back when it wakes: on a
// paced run that is a few more thread switches per request. The wait is
// bounded so that a stop of the world for the garbage collector, which
// interrupts it with a signal anyway, never waits longer than that.
//
// While a dial is out, or with a single P, the wait is an ordinary system
// call, so that the goroutines the loop waits for (a dial, the watch of
// ctx) get a P at once.
func (l *h1Loop) wait(msec int) (int, error) {
	if l.dialsOut > 0 || !l.raw {
		return unix.EpollWait(l.epfd, l.events, msec)
	}
	if msec < 0 || msec > maxWaitMillis {
		msec = maxWaitMillis
	}
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(l.epfd), uintptr(unsafe.Pointer(&l.events[0])),
		uintptr(len(l.events)), uintptr(msec), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// WakeAt implements LoopControl with the timerfd, armed with an absolute
// CLOCK_MONOTONIC deadline.
func (l *h1Loop) WakeAt(at time.Duration) {
	if l.armed && at == l.armedAt {
		return
	}
	l.armed, l.armedAt = true, at
	deadline := l.base.Mono() + int64(at)
	if at > 0 && deadline < l.base.Mono() { // beyond the clock's range
		deadline = math.MaxInt64
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(deadline, 1))}
	// On failure the epoll timeout still wakes the loop, to the millisecond.
	_ = unix.TimerfdSettime(l.timerfd, unix.TFD_TIMER_ABSTIME, &spec, nil)
}

// poke wakes the loop from any goroutine.
func (l *h1Loop) poke() {
	one := [8]byte{1}
	l.mu.Lock()
	if !l.closed {
		_, _ = unix.Write(l.wakefd, one[:])
	}
	l.mu.Unlock()
}

// takeDials hands the finished dials to their connections.
func (l *h1Loop) takeDials(now time.Duration) {
	var buf [8]byte
	_, _ = unix.Read(l.wakefd, buf[:])
	l.mu.Lock()
	dials := l.dials
	l.dials = nil
	l.mu.Unlock()
	for i, d := range dials {
		if l.stopped.Load() {
			// close closes the sockets that nobody took.
			l.mu.Lock()
			l.dials = append(l.dials, dials[i:]...)
			l.mu.Unlock()
			return
		}
		l.dialsOut--
		l.dialed(d, now)
	}
}

// expire fails every request whose deadline has passed.
func (l *h1Loop) expire(now time.Duration) {
	for range len(l.conns) {
		c := l.first
		if c < 0 || l.conns[c].deadline > now {
			return
		}
		l.fail(int(c), l.timeout)
	}
}

// deliver tells the handler of the failures found so far. Failures found
// while it does so wait for the next round, so that a handler that sends
// again at once is never re-entered.
func (l *h1Loop) deliver(now time.Duration) {
	n := len(l.finished)
	for _, c := range l.finished[:n] {
		err := l.conns[c].err
		l.conns[c].err = nil
		l.h.Done(l, c, 0, err, now)
	}
	l.finished = append(l.finished[:0], l.finished[n:]...)
}

// close releases every descriptor: the sockets, those of dials still
// running (after stopping them), the timer, the eventfd and epoll.
func (l *h1Loop) close() {
	l.stopWatch()
	l.cancelDials()
	l.dialing.Wait()
	l.mu.Lock()
	l.closed = true
	dials := l.dials
	l.dials = nil
	l.mu.Unlock()
	for _, d := range dials {
		if d.fd >= 0 {
			_ = unix.Close(d.fd)
		}
	}
	for c := range l.conns {
		l.closeConn(c)
	}
	for _, fd := range []int{l.timerfd, l.wakefd, l.epfd} {
		if fd >= 0 {
			_ = unix.Close(fd)
		}
	}
	l.timerfd, l.wakefd, l.epfd = -1, -1, -1
}

// errLoopMisuse reports a handler that sent on a busy connection.
var errLoopMisuse = errors.New("transport: event loop: Send on a connection that is not idle")

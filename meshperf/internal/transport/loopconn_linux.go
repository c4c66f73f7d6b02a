//go:build linux

package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// connState is where a loop connection stands in its request.
type connState uint8

const (
	connIdle    connState = iota // no request; the socket, if any, waits
	connDialing                  // a dial runs on its own goroutine
	connWriting                  // the request is partly written
	connReading                  // the request is written; the response is due
)

// loopConn is one connection of an event loop.
type loopConn struct {
	fd         int // the non-blocking socket, -1 without one
	state      connState
	reused     bool          // the socket has completed a response, so it may have gone stale
	retried    bool          // this request was already sent once more on a new socket
	wantOut    bool          // the epoll entry asks for writability
	wrote      int           // bytes of the request written
	deadline   time.Duration // the request's timeout, as an offset
	prev, next int32         // neighbours in the deadline list, -1 at its ends
	listed     bool
	err        error // the failure Done has yet to hear
	rd         respReader
}

// Send implements LoopControl.
func (l *h1Loop) Send(c int, now time.Duration) {
	cn := &l.conns[c]
	if cn.state != connIdle || cn.err != nil {
		panic(errLoopMisuse)
	}
	l.busy++
	cn.retried = false
	cn.deadline = now + l.t.timeout
	if cn.rd.buffered() > 0 {
		// Bytes came while the connection was idle; readIdle closed the
		// socket then and kept them.
		l.unsolicited(c)
		return
	}
	if cn.fd < 0 {
		l.dial(c)
		return
	}
	l.start(c)
}

// rawIO reads or writes b on the non-blocking socket fd. It skips the
// runtime's bookkeeping for a system call that may block: on a
// non-blocking socket neither call does. b is not empty.
func rawIO(trap uintptr, fd int, b []byte) (int, error) {
	n, _, errno := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// unsolicited fails c's request, unsent, because bytes wait that answer
// no request of ours, as checkIdle does on a Conn: except for a 408 on a
// reused connection, the server timing it out before it saw this request,
// after which the request goes on a new connection.
func (l *h1Loop) unsolicited(c int) {
	cn := &l.conns[c]
	bytes := cn.rd.buf[cn.rd.r:cn.rd.w]
	if cn.reused && !cn.retried && is408(bytes) {
		cn.retried = true
		l.unlist(c)
		l.closeConn(c)
		l.dial(c)
		return
	}
	err := protocolError("unsolicited response: bytes arrived while no request was outstanding", bytes)
	l.unlist(c)
	l.closeConn(c)
	l.finish(c, err)
}

// start writes the request on c's socket and waits for the response.
func (l *h1Loop) start(c int) {
	cn := &l.conns[c]
	cn.state, cn.wrote = connWriting, 0
	cn.rd.begin(l.t.head)
	cn.rd.received = 0
	l.list(c)
	l.write(c)
}

// write writes what is left of the request; when the socket is full, the
// epoll entry asks for writability until it is all written.
func (l *h1Loop) write(c int) {
	cn := &l.conns[c]
	req := l.t.req
	for range 1000 {
		if cn.wrote == len(req) {
			break
		}
		n, err := rawIO(unix.SYS_WRITE, cn.fd, req[cn.wrote:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			l.interest(c, true)
			return
		case err != nil:
			l.fail(c, os.NewSyscallError("write", err))
			return
		}
		cn.wrote += max(n, 0)
	}
	if cn.wrote < len(req) {
		l.interest(c, true)
		return
	}
	l.interest(c, false)
	if cn.state == connWriting {
		cn.state = connReading
	}
}

// interest sets whether c's epoll entry asks for writability.
func (l *h1Loop) interest(c int, out bool) {
	cn := &l.conns[c]
	if cn.wantOut == out {
		return
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(c)}
	if out {
		ev.Events |= unix.EPOLLOUT
	}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_MOD, cn.fd, &ev); err != nil {
		l.fail(c, fmt.Errorf("transport: epoll_ctl: %w", err))
		return
	}
	cn.wantOut = out
}

// ready handles the readiness of c's socket.
func (l *h1Loop) ready(c int, events uint32, now time.Duration) {
	cn := &l.conns[c]
	if cn.fd < 0 {
		return
	}
	switch cn.state {
	case connIdle:
		l.readIdle(c)
		return
	case connWriting:
		if events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			l.write(c)
		}
	}
	if cn.fd >= 0 && (cn.state == connWriting || cn.state == connReading) &&
		events&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		l.read(c, now)
	}
}

// read reads what arrived of c's response and parses it.
func (l *h1Loop) read(c int, now time.Duration) {
	cn := &l.conns[c]
	if err := cn.rd.room(); err != nil {
		l.fail(c, err)
		return
	}
	n, err := rawIO(unix.SYS_READ, cn.fd, cn.rd.buf[cn.rd.w:])
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		return
	case err != nil:
		err = cn.rd.atEnd(os.NewSyscallError("read", err))
	case n == 0:
		err = cn.rd.atEnd(io.EOF)
	default:
		cn.rd.w += n
		cn.rd.received += int64(n)
		if err = cn.rd.step(); err == errMore {
			return
		}
	}
	if err != nil {
		l.fail(c, err)
		return
	}
	l.complete(c, now)
}

// readIdle reads bytes that came while no request was outstanding. The
// socket is closed: at its end, the next request dials; with bytes, they
// stay buffered and fail the next request, unsent (see Send).
func (l *h1Loop) readIdle(c int) {
	cn := &l.conns[c]
	if cn.rd.room() == nil {
		n, err := rawIO(unix.SYS_READ, cn.fd, cn.rd.buf[cn.rd.w:])
		if err == unix.EAGAIN || err == unix.EINTR {
			return
		}
		if err == nil && n > 0 {
			cn.rd.w += n
		}
	}
	keep := cn.rd
	l.closeConn(c)
	if keep.buffered() > 0 {
		cn.rd = keep
		cn.reused = true
	}
}

// complete ends c's request with the parsed response.
func (l *h1Loop) complete(c int, now time.Duration) {
	cn := &l.conns[c]
	status, keepAlive := cn.rd.st.h.status, cn.rd.st.keepAlive
	l.unlist(c)
	if keepAlive && cn.wrote == len(l.t.req) {
		// Bytes read past the response's end stay buffered: the next
		// Send reports them.
		cn.reused = true
	} else {
		l.closeConn(c)
	}
	cn.state = connIdle
	l.busy--
	l.h.Done(l, c, status, nil, now)
}

// fail ends c's request with err, or sends it once more on a new socket
// when a reused one failed before any byte of the response, as Do does.
func (l *h1Loop) fail(c int, err error) {
	cn := &l.conns[c]
	err = Wrap(err, false)
	l.unlist(c)
	retry := cn.reused && !cn.retried && cn.rd.received == 0 && KindOf(err) == KindReset
	l.closeConn(c)
	if retry && !l.stopped.Load() {
		cn.retried = true
		l.dial(c)
		return
	}
	l.finish(c, err)
}

// finish makes c idle and queues err for Done.
func (l *h1Loop) finish(c int, err error) {
	cn := &l.conns[c]
	cn.state, cn.err = connIdle, err
	l.busy--
	l.finished = append(l.finished, c)
}

// closeConn closes c's socket, which also leaves the epoll set, and drops
// what its buffer held.
func (l *h1Loop) closeConn(c int) {
	cn := &l.conns[c]
	if cn.fd >= 0 {
		_ = unix.Close(cn.fd)
	}
	cn.fd, cn.reused, cn.wantOut = -1, false, false
	cn.rd.reset(nil)
}

// dial starts dialing c on a goroutine of its own, bounded by the
// request's deadline; takeDials hands the socket to dialed.
func (l *h1Loop) dial(c int) {
	cn := &l.conns[c]
	cn.state = connDialing
	if cn.rd.buf == nil {
		cn.rd = respReader{buf: make([]byte, h1ReadBuffer), max: h1MaxHead}
	}
	at := l.base.Time.Add(cn.deadline)
	l.dialsOut++
	l.dialing.Add(1)
	go func() {
		defer l.dialing.Done()
		fd, err := l.dialOne(at)
		l.mu.Lock()
		l.dials = append(l.dials, dialResult{c: c, fd: fd, err: err})
		l.mu.Unlock()
		l.poke()
	}()
}

// dialOne dials through the target's dialer and takes the socket over.
// Its error is classified for a connection attempt.
func (l *h1Loop) dialOne(deadline time.Time) (int, error) {
	ctx, cancel := context.WithDeadline(l.dialCtx, deadline)
	conn, err := l.t.dial(ctx, "tcp", l.t.addr)
	cancel()
	switch {
	case err != nil:
		if ctxErr := l.ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return -1, Wrap(err, true)
	case conn == nil:
		return -1, &Error{Kind: KindConnect, Err: errors.New("dial " + l.t.addr + " returned no connection and no error")}
	}
	fd, err := detach(conn)
	if err != nil {
		return -1, &Error{Kind: KindConnect, Err: fmt.Errorf("dial %s: %w", l.t.addr, err)}
	}
	return fd, nil
}

// detach takes a connected socket away from the Go runtime: it duplicates
// the descriptor, closes conn (so the runtime's poller forgets it) and
// returns the duplicate, non-blocking and close-on-exec.
func detach(conn net.Conn) (int, error) {
	defer func() { _ = conn.Close() }()
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return -1, fmt.Errorf("the dialer returned a %T, which has no socket for the event loop", conn)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var dupErr error
	if err := raw.Control(func(s uintptr) { fd, dupErr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return -1, err
	}
	if dupErr != nil {
		return -1, os.NewSyscallError("fcntl", dupErr)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = unix.Close(fd)
		return -1, os.NewSyscallError("fcntl", err)
	}
	return fd, nil
}

// dialed gives c the socket of a finished dial and writes its request.
func (l *h1Loop) dialed(d dialResult, now time.Duration) {
	cn := &l.conns[d.c]
	if d.err != nil {
		l.finish(d.c, d.err)
		return
	}
	cn.fd, cn.reused = d.fd, false
	cn.rd.reset(nil)
	if err := l.watch(d.fd, d.c, unix.EPOLLIN); err != nil {
		l.closeConn(d.c)
		l.finish(d.c, Wrap(os.NewSyscallError("epoll_ctl", err), false))
		return
	}
	if !cn.retried {
		cn.deadline = now + l.t.timeout
	}
	// Bytes that a new connection holds before its first request answer
	// none of ours. One read finds them, once per connection.
	n, err := rawIO(unix.SYS_READ, d.fd, cn.rd.buf)
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		l.start(d.c)
	case err != nil:
		l.closeConn(d.c)
		l.finish(d.c, Wrap(os.NewSyscallError("read", err), false))
	case n == 0:
		l.closeConn(d.c)
		l.finish(d.c, Wrap(io.EOF, false))
	default:
		cn.rd.w = n
		l.unsolicited(d.c)
	}
}

// list adds c to the deadline list, which is kept in deadline order.
// Deadlines mostly grow with time, so the walk from the end is short.
func (l *h1Loop) list(c int) {
	cn := &l.conns[c]
	at := l.last
	for range len(l.conns) {
		if at < 0 || l.conns[at].deadline <= cn.deadline {
			break
		}
		at = l.conns[at].prev
	}
	// Insert after at (at the front when at is -1).
	cn.prev, cn.listed = at, true
	if at < 0 {
		cn.next, l.first = l.first, int32(c)
	} else {
		cn.next, l.conns[at].next = l.conns[at].next, int32(c)
	}
	if cn.next < 0 {
		l.last = int32(c)
	} else {
		l.conns[cn.next].prev = int32(c)
	}
}

// unlist removes c from the deadline list, if it is there.
func (l *h1Loop) unlist(c int) {
	cn := &l.conns[c]
	if !cn.listed {
		return
	}
	if cn.prev < 0 {
		l.first = cn.next
	} else {
		l.conns[cn.prev].next = cn.next
	}
	if cn.next < 0 {
		l.last = cn.prev
	} else {
		l.conns[cn.next].prev = cn.prev
	}
	cn.prev, cn.next, cn.listed = -1, -1, false
}

//go:build linux

package transport

import (
	"io"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// idleProbe looks, without blocking and without consuming them, for bytes
// that wait in a connection's socket. It holds what its callback needs so
// that a probe does not allocate.
type idleProbe struct {
	raw   syscall.RawConn // nil when the connection is not a socket
	fn    func(fd uintptr) bool
	n     int
	errno syscall.Errno
	buf   [1]byte
}

// reset prepares the probe for conn.
func (p *idleProbe) reset(conn any) {
	p.raw = nil
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			p.raw = raw
		}
	}
	if p.fn == nil {
		p.fn = p.peek
	}
}

func (p *idleProbe) peek(fd uintptr) bool {
	r, _, errno := unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&p.buf[0])), 1,
		unix.MSG_PEEK|unix.MSG_DONTWAIT, 0, 0)
	p.n, p.errno = int(r), errno
	return true
}

// waiting reports whether bytes wait to be read. An end of input or a
// reset is returned as an error (io.EOF or the errno); so is a passed
// deadline. It reports false when the connection is not a socket.
func (p *idleProbe) waiting() (bool, error) {
	if p.raw == nil {
		return false, nil
	}
	if err := p.raw.Read(p.fn); err != nil {
		return false, err
	}
	switch {
	case p.errno == syscall.EAGAIN || p.errno == syscall.EINTR:
		return false, nil
	case p.errno != 0:
		return false, p.errno
	case p.n == 0:
		return false, io.EOF
	}
	return true, nil
}

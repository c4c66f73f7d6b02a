package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
)

// Kind classifies why a request failed. The zero value means no error.
type Kind uint8

// The kinds of failure. Status codes are reported separately: a response
// with a 5xx status is a completed request with KindNone.
//
// Connection failures are split by the cause the operating system gives,
// so that a dead port (refused) reads differently from a firewall that
// drops packets or a listener that never accepts (timeout) and from a
// missing route (unreachable).
const (
	KindNone               Kind = iota
	KindConnectRefused          // nothing listens on the port (ECONNREFUSED)
	KindConnectTimeout          // no answer to the connection attempt within the timeout (or ETIMEDOUT)
	KindConnectUnreachable      // no route to the host or its network (EHOSTUNREACH, ENETUNREACH)
	KindConnect                 // the connection could not be established for another reason (DNS, a refusing dialer, ...)
	KindLocal                   // a limit of this machine: file descriptors, ephemeral ports, socket buffers
	KindTimeout                 // the per-request timeout expired on an established connection
	KindReset                   // the peer closed or reset the connection mid-request
	KindProtocol                // the peer answered with something that is not valid for the protocol
	KindCanceled                // the run was cancelled while the request was in flight
	KindOther                   // anything else

	// NumKinds is one past the highest Kind, for arrays indexed by Kind.
	NumKinds = KindOther + 1
)

var kindNames = [...]string{"none", "connect refused", "connect timeout", "connect unreachable", "connect", "local",
	"timeout", "reset", "protocol", "canceled", "other"}

// String returns the kind's name as it appears in results: "connect
// refused", "connect timeout", "connect unreachable", "connect", "local",
// "timeout", "reset", "protocol", "canceled" or "other".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Error is a classified request failure. Its text starts with the Kind's
// name: "connect refused: dial tcp 127.0.0.1:8080: connect: connection
// refused".
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Kind.String() + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err: the Kind of a wrapped *Error if there is
// one, otherwise a classification of the underlying network error.
// It returns KindNone for a nil error.
func KindOf(err error) Kind {
	if err == nil {
		return KindNone
	}
	var te *Error
	if errors.As(err, &te) {
		return te.Kind
	}
	return classify(err, false)
}

// Wrap classifies err and returns it as an *Error; it returns nil for nil.
// dialing says whether err came from establishing the connection, in which
// case a timeout is KindConnectTimeout and an unrecognised failure is
// KindConnect. A failure on a local limit (KindLocal) says which limit.
func Wrap(err error, dialing bool) error {
	if err == nil {
		return nil
	}
	var te *Error
	if errors.As(err, &te) {
		return err
	}
	k := classify(err, dialing)
	if k == KindLocal {
		err = explainLocal(err)
	}
	return &Error{Kind: k, Err: err}
}

// classify returns the Kind of an error that is not an *Error. A
// *net.OpError whose Op is "dial" counts as dialing.
func classify(err error, dialing bool) Kind {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		dialing = true
	}
	switch {
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case localErrno(err) != 0:
		return KindLocal
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindConnectRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return KindConnectUnreachable
	}
	var ne net.Error
	timeout := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, syscall.ETIMEDOUT) || errors.As(err, &ne) && ne.Timeout()
	switch {
	case dialing && timeout:
		return KindConnectTimeout
	case dialing:
		return KindConnect
	case timeout:
		return KindTimeout
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return KindReset
	}
	return KindOther
}

// localErrno returns the errno in err that reports a local resource limit,
// or 0.
func localErrno(err error) syscall.Errno {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return 0
	}
	switch errno {
	case syscall.EMFILE, syscall.ENFILE, syscall.EADDRNOTAVAIL, syscall.ENOBUFS, syscall.ENOMEM:
		return errno
	}
	return 0
}

// explainLocal prefixes err with the limit it ran into and the knob that
// sets it, e.g. "too many open files (ulimit -n 256)".
func explainLocal(err error) error {
	var what string
	switch localErrno(err) {
	case syscall.EMFILE:
		what = "too many open files"
		if n, ok := openFilesLimit(); ok {
			what += " (ulimit -n " + strconv.FormatUint(n, 10) + ")"
		}
	case syscall.ENFILE:
		what = "too many open files on this machine (sysctl fs.file-max)"
	case syscall.EADDRNOTAVAIL:
		what = "no local port or address free (sysctl net.ipv4.ip_local_port_range)"
	case syscall.ENOBUFS, syscall.ENOMEM:
		what = "the kernel is out of socket memory"
	default:
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

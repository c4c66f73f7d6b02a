package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"time"
)

// Kind classifies why a request failed. The zero value means no error.
type Kind uint8

// The kinds of failure. Status codes are reported separately: a response
// with a 5xx status is a completed request with KindNone.
const (
	KindNone     Kind = iota
	KindConnect       // the connection could not be established
	KindTimeout       // the per-request timeout expired
	KindReset         // the peer closed or reset the connection mid-request
	KindProtocol      // the peer answered with something that is not valid for the protocol
	KindCanceled      // the run was cancelled while the request was in flight
	KindOther         // anything else
)

var kindNames = [...]string{"none", "connect", "timeout", "reset", "protocol", "canceled", "other"}

// String returns the kind's name as it appears in results: "connect",
// "timeout", "reset", "protocol", "canceled" or "other".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Error is a classified request failure.
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
	return classify(err)
}

// Wrap classifies err and returns it as an *Error; it returns nil for nil.
// dialing says whether err came from establishing the connection, in which
// case anything but a timeout or a cancellation is KindConnect.
func Wrap(err error, dialing bool) error {
	if err == nil {
		return nil
	}
	var te *Error
	if errors.As(err, &te) {
		return err
	}
	k := classify(err)
	if dialing && k != KindTimeout && k != KindCanceled {
		k = KindConnect
	}
	return &Error{Kind: k, Err: err}
}

func classify(err error) Kind {
	switch {
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return KindTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EADDRNOTAVAIL):
		return KindConnect
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return KindReset
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KindTimeout
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return KindConnect
	}
	return KindOther
}

// DialFunc opens a network connection. Fixtures replace the default to open
// sockets inside a pod's network namespace.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Spec describes the request every Conn of a run sends.
type Spec struct {
	URL     *url.URL      // http://host:port/path?query; https is not supported by the raw clients
	Method  string        // GET when empty and Body is empty, POST when Body is set
	Header  http.Header   // extra request headers; Host overrides the Host header
	Body    []byte        // request body; sent with Content-Length
	Timeout time.Duration // per request, from the write of the request to the end of the response; must be > 0
	Dial    DialFunc      // nil means a net.Dialer
}

// Conn sends requests on one connection (or stream pool) and is owned by a
// single worker. Do returns the status code of a complete response, or a
// *Error classifying the failure. Status is 0 when err is not nil.
type Conn interface {
	Do(ctx context.Context) (status int, err error)
	Close() error
}

// Opener creates one Conn per worker. It validates nothing that Spec's
// constructor did not already validate and does not dial.
type Opener func() Conn

// MethodOf returns the method the Spec sends.
func (s *Spec) MethodOf() string {
	switch {
	case s.Method != "":
		return s.Method
	case len(s.Body) > 0:
		return http.MethodPost
	default:
		return http.MethodGet
	}
}

// dialer returns the Spec's dial function or a default one.
func (s *Spec) dialer() DialFunc {
	if s.Dial != nil {
		return s.Dial
	}
	d := &net.Dialer{}
	return d.DialContext
}

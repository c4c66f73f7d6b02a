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
	"strconv"
	"strings"
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

// checkFields validates the method and the extra header fields of spec,
// which every transport sends: the method is a token other than CONNECT;
// names are tokens; values hold no control character but tab; Host appears
// at most once (it returns that value, or ""); Content-Length and
// Transfer-Encoding are left to the client, which frames the body. Values
// are quoted in errors, never printed raw.
func checkFields(spec *Spec) (host string, err error) {
	method := spec.MethodOf()
	if !isToken(method) {
		return "", errors.New("transport: method " + strconv.Quote(method) +
			" is not a valid HTTP token; want letters, digits or !#$%&'*+-.^_`|~, e.g. GET")
	}
	if strings.EqualFold(method, "CONNECT") {
		return "", errors.New("transport: method CONNECT is not supported by the clients; want a method with a request/response exchange")
	}
	hosts := 0
	for name, values := range spec.Header {
		if !isToken(name) {
			return "", errors.New("transport: header name " + strconv.Quote(name) +
				" is not a valid HTTP token; want letters, digits or !#$%&'*+-.^_`|~")
		}
		for _, v := range values {
			if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
				return "", errors.New("transport: header " + strconv.Quote(name) + " value " + strconv.Quote(v) +
					" contains a control character (CR, LF, NUL, ...); only tab is allowed in a header value")
			}
		}
		switch {
		case strings.EqualFold(name, "Host"):
			hosts += len(values)
			if len(values) > 0 {
				host = values[0]
			}
		case strings.EqualFold(name, "Content-Length"), strings.EqualFold(name, "Transfer-Encoding"):
			return "", errors.New("transport: header " + name +
				" is set by the client from Spec.Body; remove it from Spec.Header")
		}
	}
	if hosts > 1 {
		return "", errors.New("transport: header Host has " + strconv.Itoa(hosts) + " values; want exactly one")
	}
	return host, nil
}

// dialer returns the Spec's dial function or a default one.
func (s *Spec) dialer() DialFunc {
	if s.Dial != nil {
		return s.Dial
	}
	d := &net.Dialer{}
	return d.DialContext
}

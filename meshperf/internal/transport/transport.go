package transport

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"
)

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

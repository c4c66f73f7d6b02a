package transport

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meshperf/meshperf/internal/httpsyntax"
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

// checkFields validates the method and the extra header fields of spec,
// which every transport sends: the method is a token other than CONNECT;
// names are tokens; values hold no control character but tab; Host appears
// at most once (it returns that value, or ""); Content-Length and
// Transfer-Encoding are left to the client, which frames the body. Values
// are quoted in errors, never printed raw.
func checkFields(spec *Spec) (host string, err error) {
	method := spec.MethodOf()
	if !httpsyntax.IsToken(method) {
		return "", errors.New("transport: method " + strconv.Quote(method) +
			" is not a valid HTTP token; want letters, digits or !#$%&'*+-.^_`|~, e.g. GET")
	}
	if strings.EqualFold(method, "CONNECT") {
		return "", errors.New("transport: method CONNECT is not supported by the clients; want a method with a request/response exchange")
	}
	hosts := 0
	for name, values := range spec.Header {
		if !httpsyntax.IsToken(name) {
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

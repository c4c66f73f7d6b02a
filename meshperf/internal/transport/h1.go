package transport

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sizes used by the HTTP/1.1 client, in bytes.
const (
	// h1ReadBuffer is the initial size of each Conn's read buffer. The
	// buffer is reused for every response; it grows (doubling) only when a
	// single header line, chunk-size line or trailer line does not fit.
	h1ReadBuffer = 16 << 10
	// h1MaxHead caps the response head (status line and header fields,
	// including those of interim 1xx responses), the trailer section of a
	// chunked body, each chunk-size line, and the size the read buffer may
	// grow to. Beyond it the response is a protocol error.
	h1MaxHead = 1 << 20
)

// NewHTTP1 validates spec and returns an Opener whose Conns each own one
// HTTP/1.1 keep-alive connection over plain TCP.
//
// The request is serialized once, here: the request line, a Host header
// (from the URL, unless spec.Header has a Host entry), the extra headers in
// sorted order, Content-Length when Body is not empty, and the body.
//
// Each Conn dials lazily on its first Do, and again after the previous
// connection was closed by an error, by "Connection: close", by an HTTP/1.0
// response without keep-alive, or by a body delimited by the end of the
// connection. Do bounds the dial by spec.Timeout, then sets one deadline of
// spec.Timeout (or ctx's deadline, if earlier) for the write of the request
// and the whole response. If ctx ends while a request is in flight, the
// blocked read or write is interrupted at once and Do returns KindCanceled
// (KindTimeout if ctx's deadline passed). Response bodies are read and
// discarded; the 1xx interim responses before the final one are skipped.
// Every three-digit status code from 100 to 999 is returned as it is (999
// stays 999); a status line whose code has another number of digits or a
// leading zero is a protocol error ("malformed status line" or "malformed
// status code").
// In steady state on a kept-alive connection Do does not allocate.
//
// A request that fails on a reused connection before any byte of its
// response arrived (the server closed an idle connection) is sent once more
// on a new connection, as browsers do. Every other failure is returned as an
// *Error, and the connection is closed so the next Do redials. Bytes that
// arrive while no request is outstanding fail the next request, unsent, as
// KindProtocol "unsolicited response" (see checkIdle), so that responses
// never pair with the wrong request.
//
// Close each Conn when its worker is done: it holds its socket and, while
// a cancellable ctx is in use, a registration with that ctx.
//
// Spec.URL must use the http scheme; the raw client speaks cleartext only.
func NewHTTP1(spec Spec) (Opener, error) {
	t, err := newH1Target(&spec)
	if err != nil {
		return nil, err
	}
	return func() Conn { return t.open() }, nil
}

// h1Target is what every Conn of one Opener shares. It is read-only after
// construction.
type h1Target struct {
	req     []byte // the whole request: line, headers and body
	addr    string // host:port to dial
	dial    DialFunc
	timeout time.Duration
	head    bool // HEAD: responses have no body
}

func newH1Target(spec *Spec) (*h1Target, error) {
	u := spec.URL
	if u == nil {
		return nil, errors.New("transport: Spec.URL is nil; want an http://host[:port]/path URL")
	}
	host, port, target, err := checkH1URL(u)
	if err != nil {
		return nil, err
	}
	if spec.Timeout <= 0 {
		return nil, errors.New("transport: Timeout " + spec.Timeout.String() + " is invalid; want a duration > 0")
	}
	method := spec.MethodOf()
	hostHeader, err := checkFields(spec)
	if err != nil {
		return nil, err
	}
	if hostHeader == "" {
		hostHeader = u.Host
	}
	return &h1Target{
		req:     encodeH1Request(spec, method, target, hostHeader),
		addr:    net.JoinHostPort(host, port),
		dial:    spec.dialer(),
		timeout: spec.Timeout,
		head:    method == "HEAD",
	}, nil
}

// checkH1URL checks that u is one the cleartext HTTP/1.1 client can send
// to, and returns its host, its port (80 when it has none) and the request
// target.
func checkH1URL(u *url.URL) (host, port, target string, err error) {
	switch {
	case strings.EqualFold(u.Scheme, "http"):
	case strings.EqualFold(u.Scheme, "https"):
		return "", "", "", errors.New("transport: URL " + strconv.Quote(u.Redacted()) +
			": https is not supported by the raw HTTP/1.1 client, which speaks cleartext only; use an http:// URL")
	default:
		return "", "", "", errors.New("transport: URL " + strconv.Quote(u.Redacted()) +
			" has scheme " + strconv.Quote(u.Scheme) + "; the HTTP/1.1 client supports only http")
	}
	if u.User != nil {
		return "", "", "", errors.New("transport: URL " + strconv.Quote(u.Redacted()) +
			" has user info, which the HTTP/1.1 client does not send; remove it and set an Authorization header")
	}
	host = u.Hostname()
	if host == "" {
		return "", "", "", errors.New("transport: URL " + strconv.Quote(u.String()) + " has no host; want http://host[:port]/path")
	}
	port = u.Port()
	if port == "" {
		port = "80"
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", "", "", errors.New("transport: URL port " + strconv.Quote(port) + " is invalid; want a number from 1 to 65535")
	}
	target = u.RequestURI()
	if i := strings.IndexFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
		return "", "", "", errors.New("transport: request target " + strconv.Quote(target) +
			" contains a space or control character; escape it in the URL")
	}
	return host, port, target, nil
}

// encodeH1Request encodes the request once, as every connection sends it:
// the request line, Host, the other fields sorted by name, and the body
// with its Content-Length.
func encodeH1Request(spec *Spec, method, target, hostHeader string) []byte {
	names := make([]string, 0, len(spec.Header))
	for name := range spec.Header {
		if !strings.EqualFold(name, "Host") {
			names = append(names, name)
		}
	}
	slices.Sort(names)

	req := make([]byte, 0, 128+len(spec.Body))
	req = append(req, method...)
	req = append(req, ' ')
	req = append(req, target...)
	req = append(req, " HTTP/1.1\r\nHost: "...)
	req = append(req, hostHeader...)
	req = append(req, "\r\n"...)
	for _, name := range names {
		for _, v := range spec.Header[name] {
			req = append(req, name...)
			req = append(req, ": "...)
			req = append(req, v...)
			req = append(req, "\r\n"...)
		}
	}
	if len(spec.Body) > 0 {
		req = append(req, "Content-Length: "...)
		req = strconv.AppendInt(req, int64(len(spec.Body)), 10)
		req = append(req, "\r\n"...)
	}
	req = append(req, "\r\n"...)
	return append(req, spec.Body...)
}

func (t *h1Target) open() *h1Conn {
	return &h1Conn{t: t, rd: respReader{buf: make([]byte, h1ReadBuffer), max: h1MaxHead}}
}

// h1Conn is one worker's HTTP/1.1 connection. It is not safe for concurrent
// use, like every Conn.
type h1Conn struct {
	t      *h1Target
	conn   net.Conn // nil until dialed and after a close
	reused bool     // conn has completed a response, so it may have gone stale
	rd     respReader
	idle   idleProbe // finds bytes that wait on conn between requests

	// While a cancellable ctx is in use, stop unregisters the callback that
	// interrupts conn's blocked I/O when watched (that ctx's Done) closes.
	// The registration lasts as long as conn and ctx both do, so a worker
	// that passes the same ctx to every Do registers once per connection.
	stop    func() bool
	watched <-chan struct{}
}

// Do sends the request and reads the whole response. See NewHTTP1.
func (c *h1Conn) Do(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		_ = c.closeConn()
		return 0, Wrap(err, false)
	}
	done := ctx.Done()
	if c.stop != nil && c.watched != done {
		stop := c.stop
		c.stop, c.watched = nil, nil
		if !stop() {
			// The old context's callback has run, so conn's deadline is
			// in the past and no longer ours to manage.
			_ = c.closeConn()
		}
	}
	if c.conn == nil {
		if err := c.dial(ctx, time.Now().Add(c.t.timeout)); err != nil {
			return 0, err
		}
	}
	deadline := time.Now().Add(c.t.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.watch(ctx, done)

	status, err := c.roundTrip(deadline)
	if err != nil && c.reused && c.rd.received == 0 && KindOf(err) == KindReset && ctx.Err() == nil {
		// The server closed the idle connection before it saw this request.
		_ = c.closeConn()
		if err := c.dial(ctx, deadline); err != nil {
			return 0, err
		}
		c.watch(ctx, done)
		status, err = c.roundTrip(deadline)
	}
	if err != nil {
		_ = c.closeConn()
		if ctxErr := ctx.Err(); ctxErr != nil && KindOf(err) == KindTimeout {
			// The deadline was forced by ctx ending, not by Timeout.
			return 0, Wrap(ctxErr, false)
		}
		return 0, Wrap(err, false)
	}
	return status, nil
}

// roundTrip writes the request on c.conn and reads the response. After a
// successful response it closes the connection if the response said so.
func (c *h1Conn) roundTrip(deadline time.Time) (int, error) {
	if err := c.conn.SetDeadline(deadline); err != nil {
		return 0, err
	}
	c.rd.received = 0
	if err := c.checkIdle(); err != nil {
		return 0, err
	}
	if _, err := c.conn.Write(c.t.req); err != nil {
		return 0, err
	}
	status, keepAlive, err := c.rd.response(c.t.head)
	if err != nil {
		return 0, err
	}
	if keepAlive {
		// Bytes read past the response's end stay buffered: the next
		// request's checkIdle reports them.
		c.reused = true
	} else {
		_ = c.closeConn()
	}
	return status, nil
}

// checkIdle returns a protocol error when bytes arrived while no request
// was outstanding: after the previous response ended, or on a new
// connection before its first request. They answer no request of ours (an
// extra response, one written early, or a body longer than its framing
// said), and reading them as this request's response would pair every
// later response with the wrong request. The request is then not sent and
// Do closes the connection. A connection that the peer closed or reset
// while idle is returned as io.EOF or the errno, a reset.
//
// One exception, as in Go's net/http client: a 408 response on a reused
// connection is the server timing out the idle connection before it saw
// this request, so it is returned as a reset before any byte of the
// response, and Do sends the request once more on a new connection.
//
// Bytes already read past the last response are always caught. Bytes
// still in the socket are found by peeking at it without blocking (one
// recvfrom(MSG_PEEK|MSG_DONTWAIT) per request, on Linux and for
// connections that are sockets); bytes that arrive after the request was
// written cannot be told from its response, so a response written early
// on a new connection is caught only if it arrived before the request
// left, and otherwise by the next request.
func (c *h1Conn) checkIdle() error {
	if c.rd.buffered() == 0 {
		waiting, err := c.idle.waiting()
		if err != nil || !waiting {
			return err
		}
		if err := c.rd.fill(); err != nil && c.rd.buffered() == 0 {
			return err
		}
	}
	unsolicited := c.rd.buf[c.rd.r:c.rd.w]
	if c.reused && is408(unsolicited) {
		c.rd.received = 0
		return errIdle408
	}
	return protocolError("unsolicited response: bytes arrived while no request was outstanding", unsolicited)
}

// errIdle408 is a server's 408 on an idle kept-alive connection.
var errIdle408 = &Error{Kind: KindReset, Err: errors.New("http1: the server timed out the idle connection (408)")}

// is408 reports whether b starts with the status line of a 408 response.
func is408(b []byte) bool {
	return len(b) >= 12 && string(b[:7]) == "HTTP/1." && string(b[8:12]) == " 408" &&
		(len(b) == 12 || b[12] == ' ' || b[12] == '\r' || b[12] == '\n')
}

// dial connects c.conn, bounded by ctx and deadline. Its error is
// classified for a connection attempt.
func (c *h1Conn) dial(ctx context.Context, deadline time.Time) error {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	conn, err := c.t.dial(dctx, "tcp", c.t.addr)
	cancel()
	switch {
	case err != nil:
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return Wrap(err, true)
	case conn == nil:
		return &Error{Kind: KindConnect, Err: errors.New("dial " + c.t.addr + " returned no connection and no error")}
	}
	c.conn, c.reused = conn, false
	c.rd.reset(conn)
	c.idle.reset(conn)
	return nil
}

// watch arranges, once per connection and ctx, that ctx ending interrupts
// a blocked read or write on c.conn by moving its deadline to the past.
func (c *h1Conn) watch(ctx context.Context, done <-chan struct{}) {
	if done == nil || c.stop != nil {
		return
	}
	conn := c.conn
	c.stop = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	c.watched = done
}

// Close closes the connection, if any. It is safe to call more than once
// and on a Conn that never dialed; a later Do dials again.
func (c *h1Conn) Close() error { return c.closeConn() }

func (c *h1Conn) closeConn() error {
	if c.stop != nil {
		c.stop()
		c.stop, c.watched = nil, nil
	}
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn, c.reused = nil, false
	c.rd.reset(nil)
	c.idle.reset(nil)
	return err
}

package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meshperf/meshperf/internal/httpsyntax"
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
	switch {
	case strings.EqualFold(u.Scheme, "http"):
	case strings.EqualFold(u.Scheme, "https"):
		return nil, errors.New("transport: URL " + strconv.Quote(u.Redacted()) +
			": https is not supported by the raw HTTP/1.1 client, which speaks cleartext only; use an http:// URL")
	default:
		return nil, errors.New("transport: URL " + strconv.Quote(u.Redacted()) +
			" has scheme " + strconv.Quote(u.Scheme) + "; the HTTP/1.1 client supports only http")
	}
	if u.User != nil {
		return nil, errors.New("transport: URL " + strconv.Quote(u.Redacted()) +
			" has user info, which the HTTP/1.1 client does not send; remove it and set an Authorization header")
	}
	host := u.Hostname()
	if host == "" {
		return nil, errors.New("transport: URL " + strconv.Quote(u.String()) + " has no host; want http://host[:port]/path")
	}
	port := u.Port()
	if port == "" {
		port = "80"
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, errors.New("transport: URL port " + strconv.Quote(port) + " is invalid; want a number from 1 to 65535")
	}
	target := u.RequestURI()
	if i := strings.IndexFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
		return nil, errors.New("transport: request target " + strconv.Quote(target) +
			" contains a space or control character; escape it in the URL")
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
	req = append(req, spec.Body...)

	return &h1Target{
		req:     req,
		addr:    net.JoinHostPort(host, port),
		dial:    spec.dialer(),
		timeout: spec.Timeout,
		head:    method == "HEAD",
	}, nil
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

// respReader parses HTTP/1.1 responses from src through a reusable buffer.
// It keeps only what it needs to frame each response (status and the
// Content-Length, Transfer-Encoding and Connection fields) and discards
// bodies. It never consumes bytes past the end of a response: any that were
// read stay buffered, so responses can be read back to back.
type respReader struct {
	src      io.Reader
	buf      []byte
	r, w     int   // buf[r:w] is read but not consumed
	err      error // from src, returned once buf[r:w] is used up
	received int64 // bytes read from src since the caller last zeroed it
	max      int   // see h1MaxHead
}

// reset prepares the reader for a new connection.
func (p *respReader) reset(src io.Reader) {
	p.src, p.r, p.w, p.err, p.received = src, 0, 0, nil, 0
}

// buffered returns how many read bytes were not consumed.
func (p *respReader) buffered() int { return p.w - p.r }

// respHead holds what framing needs from one response head.
type respHead struct {
	status    int
	http10    bool  // HTTP/1.0: the connection closes unless keepAlive
	length    int64 // Content-Length, or -1 without one
	te        bool  // a Transfer-Encoding field named a coding
	chunked   bool  // chunked is the last transfer coding
	close     bool  // Connection: close
	keepAlive bool  // Connection: keep-alive
	lastFrame bool  // the last field read frames the message (for obs-fold)
}

// response reads one response, skipping interim 1xx responses, and
// discards its body. head says the request was HEAD. It returns the final
// status and whether the connection may carry another request.
//
// Errors from src are returned as they are, except that an end of input
// after the response began is io.ErrUnexpectedEOF; an end of input before
// any byte is io.EOF. Malformed input is an *Error of KindProtocol.
func (p *respReader) response(head bool) (status int, keepAlive bool, err error) {
	budget := p.max
	var h respHead
	for first := true; ; first = false {
		if err := p.readHead(&h, &budget); err != nil {
			if err == io.EOF && !first {
				err = io.ErrUnexpectedEOF
			}
			return 0, false, err
		}
		if h.status >= 200 {
			break
		}
		if h.status == 101 {
			return 0, false, protocolError("unexpected 101 Switching Protocols; no upgrade was requested", nil)
		}
	}

	keepAlive = !h.close && (!h.http10 || h.keepAlive)
	switch {
	case head || h.status == 204 || h.status == 304:
		// No body, whatever the fields say.
	case h.te:
		if h.length >= 0 {
			// Both fields: Transfer-Encoding wins, but the connection
			// must not be reused (RFC 9112, section 6.3).
			keepAlive = false
		}
		if !h.chunked {
			if err := p.discardToEOF(); err != nil {
				return 0, false, err
			}
			return h.status, false, nil
		}
		if err := p.discardChunked(); err != nil {
			return 0, false, err
		}
	case h.length >= 0:
		if err := p.discard(h.length); err != nil {
			return 0, false, err
		}
	default:
		if err := p.discardToEOF(); err != nil {
			return 0, false, err
		}
		keepAlive = false
	}
	return h.status, keepAlive, nil
}

// readHead reads a status line and header fields into h, charging their
// bytes to budget.
func (p *respReader) readHead(h *respHead, budget *int) error {
	*h = respHead{length: -1}
	line, err := p.line(budget)
	if err != nil {
		return err
	}
	if err := parseStatusLine(line, h); err != nil {
		return err
	}
	for {
		line, err := p.line(budget)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if len(line) == 0 {
			return nil
		}
		if err := parseField(line, h); err != nil {
			return err
		}
	}
}

// parseStatusLine parses "HTTP/1.x NNN[ reason]".
func parseStatusLine(line []byte, h *respHead) error {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || !httpsyntax.IsDigit(line[7]) || line[8] != ' ' ||
		(len(line) > 12 && line[12] != ' ') {
		return protocolError("malformed status line", line)
	}
	code := line[9:12]
	if !httpsyntax.IsDigit(code[0]) || !httpsyntax.IsDigit(code[1]) || !httpsyntax.IsDigit(code[2]) || code[0] == '0' {
		return protocolError("malformed status code", line)
	}
	h.status = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	h.http10 = line[7] == '0'
	return nil
}

// parseField records the framing fields of one header line in h.
func parseField(line []byte, h *respHead) error {
	if line[0] == ' ' || line[0] == '\t' {
		// Obsolete line folding continues the previous field. Harmless
		// for fields we ignore; ambiguous for those that frame the body.
		if h.lastFrame {
			return protocolError("folded framing header field", line)
		}
		return nil
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 || !httpsyntax.IsToken(line[:colon]) {
		return protocolError("malformed header field", line)
	}
	name, value := line[:colon], httpsyntax.TrimOWS(line[colon+1:])
	h.lastFrame = true
	switch {
	case httpsyntax.EqualFold(name, "content-length"):
		n, ok := parseContentLength(value)
		if !ok || (h.length >= 0 && n != h.length) {
			return protocolError("invalid Content-Length", line)
		}
		h.length = n
	case httpsyntax.EqualFold(name, "transfer-encoding"):
		for v := value; len(v) > 0; {
			var tok []byte
			tok, v = nextListItem(v)
			if len(tok) > 0 {
				h.te = true
				h.chunked = httpsyntax.EqualFold(tok, "chunked")
			}
		}
	case httpsyntax.EqualFold(name, "connection"):
		for v := value; len(v) > 0; {
			var tok []byte
			tok, v = nextListItem(v)
			switch {
			case httpsyntax.EqualFold(tok, "close"):
				h.close = true
			case httpsyntax.EqualFold(tok, "keep-alive"):
				h.keepAlive = true
			}
		}
	default:
		h.lastFrame = false
	}
	return nil
}

// discardChunked consumes a chunked body, its chunk extensions and its
// trailer section.
func (p *respReader) discardChunked() error {
	for {
		budget := p.max
		line, err := p.line(&budget)
		if err != nil {
			return unexpectedEOF(err)
		}
		size, ok := httpsyntax.ParseChunkSize(line, httpsyntax.MaxChunkLimit)
		if !ok {
			return protocolError("malformed chunk size line", line)
		}
		if size > httpsyntax.MaxChunkLimit {
			return protocolError("chunk size too large", line)
		}
		if size == 0 {
			break
		}
		if err := p.discard(size); err != nil {
			return err
		}
		line, err = p.line(&budget)
		if err != nil {
			return unexpectedEOF(err)
		}
		if len(line) != 0 {
			return protocolError("chunk data longer than its size", line)
		}
	}
	budget := p.max
	for {
		line, err := p.line(&budget)
		if err != nil {
			return unexpectedEOF(err)
		}
		if len(line) == 0 {
			return nil
		}
	}
}

// discard consumes n body bytes.
func (p *respReader) discard(n int64) error {
	for {
		k := int64(p.w - p.r)
		if k >= n {
			p.r += int(n)
			return nil
		}
		n -= k
		p.r = p.w
		if err := p.fill(); err != nil {
			return unexpectedEOF(err)
		}
	}
}

// discardToEOF consumes a body that ends when the connection does.
func (p *respReader) discardToEOF() error {
	for {
		p.r = p.w
		if err := p.fill(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// line consumes the next line and returns it without its LF or CRLF. The
// slice is valid until the next read. The line's bytes are charged to
// budget; a line that would exceed it, or the buffer's limit, is a
// protocol error. At the end of input, line returns io.EOF if no byte of
// the line was read and io.ErrUnexpectedEOF otherwise.
func (p *respReader) line(budget *int) ([]byte, error) {
	seen := 0 // bytes after p.r known to hold no LF
	for {
		if i := bytes.IndexByte(p.buf[p.r+seen:p.w], '\n'); i >= 0 {
			end := p.r + seen + i
			if end+1-p.r > *budget {
				return nil, p.tooLong(p.buf[p.r:end])
			}
			*budget -= end + 1 - p.r
			line := p.buf[p.r:end]
			p.r = end + 1
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		}
		seen = p.w - p.r
		if seen >= *budget {
			return nil, p.tooLong(p.buf[p.r:p.w])
		}
		if err := p.fill(); err != nil {
			if err == io.EOF && p.r < p.w {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// fill reads more bytes into the buffer, making room first by dropping
// consumed bytes or, when the buffer is full of unconsumed ones, by growing
// it up to p.max.
func (p *respReader) fill() error {
	if p.err != nil {
		return p.err
	}
	if p.r == p.w {
		p.r, p.w = 0, 0
	}
	if p.w == len(p.buf) {
		if p.r > 0 {
			p.w = copy(p.buf, p.buf[p.r:p.w])
			p.r = 0
		} else {
			if len(p.buf) >= p.max {
				return p.tooLong(p.buf[:p.w])
			}
			buf := make([]byte, min(max(2*len(p.buf), 512), p.max))
			copy(buf, p.buf[:p.w])
			p.buf = buf
		}
	}
	for range 100 {
		n, err := p.src.Read(p.buf[p.w:])
		if n < 0 || n > len(p.buf)-p.w {
			p.err = errors.New("transport: reader returned an invalid count " + strconv.Itoa(n))
			return p.err
		}
		p.w += n
		p.received += int64(n)
		if err != nil {
			p.err = err
			if n > 0 {
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	p.err = io.ErrNoProgress
	return p.err
}

func (p *respReader) tooLong(near []byte) error {
	return protocolError("response head, trailer section or line longer than "+strconv.Itoa(p.max)+" bytes", near)
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// responseError describes a malformed response.
type responseError struct {
	msg  string
	near string // the offending input, truncated
}

func (e *responseError) Error() string {
	if e.near == "" {
		return "http1: " + e.msg
	}
	return "http1: " + e.msg + " near " + strconv.Quote(e.near)
}

// protocolError returns a KindProtocol *Error. It copies up to 64 bytes of
// near, which may alias the read buffer.
func protocolError(msg string, near []byte) error {
	if len(near) > 64 {
		near = near[:64]
	}
	return &Error{Kind: KindProtocol, Err: &responseError{msg: msg, near: string(near)}}
}

// parseContentLength parses a Content-Length value: a decimal number, or a
// comma-separated list of the same number repeated.
func parseContentLength(v []byte) (int64, bool) {
	n := int64(-1)
	for {
		part, rest, more := bytes.Cut(v, []byte{','})
		m, ok := parseDecimal(httpsyntax.TrimOWS(part))
		if !ok || (n >= 0 && m != n) {
			return 0, false
		}
		n = m
		if !more {
			return n, true
		}
		v = rest
	}
}

// parseDecimal parses a non-negative decimal of at most 18 significant
// digits, so that it fits an int64.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	b = bytes.TrimLeft(b, "0")
	if len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !httpsyntax.IsDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// nextListItem splits the first element off a comma-separated field value
// and trims optional whitespace around it.
func nextListItem(v []byte) (item, rest []byte) {
	item, rest, _ = bytes.Cut(v, []byte{','})
	return httpsyntax.TrimOWS(item), rest
}

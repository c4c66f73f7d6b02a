package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
)

// peer wraps the dial function of an HTTP/2 client (h2c or gRPC) and keeps
// what happened on the wire: the last dial error, how many connections are
// open, and the first bytes a connection received. Those clients report
// failures vaguely ("Unavailable", "frame too large"); peer lets Do say
// which of refused, timed out, unreachable, a local limit or a server that
// does not speak HTTP/2 it was. It is safe for concurrent use: the clients
// dial and read on goroutines of their own.
type peer struct {
	dial DialFunc

	mu      sync.Mutex
	dialErr error  // the last dial's error; nil once a dial succeeds
	live    int    // connections dialled and not yet closed
	first   string // the start of the first read of the latest connection that received bytes
}

// firstBytes is how much of a connection's first read peer keeps.
const firstBytes = 64

func newPeer(dial DialFunc) *peer { return &peer{dial: dial} }

// Dial dials through the wrapped function. Its errors are *Error values
// classified as a connection attempt's.
func (p *peer) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := p.dial(ctx, network, addr)
	if err == nil && c == nil {
		err = errors.New("dial " + addr + " returned no connection and no error")
	}
	p.mu.Lock()
	p.dialErr = err
	if err == nil {
		p.live++
	}
	p.mu.Unlock()
	if err != nil {
		return nil, Wrap(err, true)
	}
	return &peerConn{Conn: c, p: p}, nil
}

// explain returns err, a failure the client reported, classified by what
// peer saw. fallback is the Kind to use when peer knows nothing better;
// deadline says err is the request's deadline passing, which is a connect
// timeout when no connection is open.
func (p *peer) explain(err error, fallback Kind, deadline bool) error {
	p.mu.Lock()
	first, dialErr, live := p.first, p.dialErr, p.live
	p.mu.Unlock()
	line, _, _ := strings.Cut(first, "\n")
	line = strings.TrimSuffix(line, "\r")
	switch {
	case strings.HasPrefix(first, "HTTP/"):
		return &Error{Kind: KindProtocol, Err: fmt.Errorf("not gRPC/h2: the server answered in HTTP/1 (%q): %w", line, err)}
	case first != "" && !startsWithSettings(first):
		return &Error{Kind: KindProtocol, Err: fmt.Errorf("not gRPC/h2: the server's first bytes (%q) are not an HTTP/2 SETTINGS frame: %w",
			line, err)}
	case live > 0:
		return &Error{Kind: fallback, Err: err}
	case dialErr != nil:
		return Wrap(dialErr, true)
	case deadline:
		// No connection is open and none failed: the attempt is still
		// waiting for an answer.
		return &Error{Kind: KindConnectTimeout, Err: err}
	}
	return &Error{Kind: fallback, Err: err}
}

// peerConn records its first read into its peer and its close.
type peerConn struct {
	net.Conn
	p      *peer
	seen   atomic.Bool
	closed atomic.Bool
}

func (c *peerConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.seen.Swap(true) {
		c.p.mu.Lock()
		c.p.first = string(b[:min(n, firstBytes)])
		c.p.mu.Unlock()
	}
	return n, err
}

func (c *peerConn) Close() error {
	if !c.closed.Swap(true) {
		c.p.mu.Lock()
		c.p.live--
		c.p.mu.Unlock()
	}
	return c.Conn.Close()
}

// startsWithSettings reports whether b can begin an HTTP/2 server's
// connection preface: a SETTINGS frame (type 4) on stream 0 whose length is
// a multiple of 6 (RFC 9113, sections 3.4 and 6.5). Fewer than 9 bytes are
// judged on what is there.
func startsWithSettings(b string) bool {
	const header = 9
	if len(b) >= 4 && b[3] != 0x4 {
		return false
	}
	if len(b) < header {
		return true
	}
	length := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
	return length%6 == 0 && b[5]&0x7f == 0 && b[6] == 0 && b[7] == 0 && b[8] == 0
}

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
	switch {
	case strings.HasPrefix(first, "HTTP/"):
		line, _, _ := strings.Cut(first, "\n")
		return &Error{Kind: KindProtocol, Err: fmt.Errorf("not gRPC/h2: the server answered in HTTP/1 (%q): %w",
			strings.TrimSuffix(line, "\r"), err)}
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

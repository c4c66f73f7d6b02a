package transport

import (
	"context"
	"time"

	"github.com/meshperf/meshperf/meshperf/internal/pace"
)

// Looper runs many connections of one target on a single event loop: one
// goroutine locked to one OS thread, one epoll set holding every socket,
// a timer for the load schedule and a wake-up for cancellation. No
// goroutine is handed a request, so a request costs its system calls and
// little else. NewHTTP1Loop returns one for plain HTTP/1.1 on Linux.
type Looper interface {
	// Loop runs conns connections, each idle and undialed at first, under
	// the policy h, until no request is in flight and no wake-up is armed,
	// or until ctx ends. Offsets passed to and from h are measured from
	// base. It returns nil when the policy finished, and ctx's error when
	// ctx ended first; requests then in flight are abandoned and h learns
	// nothing more about them. Each call has connections of its own, so
	// calls may overlap.
	Loop(ctx context.Context, conns int, base pace.Instant, h LoopHandler) error
}

// LoopHandler is the load policy an event loop runs. Its methods are
// called on the loop's goroutine, one at a time.
type LoopHandler interface {
	// Wake is called once at the start and after every batch of events
	// (responses, failures, the armed wake-up) with the current offset.
	Wake(l LoopControl, now time.Duration)
	// Done is called when the request on connection c has ended: with its
	// status, or with a classified *Error (status 0). c is idle again.
	Done(l LoopControl, c int, status int, err error, now time.Duration)
}

// LoopControl is what a LoopHandler may ask of its loop.
type LoopControl interface {
	// Send starts a request on idle connection c, dialing it first if it
	// has no connection. now is the current offset; the request's timeout
	// runs from it (from the end of the dial, when it dials).
	Send(c int, now time.Duration)
	// WakeAt arms the loop's single wake-up for the offset at (replacing
	// an earlier one); Wake is called once it is reached.
	WakeAt(at time.Duration)
}

// NewHTTP1Loop validates spec as NewHTTP1 does and returns a Looper whose
// connections speak HTTP/1.1 as NewHTTP1's Conns do: the same request, the
// same parsing of responses and its limits, the same error kinds, the
// retry of a request that a reused connection failed before any byte of
// the response (a server's 408 on an idle connection included), and
// "unsolicited response" for bytes that arrive while no request is
// outstanding (the loop sees them as they arrive, at no cost per request).
// As on a Conn, whose check comes just before the write, bytes that arrive
// in the moment between the check and the write cannot be told from the
// response: here that moment runs from the read that ended the previous
// response (or the last wait of the loop) to the write.
//
// Connections are dialed through spec.Dial (or a net.Dialer) on a
// goroutine of their own, bounded by spec.Timeout, so a dial never blocks
// the loop; the loop then takes the socket's file descriptor over from the
// Go runtime. A dialer whose connections are no sockets fails each request
// as KindConnect. The per-request timeout is kept per connection and
// checked at every wake-up, to the millisecond.
//
// It returns an error on platforms without epoll; callers use NewHTTP1
// there.
func NewHTTP1Loop(spec Spec) (Looper, error) {
	t, err := newH1Target(&spec)
	if err != nil {
		return nil, err
	}
	return newH1Looper(t)
}

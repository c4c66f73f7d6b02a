// Package transport owns the client side of one request: the protocols the
// load engine speaks (HTTP/1.1 on raw sockets, HTTP/2 over cleartext, gRPC
// health checks) and the classification of their failures.
//
// Each load worker owns one Conn and calls Do sequentially; a Conn is never
// shared between goroutines. Conns dial lazily on the first Do and redial
// after the peer closes, so a connect failure is reported as a request
// outcome, not as a construction error. Its Kind names the cause the OS
// gave (KindConnectRefused, KindConnectTimeout, KindConnectUnreachable,
// KindLocal for a limit of this machine, KindConnect otherwise); the h2c
// and gRPC Conns find it through the dial they wrap (see peer).
//
// A Looper (NewHTTP1Loop, Linux only) runs many HTTP/1.1 connections on one
// event loop instead: one goroutine locked to its thread, one epoll set, a
// timerfd and an eventfd, and no goroutine per connection or per request.
// It parses responses with the same resumable parser as the Conn and
// reports the same outcomes; a LoopHandler (the engine) decides what to
// send when.
package transport

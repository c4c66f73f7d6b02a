package engine

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf/internal/transport"
)

// impl is one way Run drives its connections. Each test of the engine's
// semantics runs on every impl: the goroutine path over fake Conns, and
// the event loop over sockets to a real server.
type impl struct {
	name string
	// run sets cfg's transport to connections whose requests take
	// service (forever when negative) and answer status, counting each
	// request the target saw in calls, and runs it.
	run func(t *testing.T, ctx context.Context, service time.Duration, status int, calls *atomic.Int64, cfg Config) (*Outcome, error)
}

var impls = []impl{
	{name: "goroutines", run: runGoroutines},
	{name: "event loop", run: runEventLoop},
}

// forImpls runs fn as a subtest named name on every impl.
func forImpls(t *testing.T, name string, fn func(t *testing.T, im impl)) {
	t.Helper()
	for _, im := range impls {
		t.Run(name+"/"+im.name, func(t *testing.T) { fn(t, im) })
	}
}

func runGoroutines(_ *testing.T, ctx context.Context, service time.Duration, status int, calls *atomic.Int64, cfg Config) (*Outcome, error) {
	if service < 0 {
		never := make(chan struct{})
		cfg.Open = func() transport.Conn { return &blockConn{release: never, calls: calls} }
	} else {
		cfg.Open = opener(service, status, nil, calls)
	}
	return Run(ctx, cfg)
}

func runEventLoop(t *testing.T, ctx context.Context, service time.Duration, status int, calls *atomic.Int64, cfg Config) (*Outcome, error) {
	cfg.Open, cfg.Loop = loopTransport(t, transport.Spec{URL: statusServer(t, service, status, calls),
		Timeout: max(cfg.Timeout, time.Second)})
	return Run(ctx, cfg)
}

// loopTransport returns spec's HTTP/1.1 Opener and event loop, skipping
// where the platform has no event loop.
func loopTransport(t *testing.T, spec transport.Spec) (transport.Opener, transport.Looper) {
	t.Helper()
	open, err := transport.NewHTTP1(spec)
	if err != nil {
		t.Fatal(err)
	}
	loop, err := transport.NewHTTP1Loop(spec)
	if err != nil && runtime.GOOS != "linux" {
		testenv.Need(t, "event loop", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return open, loop
}

// statusServer serves HTTP/1.1 on 127.0.0.1 until the test ends: each
// request is counted in calls and answered with status after service, or
// never when service is negative.
func statusServer(t *testing.T, service time.Duration, status int, calls *atomic.Int64) *url.URL {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch {
		case service < 0:
			<-r.Context().Done() // until the client goes
			return
		case service > 0:
			time.Sleep(service)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// On the event loop, failed dials are counted by kind and not timed.
func TestEventLoopErrorsAreClassifiedAndNotTimed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	open, loop := loopTransport(t, transport.Spec{URL: &url.URL{Scheme: "http", Host: addr, Path: "/"}, Timeout: time.Second})
	o, err := Run(context.Background(), Config{Open: open, Loop: loop, Workers: 2, Count: 100, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if o.Errors[transport.KindConnectRefused] != 100 || o.Requests != 100 {
		t.Errorf("refused = %d of %d, want 100 of 100", o.Errors[transport.KindConnectRefused], o.Requests)
	}
	if o.Response.Count() != 0 {
		t.Errorf("%d failed requests were timed as latency", o.Response.Count())
	}
	if ex := o.ErrorExamples[transport.KindConnectRefused]; !strings.Contains(ex, "connection refused") {
		t.Errorf("example %q does not say the connection was refused", ex)
	}
}

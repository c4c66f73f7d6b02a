package meshperf

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/meshperf/meshperf/meshperf/internal/engine"
	"github.com/meshperf/meshperf/meshperf/internal/transport"
)

// Target is where load goes. Load executes a validated Plan and returns the
// Result of its measured window; on failure it returns whatever partial
// Result it has together with the error. Fixtures implement Target to run
// the load generator inside a client pod; URLTarget runs it here.
type Target interface {
	Load(ctx context.Context, plan Plan) (*Result, error)
}

// URLTarget sends load from this process to a URL.
type URLTarget struct {
	// URL is the http:// URL every request goes to (for gRPC, its host:port).
	URL string
	// Dial, when set, opens the workers' connections, e.g. from inside a
	// network namespace. nil uses a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// URL returns a Target that loads rawURL from this process.
func URL(rawURL string) *URLTarget { return &URLTarget{URL: rawURL} }

// ParseURL checks that rawURL is a URL meshperf can load: http:// with a
// host. It returns an InvalidError naming the field "url" otherwise.
func ParseURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, invalid("url", strconv.Quote(rawURL), "use an http:// URL such as http://127.0.0.1:8080/")
	}
	if u.Scheme != "http" {
		return nil, invalid("url", strconv.Quote(rawURL), "use an http:// URL (https is not supported; put a TLS sidecar in front)")
	}
	if u.User != nil {
		return nil, invalid("url", strconv.Quote(u.Redacted()), "user info in the URL is not sent: remove it and set an Authorization header (-H)")
	}
	if u.Hostname() == "" {
		return nil, invalid("url", strconv.Quote(rawURL), "the URL needs a host, as in http://127.0.0.1:8080/")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, invalid("url", strconv.Quote(rawURL), "the port must be 1 to 65535")
		}
	}
	return u, nil
}

// Load runs plan against t.URL from this process.
func (t *URLTarget) Load(ctx context.Context, plan Plan) (*Result, error) {
	if err := plan.Validate(); err != nil {
		return nil, err
	}
	u, err := ParseURL(t.URL)
	if err != nil {
		return nil, err
	}
	spec := transport.Spec{URL: u, Method: plan.Method, Header: plan.Header, Timeout: plan.Timeout, Dial: t.Dial}
	if plan.PayloadSize > 0 {
		spec.Body = bytes.Repeat([]byte{'x'}, plan.PayloadSize)
	}
	var open transport.Opener
	var loop transport.Looper
	switch plan.Protocol {
	case HTTP1:
		open, err = transport.NewHTTP1(spec)
		if err == nil {
			// Plain HTTP/1.1 runs on one event loop where the platform
			// has one (Linux); elsewhere loop stays nil and each worker
			// runs on its own goroutine.
			loop, _ = transport.NewHTTP1Loop(spec)
		}
	case H2C:
		open, err = transport.NewH2C(spec)
	case GRPC:
		open, err = transport.NewGRPCHealth(spec)
	}
	if err != nil {
		return nil, invalid("url", strconv.Quote(t.URL), err.Error())
	}
	out, runErr := engine.Run(ctx, engine.Config{
		Open: open, QPS: plan.QPS, Workers: plan.Concurrency, Duration: plan.Duration,
		Count: plan.Requests, Warmup: plan.Warmup, Timeout: plan.Timeout, Loop: loop,
	})
	if out == nil {
		return nil, runErr
	}
	res := newResult(plan, t.URL, out)
	if runErr != nil {
		return res, fmt.Errorf("meshperf: %s: run interrupted after %v: %d measured requests, %d in flight, %d unsent: %w",
			t.URL, res.End.Sub(res.Start).Round(time.Millisecond), res.Requests, res.InFlight, res.Unsent, runErr)
	}
	return res, nil
}

// newResult turns an engine outcome into a Result.
func newResult(plan Plan, rawURL string, o *engine.Outcome) *Result {
	r := &Result{
		ID: newID(), Labels: plan.Labels, URL: rawURL, Protocol: plan.Protocol,
		Start: o.Start, End: o.End, RequestedQPS: plan.QPS, Concurrency: plan.Concurrency,
		Requests: o.Requests, StatusCodes: map[int]int64{}, TransportErrors: map[string]int64{}, ErrorExamples: map[string]string{},
		Late: o.Late, Unsent: o.Unsent, WarmupRequests: o.WarmupRequests, Interrupted: o.Interrupted, InFlight: o.InFlight,
		ResponseHist: o.Response, ServiceHist: o.Service, SendLagHist: o.SendLag,
		Overflow: o.Response.Overflow(),
	}
	for code, n := range o.Statuses {
		if n > 0 {
			r.StatusCodes[code] = n
		}
	}
	for k, n := range o.Errors {
		if n > 0 {
			r.TransportErrors[transport.Kind(k).String()] = n
			if ex := o.ErrorExamples[k]; ex != "" {
				r.ErrorExamples[transport.Kind(k).String()] = ex
			}
		}
	}
	if plan.QPS == 0 {
		r.SendLagHist = nil // closed loop has no schedule to be late for
	}
	r.summarize()
	return r
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

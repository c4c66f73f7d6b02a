package main

import (
	"flag"
	"strconv"
	"strings"

	"github.com/meshperf/meshperf/meshperf"
)

// requestFlags shape each request the load sends: the protocol, headers
// and body. load, sweep and capacity define them through addRequestFlags,
// so the three spell and check them alike; a fixture carries them to its
// generator, and refuses those its sidecars cannot carry.
type requestFlags struct {
	headers  repeated
	payload  *int
	h2, grpc *bool
}

func addRequestFlags(fs *flag.FlagSet) *requestFlags {
	r := &requestFlags{}
	fs.Var(&r.headers, "H", "request header 'Name: value' (repeatable)")
	r.payload = fs.Int("payload-size", 0, "request body size in bytes")
	r.h2 = fs.Bool("h2", false, "HTTP/2 over cleartext (h2c, prior knowledge)")
	r.grpc = fs.Bool("grpc", false, "gRPC health checks (grpc.health.v1.Health/Check)")
	return r
}

// options checks the flags and returns their load options; NewPlan checks
// the values.
func (r *requestFlags) options() ([]meshperf.Option, error) {
	if *r.h2 && *r.grpc {
		return nil, usagef("-h2 and -grpc exclude each other")
	}
	opts := []meshperf.Option{meshperf.PayloadSize(*r.payload)}
	for _, h := range r.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, usagef("-H %q: want 'Name: value'", h)
		}
		opts = append(opts, meshperf.Header(strings.TrimSpace(name), strings.TrimSpace(value)))
	}
	if p := r.protocol(); p != meshperf.HTTP1 {
		opts = append(opts, meshperf.WithProtocol(p))
	}
	return opts, nil
}

// protocol is the protocol the flags ask for.
func (r *requestFlags) protocol() meshperf.Protocol {
	switch {
	case *r.h2:
		return meshperf.H2C
	case *r.grpc:
		return meshperf.GRPC
	}
	return meshperf.HTTP1
}

// config adds the flags that differ from their defaults to a document's
// config.
func (r *requestFlags) config(m map[string]string) {
	if p := r.protocol(); p != meshperf.HTTP1 {
		m["protocol"] = string(p)
	}
	if len(r.headers) > 0 {
		m["headers"] = strings.Join(r.headers, "\n")
	}
	if *r.payload != 0 {
		m["payload_size"] = strconv.Itoa(*r.payload)
	}
}

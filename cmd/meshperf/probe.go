package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/fixtures/echo"
	"github.com/meshperf/meshperf/meshperf"
)

// probeReport is what `meshperf probe` prints: the answer's status and
// headers, and the request headers the echo app reported receiving (its
// allow-list: what proxies added), so that a fixture can check a path's
// evidence from inside a pod.
type probeReport struct {
	URL         string              `json:"url"`
	Status      int                 `json:"status"`
	Headers     map[string]string   `json:"headers"`
	Seen        map[string][]string `json:"seen"`
	SeenDropped int                 `json:"seen_dropped,omitempty"`
}

// runProbe sends one request to an http:// URL (a GET, or with -h2 a GET
// over h2c, or with -grpc a gRPC health check) and prints its status and
// headers as JSON once the whole answer has arrived, with the echo app's
// report of the request headers it received (echo.ReportURL asks for it).
// A transport failure, and a body that does not complete within -timeout
// or ends early, exit 1 with nothing on stdout; the status is reported,
// not judged.
func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("probe", stderr, "[-timeout 5s] [-h2 | -grpc] URL")
	timeout := fs.Duration("timeout", 5*time.Second, "bound on the whole request")
	h2 := fs.Bool("h2", false, "HTTP/2 over cleartext (h2c, prior knowledge)")
	grpcFlag := fs.Bool("grpc", false, "a gRPC health check (grpc.health.v1.Health/Check); its header metadata are the headers")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("probe takes one URL, got %d arguments %q", fs.NArg(), fs.Args())
	}
	if *timeout <= 0 || *timeout > time.Minute {
		return usagef("-timeout %v: use a duration above 0 and at most 1m", *timeout)
	}
	if *h2 && *grpcFlag {
		return usagef("-h2 and -grpc exclude each other")
	}
	proto := meshperf.HTTP1
	switch {
	case *h2:
		proto = meshperf.H2C
	case *grpcFlag:
		proto = meshperf.GRPC
	}
	raw := fs.Arg(0)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return usagef("URL %q: use http://host:port/path", raw)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	reportURL, err := echo.ReportURL(raw)
	if err != nil {
		return usagef("URL %q: %v", raw, err)
	}
	status, header, err := fixtures.Probe(ctx, reportURL, proto, nil)
	if err != nil {
		return fmt.Errorf("probe %s (-timeout %v): %w", raw, *timeout, err)
	}
	seen, dropped, err := echo.SplitReport(header)
	if err != nil {
		return fmt.Errorf("probe %s: %w", raw, err)
	}
	rep := probeReport{URL: raw, Status: status, Headers: make(map[string]string, len(header)), Seen: seen, SeenDropped: dropped}
	for k, v := range header {
		if len(v) > 0 && !strings.HasPrefix(k, echo.ReportPrefix) && k != echo.DroppedHeader {
			rep.Headers[k] = strings.Join(v, ", ") // a field sent as several lines is one list
		}
	}
	return json.NewEncoder(stdout).Encode(rep)
}

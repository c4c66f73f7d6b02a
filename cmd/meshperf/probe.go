package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/meshperf/meshperf/fixtures/echo"
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

// runProbe sends one GET to an http:// URL, asking the echo app for its
// report of the request headers it received (echo.ReportURL), and prints the
// answer's status and headers and the report as JSON once the whole body
// has arrived. A transport failure, and
// a body that does not complete within -timeout or ends early, exit 1 with
// nothing on stdout; the status is reported, not judged.
func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("probe", stderr, "[-timeout 5s] URL")
	timeout := fs.Duration("timeout", 5*time.Second, "bound on the whole request")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("probe takes one URL, got %d arguments %q", fs.NArg(), fs.Args())
	}
	if *timeout <= 0 || *timeout > time.Minute {
		return usagef("-timeout %v: use a duration above 0 and at most 1m", *timeout)
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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, reportURL, nil)
	if err != nil {
		return usagef("URL %q: %v", raw, err)
	}
	tr := &http.Transport{DisableKeepAlives: true, Proxy: nil}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", raw, err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		got := strconv.FormatInt(n, 10)
		if resp.ContentLength >= 0 {
			got += " of " + strconv.FormatInt(resp.ContentLength, 10)
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("probe %s: the body of the %d response did not complete within -timeout %v (%s bytes read): %w",
				raw, resp.StatusCode, *timeout, got, err)
		}
		return fmt.Errorf("probe %s: the body of the %d response ended after %s bytes: %w", raw, resp.StatusCode, got, err)
	}
	seen, dropped, err := echo.SplitReport(resp.Header)
	if err != nil {
		return fmt.Errorf("probe %s: %w", raw, err)
	}
	rep := probeReport{URL: raw, Status: resp.StatusCode, Headers: make(map[string]string, len(resp.Header)), Seen: seen, SeenDropped: dropped}
	for k, v := range resp.Header {
		if len(v) > 0 && !strings.HasPrefix(k, echo.ReportPrefix) && k != echo.DroppedHeader {
			rep.Headers[k] = v[0]
		}
	}
	return json.NewEncoder(stdout).Encode(rep)
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/meshperf/meshperf/internal/errkind"
	"github.com/meshperf/meshperf/meshperf"
)

// maxPlanSize bounds a -plan document: a plan is a few hundred bytes.
const maxPlanSize = 1 << 20

// planFlags are load's flags that shape the plan, which -plan sets whole.
var planFlags = []string{"qps", "c", "t", "n", "warmup", "timeout", "X", "H", "label", "payload-size", "h2", "grpc", "max-error-rate"}

// readPlanFlag reads the plan -plan names (a file, or "-" for stdin) and
// returns it as options. set holds the flags given: one that shapes the
// plan beside -plan is a usage error, as is a document meshperf.Plan's
// UnmarshalJSON refuses.
func readPlanFlag(path string, stdin io.Reader, set map[string]bool) ([]meshperf.Option, error) {
	var both []string
	for _, name := range planFlags {
		if set[name] {
			both = append(both, "-"+name)
		}
	}
	if len(both) > 0 {
		return nil, usagef("-plan %s and %s exclude each other: the plan sets the whole load; give one or the other", path, strings.Join(both, ", "))
	}
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, usagef("-plan %v", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxPlanSize+1))
	switch {
	case err != nil:
		return nil, usagef("-plan %s: reading it: %v", path, err)
	case len(b) > maxPlanSize:
		return nil, usagef("-plan %s: larger than %d bytes: a plan is one small JSON document", path, maxPlanSize)
	}
	var plan meshperf.Plan
	if err := json.Unmarshal(b, &plan); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, usagef("-plan %s: not JSON at byte %d: %v", path, se.Offset, err)
		}
		return nil, usagef("-plan %s: %v", path, err)
	}
	return planOptions(plan), nil
}

// planOptions are the options that build plan.
func planOptions(p meshperf.Plan) []meshperf.Option {
	opts := []meshperf.Option{meshperf.QPS(p.QPS), meshperf.Concurrency(p.Concurrency), meshperf.Warmup(p.Warmup),
		meshperf.Timeout(p.Timeout), meshperf.PayloadSize(p.PayloadSize), meshperf.WithProtocol(p.Protocol),
		meshperf.MaxErrorRate(p.MaxErrorRate)}
	if p.Requests > 0 {
		opts = append(opts, meshperf.Requests(p.Requests))
	} else {
		opts = append(opts, meshperf.Duration(p.Duration))
	}
	if p.Method != "" {
		opts = append(opts, meshperf.Method(p.Method))
	}
	for _, name := range slices.Sorted(maps.Keys(p.Header)) {
		for _, v := range p.Header[name] {
			opts = append(opts, meshperf.Header(name, v))
		}
	}
	for k, v := range p.Labels {
		opts = append(opts, meshperf.Label(k, v))
	}
	return opts
}

// resultJSON is res as load's -json document: indented, with the kind of
// the run's error (runErr) as its error_kind member when it failed.
func resultJSON(res *meshperf.Result, runErr error) ([]byte, error) {
	b, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	if b, err = errkind.Add(b, errkind.Of(res, runErr)); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	return append(out.Bytes(), '\n'), nil
}

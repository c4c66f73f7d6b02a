package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/meshperf/meshperf/cmd/meshperf/internal/compare"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/report"
)

// runReport writes one self-contained HTML page (inline CSS and SVG, no
// JavaScript, nothing fetched) that charts the results files: latency
// percentiles and sidecar CPU and memory against concurrency per mode, the
// overhead of "both" over "baseline", and each file's environment and config.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", stderr, "-o report.html results.json [more.json ...]")
	out := fs.String("o", "", "HTML file to write (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("-o is required: name the HTML file to write")
	}
	files := fs.Args()
	if len(files) == 0 {
		return usagef("no results files: want one or more JSON files from 'meshperf load -json' or 'meshperf sweep -json'")
	}
	for _, f := range files {
		if strings.HasPrefix(f, "-") {
			return usagef("%q looks like a flag: put flags before the files", f)
		}
	}
	srcs := make([]report.Source, 0, len(files))
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		s, err := readSource(f)
		if err != nil {
			return asInput(err)
		}
		srcs = append(srcs, s)
	}
	page, err := report.Build(srcs)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := page.WriteHTML(&buf); err != nil {
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		// writeFileAtomic names its flag -json; say -o.
		return fmt.Errorf("-o %s: %w", *out, errors.Unwrap(err))
	}
	fmt.Fprintf(stdout, "meshperf report: wrote %s\n", *out)
	return nil
}

// readSource reads one results file with compare's reader, and the
// environment and config of a sweep document beside its steps.
func readSource(path string) (report.Source, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return report.Source{}, &compare.FileError{Path: path, Err: err}
	}
	rs, err := compare.Decode(b)
	if err != nil {
		return report.Source{}, &compare.FileError{Path: path, Err: err}
	}
	var meta struct {
		Environment map[string]string          `json:"environment"`
		Config      map[string]string          `json:"config"`
		Capacity    []*meshperf.CapacityResult `json:"capacity"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		// Decode accepted the document, so only these members can be off.
		return report.Source{}, &compare.FileError{Path: path, Err: fmt.Errorf("environment or config: %w", err)}
	}
	return report.Source{Name: path, Results: rs, Environment: meta.Environment, Config: meta.Config, Capacity: meta.Capacity}, nil
}

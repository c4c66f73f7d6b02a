package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/meshperf/meshperf/cmd/meshperf/internal/compare"
	"github.com/meshperf/meshperf/internal/outfile"
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
	target, err := outfile.Check(*out, nil) // where it leads, first
	if err == nil {
		for _, f := range files {
			if target.Same(f) {
				return usagef("-o %s is also an input (%s): name another file for the report", *out, f)
			}
		}
		target, err = outfile.Check(*out, recogniseReport)
	}
	if err != nil {
		return usagef("-o %v", err)
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
	if err := writeOutput("-o", target, page.WriteHTML); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "meshperf report: wrote %s\n", *out)
	return nil
}

// readSource reads one results file with compare's reader, and the
// environment, config and capacity searches of a document beside its steps.
func readSource(path string) (report.Source, error) {
	f, err := compare.ReadFile(path)
	if err != nil {
		return report.Source{}, err
	}
	return report.Source{Name: path, Results: f.Results, Environment: f.Environment, Config: f.Config, Capacity: f.Capacity}, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/cmd/meshperf/internal/compare"
	"github.com/meshperf/meshperf/meshperf"
)

// runCompare prints per-step deltas between results files. With several
// runs a side (several files, or repeated steps in a sweep) it runs
// benchstat's Mann-Whitney U test per step and metric and prints "~" when a
// change is within the noise. Once each side has runs enough for a 95%
// interval (compare.MinRunsForGate, 4, a side), -fail-on judges each clause
// by the Hodges–Lehmann interval of the change (package meshperf/stats):
// breach and inconclusive fail (-allow-inconclusive lets the latter pass),
// within passes. With fewer runs it compares the medians.
// With -fail-on the gate fails closed (see compare.Report.Check): a step
// missing from the new side (unless -allow-missing), a run without the
// value a clause reads, a run over the -max-unsent ceiling and latencies
// above the histogram range all exit 1, naming the step and the reason.
// A crossed threshold exits 1; a missing, unreadable or invalid input file
// exits 2, like bad usage, so that CI tells a regression from a broken
// baseline.
func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", stderr, "[flags] old.json new.json | old1.json ... -- new1.json ...")
	failOn := fs.String("fail-on", "", "exit 1 when a step crosses a clause, e.g. 'p99>+10%,total_sidecar_cpu>+20%,p50>+200us,err>+0.5%,qps<-5%'")
	allowMissing := fs.Bool("allow-missing", false, "with -fail-on: ignore steps of the old files that the new files lack (by default they fail)")
	allowInconclusive := fs.Bool("allow-inconclusive", false, "with -fail-on and repeated runs: pass a clause whose 95% interval straddles its threshold (by default it fails)")
	maxUnsentFlag := fs.String("max-unsent", "0.1%", "with -fail-on: fail a compared run that left more than this share of its planned slots unsent; 100% = no ceiling")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	maxUnsent, err := parsePercent(*maxUnsentFlag)
	if err == nil && !(maxUnsent >= 0 && maxUnsent <= 1) {
		err = errors.New("use 0% to 100%")
	}
	if err != nil {
		return usagef("-max-unsent %q: %v", *maxUnsentFlag, err)
	}
	if maxUnsent == 0 {
		maxUnsent = assertions.NoUnsent // 0% allows none; the zero Options would mean the default
	}
	ts, err := compare.ParseThresholds(*failOn)
	if err != nil {
		return usagef("-fail-on %v", err)
	}
	oldFiles, newFiles, err := splitSides(fs.Args())
	if err != nil {
		return err
	}
	old, err := readAll(oldFiles)
	if err != nil {
		return err
	}
	nw, err := readAll(newFiles)
	if err != nil {
		return err
	}
	rep := compare.Compare(old, nw)
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	return rep.Check(ts, compare.Options{AllowMissing: *allowMissing, MaxUnsent: maxUnsent, AllowInconclusive: *allowInconclusive})
}

func splitSides(args []string) (old, new []string, err error) {
	for _, a := range args {
		if strings.HasPrefix(a, "-") && a != "--" {
			return nil, nil, usagef("%q looks like a flag: put flags before the files", a)
		}
	}
	for i, a := range args {
		if a == "--" {
			old, new = args[:i], args[i+1:]
			if len(old) == 0 || len(new) == 0 {
				return nil, nil, usagef("files: want old files, --, then new files, got %q", args)
			}
			return old, new, nil
		}
	}
	if len(args) != 2 {
		return nil, nil, usagef("files: want old.json new.json, or old files -- new files, got %q", args)
	}
	return args[:1], args[1:], nil
}

func readAll(paths []string) ([]*meshperf.Result, error) {
	var out []*meshperf.Result
	for _, p := range paths {
		f, err := compare.ReadFile(p)
		if err != nil {
			return nil, asInput(err)
		}
		for i, r := range f.Results {
			if r.Interrupted {
				return nil, asInput(fmt.Errorf("%s: result %d (id %s) is the partial result of an interrupted run; compare complete runs", p, i+1, r.ID))
			}
		}
		out = append(out, f.Results...)
	}
	return out, nil
}

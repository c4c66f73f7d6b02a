package main

import (
	"context"
	"io"
	"strings"

	"github.com/meshperf/meshperf/cmd/meshperf/internal/compare"
	"github.com/meshperf/meshperf/meshperf"
)

// runCompare prints per-step deltas between results files. With several
// runs a side (several files, or repeated steps in a sweep) it runs
// benchstat's Mann-Whitney U test per step and metric and prints "~" when a
// change is within the noise; -fail-on then trips only on significant
// changes once each side has at least compare.MinRunsForGate (4) runs; with
// fewer it compares the medians. (Three runs a side can never reach
// p ≤ 0.05, so a significance rule there would let every regression pass.)
func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", stderr, "[flags] old.json new.json | old1.json ... -- new1.json ...")
	failOn := fs.String("fail-on", "", "exit 1 when a step crosses a clause, e.g. 'p99>+10%,sidecar_cpu>+20%,p50>+200us,err>+0.5%,qps<-5%'")
	if err := parseFlags(fs, args); err != nil {
		return err
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
	return rep.Check(ts)
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
			return nil, err
		}
		out = append(out, f.Results...)
	}
	return out, nil
}

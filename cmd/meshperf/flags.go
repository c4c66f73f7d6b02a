package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/meshperf"
)

// The flag helpers every command uses: the flag set, its parse (flag
// errors become usage errors), and the rewriting of the library's
// InvalidError in terms of the flags.

// errHelp is returned after -h printed the usage.
var errHelp = errors.New("help shown")

// flagOf maps a meshperf.InvalidError field to the flag that sets it.
var flagOf = map[string]string{
	"qps": "-qps", "concurrency": "-c", "duration": "-t", "requests": "-n", "warmup": "-warmup",
	"timeout": "-timeout", "header": "-H", "payload-size": "-payload-size", "protocol": "-h2/-grpc",
	"method": "-X", "max-error-rate": "-max-error-rate", "label": "-label", "url": "url", "budget": "-budget",
	"out": "$" + meshperf.OutEnv,
}

// repeated collects a repeatable string flag.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ", ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func newFlagSet(name string, stderr io.Writer, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("meshperf "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: meshperf %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns flag errors into usage errors, reported
// once as a single line; only -h prints the full usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard) // the error is reported once, by the caller
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return errHelp
	}
	if err != nil {
		return usagef("%v (see -h)", err)
	}
	return nil
}

// setFlags is the set of flags given on the command line, by name.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// asUsage rewrites an InvalidError in terms of the command line's flags.
func asUsage(err error) error {
	var ie *meshperf.InvalidError
	if errors.As(err, &ie) {
		name := flagOf[ie.Field]
		if name == "" {
			name = ie.Field
		}
		return usagef("%s %v: %s", name, ie.Value, ie.Allowed)
	}
	return err
}

// parseBudget reads a -budget of absolute limits; why names what has no
// baseline for overhead_* clauses ("one load run", "a capacity step").
func parseBudget(text, why string) (assertions.Budget, error) {
	th, err := assertions.ParseBudget(text)
	if err != nil {
		return assertions.Budget{}, usagef("-budget %v", err)
	}
	if o := th.Overhead; o.P50 != nil || o.P90 != nil || o.P99 != nil || o.P999 != nil || o.Max != nil || o.CPU != nil {
		return assertions.Budget{}, usagef("-budget %q: overhead_* clauses compare against a baseline, which %s does not have", text, why)
	}
	return th.Budget, nil
}

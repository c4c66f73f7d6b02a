package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/internal/quantity"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/capacity"
)

// capacityDoc is the JSON document `meshperf capacity -json` writes: every
// step in the `meshperf load -json` format, and each search's outcome,
// whose steps name their result by id.
type capacityDoc struct {
	SMPVersion  string             `json:"smp_version"`
	Tool        string             `json:"tool"`
	Config      map[string]string  `json:"config"`
	Environment map[string]string  `json:"environment,omitempty"`
	Steps       []*meshperf.Result `json:"steps"`
	Capacity    []*capacity.Result `json:"capacity"`
}

// textBudget is a budget with the text it was parsed from, which the
// result carries.
type textBudget struct {
	assertions.Budget
	text string
}

func (b textBudget) String() string { return b.text }

// capacityFlagOf maps the search's InvalidError fields to their flags.
var capacityFlagOf = map[string]string{
	"start-rate": "-start", "max-rate": "-max", "tolerance": "-tolerance", "repeats": "-repeats",
	"duration": "-t", "warmup": "-warmup", "budget": "-budget",
}

// capacityCmd is `meshperf capacity` parsed and checked.
type capacityCmd struct {
	fx       *fixtureFlags // nil: a URL instead
	url      string
	modes    []fixtures.Mode
	budget   textBudget
	opts     []capacity.Option
	config   map[string]string
	plan     string // the search's line at the top of the text output
	minQPS   float64
	jsonPath string
	out      *stepOutput
	partial  bool
}

// capacitySearch is one search: a URL, or a mode of the fixture.
type capacitySearch struct {
	name   string
	target meshperf.Target
}

// runCapacity parses, brings up the fixture when asked, searches each
// target, and prints the comparison of both against baseline.
func runCapacity(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	c, err := parseCapacity(args, stderr)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, c.out.finish()) }()
	doc := &capacityDoc{SMPVersion: meshperf.SMPVersion, Tool: "meshperf capacity", Capacity: []*capacity.Result{}, Config: c.config}
	searches := []capacitySearch{{c.url, meshperf.URL(c.url)}}
	if c.fx != nil {
		cluster, err := c.fx.start(ctx, c.modes)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, cluster.Close()) }()
		doc.Environment = cluster.Environment()
		searches = searches[:0]
		for _, m := range c.modes {
			searches = append(searches, capacitySearch{string(m), cluster.Target(m)})
		}
		fmt.Fprintf(stdout, "meshperf capacity: %s\n", c.fx.describe(doc.Environment))
	}
	fmt.Fprintln(stdout, c.plan)
	width := len("target")
	for _, s := range searches {
		width = max(width, len(s.name))
	}
	fmt.Fprintf(stdout, "%-*s %4s %-8s %9s %9s %9s %9s %7s  %s\n", width, "target", "step", "phase", "req/s", "actual", "p50", "p99", "errors", "verdict")
	var failed []string
	results := map[string]*capacity.Result{}
	for _, s := range searches {
		res, fail, err := c.search(ctx, s, width, doc, stdout, stderr)
		if res != nil {
			results[s.name] = res
		}
		if err != nil {
			return err
		}
		if fail != "" {
			failed = append(failed, fail)
		}
	}
	printAgainstBaseline(stdout, results["baseline"], results["both"])
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return nil
}

// capacityFlags are capacity's own flags.
type capacityFlags struct {
	budget, modes, tolerance, jsonOut *string
	start, maxRate, minQPS            *float64
	repeats, conc                     *int
	dur, warmup, timeout              *time.Duration
	partial                           *bool
	fx                                *fixtureFlags
	req                               *requestFlags
}

func addCapacityFlags(fs *flag.FlagSet) *capacityFlags {
	f := &capacityFlags{}
	f.budget = fs.String("budget", "", "the budget every step must keep, e.g. 'p99<5ms,err<0.1%' (required)")
	f.fx = addFixtureFlags(fs, "")
	f.modes = fs.String("mode", "baseline", "with -fixture: comma-separated modes to search: baseline, client-only, server-only, both")
	f.start = fs.Float64("start", capacity.DefaultStartRate, "first step's rate in requests per second; the search doubles it until a step fails")
	f.maxRate = fs.Float64("max", capacity.DefaultMaxRate, "highest rate tried, in requests per second")
	f.tolerance = fs.String("tolerance", "1%", "stop when the lowest failing rate is within this of the highest passing one")
	f.repeats = fs.Int("repeats", capacity.DefaultBoundaryRepeats, "retries of the boundary once found (and of a failing start rate); 0 = none")
	f.dur = fs.Duration("t", capacity.DefaultStepDuration, "measured window of each step")
	f.warmup = fs.Duration("warmup", meshperf.DefaultWarmup, "discarded warm-up of each step")
	f.conc = fs.Int("c", 16, "concurrent workers (connections); in flight at most, so throughput is at most c / latency")
	f.timeout = fs.Duration("timeout", meshperf.DefaultTimeout, "per-request timeout")
	f.req = addRequestFlags(fs)
	f.minQPS = fs.Float64("min-qps", 0, "fail (exit 1) when a capacity is below this rate; 0 = no gate")
	f.jsonOut = fs.String("json", "", "write every step and each search's outcome as one JSON document to this file")
	f.partial = fs.Bool("partial", false, "when interrupted (SIGINT, SIGTERM), still write the document with the interrupted search to -json; without it -json is left as the last complete search wrote it")
	return f
}

// parseCapacity parses and checks everything before any pod exists.
func parseCapacity(args []string, stderr io.Writer) (*capacityCmd, error) {
	fs := newFlagSet("capacity", stderr, "-budget 'p99<5ms,err<0.1%' [flags] URL | -fixture local|docker|kube [-sidecar ...] [-mode ...]")
	f := addCapacityFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if *f.budget == "" {
		return nil, usagef("-budget is required: the limits each step must keep, e.g. -budget 'p99<5ms,err<0.1%%'")
	}
	b, err := parseBudget(*f.budget, "a capacity step")
	if err != nil {
		return nil, err
	}
	c := &capacityCmd{budget: textBudget{Budget: b, text: *f.budget}, minQPS: *f.minQPS, jsonPath: *f.jsonOut, partial: *f.partial}
	if c.opts, err = f.options(); err != nil {
		return nil, err
	}
	if !(c.minQPS >= 0) || math.IsInf(c.minQPS, 1) {
		return nil, usagef("-min-qps %v: use a finite rate ≥ 0 (0: no gate)", c.minQPS)
	}
	if err := c.target(fs, f); err != nil {
		return nil, err
	}
	if err := capacity.Check(c.budget, c.opts...); err != nil {
		return nil, capacityUsage(err)
	}
	target, err := checkJSONOutput("-json", c.jsonPath)
	if err != nil {
		return nil, err
	}
	c.out = &stepOutput{flag: "-json", t: target}
	if c.fx != nil {
		c.config = c.fx.config()
		c.config["modes"] = *f.modes
	} else {
		c.config = map[string]string{"url": c.url}
	}
	for k, v := range map[string]string{"budget": *f.budget, "start": fmtQPS(*f.start), "max": fmtQPS(*f.maxRate),
		"tolerance": *f.tolerance, "repeats": strconv.Itoa(*f.repeats), "duration": f.dur.String(), "warmup": f.warmup.String(),
		"concurrency": strconv.Itoa(*f.conc)} {
		c.config[k] = v
	}
	f.req.config(c.config)
	c.plan = fmt.Sprintf("budget %s; steps of %v after %v warm-up, %d connections; ×2 from %s req/s up to %s, to within %s, %d repeats",
		*f.budget, *f.dur, *f.warmup, *f.conc, fmtQPS(*f.start), fmtQPS(*f.maxRate), *f.tolerance, *f.repeats)
	return c, nil
}

// options are the search's options the flags ask for.
func (f *capacityFlags) options() ([]capacity.Option, error) {
	tol, err := parsePercent(*f.tolerance)
	if err == nil && !(tol >= capacity.MinTolerance && tol <= capacity.MaxTolerance) {
		err = fmt.Errorf("use %g%% to %g%%", 100*capacity.MinTolerance, 100*capacity.MaxTolerance)
	}
	if err != nil {
		return nil, usagef("-tolerance %q: %v", *f.tolerance, err)
	}
	req, err := f.req.options()
	if err != nil {
		return nil, err
	}
	load := append([]meshperf.Option{meshperf.Duration(*f.dur), meshperf.Warmup(*f.warmup), meshperf.Concurrency(*f.conc),
		meshperf.Timeout(*f.timeout)}, req...)
	return []capacity.Option{capacity.StartRate(*f.start), capacity.MaxRate(*f.maxRate), capacity.Tolerance(tol),
		capacity.BoundaryRepeats(*f.repeats), capacity.Load(load...)}, nil
}

// target settles what to search: the URL argument, or -fixture's modes.
func (c *capacityCmd) target(fs *flag.FlagSet, f *capacityFlags) error {
	set := setFlags(fs)
	fixture := *f.fx.fixture
	switch {
	case fixture == "" && fs.NArg() != 1:
		return usagef("url: want exactly one URL argument after the flags, or -fixture local, docker or kube; got %d (%q)", fs.NArg(), fs.Args())
	case fixture != "" && fs.NArg() != 0:
		return usagef("unexpected arguments %q: -fixture %s takes no URL", fs.Args(), fixture)
	case fixture == "" && set["mode"]:
		return usagef("-mode %q: modes are the fixture's; with a URL there is only the URL", *f.modes)
	}
	if fixture == "" {
		for _, name := range fixtureFlagNames {
			if set[name] {
				return usagef("-%s shapes the fixture: use it with -fixture local, docker or kube", name)
			}
		}
		c.url = fs.Arg(0)
		_, err := meshperf.ParseURL(c.url)
		return asUsage(err)
	}
	if err := f.fx.check(set); err != nil {
		return err
	}
	var err error
	if c.modes, err = fixtures.ParseModes(*f.modes); err != nil {
		return usagef("-mode %v", err)
	}
	if err := f.fx.checkProtocol(c.modes, f.req.protocol()); err != nil {
		return err
	}
	c.fx = f.fx
	return nil
}

// search runs one search, prints its steps and verdict, and keeps doc and
// -json up to date. fail says why a search that ran breaks a gate; err is
// a search that could not run.
func (c *capacityCmd) search(ctx context.Context, s capacitySearch, width int, doc *capacityDoc, stdout, stderr io.Writer) (res *capacity.Result, fail string, err error) {
	n := 0
	show := capacity.OnStep(func(st capacity.Step) {
		n++
		printCapacityStep(stdout, width, s.name, n, st)
	})
	res, err = capacity.SearchContext(ctx, s.target, c.budget, append(c.opts, show)...)
	if res != nil {
		doc.Capacity = append(doc.Capacity, res)
		for _, st := range res.Steps {
			doc.Steps = append(doc.Steps, st.Result)
		}
		fmt.Fprintf(stdout, "%s: %s\n", s.name, res.Verdict())
		if res.Stop == capacity.StopInterrupted && !c.partial {
			if c.jsonPath != "" {
				fmt.Fprintf(stderr, "meshperf capacity: interrupted: -json %s left as the last complete search wrote it (add -partial to write this one)\n", c.jsonPath)
			}
		} else if werr := c.out.step(doc); werr != nil {
			return res, "", errors.Join(err, werr)
		}
	}
	var none *capacity.NoCapacityError
	switch {
	case errors.As(err, &none):
		return res, fmt.Sprintf("%s: %v", s.name, err), nil
	case err != nil:
		return res, "", fmt.Errorf("%s: %w", s.name, capacityUsage(err))
	case c.minQPS > 0 && res.QPS == 0:
		return res, fmt.Sprintf("%s: no rate passed in every try (%s), so none reaches -min-qps %s", s.name, res.Stop, fmtQPS(c.minQPS)), nil
	case c.minQPS > 0 && res.QPS < c.minQPS:
		return res, fmt.Sprintf("%s: capacity %s req/s is below -min-qps %s", s.name, fmtQPS(res.QPS), fmtQPS(c.minQPS)), nil
	}
	return res, "", nil
}

// printAgainstBaseline compares both's capacity with baseline's, when the
// two were searched and found one.
func printAgainstBaseline(w io.Writer, base, both *capacity.Result) {
	if base == nil || both == nil || base.QPS <= 0 || both.QPS <= 0 {
		return
	}
	caveat := ""
	for _, r := range []struct {
		name string
		c    *capacity.Result
	}{{"baseline", base}, {"both", both}} {
		if r.c.Stop == capacity.StopMaxRate {
			caveat += "; " + r.name + " reached the max rate (a floor)"
		} else if !r.c.Reproducible {
			caveat += "; " + r.name + " is NOT reproducible"
		}
	}
	fmt.Fprintf(w, "both against baseline: %s req/s against %s (%+.1f%%)%s\n", fmtQPS(both.QPS), fmtQPS(base.QPS),
		100*(both.QPS-base.QPS)/base.QPS, caveat)
}

func printCapacityStep(w io.Writer, width int, name string, n int, st capacity.Step) {
	r := st.Result
	verdict := "pass"
	if !st.Pass {
		verdict = "FAIL " + firstLine(st.Err)
	}
	fmt.Fprintf(w, "%-*s %4d %-8s %9s %9.1f %9s %9s %7d  %s%s\n", width, name, n, st.Phase, fmtQPS(st.QPS), r.ActualQPS,
		r.Latency.Format(r.Latency.P50), r.Latency.Format(r.Latency.P99), r.Failures(), verdict, overflowNote(r))
}

// firstLine is the first violation of err, without the package prefix.
func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		rest := strings.TrimSpace(s[i+1:])
		if strings.HasSuffix(s[:i], "limits broken:") { // assertions' list: show the first
			s = rest
			if j := strings.IndexByte(s, '\n'); j >= 0 {
				s = s[:j] + " (and more)"
			}
		} else {
			s = s[:i] + " (and more)"
		}
	}
	for _, prefix := range []string{"assertions: ", "meshperf: "} {
		s = strings.TrimPrefix(s, prefix)
	}
	return s
}

// parsePercent reads "1%" (or "0.5%") as a share.
func parsePercent(s string) (float64, error) {
	v, err := quantity.Percent(s)
	if err != nil {
		return 0, errors.New("write a percentage such as 1%")
	}
	return v / 100, nil
}

// fmtQPS prints a rate without exponent, to at most one decimal.
func fmtQPS(q float64) string {
	return strconv.FormatFloat(math.Round(q*10)/10, 'f', -1, 64)
}

// capacityUsage rewrites an InvalidError of the search in terms of the
// command line's flags.
func capacityUsage(err error) error {
	var ie *meshperf.InvalidError
	if errors.As(err, &ie) {
		if name, ok := capacityFlagOf[ie.Field]; ok {
			return usagef("%s %v: %s", name, ie.Value, ie.Allowed)
		}
	}
	return asUsage(err)
}

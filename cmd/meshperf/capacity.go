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

func runCapacity(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlagSet("capacity", stderr, "-budget 'p99<5ms,err<0.1%' [flags] URL | -fixture local [-sidecar ...] [-mode ...]")
	budgetFlag := fs.String("budget", "", "the budget every step must keep, e.g. 'p99<5ms,err<0.1%' (required)")
	fixture := fs.String("fixture", "", "bring up this fixture and search each -mode: local")
	modes := fs.String("mode", "baseline", "with -fixture: comma-separated modes to search: baseline, client-only, server-only, both")
	lf := addLocalFlags(fs)
	start := fs.Float64("start", capacity.DefaultStartRate, "first step's rate in requests per second; the search doubles it until a step fails")
	maxRate := fs.Float64("max", capacity.DefaultMaxRate, "highest rate tried, in requests per second")
	tolerance := fs.String("tolerance", "1%", "stop when the lowest failing rate is within this of the highest passing one")
	repeats := fs.Int("repeats", capacity.DefaultBoundaryRepeats, "retries of the boundary once found (and of a failing start rate); 0 = none")
	dur := fs.Duration("t", capacity.DefaultStepDuration, "measured window of each step")
	warmup := fs.Duration("warmup", meshperf.DefaultWarmup, "discarded warm-up of each step")
	conc := fs.Int("c", 16, "concurrent workers (connections); in flight at most, so throughput is at most c / latency")
	timeout := fs.Duration("timeout", meshperf.DefaultTimeout, "per-request timeout")
	h2 := fs.Bool("h2", false, "HTTP/2 over cleartext (h2c, prior knowledge)")
	grpcFlag := fs.Bool("grpc", false, "gRPC health checks (grpc.health.v1.Health/Check)")
	minQPS := fs.Float64("min-qps", 0, "fail (exit 1) when a capacity is below this rate; 0 = no gate")
	jsonOut := fs.String("json", "", "write every step and each search's outcome as one JSON document to this file")
	partial := fs.Bool("partial", false, "when interrupted (SIGINT, SIGTERM), still write the document with the interrupted search to -json; without it -json is left as the last complete search wrote it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	// Check everything before any pod exists.
	if *budgetFlag == "" {
		return usagef("-budget is required: the limits each step must keep, e.g. -budget 'p99<5ms,err<0.1%%'")
	}
	th, err := assertions.ParseBudget(*budgetFlag)
	if err != nil {
		return usagef("-budget %v", err)
	}
	if o := th.Overhead; o.P50 != nil || o.P90 != nil || o.P99 != nil || o.P999 != nil || o.Max != nil || o.CPU != nil {
		return usagef("-budget %q: overhead_* clauses compare against a baseline, which a capacity step does not have", *budgetFlag)
	}
	budget := textBudget{Budget: th.Budget, text: *budgetFlag}
	tol, err := parsePercent(*tolerance)
	if err == nil && !(tol >= capacity.MinTolerance && tol <= capacity.MaxTolerance) {
		err = fmt.Errorf("use %g%% to %g%%", 100*capacity.MinTolerance, 100*capacity.MaxTolerance)
	}
	if err != nil {
		return usagef("-tolerance %q: %v", *tolerance, err)
	}
	if *h2 && *grpcFlag {
		return usagef("-h2 and -grpc exclude each other")
	}
	if !(*minQPS >= 0) || math.IsInf(*minQPS, 1) {
		return usagef("-min-qps %v: use a finite rate ≥ 0 (0: no gate)", *minQPS)
	}
	switch {
	case *fixture == "" && fs.NArg() != 1:
		return usagef("url: want exactly one URL argument after the flags, or -fixture local; got %d (%q)", fs.NArg(), fs.Args())
	case *fixture != "" && *fixture != "local":
		return usagef("-fixture %q: use local (or give a URL instead)", *fixture)
	case *fixture != "" && fs.NArg() != 0:
		return usagef("unexpected arguments %q: -fixture local takes no URL", fs.Args())
	case *fixture == "" && set["mode"]:
		return usagef("-mode %q: modes are the fixture's; with a URL there is only the URL", *modes)
	}
	for _, name := range []string{"sidecar", "cpu-limit", "mem-limit", "mtls", "intercept", "loopback"} {
		if *fixture == "" && set[name] {
			return usagef("-%s shapes the fixture: use it with -fixture local", name)
		}
	}
	opts := []capacity.Option{
		capacity.StartRate(*start), capacity.MaxRate(*maxRate), capacity.Tolerance(tol), capacity.BoundaryRepeats(*repeats),
		capacity.Load(meshperf.Duration(*dur), meshperf.Warmup(*warmup), meshperf.Concurrency(*conc), meshperf.Timeout(*timeout)),
	}
	switch {
	case *h2:
		opts = append(opts, capacity.Load(meshperf.WithProtocol(meshperf.H2C)))
	case *grpcFlag:
		opts = append(opts, capacity.Load(meshperf.WithProtocol(meshperf.GRPC)))
	}
	if err := capacity.Check(budget, opts...); err != nil {
		return capacityUsage(err)
	}
	target, err := checkJSONOutput("-json", *jsonOut)
	if err != nil {
		return err
	}
	out := &stepOutput{flag: "-json", t: target}
	defer func() { err = errors.Join(err, out.finish()) }()

	doc := &capacityDoc{SMPVersion: meshperf.SMPVersion, Tool: "meshperf capacity", Capacity: []*capacity.Result{},
		Config: map[string]string{"budget": *budgetFlag, "start": fmtQPS(*start), "max": fmtQPS(*maxRate),
			"tolerance": *tolerance, "repeats": strconv.Itoa(*repeats), "duration": dur.String(), "warmup": warmup.String(),
			"concurrency": strconv.Itoa(*conc)}}
	type search struct {
		name   string
		target meshperf.Target
	}
	var searches []search
	if *fixture == "" {
		rawURL := fs.Arg(0)
		if _, err := meshperf.ParseURL(rawURL); err != nil {
			return asUsage(err)
		}
		doc.Config["url"] = rawURL
		searches = append(searches, search{rawURL, meshperf.URL(rawURL)})
	} else {
		modeList, err := fixtures.ParseModes(*modes)
		if err != nil {
			return usagef("-mode %v", err)
		}
		lopts, err := lf.options()
		if err != nil {
			return err
		}
		cluster, err := startLocal(ctx, lopts)
		if cluster != nil { // New returns what it made even when it fails
			defer cluster.Close()
		}
		if err != nil {
			return err
		}
		doc.Environment = cluster.Environment()
		for k, v := range map[string]string{"fixture": "local", "sidecar": *lf.sidecar, "modes": *modes,
			"cpu_limit": lf.cpu.String(), "mem_limit": lf.mem.String(), "mtls": strconv.FormatBool(*lf.mtls), "intercept": *lf.intercept} {
			doc.Config[k] = v
		}
		for _, m := range modeList {
			searches = append(searches, search{string(m), cluster.Target(m)})
		}
		fmt.Fprintf(stdout, "meshperf capacity: local fixture, sidecar %s, mTLS %v, %s\n", *lf.sidecar, *lf.mtls, doc.Environment["isolation"])
	}
	fmt.Fprintf(stdout, "budget %s; steps of %v after %v warm-up, %d connections; ×2 from %s req/s up to %s, to within %s, %d repeats\n",
		*budgetFlag, *dur, *warmup, *conc, fmtQPS(*start), fmtQPS(*maxRate), *tolerance, *repeats)
	width := len("target")
	for _, s := range searches {
		width = max(width, len(s.name))
	}
	fmt.Fprintf(stdout, "%-*s %4s %-8s %9s %9s %9s %9s %7s  %s\n", width, "target", "step", "phase", "req/s", "actual", "p50", "p99", "errors", "verdict")

	var failed []string
	results := map[string]*capacity.Result{}
	for _, s := range searches {
		n := 0
		show := capacity.OnStep(func(st capacity.Step) {
			n++
			printCapacityStep(stdout, width, s.name, n, st)
		})
		res, err := capacity.SearchContext(ctx, s.target, budget, append(opts, show)...)
		if res != nil {
			doc.Capacity = append(doc.Capacity, res)
			for _, st := range res.Steps {
				doc.Steps = append(doc.Steps, st.Result)
			}
			fmt.Fprintf(stdout, "%s: %s\n", s.name, res.Verdict())
			results[s.name] = res
			switch {
			case res.Stop == capacity.StopInterrupted && !*partial:
				if *jsonOut != "" {
					fmt.Fprintf(stderr, "meshperf capacity: interrupted: -json %s left as the last complete search wrote it (add -partial to write this one)\n", *jsonOut)
				}
			default:
				if werr := out.step(doc); werr != nil {
					return errors.Join(err, werr)
				}
			}
		}
		var none *capacity.NoCapacityError
		switch {
		case errors.As(err, &none):
			failed = append(failed, fmt.Sprintf("%s: %v", s.name, err))
		case err != nil:
			return fmt.Errorf("%s: %w", s.name, capacityUsage(err))
		case *minQPS > 0 && res.QPS == 0:
			failed = append(failed, fmt.Sprintf("%s: no rate passed in every try (%s), so none reaches -min-qps %s", s.name, res.Stop, fmtQPS(*minQPS)))
		case *minQPS > 0 && res.QPS < *minQPS:
			failed = append(failed, fmt.Sprintf("%s: capacity %s req/s is below -min-qps %s", s.name, fmtQPS(res.QPS), fmtQPS(*minQPS)))
		}
	}
	if base, both := results["baseline"], results["both"]; base != nil && both != nil && base.QPS > 0 && both.QPS > 0 {
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
		fmt.Fprintf(stdout, "both against baseline: %s req/s against %s (%+.1f%%)%s\n", fmtQPS(both.QPS), fmtQPS(base.QPS),
			100*(both.QPS-base.QPS)/base.QPS, caveat)
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return nil
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

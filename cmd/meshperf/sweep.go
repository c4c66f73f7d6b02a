package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/stats"
)

// sweepDoc is the JSON document a sweep writes: every step in the
// `meshperf load -json` format, which already carries mode, concurrency and
// resources.
//
// Steps holds every run, grouped by step in the order of -mode and -c; with
// -count N each step has N runs, labelled round=1…N. Overhead holds, per
// meshed step, its overhead over the baseline step at the same concurrency,
// with 95% intervals from the repeated runs.
type sweepDoc struct {
	SMPVersion  string             `json:"smp_version"`
	Tool        string             `json:"tool"`
	Config      map[string]string  `json:"config"`
	Environment map[string]string  `json:"environment,omitempty"`
	Steps       []*meshperf.Result `json:"steps"`
	Overhead    []stepOverhead     `json:"overhead,omitempty"`
}

// sweepCmd is `meshperf sweep` parsed and checked.
type sweepCmd struct {
	fx          *fixtureFlags
	req         *requestFlags
	modes       []fixtures.Mode
	steps       []int
	base        []meshperf.Option // every step's load options but -c
	config      map[string]string
	dur, warmup time.Duration
	jsonPath    string
	out         *stepOutput
	partial     bool
	count       int
	seed        uint64
	verbose     bool
}

// runSweep parses, brings up the fixture, and runs every step, printing
// each and rewriting -json after each.
func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	s, err := parseSweep(args, stderr)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.out.finish()) }()
	cluster, err := s.fx.start(ctx, s.modes)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cluster.Close()) }()
	doc := sweepDoc{SMPVersion: meshperf.SMPVersion, Tool: "meshperf sweep", Environment: cluster.Environment(), Config: s.config}
	fmt.Fprintf(stdout, "meshperf sweep: %s\n", s.fx.describe(doc.Environment))
	if s.count > 1 {
		doc.Config["seed"] = strconv.FormatUint(s.seed, 10)
		fmt.Fprintf(stdout, "%d rounds, each in its own shuffled order: -seed %d\n", s.count, s.seed)
	}
	fmt.Fprintf(stdout, "%-12s %5s %9s %9s %9s %9s %9s %11s %11s %11s %11s %6s\n", "mode", "conc", "req/s", "p50", "p90", "p99",
		"p99.9", "client-cpu", "server-cpu", "client-mem", "server-mem", "errors")
	if err := s.run(ctx, cluster, &doc, stdout, stderr); err != nil {
		return err
	}
	if s.count > 1 {
		printOverhead(stdout, doc.Overhead)
	}
	return nil
}

// parseSweep parses and checks every flag before any pod exists.
func parseSweep(args []string, stderr io.Writer) (*sweepCmd, error) {
	fs := newFlagSet("sweep", stderr, "[flags]")
	s := &sweepCmd{fx: addFixtureFlags(fs, fixtureLocal)}
	modes := fs.String("mode", "baseline,both", "comma-separated modes: baseline, client-only, server-only, both")
	concs := fs.String("c", "2,4,8,16,32,64", "comma-separated concurrency steps")
	qps := fs.Float64("qps", meshperf.DefaultQPS, "requests per second at every step; 0 = closed loop")
	fs.DurationVar(&s.dur, "t", 10*time.Second, "measured window of each step")
	fs.DurationVar(&s.warmup, "warmup", 2*time.Second, "discarded warm-up of each step")
	s.req = addRequestFlags(fs)
	fs.StringVar(&s.jsonPath, "json", "", "write every step as one JSON document to this file, rewritten after each step")
	fs.BoolVar(&s.partial, "partial", false, "when interrupted (SIGINT, SIGTERM), also write the interrupted step's partial result, marked \"interrupted\": true, to -json; without it -json keeps the completed steps only")
	fs.IntVar(&s.count, "count", 1, "run every step this many times, in rounds; each round runs every step once, in an order shuffled by -seed")
	fs.Uint64Var(&s.seed, "seed", 0, "seed of the shuffle of each round's order (with -count > 1); 0 = from the clock, printed and stored in the JSON")
	fs.BoolVar(&s.verbose, "v", false, "show progress (step i of n, ETA) on stderr; on by default when stderr is a terminal")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		return nil, usagef("unexpected arguments %q: sweep takes only flags", fs.Args())
	}
	if s.count < 1 {
		return nil, usagef("-count %d: use 1 or more runs of each step", s.count)
	}
	if s.seed == 0 {
		s.seed = uint64(time.Now().UnixNano())
	}
	if err := s.fx.check(setFlags(fs)); err != nil {
		return nil, err
	}
	var err error
	if s.modes, err = fixtures.ParseModes(*modes); err != nil {
		return nil, usagef("-mode %v", err)
	}
	if s.steps, err = meshperf.ParseConcurrencies(*concs); err != nil {
		return nil, usagef("-c %q: %v", *concs, err)
	}
	req, err := s.req.options()
	if err != nil {
		return nil, err
	}
	if err := s.fx.checkProtocol(s.modes, s.req.protocol()); err != nil {
		return nil, err
	}
	s.base = append([]meshperf.Option{meshperf.QPS(*qps), meshperf.Duration(s.dur), meshperf.Warmup(s.warmup)}, req...)
	if _, err := meshperf.NewPlan(s.loadOpts(s.steps[0], 0)...); err != nil {
		return nil, asUsage(err)
	}
	target, err := checkJSONOutput("-json", s.jsonPath)
	if err != nil {
		return nil, err
	}
	s.out = &stepOutput{flag: "-json", t: target}
	s.config = s.fx.config()
	for k, v := range map[string]string{"modes": *modes, "concurrency": *concs, "qps": strconv.FormatFloat(*qps, 'g', -1, 64),
		"duration": s.dur.String(), "warmup": s.warmup.String(), "count": strconv.Itoa(s.count)} {
		s.config[k] = v
	}
	s.req.config(s.config)
	return s, nil
}

// loadOpts are the load options of a step at concurrency c in round
// (labelled only with -count > 1).
func (s *sweepCmd) loadOpts(c, round int) []meshperf.Option {
	opts := append(slices.Clone(s.base), meshperf.Concurrency(c))
	if s.count > 1 {
		opts = append(opts, meshperf.Label("round", strconv.Itoa(round)))
	}
	return opts
}

// run runs every step in every round, in each round's order, and keeps
// doc and -json up to date after each.
func (s *sweepCmd) run(ctx context.Context, cluster fixtureCluster, doc *sweepDoc, stdout, stderr io.Writer) error {
	progress := newProgress(stderr, s.verbose, len(s.modes)*len(s.steps)*s.count, s.dur+s.warmup)
	var order []sweepStep
	for _, mode := range s.modes {
		for _, c := range s.steps {
			order = append(order, sweepStep{mode, c})
		}
	}
	runs := map[sweepStep][]*meshperf.Result{}
	rng := rand.New(rand.NewPCG(s.seed, 0))
	for round := 1; round <= s.count; round++ {
		roundOrder := slices.Clone(order)
		if s.count > 1 {
			rng.Shuffle(len(roundOrder), func(i, j int) { roundOrder[i], roundOrder[j] = roundOrder[j], roundOrder[i] })
			fmt.Fprintf(stdout, "round %d of %d\n", round, s.count)
		}
		for _, st := range roundOrder {
			progress.step(fmt.Sprintf("mode=%s conc=%d", st.mode, st.c))
			res, err := meshperf.RunContext(ctx, cluster.Target(st.mode), s.loadOpts(st.c, round)...)
			if res = s.printStep(st, res, stdout, stderr); res != nil {
				runs[st] = append(runs[st], res)
				doc.Steps = doc.Steps[:0]
				for _, o := range order {
					doc.Steps = append(doc.Steps, runs[o]...)
				}
				doc.Overhead = sweepOverhead(order, runs, stats.DefaultConfidence)
				if werr := s.out.step(doc); werr != nil {
					return werr
				}
			}
			if err != nil && s.count > 1 {
				return fmt.Errorf("step mode=%s conc=%d, round %d of %d: %w", st.mode, st.c, round, s.count, err)
			}
			if err != nil {
				return fmt.Errorf("step mode=%s conc=%d: %w", st.mode, st.c, err)
			}
		}
	}
	return nil
}

// printStep prints a step's row and returns the result the document
// keeps: an interrupted step's only with -partial.
func (s *sweepCmd) printStep(st sweepStep, res *meshperf.Result, stdout, stderr io.Writer) *meshperf.Result {
	if res == nil {
		return nil
	}
	printStep(stdout, st.mode, st.c, res)
	if !res.Interrupted {
		return res
	}
	fmt.Fprintf(stdout, "INTERRUPTED: step mode=%s conc=%d stopped after %v of its window (%d in flight, %d unsent)\n",
		st.mode, st.c, res.End.Sub(res.Start).Round(time.Millisecond), res.InFlight, res.Unsent)
	if s.partial {
		return res
	}
	if s.jsonPath != "" {
		fmt.Fprintf(stderr, "meshperf sweep: interrupted: -json %s holds the completed steps only (add -partial to write the partial step)\n", s.jsonPath)
	}
	return nil
}

func printStep(w io.Writer, mode fixtures.Mode, c int, r *meshperf.Result) {
	res := func(name string) (string, string) {
		x, ok := r.Resources[name]
		if !ok {
			return "-", "-"
		}
		return fmt.Sprintf("%.0fm", x.CPUMean.Millicores()), x.WorkingSetMax.String()
	}
	ccpu, cmem := res(fixtures.ClientSidecar)
	scpu, smem := res(fixtures.ServerSidecar)
	l := r.Latency
	fmt.Fprintf(w, "%-12s %5d %9.1f %9s %9s %9s %9s %11s %11s %11s %11s %6d%s\n", mode, c, r.ActualQPS,
		l.Format(l.P50), l.Format(l.P90), l.Format(l.P99), l.Format(l.P999),
		ccpu, scpu, cmem, smem, r.Failures(), overflowNote(r))
}

// progress reports where a sweep is, on stderr, when asked to or when
// stderr is a terminal.
type progress struct {
	w       io.Writer // nil: quiet
	n, i    int
	perStep time.Duration
	start   time.Time
}

func newProgress(w io.Writer, verbose bool, steps int, perStep time.Duration) *progress {
	if !verbose && !isTerminal(w) {
		w = nil
	}
	return &progress{w: w, n: steps, perStep: perStep, start: time.Now()}
}

func (p *progress) step(name string) {
	p.i++
	if p.w == nil {
		return
	}
	left := time.Duration(p.n-p.i+1) * p.perStep
	if p.i > 1 { // measured pace beats the plan: it includes set-up
		left = time.Since(p.start) / time.Duration(p.i-1) * time.Duration(p.n-p.i+1)
	}
	fmt.Fprintf(p.w, "step %d of %d: %s (about %v left)\n", p.i, p.n, name, left.Round(time.Second))
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

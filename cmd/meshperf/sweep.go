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
	"github.com/meshperf/meshperf/fixtures/local"
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

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlagSet("sweep", stderr, "[flags]")
	lf := addLocalFlags(fs)
	modes := fs.String("mode", "baseline,both", "comma-separated modes: baseline, client-only, server-only, both")
	concs := fs.String("c", "2,4,8,16,32,64", "comma-separated concurrency steps")
	qps := fs.Float64("qps", meshperf.DefaultQPS, "requests per second at every step; 0 = closed loop")
	dur := fs.Duration("t", 10*time.Second, "measured window of each step")
	warmup := fs.Duration("warmup", 2*time.Second, "discarded warm-up of each step")
	jsonOut := fs.String("json", "", "write every step as one JSON document to this file, rewritten after each step")
	partial := fs.Bool("partial", false, "when interrupted (SIGINT, SIGTERM), also write the interrupted step's partial result, marked \"interrupted\": true, to -json; without it -json keeps the completed steps only")
	count := fs.Int("count", 1, "run every step this many times, in rounds; each round runs every step once, in an order shuffled by -seed")
	seed := fs.Uint64("seed", 0, "seed of the shuffle of each round's order (with -count > 1); 0 = from the clock, printed and stored in the JSON")
	verbose := fs.Bool("v", false, "show progress (step i of n, ETA) on stderr; on by default when stderr is a terminal")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("unexpected arguments %q: sweep takes only flags", fs.Args())
	}
	if *count < 1 {
		return usagef("-count %d: use 1 or more runs of each step", *count)
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	opts, err := lf.options()
	if err != nil {
		return err
	}
	modeList, err := fixtures.ParseModes(*modes)
	if err != nil {
		return usagef("-mode %v", err)
	}
	steps, err := meshperf.ParseConcurrencies(*concs)
	if err != nil {
		return usagef("-c %q: %v", *concs, err)
	}
	// Check the load options once, before any pod exists.
	loadOpts := func(c int) []meshperf.Option {
		return []meshperf.Option{meshperf.QPS(*qps), meshperf.Concurrency(c), meshperf.Duration(*dur), meshperf.Warmup(*warmup)}
	}
	if _, err := meshperf.NewPlan(loadOpts(steps[0])...); err != nil {
		return asUsage(err)
	}
	target, err := checkJSONOutput("-json", *jsonOut)
	if err != nil {
		return err
	}
	out := &stepOutput{flag: "-json", t: target}
	defer func() { err = errors.Join(err, out.finish()) }()
	cluster, err := startLocal(ctx, opts)
	if cluster != nil { // New returns what it made even when it fails
		defer cluster.Close()
	}
	if err != nil {
		return err
	}
	doc := sweepDoc{SMPVersion: meshperf.SMPVersion, Tool: "meshperf sweep", Environment: cluster.Environment(), Config: map[string]string{
		"sidecar": *lf.sidecar, "modes": *modes, "concurrency": *concs, "qps": strconv.FormatFloat(*qps, 'g', -1, 64),
		"duration": dur.String(), "warmup": warmup.String(), "cpu_limit": lf.cpu.String(), "mem_limit": lf.mem.String(),
		"mtls": strconv.FormatBool(*lf.mtls), "intercept": *lf.intercept, "count": strconv.Itoa(*count)}}
	fmt.Fprintf(stdout, "meshperf sweep: sidecar %s, mTLS %v, %s\n", *lf.sidecar, *lf.mtls, doc.Environment["isolation"])
	if *count > 1 {
		doc.Config["seed"] = strconv.FormatUint(*seed, 10)
		fmt.Fprintf(stdout, "%d rounds, each in its own shuffled order: -seed %d\n", *count, *seed)
	}
	fmt.Fprintf(stdout, "%-12s %5s %9s %9s %9s %9s %9s %11s %11s %11s %11s %6s\n", "mode", "conc", "req/s", "p50", "p90", "p99",
		"p99.9", "client-cpu", "server-cpu", "client-mem", "server-mem", "errors")
	progress := newProgress(stderr, *verbose, len(modeList)*len(steps)*(*count), *dur+*warmup)
	var order []sweepStep
	for _, mode := range modeList {
		for _, c := range steps {
			order = append(order, sweepStep{mode, c})
		}
	}
	runs := map[sweepStep][]*meshperf.Result{}
	rng := rand.New(rand.NewPCG(*seed, 0))
	for round := 1; round <= *count; round++ {
		roundOrder := slices.Clone(order)
		runOpts := loadOpts
		if *count > 1 {
			rng.Shuffle(len(roundOrder), func(i, j int) { roundOrder[i], roundOrder[j] = roundOrder[j], roundOrder[i] })
			fmt.Fprintf(stdout, "round %d of %d\n", round, *count)
			runOpts = func(c int) []meshperf.Option {
				return append(loadOpts(c), meshperf.Label("round", strconv.Itoa(round)))
			}
		}
		for _, st := range roundOrder {
			mode, c := st.mode, st.c
			progress.step(fmt.Sprintf("mode=%s conc=%d", mode, c))
			res, err := meshperf.RunContext(ctx, cluster.Target(mode), runOpts(c)...)
			if res != nil && res.Interrupted {
				printStep(stdout, mode, c, res)
				fmt.Fprintf(stdout, "INTERRUPTED: step mode=%s conc=%d stopped after %v of its window (%d in flight, %d unsent)\n",
					mode, c, res.End.Sub(res.Start).Round(time.Millisecond), res.InFlight, res.Unsent)
				if !*partial {
					if *jsonOut != "" {
						fmt.Fprintf(stderr, "meshperf sweep: interrupted: -json %s holds the completed steps only (add -partial to write the partial step)\n", *jsonOut)
					}
					res = nil
				}
			} else if res != nil {
				printStep(stdout, mode, c, res)
			}
			if res != nil {
				runs[st] = append(runs[st], res)
				doc.Steps = doc.Steps[:0]
				for _, o := range order {
					doc.Steps = append(doc.Steps, runs[o]...)
				}
				doc.Overhead = sweepOverhead(order, runs, stats.DefaultConfidence)
				if werr := out.step(doc); werr != nil {
					return werr
				}
			}
			if err != nil {
				if *count > 1 {
					return fmt.Errorf("step mode=%s conc=%d, round %d of %d: %w", mode, c, round, *count, err)
				}
				return fmt.Errorf("step mode=%s conc=%d: %w", mode, c, err)
			}
		}
	}
	if *count > 1 {
		printOverhead(stdout, doc.Overhead)
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

func runReap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reap", stderr, "[-kube]")
	withKube := fs.Bool("kube", false, "also delete the namespaces (and, on the local cluster, the images) of orphaned kube-fixture runs in the cluster KUBECONFIG names")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("unexpected arguments %q: reap takes no arguments", fs.Args())
	}
	removed, err := local.Reap(ctx)
	removed, err = reapDocker(ctx, removed, err, stderr)
	if *withKube {
		removed, err = reapKube(ctx, removed, err, stderr)
	}
	for _, r := range removed {
		fmt.Fprintln(stdout, "removed", r)
	}
	if len(removed) == 0 && err == nil {
		fmt.Fprintln(stdout, "nothing to remove")
	}
	return err
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

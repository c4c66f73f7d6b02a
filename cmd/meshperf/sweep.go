package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/fixtures/local"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// sweepDoc is the JSON document a sweep writes: every step in the
// `meshperf load -json` format, which already carries mode, concurrency and
// resources.
type sweepDoc struct {
	SMPVersion  string             `json:"smp_version"`
	Tool        string             `json:"tool"`
	Config      map[string]string  `json:"config"`
	Environment map[string]string  `json:"environment,omitempty"`
	Steps       []*meshperf.Result `json:"steps"`
}

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sweep", stderr, "[flags]")
	sidecar := fs.String("sidecar", string(local.DefaultSidecar), "sidecar: builtin, haproxy, nginx, envoy or pipy")
	modes := fs.String("mode", "baseline,both", "comma-separated modes: baseline, client-only, server-only, both")
	concs := fs.String("c", "2,4,8,16,32,64", "comma-separated concurrency steps")
	qps := fs.Float64("qps", meshperf.DefaultQPS, "requests per second at every step; 0 = closed loop")
	dur := fs.Duration("t", 10*time.Second, "measured window of each step")
	warmup := fs.Duration("warmup", 2*time.Second, "discarded warm-up of each step")
	cpuLimit := fs.String("cpu-limit", "1", "each sidecar's CPU limit in cores or millicores (500m); 0 = none")
	memLimit := fs.String("mem-limit", "512Mi", "each sidecar's memory limit (512Mi); 0 = none")
	mtls := fs.Bool("mtls", true, "mutual TLS between the sidecars")
	intercept := fs.String("intercept", string(local.Ports), "how traffic reaches the sidecars: ports (explicit) or iptables (REDIRECT, as istio-init)")
	loopback := fs.Bool("loopback", false, "run on 127.0.0.1 without namespaces or cgroups, even as root")
	jsonOut := fs.String("json", "", "write every step as one JSON document to this file, rewritten after each step")
	verbose := fs.Bool("v", false, "show progress (step i of n, ETA) on stderr; on by default when stderr is a terminal")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("unexpected arguments %q: sweep takes only flags", fs.Args())
	}
	switch local.SidecarKind(*sidecar) {
	case local.Builtin, local.HAProxy, local.Nginx, local.Envoy, local.Pipy:
	default:
		return usagef("-sidecar %q: use builtin, haproxy, nginx, envoy or pipy", *sidecar)
	}
	switch local.Interception(*intercept) {
	case local.Ports, local.IPTables:
	default:
		return usagef("-intercept %q: use ports or iptables", *intercept)
	}
	modeList, err := fixtures.ParseModes(*modes)
	if err != nil {
		return usagef("-mode %v", err)
	}
	steps, err := meshperf.ParseConcurrencies(*concs)
	if err != nil {
		return usagef("-c %q: %v", *concs, err)
	}
	cpu, err := meshperf.ParseCPU(*cpuLimit)
	if err != nil {
		return usagef("-cpu-limit %v", err)
	}
	mem, err := meshperf.ParseBytes(*memLimit)
	if err != nil {
		return usagef("-mem-limit %v", err)
	}
	// The pods run this binary, unless MESHPERF_BIN names another (as
	// tests do: their own executable is the test binary).
	self := os.Getenv("MESHPERF_BIN")
	if self == "" {
		if self, err = os.Executable(); err != nil {
			return err
		}
	}
	opts := []local.Option{local.Sidecar(local.SidecarKind(*sidecar)), local.MTLS(*mtls), local.Limits(cpu, mem),
		local.Binary(self), local.Intercept(local.Interception(*intercept))}
	if *loopback {
		opts = append(opts, local.Loopback())
	}
	// Check the load options once, before any pod exists.
	loadOpts := func(c int) []meshperf.Option {
		return []meshperf.Option{meshperf.QPS(*qps), meshperf.Concurrency(c), meshperf.Duration(*dur), meshperf.Warmup(*warmup)}
	}
	if _, err := meshperf.NewPlan(loadOpts(steps[0])...); err != nil {
		return asUsage(err)
	}
	cluster, err := local.New(ctx, opts...)
	if cluster != nil { // New returns what it made even when it fails
		defer cluster.Close()
	}
	if err != nil {
		var bad *local.InvalidError
		if errors.As(err, &bad) {
			return usagef("%v", err)
		}
		return err
	}
	doc := sweepDoc{SMPVersion: meshperf.SMPVersion, Tool: "meshperf sweep", Environment: cluster.Environment(), Config: map[string]string{
		"sidecar": *sidecar, "modes": *modes, "concurrency": *concs, "qps": strconv.FormatFloat(*qps, 'g', -1, 64),
		"duration": dur.String(), "warmup": warmup.String(), "cpu_limit": cpu.String(), "mem_limit": mem.String(),
		"mtls": strconv.FormatBool(*mtls), "intercept": *intercept}}
	fmt.Fprintf(stdout, "meshperf sweep: sidecar %s, mTLS %v, %s\n", *sidecar, *mtls, doc.Environment["isolation"])
	fmt.Fprintf(stdout, "%-12s %5s %9s %9s %9s %9s %9s %11s %11s %11s %11s %6s\n", "mode", "conc", "req/s", "p50", "p90", "p99",
		"p99.9", "client-cpu", "server-cpu", "client-mem", "server-mem", "errors")
	progress := newProgress(stderr, *verbose, len(modeList)*len(steps), *dur+*warmup)
	for _, mode := range modeList {
		for _, c := range steps {
			progress.step(fmt.Sprintf("mode=%s conc=%d", mode, c))
			res, err := meshperf.RunContext(ctx, cluster.Target(mode), loadOpts(c)...)
			if res != nil {
				doc.Steps = append(doc.Steps, res)
				printStep(stdout, mode, c, res)
				if *jsonOut != "" {
					if werr := writeJSONAtomic(*jsonOut, doc); werr != nil {
						return werr
					}
				}
			}
			if err != nil {
				return fmt.Errorf("step mode=%s conc=%d: %w", mode, c, err)
			}
		}
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
	fmt.Fprintf(w, "%-12s %5d %9.1f %9s %9s %9s %9s %11s %11s %11s %11s %6d\n", mode, c, r.ActualQPS,
		latency.Format(l.P50), latency.Format(l.P90), latency.Format(l.P99), latency.Format(l.P999),
		ccpu, scpu, cmem, smem, r.Failures())
}

func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

func runReap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reap", stderr, "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("unexpected arguments %q: reap takes no arguments", fs.Args())
	}
	removed, err := local.Reap(ctx)
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

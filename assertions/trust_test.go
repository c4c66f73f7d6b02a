package assertions_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/fixtures/echo"
	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/stats"
)

// The gate's own trustworthiness, measured: how often Overhead.EvaluateRuns
// fails when nothing changed (A/A: false alarms) and how often it fails
// when a known regression was injected (A/B: power). The app is the echo
// server on loopback; the regression is its delay= query parameter with
// Spin, so the added service time is exact:
//
//   - p50 gate: Overhead{P50: 50µs}; the A/B side adds 100µs to every request.
//   - p99 gate: Overhead{P99: Percent(10)}; the A/B side adds 20% of the
//     median p99 of calibration runs to every request, so its p99 rises 20%.
//
// Each trial runs rounds; a round runs A, A′ (the same as A), B-p50 and
// B-p99 once each, in an order shuffled by a fixed seed, so that drift on
// the machine lands on all four alike. The gate is judged on the first n
// runs of each side for every n from 4 to the runs per side, which gives
// the curve of false alarms and power against runs per side from one set of
// runs.
//
// By default (and under go test without the variables) it runs one short
// trial as a smoke test. The measurement the README quotes:
//
//	MESHPERF_GATE_TRIALS=20 go test -count=1 -run TestGateTrust -v -timeout 60m ./assertions
//
// MESHPERF_GATE_RUNS (runs per side, default 8) and MESHPERF_GATE_STEP (the
// measured window of each run, default 500ms; warm-up 100ms) tune it.
func TestGateTrust(t *testing.T) {
	testenv.Long(t, "runs load against an echo server")
	trials, runs, step, warmup := 1, 4, 200*time.Millisecond, 50*time.Millisecond
	full := os.Getenv("MESHPERF_GATE_TRIALS") != ""
	if full {
		trials, runs, step, warmup = envInt(t, "MESHPERF_GATE_TRIALS", 20), envInt(t, "MESHPERF_GATE_RUNS", 8),
			envDuration(t, "MESHPERF_GATE_STEP", 500*time.Millisecond), 100*time.Millisecond
	}
	if runs < 4 {
		t.Fatalf("MESHPERF_GATE_RUNS=%d: use 4 or more (no 95%% interval exists with fewer)", runs)
	}
	srv, err := echo.New(echo.Config{Spin: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ctx := t.Context()
	const qps, conc = 500, 4
	run := func(delay time.Duration) *meshperf.Result {
		t.Helper()
		res, err := meshperf.RunContext(ctx, meshperf.URL(srv.URL()+"/?delay="+delay.String()), meshperf.QPS(qps),
			meshperf.Concurrency(conc), meshperf.Duration(step), meshperf.Warmup(warmup))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	start := time.Now()
	var load time.Duration
	// Calibrate the p99 regression: 20% of the median p99 of A.
	var p99s []float64
	for range 3 {
		p99s = append(p99s, float64(run(0).Latency.P99))
		load += step + warmup
	}
	slices.Sort(p99s)
	d99 := (time.Duration(p99s[1]) / 5).Round(time.Microsecond)
	t.Logf("calibration: A's median p99 %v; the p99 regression adds %v (+20%%)", time.Duration(p99s[1]).Round(time.Microsecond), d99)

	const p50Added = 100 * time.Microsecond
	gates := []struct {
		name     string
		overhead assertions.Overhead
		a, b     int // indexes of the sides among A, A′, B-p50, B-p99
	}{
		{"A/A p50 (gate +50µs)", assertions.Overhead{P50: 50 * time.Microsecond}, 0, 1},
		{"A/B p50 +100µs (gate +50µs)", assertions.Overhead{P50: 50 * time.Microsecond}, 0, 2},
		{"A/A p99 (gate +10%)", assertions.Overhead{P99: assertions.Percent(10)}, 0, 1},
		{"A/B p99 +20% (gate +10%)", assertions.Overhead{P99: assertions.Percent(10)}, 0, 3},
	}
	delays := []time.Duration{0, 0, p50Added, d99}
	// outcome[g][n] counts, over trials, the verdicts with n runs a side.
	type tally struct{ fail, breach, health int }
	outcome := make([][]tally, len(gates))
	for g := range outcome {
		outcome[g] = make([]tally, runs+1)
	}
	rng := rand.New(rand.NewPCG(16, 2026))
	var shifts []float64 // p50 estimates of B-p50 over A, all runs, per trial
	for trial := range trials {
		sides := make([][]*meshperf.Result, len(delays))
		for range runs {
			order := rng.Perm(len(delays))
			for _, i := range order {
				sides[i] = append(sides[i], run(delays[i]))
				load += step + warmup
			}
		}
		for g, gate := range gates {
			for n := 4; n <= runs; n++ {
				err := gate.overhead.EvaluateRuns(sides[gate.a][:n], sides[gate.b][:n])
				tl := &outcome[g][n]
				if err == nil {
					continue
				}
				tl.fail++
				var vs assertions.Violations
				if !errors.As(err, &vs) {
					t.Fatal(err)
				}
				breach, health := false, false
				for _, v := range vs {
					iv, ok := v.Got.(assertions.Interval)
					switch {
					case ok && iv.Verdict == stats.Breach:
						breach = true
					case !ok:
						health = true
					}
				}
				if breach {
					tl.breach++
				}
				if health {
					tl.health++
					if tl.health == 1 {
						t.Logf("%s, %d runs a side, fails closed: %v", gate.name, n, err)
					}
				}
			}
		}
		a, b := p50s(sides[0]), p50s(sides[2])
		s, err := stats.HodgesLehmann(a, b, 0)
		if err != nil {
			t.Fatal(err)
		}
		shifts = append(shifts, s.Estimate)
		t.Logf("trial %d of %d: B-p50 over A: %+v [%v, %v]", trial+1, trials, time.Duration(s.Estimate), time.Duration(s.Lo), time.Duration(s.Hi))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d trials; %d req/s, %d connections, %v steps after %v warm-up; %v of load in %v\n",
		trials, qps, conc, step, warmup, load.Round(time.Second), time.Since(start).Round(time.Second))
	// fails: the gate failed (inconclusive fails, as by default); breach:
	// an interval lay wholly above the ceiling (what fails with
	// AllowInconclusive); fail closed: a run on either side failed its
	// health checks (unsent slots, errors, overflow), which fails whatever
	// the interval says.
	fmt.Fprintf(&b, "%-30s %9s %13s %16s %16s %16s\n", "gate", "runs/side", "load/compare", "fails (default)", "breach", "fail closed")
	for g, gate := range gates {
		for n := 4; n <= runs; n++ {
			tl := outcome[g][n]
			pct := func(k int) string { return fmt.Sprintf("%d/%d %3.0f%%", k, trials, 100*float64(k)/float64(trials)) }
			fmt.Fprintf(&b, "%-30s %9d %13v %16s %16s %16s\n", gate.name, n, time.Duration(2*n)*(step+warmup), pct(tl.fail), pct(tl.breach), pct(tl.health))
		}
	}
	t.Log("\n" + b.String())
	if !full {
		// The smoke run asserts only what no machine load can undo: the
		// injected delay makes B slower than A.
		if shifts[0] <= 0 {
			t.Errorf("B-p50 (+%v per request) measured %v over A: the injected delay was not seen", p50Added, time.Duration(shifts[0]))
		}
	}
}

func p50s(rs []*meshperf.Result) []float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = float64(r.Latency.P50)
	}
	return v
}

func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		tb.Fatalf("%s=%q: use a whole number ≥ 1", name, s)
	}
	return n
}

func envDuration(tb testing.TB, name string, def time.Duration) time.Duration {
	tb.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		tb.Fatalf("%s=%q: use a positive duration such as 500ms", name, s)
	}
	return d
}

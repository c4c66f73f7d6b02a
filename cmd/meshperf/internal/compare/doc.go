// Package compare owns `meshperf compare`: it reads results files, matches
// their steps, measures per-step deltas with benchstat's statistics, and
// checks -fail-on thresholds.
//
// The pipeline is ReadFile → Compare → Report.WriteTable and Report.Check.
//
// A step is identified by its Key: the "mode" and "sidecar" labels, the
// concurrency and the requested rate. Every run of a step on one side forms
// a sample. The center of a sample is its median (as benchstat's
// benchmath.AssumeNothing); the change is tested with a Mann-Whitney U test
// at DefaultAlpha. With one run on either side the test cannot run and
// significance is reported as unknown.
//
// The gate (Report.Check) judges repeated runs by the Hodges–Lehmann shift
// and its Mann–Whitney interval from package meshperf/stats, the same
// statistics as assertions.Overhead.EvaluateRuns and the sweep's overhead:
// breach, within or inconclusive. The table keeps benchstat's U test and
// p-value, so that it reads as benchstat does.
//
// Units: latencies are nanoseconds, rates requests per second, error rates
// fractions in [0, 1] (printed in percent, deltas in percentage points),
// CPU millicores and memory bytes (working-set maximum).
package compare

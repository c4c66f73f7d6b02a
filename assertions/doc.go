// Package assertions owns budgets over a meshperf Result: ceilings on
// latency percentiles, error rate and sidecar CPU and memory (Budget), and
// ceilings on what the mesh adds over a baseline (Overhead).
//
// Each check has three forms:
//   - Evaluate returns nil or an error. Budget failures are a Violations
//     error holding one *Violation per broken limit (metric, limit, measured
//     value, sample count and step), so non-test code such as a CLI gate can
//     use them; an invalid Budget or Overhead is a plain error naming the bad
//     field.
//   - Check reports every violation through testify's assert.Fail, so a
//     budget failure reads like any other testify failure, and the test
//     continues.
//   - Require reports the same way, then stops the test with FailNow.
//
// Check and Require take testify's narrow assert.TestingT and
// require.TestingT, so *testing.T, *testing.B and fakes all fit.
//
// Overhead also judges repeated runs a side (EvaluateRuns, CheckRuns,
// RequireRuns) by the 95% interval of the overhead from package
// meshperf/stats: breach fails, within passes, inconclusive fails unless
// AllowInconclusive, with a message that says about how many runs a side
// would likely decide.
//
// A run that answered no request never passes, and neither does one whose
// error rate exceeds MaxErrorRate, which defaults to DefaultMaxErrorRate
// (1%) when left at zero.
//
// ParseBudget reads the k6-style text form used by the CLI and config files,
// e.g. "p99<5ms,err<0.1%,sidecar_cpu<500m,overhead_p99<20%"; Thresholds.String
// writes it back.
//
// It is the last stage of meshperf's pipeline: it receives Results and never
// calls back into the load engine or the fixtures.
package assertions

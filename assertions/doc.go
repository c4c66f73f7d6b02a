// Package assertions owns budgets over a meshperf Result: ceilings on
// latency percentiles, error rate, and sidecar CPU and memory, checked in a
// test and reported through testify so that a budget failure reads like any
// other failure in the user's suite.
//
// It is the last stage of meshperf's pipeline: it receives Results and never
// calls back into the load engine or the fixtures. The budgets themselves
// land with the assertions-and-reports work; until then, compare
// Result.Latency fields directly.
package assertions

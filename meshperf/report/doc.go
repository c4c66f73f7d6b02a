// Package report draws results as one self-contained HTML page: inline CSS
// and inline SVG charts drawn here, no JavaScript, no external resources.
// `meshperf report` is built on it, and a benchmark can call it directly
// with the results it holds.
//
// The pipeline is Build → Page.WriteHTML. Build groups steps into series (one
// per "mode" label, split by "sidecar" when the results hold several) and
// draws:
//
//   - latency percentiles (p50, p90, p99, p99.9) against concurrency, one
//     small chart per percentile, in µs or ms;
//   - client- and server-sidecar CPU (mean, millicores) and memory (working
//     set maximum, MiB) against concurrency, for the series that have them;
//   - an overhead table, "both" minus "baseline" per concurrency, when both
//     modes are present;
//   - each source's environment and config.
//
// The x axis spaces concurrency by log2 when every step has concurrency of
// at least 1. Several runs of one step (same series and concurrency) are
// reduced to their median.
//
// Every data point is an SVG <circle class="pt"> carrying data-series, data-x
// (concurrency) and data-y (the value in the chart's data-unit), so that
// tests and scripts can read the page back. All text goes through
// html/template and is escaped.
package report

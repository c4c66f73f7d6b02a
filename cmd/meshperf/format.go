package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

func statusLine(r *meshperf.Result) string {
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(r.StatusCodes)) {
		parts = append(parts, fmt.Sprintf("%d: %d", code, r.StatusCodes[code]))
	}
	for _, k := range slices.Sorted(maps.Keys(r.TransportErrors)) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, r.TransportErrors[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// errorLines returns the summary's "errors" line, then one line per error
// kind with its count and its first message:
//
//	errors    20 (100.000%)  late 0  unsent 0
//	          connect refused: 20, first: dial tcp 127.0.0.1:9: connect: connection refused
//
// A run that measured no request has no error share to print.
func errorLines(r *meshperf.Result) []string {
	share := fmt.Sprintf("%d (%.3f%%)", r.Failures(), 100*r.ErrorRate())
	if r.Requests == 0 {
		share = "none: no request was measured"
	}
	lines := []string{fmt.Sprintf("errors    %s  late %d  unsent %d", share, r.Late, r.Unsent)}
	for _, k := range slices.Sorted(maps.Keys(r.TransportErrors)) {
		line := fmt.Sprintf("          %s: %d", k, r.TransportErrors[k])
		if ex := r.ErrorExample(k); ex != "" {
			line += ", first: " + printable(ex)
		}
		lines = append(lines, line)
	}
	return lines
}

// printable returns s, quoted when it holds characters that a terminal
// would not show as they are (a server's bytes may end up in a message).
func printable(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.Quote(s)
	}
	return s
}

// errorRateError restates a run that failed on -max-error-rate in terms of
// the command line: the flag, its value, whether it was the default, and
// the value that would let the run (or -budget's error clause) decide.
// Other errors are returned as they are.
type errorRateError struct {
	msg string
	err error
}

func (e *errorRateError) Error() string { return e.msg }
func (e *errorRateError) Unwrap() error { return e.err }

func explainErrorRate(err error, maxErr float64, maxErrSet bool, budget assertions.Budget) error {
	var re *meshperf.ErrorRateError
	if !errors.As(err, &re) {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v: %d of %d failed (%.2f%%), above -max-error-rate %g (", re.URL, meshperf.ErrTooManyErrors,
		re.Failures, re.Requests, 100*re.Rate(), maxErr)
	if !maxErrSet {
		b.WriteString("the default, ")
	}
	fmt.Fprintf(&b, "%.2f%%)", 100*maxErr)
	if budget.MaxErrorRate > maxErr && budget.MaxErrorRate != assertions.NoErrors {
		fmt.Fprintf(&b, ", which is checked before -budget; -budget allows %g%%: pass -max-error-rate %g to let -budget decide",
			100*budget.MaxErrorRate, budget.MaxErrorRate)
	} else {
		fmt.Fprintf(&b, "; if that share is expected, raise it, e.g. -max-error-rate %g", re.Suggest())
	}
	b.WriteString(re.Detail)
	return &errorRateError{msg: b.String(), err: err}
}

// overflowNote is "  overflow N" for a table row whose response latencies
// overflowed the histogram (its upper percentiles are then lower bounds), and
// "" otherwise.
func overflowNote(r *meshperf.Result) string {
	if r.Overflow == 0 {
		return ""
	}
	return fmt.Sprintf("  overflow %d", r.Overflow)
}

func writeSummary(w io.Writer, r *meshperf.Result, plan meshperf.Plan) {
	mode := fmt.Sprintf("open loop at %g req/s", r.RequestedQPS)
	if r.RequestedQPS == 0 {
		mode = "closed loop"
	}
	window := plan.Duration.String()
	if plan.Requests > 0 {
		window = fmt.Sprintf("%d requests", plan.Requests)
	}
	fmt.Fprintf(w, "%s  %s, %d connections, %s after %v warm-up, %s\n", r.URL, mode, r.Concurrency, window, plan.Warmup, r.Protocol)
	if r.Interrupted {
		fmt.Fprintf(w, "INTERRUPTED after %v of the window: partial result, %d in flight, %d unsent\n",
			r.End.Sub(r.Start).Round(time.Millisecond), r.InFlight, r.Unsent)
	}
	fmt.Fprintf(w, "requests  %d in %v = %.2f req/s", r.Requests, r.End.Sub(r.Start).Round(time.Millisecond), r.ActualQPS)
	if r.RequestedQPS > 0 {
		fmt.Fprintf(w, " (requested %g)", r.RequestedQPS)
	}
	fmt.Fprintf(w, ", %d warm-up discarded\n", r.WarmupRequests)
	fmt.Fprintf(w, "status    %s\n", statusLine(r))
	for _, line := range errorLines(r) {
		fmt.Fprintln(w, line)
	}
	for _, h := range []struct {
		name string
		h    *latency.Histogram
	}{{"response", r.ResponseHist}, {"service", r.ServiceHist}, {"send lag", r.SendLagHist}} {
		if h.h != nil && h.h.Overflow() > 0 {
			fmt.Fprintf(w, "overflow  %d %s latencies above %v, counted at it: the percentiles they reach are lower bounds\n",
				h.h.Overflow(), h.name, h.h.Highest())
		}
	}
	fmt.Fprintf(w, "%-10s %9s %9s %9s %9s %9s %9s %9s %9s\n", "", "min", "mean", "p50", "p75", "p90", "p99", "p99.9", "max")
	for _, row := range []struct {
		name string
		s    latency.Summary
	}{{"response", r.Latency}, {"service", r.Service}, {"send lag", r.SendLag}} {
		if row.s.Count == 0 {
			if row.name != "send lag" || r.RequestedQPS > 0 { // closed loop has no send lag to report
				fmt.Fprintf(w, "%-10s no samples\n", row.name)
			}
			continue
		}
		fmt.Fprintf(w, "%-10s %9s %9s %9s %9s %9s %9s %9s %9s\n", row.name, latency.Format(row.s.Min), latency.Format(row.s.Mean),
			latency.Format(row.s.P50), latency.Format(row.s.P75), latency.Format(row.s.P90), latency.Format(row.s.P99), latency.Format(row.s.P999), latency.Format(row.s.Max))
	}
}

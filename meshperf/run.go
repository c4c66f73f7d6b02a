package meshperf

import (
	"cmp"
	"context"
	"errors"
	"os"
	"testing"
)

// RunContext builds a Plan from opts and runs it against target. It returns
// an error, and whatever Result was measured, when the plan is invalid, the
// run was interrupted, no request was answered (ErrNoSamples), or the error
// rate exceeds the plan's MaxErrorRate (ErrTooManyErrors).
//
// With Out, or $MESHPERF_OUT, every Result that exists, including a failed
// run's, is appended to that results file before RunContext returns; a
// path AppendResult cannot append to is an *InvalidError before the run.
func RunContext(ctx context.Context, target Target, opts ...Option) (*Result, error) {
	c, err := newConfig(opts...)
	if err != nil {
		return nil, err
	}
	if target == nil {
		return nil, invalid("target", nil, "pass a Target such as meshperf.URL(\"http://127.0.0.1:8080/\")")
	}
	out := cmp.Or(c.out, os.Getenv(OutEnv))
	if out != "" {
		if err := CheckOut(out); err != nil {
			return nil, err // before the run, not after it
		}
	}
	res, err := target.Load(ctx, c.plan)
	if res == nil && err == nil {
		return nil, invalid("target", target, "the Target returned neither a result nor an error")
	}
	if err == nil {
		err = res.check(c.plan.MaxErrorRate)
	}
	if out != "" && res != nil {
		err = errors.Join(err, AppendResult(out, res))
	}
	return res, err
}

// Run is the test helper form of RunContext. It stops the test with
// tb.Fatal when the run fails, and when tb is a *testing.B it reports the
// Result's metrics (see Report). Each call is one measured run: run
// benchmarks with -benchtime 1x and repeat them with -count.
func Run(tb testing.TB, target Target, opts ...Option) *Result {
	tb.Helper()
	opts = append(opts, Label("benchmark", tb.Name()))
	res, err := RunContext(tb.Context(), target, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	if b, ok := tb.(*testing.B); ok {
		Report(b, res)
	}
	return res
}

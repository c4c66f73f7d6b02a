package assertions

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
)

func TestBudgetEvaluate(t *testing.T) {
	tests := []struct {
		name   string
		budget Budget
		res    *meshperf.Result
		want   []string // metrics of the violations, in order; nil: passes
	}{
		{name: "zero budget passes a healthy run", budget: Budget{}, res: result()},
		{name: "within every limit", res: result(), budget: Budget{
			P50: time.Millisecond, P90: time.Millisecond, P99: time.Millisecond, P999: 5 * time.Millisecond, Max: 5 * time.Millisecond,
			MaxErrorRate: 0.001, MinQPSRatio: 0.99, SidecarCPU: 500 * meshperf.Millicore, SidecarMemory: 128 * meshperf.MiB,
			ClientSidecarCPU: 100 * meshperf.Millicore, TotalSidecarCPU: 200 * meshperf.Millicore,
			TotalSidecarMemory: 40 * meshperf.MiB, AppCPU: meshperf.Core,
		}},
		{name: "ceilings are inclusive", res: result(), budget: Budget{P99: 400 * time.Microsecond, SidecarCPU: 100 * meshperf.Millicore}},
		{name: "each latency ceiling", res: result(), budget: Budget{P50: 100 * time.Microsecond, P90: 100 * time.Microsecond,
			P99: 100 * time.Microsecond, P999: 100 * time.Microsecond, Max: 100 * time.Microsecond},
			want: []string{"p50", "p90", "p99", "p999", "max"}},
		{name: "zero samples always fail", budget: Budget{}, res: result(func(r *meshperf.Result) {
			r.Latency.Count = 0
		}), want: []string{"samples"}},
		{name: "zero samples skip latency ceilings", budget: Budget{P99: time.Nanosecond}, res: result(func(r *meshperf.Result) {
			r.Latency.Count = 0
		}), want: []string{"samples"}},
		{name: "no requests fail twice", res: result(func(r *meshperf.Result) {
			r.Requests, r.StatusCodes, r.Latency.Count = 0, nil, 0
		}), want: []string{"samples", "err"}},
		{name: "default error ceiling is 1%", res: result(func(r *meshperf.Result) {
			r.StatusCodes = map[int]int64{200: 989, 503: 11}
		}), want: []string{"err"}},
		{name: "1% errors pass by default", res: result(func(r *meshperf.Result) {
			r.StatusCodes = map[int]int64{200: 990, 503: 10}
		})},
		{name: "explicit error ceiling", budget: Budget{MaxErrorRate: 0.05}, res: result(func(r *meshperf.Result) {
			r.StatusCodes = map[int]int64{200: 960, 503: 40}
		})},
		{name: "NoErrors fails one failure", budget: Budget{MaxErrorRate: NoErrors}, res: result(func(r *meshperf.Result) {
			r.StatusCodes = map[int]int64{200: 999}
			r.TransportErrors = map[string]int64{"reset": 1}
		}), want: []string{"err"}},
		{name: "qps ratio floor", budget: Budget{MinQPSRatio: 0.99}, res: result(func(r *meshperf.Result) {
			r.ActualQPS = 950
		}), want: []string{"qps_ratio"}},
		{name: "closed loop skips qps ratio", budget: Budget{MinQPSRatio: 0.99}, res: result(func(r *meshperf.Result) {
			r.RequestedQPS, r.ActualQPS = 0, 50000
		})},
		{name: "each sidecar and the total", res: result(), budget: Budget{
			SidecarCPU: 50 * meshperf.Millicore, SidecarMemory: 16 * meshperf.MiB,
			TotalSidecarCPU: 150 * meshperf.Millicore, TotalSidecarMemory: 32 * meshperf.MiB,
		}, want: []string{"sidecar_cpu", "sidecar_mem", "sidecar_cpu", "sidecar_mem", "total_sidecar_cpu", "total_sidecar_mem"}},
		{name: "named sidecars", res: result(), budget: Budget{
			ClientSidecarCPU: 50 * meshperf.Millicore, ServerSidecarMemory: 16 * meshperf.MiB,
			ClientSidecarMemory: 64 * meshperf.MiB, ServerSidecarCPU: 500 * meshperf.Millicore,
		}, want: []string{"client_sidecar_cpu", "server_sidecar_mem"}},
		{name: "baseline step has no sidecars to check", budget: Budget{SidecarCPU: 10 * meshperf.Millicore}, res: baseline()},
		{name: "meshed step without sidecar readings fails", budget: Budget{SidecarCPU: 10 * meshperf.Millicore}, res: result(func(r *meshperf.Result) {
			r.Resources = nil
		}), want: []string{"client_sidecar_cpu", "server_sidecar_cpu"}},
		{name: "missing sidecar with memory ceilings only", budget: Budget{TotalSidecarMemory: meshperf.GiB}, res: result(func(r *meshperf.Result) {
			delete(r.Resources, meshperf.ServerSidecar)
		}), want: []string{"server_sidecar_mem"}},
		{name: "client-only step needs the client sidecar only", budget: Budget{SidecarMemory: meshperf.GiB}, res: result(func(r *meshperf.Result) {
			r.Labels["mode"] = "client-only"
			delete(r.Resources, meshperf.ServerSidecar)
		})},
		{name: "unsent over the default ceiling fails", budget: Budget{P99: time.Minute}, res: result(func(r *meshperf.Result) {
			// meshperf load -qps 100 -c 1 against a 50 ms server: 59 sent, 241 unsent.
			r.Requests, r.Unsent, r.Late, r.StatusCodes, r.Latency.Count = 59, 241, 58, map[int]int64{200: 59}, 59
		}), want: []string{"unsent"}},
		{name: "unsent at the default ceiling passes", res: result(func(r *meshperf.Result) {
			r.Requests, r.Unsent = 9990, 10 // 0.1% of 10000 planned slots
			r.StatusCodes, r.Latency.Count = map[int]int64{200: 9990}, 9990
		})},
		{name: "unsent just over the default ceiling fails", res: result(func(r *meshperf.Result) {
			r.Requests, r.Unsent = 9989, 11
			r.StatusCodes, r.Latency.Count = map[int]int64{200: 9989}, 9989
		}), want: []string{"unsent"}},
		{name: "explicit unsent ceiling", budget: Budget{MaxUnsent: 0.05}, res: result(func(r *meshperf.Result) {
			r.Requests, r.Unsent = 960, 40
		})},
		{name: "NoUnsent fails one unsent slot", budget: Budget{MaxUnsent: NoUnsent}, res: result(func(r *meshperf.Result) {
			r.Unsent = 1
		}), want: []string{"unsent"}},
		{name: "AnyUnsent sets no ceiling", budget: Budget{MaxUnsent: AnyUnsent}, res: result(func(r *meshperf.Result) {
			r.Requests, r.Unsent, r.StatusCodes, r.Latency.Count = 59, 241, map[int]int64{200: 59}, 59
		})},
		{name: "closed loop has no unsent", res: result(func(r *meshperf.Result) {
			r.RequestedQPS, r.ActualQPS = 0, 50000
		})},
		{name: "overflow fails", budget: Budget{P99: time.Minute}, res: result(func(r *meshperf.Result) {
			r.Overflow = 3
		}), want: []string{"overflow"}},
		{name: "overflow fails a budget without limits", res: result(func(r *meshperf.Result) {
			r.Overflow = 1
		}), want: []string{"overflow"}},
		{name: "app cpu", budget: Budget{AppCPU: 250 * meshperf.Millicore}, res: result(), want: []string{"app_cpu"}},
		{name: "app cpu not measured", budget: Budget{AppCPU: meshperf.Core}, res: result(func(r *meshperf.Result) {
			r.Resources = nil
			r.Labels["mode"] = "baseline"
		}), want: []string{"app_cpu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.budget.Evaluate(tt.res)
			if got := metrics(err); !slices.Equal(got, tt.want) {
				t.Fatalf("Evaluate: violations %q, want %q (err: %v)", got, tt.want, err)
			}
			if (err == nil) != (tt.want == nil) {
				t.Fatalf("Evaluate = %v, want violations %q", err, tt.want)
			}
			if err == nil {
				return
			}
			var v *Violation
			if !errors.As(err, &v) || v.Metric != tt.want[0] {
				t.Errorf("errors.As(*Violation) = %v, want the first violation", v)
			}
			for _, v := range err.(Violations) {
				if v.Samples != tt.res.Latency.Count || v.Step != StepOf(tt.res) {
					t.Errorf("violation %s carries samples %d, step %v; want %d, %v", v.Metric, v.Samples, v.Step, tt.res.Latency.Count, StepOf(tt.res))
				}
			}
		})
	}
}

func TestBudgetInvalid(t *testing.T) {
	tests := []struct {
		name   string
		budget Budget
		want   string // in the error
	}{
		{name: "negative latency", budget: Budget{P99: -time.Millisecond}, want: "Budget.P99 = -1ms"},
		{name: "error rate above 1", budget: Budget{MaxErrorRate: 5}, want: "Budget.MaxErrorRate = 5: must be a share from 0 to 1"},
		{name: "negative ratio", budget: Budget{MinQPSRatio: -0.5}, want: "Budget.MinQPSRatio = -0.5"},
		{name: "negative cpu", budget: Budget{AppCPU: -meshperf.Core}, want: "Budget.AppCPU = -1000m"},
		{name: "negative memory", budget: Budget{TotalSidecarMemory: -1}, want: "Budget.TotalSidecarMemory = -1 bytes"},
		{name: "unsent in percent", budget: Budget{MaxUnsent: 5}, want: "Budget.MaxUnsent = 5: must be a share from 0 to 1"},
		{name: "negative unsent", budget: Budget{MaxUnsent: -0.1}, want: "Budget.MaxUnsent = -0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.budget.Evaluate(result())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Evaluate = %v, want an error containing %q", err, tt.want)
			}
			if metrics(err) != nil {
				t.Errorf("an invalid budget returned Violations: %v", err)
			}
			ft := &fakeT{}
			if Budget.Check(tt.budget, ft, result()) || len(ft.errors) != 1 {
				t.Errorf("Check reported %d errors, want 1", len(ft.errors))
			}
			if ft.helpers == 0 {
				t.Error("Check did not call Helper")
			}
		})
	}
	if err := (Budget{}).Evaluate(nil); err == nil {
		t.Error("Evaluate(nil) = nil, want an error")
	}
}

// TestCheckGolden pins the wording of failures as testify reports them.
func TestCheckGolden(t *testing.T) {
	tests := []struct {
		name  string
		check func(ft *fakeT)
	}{
		{name: "Budget.Check passes", check: func(ft *fakeT) {
			Budget{P99: 5 * time.Millisecond}.Check(ft, result())
		}},
		{name: "Budget.Check latency, error rate and sidecars", check: func(ft *fakeT) {
			Budget{P99: 300 * time.Microsecond, MaxErrorRate: 0.001, SidecarCPU: 80 * meshperf.Millicore,
				SidecarMemory: 128 * meshperf.MiB, MinQPSRatio: 0.99}.Check(ft, result(func(r *meshperf.Result) {
				r.StatusCodes = map[int]int64{200: 995, 503: 5}
				r.ActualQPS = 987.5
				delete(r.Resources, meshperf.ClientSidecar)
			}))
		}},
		{name: "Budget.Check zero samples", check: func(ft *fakeT) {
			Budget{}.Check(ft, result(func(r *meshperf.Result) {
				r.Latency.Count = 0
				r.StatusCodes = nil
				r.TransportErrors = map[string]int64{"connect": 1000}
				r.RequestedQPS = 0
				r.Labels = nil
			}))
		}},
		{name: "Budget.Check unsent and overflow", check: func(ft *fakeT) {
			Budget{P99: time.Minute}.Check(ft, result(func(r *meshperf.Result) {
				r.RequestedQPS, r.ActualQPS, r.Concurrency = 100, 19.7, 1
				r.Requests, r.Unsent, r.Late, r.StatusCodes, r.Latency.Count = 59, 241, 58, map[int]int64{200: 59}, 59
				r.Overflow = 2
			}))
		}},
		{name: "Budget.Require stops once", check: func(ft *fakeT) {
			Budget{P50: 100 * time.Microsecond, P99: 300 * time.Microsecond}.Require(ft, result())
		}},
		{name: "Budget.Require passes", check: func(ft *fakeT) {
			Budget{}.Require(ft, result())
		}},
		{name: "Budget.Check invalid budget", check: func(ft *fakeT) {
			Budget{MaxErrorRate: 1.5}.Check(ft, result())
		}},
		{name: "Overhead.Check absolute and relative", check: func(ft *fakeT) {
			Overhead{P50: Percent(20), P99: 50 * time.Microsecond, CPU: 100 * meshperf.Millicore}.Check(ft, baseline(), result())
		}},
		{name: "Overhead.Require relative CPU", check: func(ft *fakeT) {
			Overhead{CPU: Percent(50)}.Require(ft, baseline(), result())
		}},
		{name: "Overhead.Check CPU not measured", check: func(ft *fakeT) {
			Overhead{CPU: Percent(50)}.Check(ft, baseline(func(r *meshperf.Result) { r.Resources = nil }), result())
		}},
	}
	var b strings.Builder
	for _, tt := range tests {
		ft := &fakeT{}
		tt.check(ft)
		fmt.Fprintf(&b, "=== %s\n%s\n", tt.name, ft.output())
	}
	golden(t, "check.golden", b.String())
}

func TestViolationsError(t *testing.T) {
	err := Budget{P50: 100 * time.Microsecond, P99: 300 * time.Microsecond}.Evaluate(result())
	golden(t, "violations.golden", err.Error()+"\n")
}

// TestBudgetUnsentAndOverflowCarryCounts: the violations carry the counts
// in typed values, so that code can read them, not only the message.
func TestBudgetUnsentAndOverflowCarryCounts(t *testing.T) {
	err := Budget{P99: time.Minute}.Evaluate(result(func(r *meshperf.Result) {
		r.Requests, r.Unsent, r.Late, r.StatusCodes, r.Latency.Count = 59, 241, 58, map[int]int64{200: 59}, 59
		r.Overflow = 2
	}))
	var vs Violations
	if !errors.As(err, &vs) || len(vs) != 2 {
		t.Fatalf("Evaluate = %v, want an unsent and an overflow violation", err)
	}
	if got, ok := vs[0].Got.(Unsent); !ok || got != (Unsent{Slots: 241, Planned: 300, Late: 58}) || vs[0].Limit != Percent(100*DefaultMaxUnsent) {
		t.Errorf("unsent violation got %#v, limit %v", vs[0].Got, vs[0].Limit)
	}
	if got, ok := vs[1].Got.(Overflow); !ok || got.Count != 2 {
		t.Errorf("overflow violation got %#v", vs[1].Got)
	}
}

package assertions

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
)

func TestParseBudget(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  Thresholds
		print string // String() of the result
	}{
		{name: "empty", in: "  ", want: Thresholds{}, print: ""},
		{
			name: "issue example",
			in:   "p99<5ms,p999<20ms,err<0.1%,sidecar_cpu<500m,sidecar_mem<128Mi,client_sidecar_cpu<300m,app_cpu<1,qps_ratio>0.99,overhead_p99<2ms,overhead_p50<20%",
			want: Thresholds{
				Budget: Budget{P99: 5 * time.Millisecond, P999: 20 * time.Millisecond, MaxErrorRate: 0.001,
					SidecarCPU: 500 * meshperf.Millicore, SidecarMemory: 128 * meshperf.MiB, ClientSidecarCPU: 300 * meshperf.Millicore,
					AppCPU: meshperf.Core, MinQPSRatio: 0.99},
				Overhead: Overhead{P99: 2 * time.Millisecond, P50: Percent(20), MaxErrorRate: 0.001},
			},
			print: "p99<5ms,p999<20ms,err<0.1%,qps_ratio>0.99,sidecar_cpu<500m,sidecar_mem<128Mi,client_sidecar_cpu<300m,app_cpu<1000m,overhead_p50<20%,overhead_p99<2ms",
		},
		{
			name: "spaces, other units",
			in:   " p50 < 300us , max<1.5s, qps_ratio > 99.5% , total_sidecar_mem<1G, server_sidecar_mem<1.5Gi, overhead_cpu<200m",
			want: Thresholds{
				Budget:   Budget{P50: 300 * time.Microsecond, Max: 1500 * time.Millisecond, MinQPSRatio: 0.995, TotalSidecarMemory: 1e9, ServerSidecarMemory: 1536 * meshperf.MiB},
				Overhead: Overhead{CPU: 200 * meshperf.Millicore},
			},
			print: "p50<300µs,max<1.5s,qps_ratio>0.995,server_sidecar_mem<1536Mi,total_sidecar_mem<1000000000,overhead_cpu<200m",
		},
		{
			name:  "unsent ceiling",
			in:    "p99<5ms,unsent<0.5%",
			want:  Thresholds{Budget: Budget{P99: 5 * time.Millisecond, MaxUnsent: 0.005}, Overhead: Overhead{MaxUnsent: 0.005}},
			print: "p99<5ms,unsent<0.5%",
		},
		{
			name:  "no unsent allowed",
			in:    "unsent<0%",
			want:  Thresholds{Budget: Budget{MaxUnsent: NoUnsent}, Overhead: Overhead{MaxUnsent: NoUnsent}},
			print: "unsent<0%",
		},
		{
			name:  "no unsent ceiling",
			in:    "unsent<100%",
			want:  Thresholds{Budget: Budget{MaxUnsent: AnyUnsent}, Overhead: Overhead{MaxUnsent: AnyUnsent}},
			print: "unsent<100%",
		},
		{
			name:  "no errors allowed",
			in:    "err<0%,overhead_max<0s,overhead_cpu<50%",
			want:  Thresholds{Budget: Budget{MaxErrorRate: NoErrors}, Overhead: Overhead{MaxErrorRate: NoErrors, Max: time.Duration(0), CPU: Percent(50)}},
			print: "err<0%,overhead_max<0s,overhead_cpu<50%",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBudget(tt.in)
			if err != nil {
				t.Fatalf("ParseBudget(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseBudget(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
			if s := got.String(); s != tt.print {
				t.Errorf("String() = %q, want %q", s, tt.print)
			}
		})
	}
}

// TestParseBudgetErrors pins the wording of parse errors.
func TestParseBudgetErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "unknown metric", in: "p99<5ms,p95<3ms"},
		{name: "wrong direction", in: "p99>5ms"},
		{name: "floor written as ceiling", in: "qps_ratio<0.9"},
		{name: "or-equal", in: "p99<=5ms"},
		{name: "duplicate", in: "p99<5ms,p99<6ms"},
		{name: "no comparison", in: "p99=5ms"},
		{name: "empty clause", in: "p99<5ms,,err<1%"},
		{name: "duration without unit", in: "p99<5"},
		{name: "zero latency", in: "p50<0s"},
		{name: "negative latency", in: "p50<-1ms"},
		{name: "error rate as a fraction", in: "err<0.001"},
		{name: "error rate over 100%", in: "err<150%"},
		{name: "ratio over 1", in: "qps_ratio>1.5"},
		{name: "unsent as a fraction", in: "unsent<0.01"},
		{name: "unsent over 100%", in: "unsent<101%"},
		{name: "unsent as a floor", in: "unsent>1%"},
		{name: "bad cpu", in: "sidecar_cpu<500mc"},
		{name: "zero cpu", in: "app_cpu<0"},
		{name: "bad memory", in: "sidecar_mem<128MB"},
		{name: "NaN memory", in: "sidecar_mem<NaN"},
		{name: "bad overhead", in: "overhead_p99<fast"},
		{name: "bad cpu overhead", in: "overhead_cpu<2ms"},
	}
	var b strings.Builder
	for _, tt := range tests {
		_, err := ParseBudget(tt.in)
		if err == nil {
			t.Errorf("%s: ParseBudget(%q) = nil error", tt.name, tt.in)
			continue
		}
		if _, ok := err.(*ParseError); !ok {
			t.Errorf("%s: error is %T, want *ParseError", tt.name, err)
		}
		fmt.Fprintf(&b, "%s: %s\n\t%v\n", tt.name, tt.in, err)
	}
	golden(t, "parse_errors.golden", b.String())
}

func FuzzParseBudget(f *testing.F) {
	for _, s := range []string{
		"",
		"p99<5ms,p999<20ms,err<0.1%,sidecar_cpu<500m,sidecar_mem<128Mi,client_sidecar_cpu<300m,app_cpu<1,qps_ratio>0.99,overhead_p99<2ms,overhead_p50<20%",
		"p50<300us,max<1.5s,qps_ratio>99.5%,total_sidecar_mem<1G,server_sidecar_mem<1.5Gi,overhead_cpu<200m",
		"err<0%,overhead_max<0s,overhead_cpu<50%",
		"unsent<0%", "unsent<100%", "unsent<0.1%,err<1%",
		"err<33.333333333333%,app_cpu<0.1234567m,sidecar_mem<1.5,overhead_p90<1e-7%",
		"p99>5ms", "p99<=5ms", "p99<5ms,,", "unknown<1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseBudget(s)
		if err != nil {
			return
		}
		printed := th.String()
		again, err := ParseBudget(printed)
		if err != nil {
			t.Fatalf("ParseBudget(%q) printed %q, which does not parse: %v", s, printed, err)
		}
		if again != th {
			t.Fatalf("ParseBudget(%q) = %#v\nprinted %q, which parses to %#v", s, th, printed, again)
		}
		if again.String() != printed {
			t.Fatalf("String() is not stable: %q then %q", printed, again.String())
		}
		// A parsed Budget and Overhead are always valid.
		if err := th.Budget.validate(); err != nil {
			t.Fatalf("ParseBudget(%q) gave an invalid Budget: %v", s, err)
		}
		if err := th.Overhead.validate(); err != nil {
			t.Fatalf("ParseBudget(%q) gave an invalid Overhead: %v", s, err)
		}
	})
}

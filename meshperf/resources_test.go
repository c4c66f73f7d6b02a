package meshperf

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSummarizeResourcesUsesTheWindowOnly(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	var samples []ResourceSample
	// 0.5 cores during a 2 s warm-up, then 0.2 cores, with one busy second at
	// 0.8; working set grows by 1 MiB a second.
	cpu := time.Duration(0)
	for i := range 12 {
		rate := 0.2
		switch {
		case i <= 2:
			rate = 0.5
		case i == 6:
			rate = 0.8
		}
		if i > 0 {
			cpu += time.Duration(rate * float64(time.Second))
		}
		samples = append(samples, ResourceSample{At: t0.Add(time.Duration(i) * time.Second), CPUTime: cpu,
			WorkingSet: Bytes(i) * MiB, RSS: Bytes(i) * MiB / 2})
	}
	r, err := SummarizeResources(samples, t0.Add(2*time.Second), t0.Add(11*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// Window 2..11 s: 8 intervals at 0.2 and one at 0.8 over 9 s.
	if want := (8*0.2 + 0.8) / 9; math.Abs(float64(r.CPUMean)-want) > 1e-9 {
		t.Errorf("CPUMean = %v, want %v", r.CPUMean, want)
	}
	if math.Abs(float64(r.CPUMax)-0.8) > 1e-9 {
		t.Errorf("CPUMax = %v, want 0.8 (the warm-up's 0.5 is outside the window)", r.CPUMax)
	}
	if r.WorkingSetMax != 11*MiB || r.RSSMax != 11*MiB/2 || r.Samples != 10 {
		t.Errorf("memory max %v rss %v samples %d", r.WorkingSetMax, r.RSSMax, r.Samples)
	}
	if r.WorkingSetMean != (2+3+4+5+6+7+8+9+10+11)*MiB/10 {
		t.Errorf("WorkingSetMean = %v", r.WorkingSetMean)
	}
}

func TestSummarizeResourcesNeedsTwoSamples(t *testing.T) {
	t0 := time.Now()
	_, err := SummarizeResources([]ResourceSample{{At: t0}}, t0, t0.Add(time.Second))
	if !errors.Is(err, ErrTooFewSamples) {
		t.Errorf("error = %v, want ErrTooFewSamples", err)
	}
}

func TestUnits(t *testing.T) {
	if got := (500 * Millicore).String(); got != "500m" {
		t.Errorf("500 millicores print as %q", got)
	}
	if got := (128 * MiB).String(); got != "128.0MiB" {
		t.Errorf("128 MiB prints as %q", got)
	}
	if got := Bytes(512).String(); got != "512B" {
		t.Errorf("512 B prints as %q", got)
	}
}

func TestParseQuantities(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want CPU
	}{{"500m", 500 * Millicore}, {"1", Core}, {"0.1", 100 * Millicore}, {"2.5", 2500 * Millicore}} {
		got, err := ParseCPU(tt.in)
		if err != nil || math.Abs(float64(got-tt.want)) > 1e-12 {
			t.Errorf("ParseCPU(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "-1", "1c", "m", "NaN"} {
		if _, err := ParseCPU(bad); err == nil {
			t.Errorf("ParseCPU(%q): want an error", bad)
		}
	}
	for _, tt := range []struct {
		in   string
		want Bytes
	}{{"512Mi", 512 * MiB}, {"1Gi", GiB}, {"100", 100}, {"1.5Ki", 1536}, {"2M", 2000000}} {
		got, err := ParseBytes(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseBytes(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "-1Mi", "12XB", "Mi", "1e30Gi"} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q): want an error", bad)
		}
	}
}

// Quantities that are not finite, are negative or overflow are refused with
// an error naming the value, never read as a garbage number.
func TestParseQuantitiesRefuseNaNInfNegativeOverflow(t *testing.T) {
	tests := []struct {
		name  string
		parse func(string) (float64, error)
		in    string
	}{
		{"bytes", parseBytesF, "NaN"},
		{"bytes", parseBytesF, "NaNMi"},
		{"bytes", parseBytesF, "Inf"},
		{"bytes", parseBytesF, "InfKi"},
		{"bytes", parseBytesF, "-0.5Gi"},
		{"bytes", parseBytesF, "9223372036854775807Ki"},
		{"bytes", parseBytesF, "9223372036854775808"},
		{"bytes", parseBytesF, "0x10"},
		{"cpu", parseCPUF, "NaNm"},
		{"cpu", parseCPUF, "+Inf"},
		{"cpu", parseCPUF, "-500m"},
		{"cpu", parseCPUF, "1e400"},
	}
	for _, tt := range tests {
		got, err := tt.parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), strconv.Quote(tt.in)) || !strings.Contains(err.Error(), "use ") {
			t.Errorf("Parse %s %q = %v, %v; want an error naming the value and what to use", tt.name, tt.in, got, err)
		}
	}
}

func parseBytesF(s string) (float64, error) { b, err := ParseBytes(s); return float64(b), err }
func parseCPUF(s string) (float64, error)   { c, err := ParseCPU(s); return float64(c), err }
func TestSumPodsTotalsAndKeepsTheBusiest(t *testing.T) {
	pod := func(cpu CPU, ws Bytes, samples int, why string) Resources {
		return Resources{CPUMean: cpu, CPUMax: 2 * cpu, WorkingSetMean: ws, WorkingSetMax: ws, RSSMax: ws / 2, Samples: samples,
			CPULimit: Core, MemoryLimit: 512 * MiB, Enforced: true, LimitsCheck: "checked", Source: "kubelet", Unreliable: why}
	}
	cases := []struct {
		name string
		pods []Resources
		want Resources
	}{
		{name: "one pod is itself", pods: []Resources{pod(0.1, MiB, 5, "")}, want: pod(0.1, MiB, 5, "")},
		{name: "three pods", pods: []Resources{pod(0.1, 3*MiB, 5, ""), pod(0.3, MiB, 4, ""), pod(0.2, 2*MiB, 6, "")},
			want: Resources{CPUMean: 0.6, CPUMax: 1.2, WorkingSetMean: 6 * MiB, WorkingSetMax: 6 * MiB, RSSMax: 3 * MiB,
				Samples: 4, Pods: 3, BusiestPodCPU: 0.3, LargestPodWorkingSet: 3 * MiB, CPULimit: Core, MemoryLimit: 512 * MiB,
				Enforced: true, LimitsCheck: "checked", Source: "kubelet"}},
		{name: "one pod unreliable marks the total", pods: []Resources{pod(0.1, MiB, 5, ""), pod(0.1, MiB, 1, "1 reading")},
			want: Resources{CPUMean: 0.2, CPUMax: 0.4, WorkingSetMean: 2 * MiB, WorkingSetMax: 2 * MiB, RSSMax: MiB,
				Samples: 1, Pods: 2, BusiestPodCPU: 0.1, LargestPodWorkingSet: MiB, CPULimit: Core, MemoryLimit: 512 * MiB,
				Enforced: true, LimitsCheck: "checked", Source: "kubelet", Unreliable: "pod 2 of 2: 1 reading"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := SumPods(tc.pods...)
			if math.Abs(float64(got.CPUMean-tc.want.CPUMean)) < 1e-9 && math.Abs(float64(got.CPUMax-tc.want.CPUMax)) < 1e-9 {
				got.CPUMean, got.CPUMax = tc.want.CPUMean, tc.want.CPUMax
			}
			if got != tc.want {
				t.Errorf("SumPods:\n got  %+v\n want %+v", got, tc.want)
			}
		})
	}
	notEnforced := pod(0.1, MiB, 5, "")
	notEnforced.Enforced = false
	if SumPods(pod(0.1, MiB, 5, ""), notEnforced).Enforced {
		t.Error("a total is enforced although one pod's limits are not")
	}
}

func TestResourcesMarksTravelInJSONAndText(t *testing.T) {
	r := &Result{Resources: map[string]Resources{ClientSidecar: {CPUMean: 0.6, CPUMax: 0.9, WorkingSetMax: 6 * MiB, Samples: 1,
		Unreliable: "1 kubelet reading in the window", Pods: 3, BusiestPodCPU: 0.3, LargestPodWorkingSet: 3 * MiB,
		CPULimit: Core, MemoryLimit: 512 * MiB, LimitsCheck: "cpu.max reads max 100000", Source: "kubelet"}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"unreliable":"1 kubelet reading in the window"`, `"pods":3`, `"busiest_pod_cpu_mean_cores":0.3`,
		`"largest_pod_working_set_max_bytes":3145728`, `"limits_enforced":false`, `"limits_check":"cpu.max reads max 100000"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Resources[ClientSidecar] != r.Resources[ClientSidecar] {
		t.Errorf("round trip:\n got  %+v\n want %+v", back.Resources[ClientSidecar], r.Resources[ClientSidecar])
	}
	text := r.Resources[ClientSidecar].String()
	for _, want := range []string{"cpu 600m", "total of 3 pods (busiest 300m, largest 3.0MiB)", "NOT VERIFIED (cpu.max reads max 100000)",
		"UNRELIABLE: 1 kubelet reading in the window"} {
		if !strings.Contains(text, want) {
			t.Errorf("String() = %q, lacks %q", text, want)
		}
	}
	if c, m := r.Resources[ClientSidecar].PerInstance(); c != 0.3 || m != 3*MiB {
		t.Errorf("PerInstance = %v, %v; want the busiest pod's 300m, 3MiB", c, m)
	}
}

func TestReportOmitsUnreliableResources(t *testing.T) {
	r := &Result{Resources: map[string]Resources{
		ClientSidecar: {CPUMean: 0.6, WorkingSetMax: 6 * MiB, Samples: 4, Pods: 3, BusiestPodCPU: 0.3, LargestPodWorkingSet: 3 * MiB},
		ServerSidecar: {CPUMean: 0.2, WorkingSetMax: MiB, Samples: 1, Unreliable: "1 reading"},
	}}
	got := fakeReporter{}
	ReportTo(got, r)
	for unit, want := range map[string]float64{"client-sidecar-cpu-mcores": 600, "client-sidecar-mem-B": float64(6 * MiB),
		"client-sidecar-busiest-pod-cpu-mcores": 300, "client-sidecar-largest-pod-mem-B": float64(3 * MiB)} {
		if v, ok := got[unit]; !ok || math.Abs(v-want) > 1e-6 {
			t.Errorf("%s = %v (reported %v), want %v", unit, v, ok, want)
		}
	}
	for _, unit := range []string{"server-sidecar-cpu-mcores", "server-sidecar-mem-B"} {
		if v, ok := got[unit]; ok {
			t.Errorf("%s = %v reported for an unreliable figure", unit, v)
		}
	}
	var b strings.Builder
	if err := WriteUnits(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Unit client-sidecar-busiest-pod-cpu-mcores better=lower\n", "Unit client-sidecar-largest-pod-mem-B better=lower\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WriteUnits lacks %q", want)
		}
	}
}

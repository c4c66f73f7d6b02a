package meshperf

import (
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

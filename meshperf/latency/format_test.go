package latency

import (
	"fmt"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{850, "850ns"},
		{1000, "1.00µs"},
		{212 * time.Microsecond, "212µs"},
		{99_960 * time.Nanosecond, "100µs"},
		{1_240 * time.Microsecond, "1.24ms"},
		{12_345 * time.Microsecond, "12.3ms"},
		{3500 * time.Millisecond, "3.50s"},
		{-2 * time.Millisecond, "-2.00ms"},
		{999_936 * time.Nanosecond, "1.00ms"},
		{999_499 * time.Nanosecond, "999µs"},
		{999_600 * time.Microsecond, "1.00s"},
	} {
		if got := Format(tt.d); got != tt.want {
			t.Errorf("Format(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func ExampleFormat() {
	fmt.Println(Format(212*time.Microsecond), Format(1240*time.Microsecond), Format(3*time.Second))
	// Output: 212µs 1.24ms 3.00s
}

// A summary of no samples never prints as zero latency.
func TestSummaryFormat(t *testing.T) {
	tests := []struct {
		name string
		s    Summary
		v    func(Summary) time.Duration
		want string
	}{
		{"empty p99", Summary{}, func(s Summary) time.Duration { return s.P99 }, NoSamples},
		{"empty min", Summary{}, func(s Summary) time.Duration { return s.Min }, NoSamples},
		{"p99", Summary{Count: 3, P99: 1240 * time.Microsecond}, func(s Summary) time.Duration { return s.P99 }, "1.24ms"},
		{"zero-latency sample", Summary{Count: 1}, func(s Summary) time.Duration { return s.Min }, "0ns"},
	}
	for _, tt := range tests {
		if got := tt.s.Format(tt.v(tt.s)); got != tt.want {
			t.Errorf("%s: Format = %q, want %q", tt.name, got, tt.want)
		}
	}
}

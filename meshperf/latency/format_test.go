package latency

import (
	"fmt"
	"math"
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

// Format is total: the extremes of a Duration print without recursing.
func TestFormatExtremes(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{math.MinInt64, "-9223372037s"},
		{math.MaxInt64, "9223372037s"},
		{-time.Millisecond, "-1.00ms"},
		{-1, "-1ns"},
	} {
		if got := Format(tt.d); got != tt.want {
			t.Errorf("Format(%d) = %q, want %q", int64(tt.d), got, tt.want)
		}
	}
}

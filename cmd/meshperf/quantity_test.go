package main

import (
	"strings"
	"testing"
)

// Quantity flags are read by the shared parser: a value that is not a
// quantity is a usage error (exit 2) naming the flag and the value, before
// anything is brought up, never a garbage limit.
func TestQuantityFlagsRefuseNonQuantities(t *testing.T) {
	tests := []struct {
		args []string
		want []string // the message must contain each
	}{
		{[]string{"sweep", "-mem-limit", "NaN"}, []string{"-mem-limit", `"NaN" is not a number`}},
		{[]string{"sweep", "-mem-limit", "NaNMi"}, []string{"-mem-limit", `"NaNMi" is not a number`}},
		{[]string{"sweep", "-mem-limit", "Inf"}, []string{"-mem-limit", `"Inf" is not a number`}},
		{[]string{"sweep", "-mem-limit", "-1Mi"}, []string{"-mem-limit", `"-1Mi" is negative`}},
		{[]string{"sweep", "-mem-limit", "9223372036854775808"}, []string{"-mem-limit", "is too large"}},
		{[]string{"sweep", "-mem-limit", "0.5"}, []string{"-mem-limit", "not a whole number of bytes"}},
		{[]string{"sweep", "-cpu-limit", "NaN"}, []string{"-cpu-limit", `"NaN" is not a number`}},
		{[]string{"sweep", "-cpu-limit", "+Inf"}, []string{"-cpu-limit", `"+Inf" is not a number`}},
		{[]string{"sweep", "-cpu-limit", "-500m"}, []string{"-cpu-limit", `"-500m" is negative`}},
		{[]string{"capacity", "-budget", "p99<5ms", "-tolerance", "NaN%", "http://127.0.0.1:9/"}, []string{"-tolerance", `"NaN%"`}},
		{[]string{"capacity", "-budget", "p99<5ms", "-tolerance", "0x1p0%", "http://127.0.0.1:9/"}, []string{"-tolerance", `"0x1p0%"`}},
		{[]string{"load", "-budget", "sidecar_mem<NaNMi", "http://127.0.0.1:9/"}, []string{"-budget", "NaNMi"}},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, tt.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tt.args, code, exitUsage, stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr %q lacks %q", tt.args, stderr, w)
			}
		}
	}
}

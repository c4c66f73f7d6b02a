package assertions

import (
	"errors"
	"testing"
)

// Budget values go through the shared quantity parser: what is not a plain
// decimal quantity (NaN, Inf, hex, a fraction of a byte, overflow, a
// negative) is a ParseError, never a silently rounded or garbage limit.
func TestParseBudgetRefusesNonQuantities(t *testing.T) {
	for _, text := range []string{
		"qps_ratio>0x1p-1",
		"err<0x1p-3%",
		"err<NaN%",
		"sidecar_mem<1.5",
		"sidecar_mem<NaNMi",
		"sidecar_mem<InfGi",
		"sidecar_mem<9223372036854775808",
		"sidecar_cpu<NaNm",
		"sidecar_cpu<Inf",
		"sidecar_cpu<-500m",
		"overhead_p99<-2ms",
		"overhead_p99<NaN%",
		"overhead_cpu<0x1p4m",
		"p99<-5ms",
	} {
		th, err := ParseBudget(text)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseBudget(%q) = %+v, %v; want a ParseError", text, th, err)
		}
	}
}

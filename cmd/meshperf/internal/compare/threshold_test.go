package compare

import (
	"errors"
	"strings"
	"testing"
)

// Threshold values go through the shared quantity parser: NaN, Inf, hex,
// overflow and negatives are refused, naming the clause, never read as a
// garbage limit.
func TestParseThresholdsRefusesNonQuantities(t *testing.T) {
	for _, clause := range []string{
		"total_sidecar_mem>+9223372036854775808",
		"total_sidecar_mem>+NaNMi",
		"total_sidecar_mem>+0.5",
		"total_sidecar_cpu>+NaNm",
		"total_sidecar_cpu>+0x1p4m",
		"total_sidecar_cpu>+1e400",
		"p99>+NaN%",
		"p99>+Inf%",
		"p99>+0x1p4%",
		"p50>+-5ms",
		"qps<-Inf",
		"qps<-1e999",
		"err>+NaNpp",
	} {
		ts, err := ParseThresholds(clause)
		var te *ThresholdError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), clause) {
			t.Errorf("ParseThresholds(%q) = %+v, %v; want a ThresholdError naming the clause", clause, ts, err)
		}
	}
}

func TestParseThresholdsReadsQuantities(t *testing.T) {
	tests := []struct {
		clause string
		want   float64
	}{
		{"total_sidecar_mem>+16Mi", 16 << 20},
		{"total_sidecar_mem>+1.5Ki", 1536},
		{"total_sidecar_cpu>+50m", 50},
		{"total_sidecar_cpu>+0.1", 100},
		{"p99>+1.5ms", 1.5e6},
		{"qps<-500", 500},
		{"p99>+12.5%", 12.5},
		{"err>+0.5pp", 0.005},
	}
	for _, tt := range tests {
		ts, err := ParseThresholds(tt.clause)
		if err != nil || len(ts) != 1 || !close(ts[0].Limit, tt.want) {
			t.Errorf("ParseThresholds(%q) = %+v, %v; want limit %v", tt.clause, ts, err, tt.want)
		}
	}
}

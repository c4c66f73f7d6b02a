package report

import (
	"slices"
	"testing"
)

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		max     float64
		labels  []string
		wantTop float64
	}{
		{max: 0, labels: []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}, wantTop: 1},
		{max: 0.66, labels: []string{"0.0", "0.2", "0.4", "0.6", "0.8"}, wantTop: 0.8},
		{max: 1140, labels: []string{"0", "500", "1000", "1500"}, wantTop: 1500},
		{max: 384, labels: []string{"0", "100", "200", "300", "400"}, wantTop: 400},
		{max: 42, labels: []string{"0", "10", "20", "30", "40", "50"}, wantTop: 50},
	}
	for _, tt := range tests {
		ticks, top := niceTicks(tt.max)
		var labels []string
		for _, tk := range ticks {
			labels = append(labels, tk.label)
		}
		if !slices.Equal(labels, tt.labels) || top != tt.wantTop {
			t.Errorf("niceTicks(%v) = %v, top %v; want %v, top %v", tt.max, labels, top, tt.labels, tt.wantTop)
		}
	}
}

func TestLatencyUnit(t *testing.T) {
	tests := []struct {
		maxNS    float64
		wantDiv  float64
		wantUnit string
	}{
		{maxNS: 999_999, wantDiv: 1e3, wantUnit: "µs"},
		{maxNS: 1e6, wantDiv: 1e6, wantUnit: "ms"},
	}
	for _, tt := range tests {
		if div, unit := latencyUnit(tt.maxNS); div != tt.wantDiv || unit != tt.wantUnit {
			t.Errorf("latencyUnit(%v) = %v, %q; want %v, %q", tt.maxNS, div, unit, tt.wantDiv, tt.wantUnit)
		}
	}
}
